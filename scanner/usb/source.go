package usb

import (
	"context"
	"time"

	"github.com/tochka-loyalty/tochka/scanner"
)

// NewSource returns the source that reads the USB scanner of cfg: it opens
// the scanner, polls for it while it is not there or after it was
// unplugged, and decodes its reports as the interface it opened speaks
// (a boot keyboard's, with boot's layout and terminator, or HID POS). Its
// events name it "USB scanner 0c2e:0b61", or "the first USB scanner" when
// cfg names none.
func NewSource(cfg Config, boot scanner.BootConfig) (*scanner.ReportSource, error) {
	b, err := scanner.NewBootDecoder(boot)
	if err != nil {
		return nil, err
	}
	d := &modeDecoder{boot: b, pos: scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{}), cur: b}
	d.use(cfg.Mode)
	name := "the first USB scanner"
	if cfg.ID() != "" {
		name = "USB scanner " + cfg.ID()
	}
	open := Opener(cfg)
	return scanner.NewReportSource(scanner.ReportSourceConfig{Device: name, Decoder: d, Now: time.Now,
		Open: func(ctx context.Context) (scanner.Endpoint, error) {
			ep, err := open(ctx)
			if err != nil {
				return nil, err
			}
			d.use(ep.(*Endpoint).Mode)
			return ep, nil
		}})
}

// modeDecoder decodes with the decoder of the mode of the interface last
// opened: with ModeAuto, that is known only once the scanner is open. The
// source resets it when the scanner goes away, before opening it again.
type modeDecoder struct {
	boot, pos, cur scanner.Decoder
}

// use decodes what comes next as mode m speaks it (ModeAuto: as a boot
// keyboard, until the interface opened says otherwise).
func (d *modeDecoder) use(m Mode) {
	d.cur = d.boot
	if m == ModeHIDPOS {
		d.cur = d.pos
	}
}

func (d *modeDecoder) Feed(p []byte) []scanner.Scan { return d.cur.Feed(p) }
func (d *modeDecoder) Reset()                       { d.boot.Reset(); d.pos.Reset() }
