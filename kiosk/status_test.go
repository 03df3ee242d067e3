package kiosk_test

import (
	"encoding/json"
	"image/png"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
)

// The status endpoint places every button a finger may tap, by its label,
// in the window's pixels, the language being spoken marked disabled; a
// tap at a target's middle does what its button does; GET /screenshot
// answers the window, a PNG of its size.
func TestStatusTargets(t *testing.T) {
	s, now, c := customerOf100(t)
	a := test.NewApp()
	defer a.Quit()
	w := a.NewWindow("kiosk")
	w.Resize(fyne.NewSize(1920, 1080))
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after,
		Printer: &testPrinter{}}
	k.Start(lang.EN)
	k.Scan(c.Number)
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		k.StatusHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		return rec
	}
	var st kiosk.Status
	if err := json.Unmarshal(get("/status").Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	labels := map[string]kiosk.Target{}
	for _, b := range st.Targets {
		labels[b.Label] = b
		if b.X < 0 || b.Y < 0 || b.W == 0 || b.H == 0 || b.X+b.W > 1920 || b.Y+b.H > 1080 {
			t.Errorf("the target %+v is not inside the 1920×1080 window", b)
		}
	}
	done, mug := labels["Done"], labels[takeLabel(lang.EN, 40)]
	if len(st.Targets) != 7 || labels["EN"].Disabled || labels["BG"].Disabled || mug.W == 0 || done.W == 0 {
		t.Fatalf("the customer screen's targets: %+v", st.Targets)
	}
	b := button(t, w.Content(), "Done")
	at := a.Driver().AbsolutePositionForObject(b)
	if done.X != int(at.X+0.5) || done.Y != int(at.Y+0.5) || done.W != int(b.Size().Width+0.5) || done.H != int(b.Size().Height+0.5) {
		t.Fatalf("Done is at %+v, its button at %v, %v", done, at, b.Size())
	}
	test.TapCanvas(w.Canvas(), fyne.NewPos(float32(mug.X+mug.W/2), float32(mug.Y+mug.H/2)))
	if k.Screen() != kiosk.ScreenConfirm {
		t.Fatalf("a tap in the middle of %+v shows %s", mug, k.Screen())
	}
	rec := get("/screenshot")
	img, err := png.Decode(rec.Body)
	if err != nil || rec.Header().Get("Content-Type") != "image/png" || img.Bounds().Dx() != 1920 || img.Bounds().Dy() != 1080 {
		t.Fatalf("GET /screenshot: %v %v %s", img.Bounds(), err, rec.Header().Get("Content-Type"))
	}
}
