package kiosk

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/scanner"
	"github.com/tochka-loyalty/tochka/scanner/serial"
	scanusb "github.com/tochka-loyalty/tochka/scanner/usb"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// Kinds of scanner, as --scanner names them.
const (
	ScannerAuto   = "auto"   // a USB scanner that is connected, else the wedge
	ScannerWedge  = "wedge"  // the keyboard wedge only
	ScannerUSB    = "usb"    // usb:VID:PID, HID POS or keyboard mode, whichever it has
	ScannerHIDPOS = "hidpos" // hidpos:VID:PID, HID POS mode only
	ScannerSerial = "serial" // serial:/dev/ttyACM0
)

// ScannerSetting is the scanner a kiosk reads, as --scanner names it, and
// the settings of its mode: the keyboard layout and terminator of a USB
// scanner in keyboard mode (Boot), the suffix of a serial one (Line).
// Settings of another mode are not used.
type ScannerSetting struct {
	Kind     string // ScannerAuto, ScannerWedge, ScannerUSB, ScannerHIDPOS or ScannerSerial
	VID, PID uint16 // of ScannerUSB and ScannerHIDPOS
	Port     string // of ScannerSerial
	Boot     scanner.BootConfig
	Line     scanner.LineConfig
}

// ParseScanner reads --scanner's value: auto (also ""), wedge,
// usb:VID:PID, hidpos:VID:PID or serial:PORT. A value that names no
// scanner is an error that says what would.
func ParseScanner(v string) (ScannerSetting, error) {
	kind, rest, colon := strings.Cut(v, ":")
	s := ScannerSetting{Kind: kind}
	var err error
	switch {
	case kind == "" && !colon:
		s.Kind = ScannerAuto
	case (kind == ScannerAuto || kind == ScannerWedge) && !colon:
	case kind == ScannerUSB || kind == ScannerHIDPOS:
		s.VID, s.PID, err = usbhost.ParseVIDPID(rest)
	case kind == ScannerSerial && rest != "":
		s.Port = rest
	default:
		err = rewards.Fail(rewards.EINVALID, "kioskdevices.scanner_kind", nil)
	}
	return s, err
}

// Scanner is a scanner's source of events, with its names.
type Scanner struct {
	Source scanner.Source
	// ID names it for the status endpoint: "usb 05e0:1200", "hidpos
	// 05e0:1200", "serial /dev/ttyACM0".
	ID string
	// Words name it for people: "USB 05e0:1200", "serial port /dev/ttyACM0".
	Words lang.Msg
}

// Open returns the scanner the setting names, for RunScanner; nil for
// the wedge, which the kiosk always takes (Start), and for auto when no
// USB scanner that this user may open is connected. A USB or serial
// scanner that is not there yet is no error: its source waits for it.
func (s ScannerSetting) Open() (*Scanner, error) {
	switch s.Kind {
	case ScannerWedge:
		return nil, nil
	case ScannerSerial:
		src, err := serial.NewSource(serial.Config{Port: s.Port}, s.Line)
		if err != nil {
			return nil, err
		}
		return &Scanner{Source: src, ID: "serial " + s.Port, Words: lang.M("kioskdevices.serial", lang.Args{"port": s.Port})}, nil
	case ScannerAuto:
		found, _ := scanusb.List() // no USB access: the wedge
		i := -1
		for j, d := range found {
			if d.CanOpen {
				i = j
				break
			}
		}
		if i < 0 {
			return nil, nil
		}
		s.Kind, s.VID, s.PID = ScannerUSB, found[i].VID, found[i].PID
	}
	cfg := scanusb.Config{VID: s.VID, PID: s.PID}
	if s.Kind == ScannerHIDPOS {
		cfg.Mode = scanusb.ModeHIDPOS
	}
	src, err := scanusb.NewSource(cfg, s.Boot)
	if err != nil {
		return nil, err
	}
	return &Scanner{Source: src, ID: s.Kind + " " + cfg.ID(), Words: lang.M("kioskdevices.usb", lang.Args{"id": cfg.ID()})}, nil
}

// RunScanner reads the scanner until ctx is done. Each scan reaches the
// screens through fyne.Do, as Scan (a misread one asks to scan again).
// The scanner coming and going is its state in DeviceStates, and while it
// is not connected attract and the staff screens say so in a line staff
// see; the keyboard wedge works all along. It returns when ctx is done,
// or at once with the error of a source that cannot run at all.
func (k *Kiosk) RunScanner(ctx context.Context, sc *Scanner) error {
	k.setScanner(sc, false) // until it is opened
	events := make(chan scanner.Event)
	done := make(chan error, 1)
	go func() { done <- sc.Source.Run(ctx, events) }()
	for {
		select {
		case ev := <-events:
			k.scannerEvent(sc, ev)
		case err := <-done:
			return err
		}
	}
}

// scannerEvent takes one event of the scanner's source to the screens.
func (k *Kiosk) scannerEvent(sc *Scanner, ev scanner.Event) {
	if ev.Scan != nil {
		s := *ev.Scan
		k.ui(func() {
			if s.Valid {
				k.Scan(s.Code)
			} else {
				k.scanAgain()
			}
		})
		return
	}
	// Connected; or gone, or not found when it was looked for.
	k.setScanner(sc, ev.Connected)
}

// ui runs f on Fyne's goroutine.
func (k *Kiosk) ui(f func()) {
	if k.devices.do != nil {
		k.devices.do(f)
		return
	}
	fyne.Do(f)
}

// setScanner records whether the scanner is connected; when that
// changed, the screen that shows the banner is drawn again.
func (k *Kiosk) setScanner(sc *Scanner, connected bool) {
	st := DeviceState{Device: DeviceScanner, State: sc.ID + " unplugged", What: sc.Words, Words: lang.M("kioskdevices.state.unplugged", nil)}
	if connected {
		st = DeviceState{Device: DeviceScanner, State: sc.ID + " connected", OK: true, What: sc.Words, Words: lang.M("kioskdevices.state.connected", nil)}
	}
	k.devices.mu.Lock()
	changed := k.devices.scanner == nil || k.devices.scanner.State != st.State
	k.devices.scanner = &st
	k.devices.mu.Unlock()
	if changed {
		k.ui(func() {
			if k.screen == ScreenAttract || k.staff != nil {
				k.redraw() // the banner comes or goes
			}
		})
	}
}

// scannerBanner is the line that says the scanner is not connected, on
// attract and the staff screens; nil when it is, or on a customer's
// screen.
func (k *Kiosk) scannerBanner() fyne.CanvasObject {
	if k.screen != ScreenAttract && k.staff == nil {
		return nil
	}
	k.devices.mu.Lock()
	sc := k.devices.scanner
	k.devices.mu.Unlock()
	if sc == nil || sc.OK {
		return nil
	}
	line := wrapped(k.t("kioskdevices.scanner_banner", lang.Args{"scanner": sc.What}))
	line.Alignment, line.TextStyle.Bold = fyne.TextAlignCenter, true
	return line
}

// scanAgain says that a scan was misread, on the screen shown.
func (k *Kiosk) scanAgain() {
	k.message = k.t("kioskdevices.scan_again", nil)
	k.redraw()
}
