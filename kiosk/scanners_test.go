package kiosk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/scanner"
)

// usbScanner is the USB boundary of a scanner in keyboard mode: Open
// takes the endpoint the test plugs in (plugged), and fails as libusb's
// lookup does while none is; an endpoint's reads return the reports the
// test sends, and fail as libusb does once the test unplugs it (closes
// its reports).
type usbScanner struct {
	plugged chan *usbEndpoint
}

func (u *usbScanner) Open(ctx context.Context) (scanner.Endpoint, error) {
	select {
	case ep := <-u.plugged:
		return ep, nil
	default:
		return nil, errors.New("no USB scanner 05e0:1200 found: is it plugged in?")
	}
}

type usbEndpoint struct {
	reports chan []byte
}

func (e *usbEndpoint) Read(ctx context.Context, p []byte) (int, error) {
	select {
	case r, ok := <-e.reports:
		if !ok {
			return 0, errors.New("libusb: no device [code -4]")
		}
		return copy(p, r), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (e *usbEndpoint) Close() error { return nil }

// keyReports is what a scanner in keyboard mode sends for a code of
// digits: for each digit a report with its key pressed and an all-zero
// one as it is released, then Enter the same way; one 8-byte report a
// transfer, as an interrupt endpoint delivers them.
func keyReports(code string) [][]byte {
	var out [][]byte
	press := func(usage byte) { out = append(out, []byte{0, 0, usage, 0, 0, 0, 0, 0}, make([]byte, 8)) }
	for _, r := range code {
		if r == '0' {
			press(0x27)
		} else {
			press(0x1E + byte(r-'1'))
		}
	}
	press(0x28)
	return out
}

// A USB scanner's scans open the customer's screen; unplugged, attract
// says so in a line staff see (and the status endpoint says
// "unplugged"), and the keyboard wedge still works; plugged back, it is
// used again and the line goes. Everything the scanner's goroutine takes
// to the screens runs on the test's goroutine, as on Fyne's.
func TestScannerComesAndGoes(t *testing.T) {
	s, now, c := customerOf100(t)
	w := newWindow(t)
	w.Resize(fyne.NewSize(1920, 1080))
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after}
	ui := make(chan func(), 64)
	kiosk.DeliverUI(k, func(f func()) { ui <- f })
	k.Start(lang.EN)

	dev := &usbScanner{plugged: make(chan *usbEndpoint)}
	boot, err := scanner.NewBootDecoder(scanner.BootConfig{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := scanner.NewReportSource(scanner.ReportSourceConfig{Device: "USB scanner 05e0:1200", Open: dev.Open, Decoder: boot,
		PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- k.RunScanner(ctx, &kiosk.Scanner{Source: src, ID: "usb 05e0:1200", Words: lang.M("kioskdevices.usb", lang.Args{"id": "05e0:1200"})})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunScanner: %v", err)
		}
	}()
	// until runs what reaches the screens until cond holds.
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for !cond() {
			select {
			case f := <-ui:
				f()
			case <-deadline:
				t.Fatalf("%s: never; the screen shows %q, the devices %v", what, texts(w.Content()), k.DeviceMap())
			}
		}
	}
	scan := func(ep *usbEndpoint, code string) {
		for _, r := range keyReports(code) {
			ep.reports <- r
		}
	}
	const banner = "Scanner USB 05e0:1200 not connected"

	// Not plugged in when the kiosk starts: the line says so.
	until("the banner before the scanner is plugged in", func() bool { return shows(w, banner) })
	if got := k.DeviceMap()["scanner"]; got != "usb 05e0:1200 unplugged" {
		t.Errorf("status before the scanner is plugged in: %q", got)
	}
	ep := &usbEndpoint{reports: make(chan []byte)}
	dev.plugged <- ep
	until("connected", func() bool { return k.DeviceMap()["scanner"] == "usb 05e0:1200 connected" })
	until("the banner gone", func() bool { return !shows(w, banner) })

	scan(ep, c.Number)
	until("the customer screen", func() bool { return k.Screen() == kiosk.ScreenCustomer })
	if !shows(w, "Hello, Мария") || !shows(w, "100 points") {
		t.Fatalf("after a scan: %q", texts(w.Content()))
	}
	// A misread (the check digit wrong) asks to scan again.
	bad := c.Number[:12] + string(rune('0'+(c.Number[12]-'0'+1)%10))
	scan(ep, bad)
	until("scan again", func() bool { return shows(w, "please scan again") })
	test.Tap(button(t, w.Content(), "Done"))

	close(ep.reports) // unplugged
	until("the banner after unplugging", func() bool { return shows(w, banner) })
	if got := k.DeviceMap()["scanner"]; got != "usb 05e0:1200 unplugged" {
		t.Errorf("status after unplugging: %q", got)
	}
	// The wedge works meanwhile; a customer's screen has no staff line.
	test.TypeOnCanvas(w.Canvas(), c.Number)
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if k.Screen() != kiosk.ScreenCustomer || shows(w, banner) {
		t.Fatalf("the wedge while the scanner is unplugged: %s %q", k.Screen(), texts(w.Content()))
	}
	test.Tap(button(t, w.Content(), "Done"))
	if !shows(w, banner) {
		t.Fatalf("back on attract: %q", texts(w.Content()))
	}
	for _, d := range k.DeviceStates() {
		if d.Device == kiosk.DeviceScanner && (d.OK || d.What.In(lang.BG) != "USB 05e0:1200" || !strings.HasPrefix(d.Words.In(lang.BG), "не е свързан: ")) {
			t.Errorf("the scanner's state for the manager: %+v, in Bulgarian %q", d, d.Words.In(lang.BG))
		}
	}

	ep = &usbEndpoint{reports: make(chan []byte)}
	dev.plugged <- ep
	until("the banner gone after plugging back", func() bool { return !shows(w, banner) })
	if got := k.DeviceMap()["scanner"]; got != "usb 05e0:1200 connected" {
		t.Errorf("status after plugging back: %q", got)
	}
	scan(ep, c.Number)
	until("the customer screen after plugging back", func() bool { return k.Screen() == kiosk.ScreenCustomer })
}

// --scanner's values: what each names, and the words of a refusal.
func TestParseScanner(t *testing.T) {
	for v, want := range map[string]kiosk.ScannerSetting{
		"":                    {Kind: kiosk.ScannerAuto},
		"auto":                {Kind: kiosk.ScannerAuto},
		"wedge":               {Kind: kiosk.ScannerWedge},
		"usb:05e0:1200":       {Kind: kiosk.ScannerUSB, VID: 0x05e0, PID: 0x1200},
		"hidpos:0c2e:0B61":    {Kind: kiosk.ScannerHIDPOS, VID: 0x0c2e, PID: 0x0b61},
		"serial:/dev/ttyACM1": {Kind: kiosk.ScannerSerial, Port: "/dev/ttyACM1"},
	} {
		got, err := kiosk.ParseScanner(v)
		if err != nil || got.Kind != want.Kind || got.VID != want.VID || got.PID != want.PID || got.Port != want.Port {
			t.Errorf("%q: %+v, %v; want %+v", v, got, err, want)
		}
	}
	for v, says := range map[string]string{
		"laser":      "not a scanner: give auto, wedge, usb:VID:PID",
		"usb:zz":     `"zz" is not a USB vendor and product id`,
		"hidpos":     "is not a USB vendor and product id",
		"serial:":    "not a scanner",
		"wedge:x":    "not a scanner",
		"auto:05e0:": "not a scanner",
	} {
		_, err := kiosk.ParseScanner(v)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: %v, want an error saying %q", v, err, says)
		}
	}
	// The wedge needs no source.
	if sc, err := (kiosk.ScannerSetting{Kind: kiosk.ScannerWedge}).Open(); sc != nil || err != nil {
		t.Errorf("the wedge: %+v, %v", sc, err)
	}
	// A serial scanner not plugged in yet is no error: its source waits.
	sc, err := (kiosk.ScannerSetting{Kind: kiosk.ScannerSerial, Port: "/dev/tochka-no-such-port"}).Open()
	if err != nil || sc.ID != "serial /dev/tochka-no-such-port" || sc.Words.In(lang.RU) != "последовательный порт /dev/tochka-no-such-port" {
		t.Errorf("a serial scanner: %+v, %v", sc, err)
	}
}
