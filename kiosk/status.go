package kiosk

import (
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Status is what the kiosk's status endpoint answers (GET /status, for
// fleet monitoring and tests): the screen shown, the session's language,
// the balance on the customer screen (null elsewhere), the devices with
// their states, the sync's freshness, the buttons a finger may tap, and
// how many scans the kiosk has taken since it started.
type Status struct {
	Screen    string            `json:"screen"`
	Scans     int               `json:"scans"`
	Lang      string            `json:"lang"`
	Available *int64            `json:"available"`
	Devices   map[string]string `json:"devices"`
	Sync      any               `json:"sync"`
	Targets   []Target          `json:"targets"`
}

// Target is a button the screen shows, where a finger would tap it: its
// label, and its place and size in the window's pixels (X and Y its top
// left corner from the window's), so that a test drives the real window
// as a person would (xdotool mousemove --window W X+W/2 Y+H/2 click 1).
type Target struct {
	Label    string `json:"label"`
	X        int    `json:"x"`
	Y        int    `json:"y"`
	W        int    `json:"w"`
	H        int    `json:"h"`
	Disabled bool   `json:"disabled,omitempty"`
}

// Status is the kiosk's status now; it runs on Fyne's goroutine.
func (k *Kiosk) Status() Status {
	st := Status{Screen: k.screen, Scans: k.scans, Lang: k.lang, Devices: k.DeviceMap(), Targets: k.targets()}
	if k.customer != nil {
		available := k.customer.Available
		st.Available = &available
	}
	if k.Sync != nil {
		st.Sync = k.Sync()
	}
	return st
}

// targets are the visible buttons of the window, its overlays' first,
// top to bottom as they are drawn, placed by the driver in window pixels.
func (k *Kiosk) targets() []Target {
	out := []Target{}
	c := k.Window.Canvas()
	scale := c.Scale()
	d := fyne.CurrentApp().Driver()
	px := func(v float32) int { return int(v*scale + 0.5) }
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch o := o.(type) {
		case *widget.Button:
			size := o.Size()
			if size.Width <= 0 || size.Height <= 0 {
				return
			}
			at := d.AbsolutePositionForObject(o)
			out = append(out, Target{Label: o.Text, X: px(at.X), Y: px(at.Y), W: px(size.Width), H: px(size.Height), Disabled: o.Disabled()})
		case *fyne.Container:
			for _, child := range o.Objects {
				walk(child)
			}
		case *container.Scroll:
			walk(o.Content)
		}
	}
	overlays := c.Overlays().List()
	for i := len(overlays) - 1; i >= 0; i-- {
		walk(overlays[i])
	}
	walk(c.Content())
	return out
}

// StatusHandler serves GET /status, the kiosk's Status, and GET
// /screenshot, the window as it is drawn now (PNG), once the screen
// shown has been painted; both are read on Fyne's goroutine.
func (k *Kiosk) StatusHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		var st Status
		fyne.DoAndWait(func() { st = k.Status() })
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("GET /screenshot", func(w http.ResponseWriter, r *http.Request) {
		var img image.Image
		painted()
		fyne.DoAndWait(func() { img = k.capture() })
		w.Header().Set("Content-Type", "image/png")
		png.Encode(w, img)
	})
	return mux
}

// capture is the window as it is drawn now: the canvas's own capture, or,
// where that reads nothing back (a GL whose front buffer cannot be read,
// as Mesa's software renderer under Xvfb), what the X server shows of
// the window.
func (k *Kiosk) capture() image.Image {
	img := k.Window.Canvas().Capture()
	if blank(img) {
		if shown := screenGrab(k.Window, img.Bounds().Size()); shown != nil {
			return shown
		}
	}
	return img
}

// blank says whether an image is transparent throughout.
func blank(img image.Image) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0 {
				return false
			}
		}
	}
	return true
}

// painted waits until Fyne has painted the window as it is now, at most
// a second. An animation ticks just before each frame is painted, so the
// second tick of one started now comes after a frame painted after
// everything done so far. A driver that runs no animations (Fyne's test
// driver) ticks it once, at its end, and has no frames to wait for.
func painted() {
	done := make(chan struct{})
	var once sync.Once
	ticks := 0
	a := fyne.NewAnimation(time.Minute, func(progress float32) {
		ticks++
		if ticks == 2 || progress == 1 {
			once.Do(func() { close(done) })
		}
	})
	a.Start()
	defer a.Stop()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}
