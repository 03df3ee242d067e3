package scanner

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tochka-loyalty/tochka/lang"
)

// Terminator says which key ends a scan in keyboard mode.
type Terminator int

const (
	// TermEnter ends a scan on Enter (main or keypad); Tab is a character.
	// It is the default, and how scanners leave the factory.
	TermEnter Terminator = iota
	// TermTab ends a scan on Tab as well as on Enter, for scanners set up to
	// send a Tab suffix (common where they fill in forms).
	TermTab
)

// BootReportSize is the size of a boot-keyboard input report.
const BootReportSize = 8

// Modifier bits of byte 0 of a boot-keyboard report.
const (
	modLCtrl  = 0x01
	modLShift = 0x02
	modLAlt   = 0x04
	modLGUI   = 0x08
	modRCtrl  = 0x10
	modRShift = 0x20
	modRAlt   = 0x40 // AltGr on de and fr
	modRGUI   = 0x80
)

// BootConfig configures a BootDecoder.
type BootConfig struct {
	// Layout is the name of the host keyboard layout the scanner is set up
	// for (see Layouts); empty means "us".
	Layout string
	// Terminator says which keys end a scan.
	Terminator Terminator
	// MaxLen caps a scan in bytes (UTF-8); zero means DefaultMaxLen.
	MaxLen int
	// Device is copied into every scan.
	Device string
	// Now stamps completed scans; nil leaves Scan.Time zero.
	Now func() time.Time
}

// BootDecoder decodes the 8-byte input reports of a scanner in USB keyboard
// mode ([modifiers, reserved, k1..k6]) into scans. It is fed raw bytes in
// chunks of any size, as they come from an endpoint or a capture file; reports
// split across reads are joined. A key is taken when it appears in a report and
// was not held in the one before, so a key held across reports never repeats.
// A BootDecoder is not safe for concurrent use.
type BootDecoder struct {
	cfg    BootConfig
	layout *Layout
	maxLen int

	part [BootReportSize]byte // a report being assembled
	n    int                  // bytes of part filled
	prev [6]byte              // keys down in the last report
	caps bool                 // Caps Lock state

	buf  []byte   // the scan so far, UTF-8
	over bool     // the scan went past maxLen
	bad  lang.Msg // first reason the scan cannot be trusted
}

// NewBootDecoder returns a decoder for cfg, or an error for an unknown layout.
func NewBootDecoder(cfg BootConfig) (*BootDecoder, error) {
	l, err := LookupLayout(cfg.Layout)
	if err != nil {
		return nil, err
	}
	return &BootDecoder{cfg: cfg, layout: l, maxLen: orMaxLen(cfg.MaxLen)}, nil
}

// Feed decodes p, which may hold any part of the report stream, and returns the
// scans completed in it, invalid ones included.
func (d *BootDecoder) Feed(p []byte) []Scan {
	var out []Scan
	for len(p) > 0 {
		if d.n == 0 && len(p) >= BootReportSize {
			out = d.report(p[:BootReportSize], out)
			p = p[BootReportSize:]
			continue
		}
		c := copy(d.part[d.n:], p)
		d.n += c
		p = p[c:]
		if d.n == BootReportSize {
			d.n = 0
			out = d.report(d.part[:], out)
		}
	}
	return out
}

// Reset drops a partial scan, a partial report, the held keys and Caps Lock: the
// state of a freshly plugged scanner. Sources call it when the device goes away,
// so half a card number is never delivered.
func (d *BootDecoder) Reset() {
	d.n = 0
	d.prev = [6]byte{}
	d.caps = false
	d.clear()
}

func (d *BootDecoder) clear() {
	d.buf = d.buf[:0]
	d.over = false
	d.bad = lang.Msg{}
}

func (d *BootDecoder) report(r []byte, out []Scan) []Scan {
	keys := r[2:8]
	if keys[0] == keyErrorRollOver {
		// Phantom state: too many keys down; the report says nothing new.
		return out
	}
	mods := r[0]
	for _, k := range keys {
		if k == 0 || d.held(k) {
			continue
		}
		if s, ok := d.press(k, mods); ok {
			out = append(out, s)
		}
	}
	copy(d.prev[:], keys)
	return out
}

func (d *BootDecoder) held(k byte) bool {
	for _, p := range d.prev {
		if p == k {
			return true
		}
	}
	return false
}

func (d *BootDecoder) press(k, mods byte) (Scan, bool) {
	switch {
	case k == keyCapsLock:
		d.caps = !d.caps
		return Scan{}, false
	case k == keyEnter || k == keyPadEnter || k == keyTab && d.cfg.Terminator == TermTab:
		return d.end()
	case k == keyNumLock || k >= 0xE0 && k <= 0xE7:
		// Num Lock, and modifiers listed as keys by some firmware.
		return Scan{}, false
	}
	r, ok := d.char(k, mods)
	if !ok {
		if d.bad.Key == "" {
			d.bad = lang.M("scanner.why.key", lang.Args{"key": fmt.Sprintf("0x%02x", k), "mods": fmt.Sprintf("0x%02x", mods), "layout": d.layout.Name})
		}
		return Scan{}, false
	}
	if d.over || len(d.buf)+utf8.RuneLen(r) > d.maxLen {
		d.over = true
		return Scan{}, false
	}
	d.buf = utf8.AppendRune(d.buf, r)
	return Scan{}, false
}

// char makes the character of key k under the modifiers.
func (d *BootDecoder) char(k, mods byte) (rune, bool) {
	if mods&(modLAlt|modLGUI|modRGUI) != 0 {
		return 0, false
	}
	if mods&modRAlt != 0 {
		r, ok := d.layout.AltGr[k]
		return r, ok
	}
	pair, ok := d.layout.Keys[k]
	if !ok {
		return 0, false
	}
	if mods&(modLCtrl|modRCtrl) != 0 {
		// Scanners send control characters such as GS (the GS1 separator)
		// as Ctrl with a letter or bracket key.
		c := pair[0]
		if c >= 'a' && c <= 'z' || c == '[' || c == '\\' || c == ']' {
			return c & 0x1F, true
		}
		return 0, false
	}
	shift := mods&(modLShift|modRShift) != 0
	if d.caps && unicode.IsLower(pair[0]) && unicode.ToUpper(pair[0]) == pair[1] {
		shift = !shift
	}
	if shift {
		return pair[1], true
	}
	return pair[0], true
}

func (d *BootDecoder) end() (Scan, bool) {
	if len(d.buf) == 0 && !d.over && d.bad.Key == "" {
		return Scan{}, false // a bare Enter is not a scan
	}
	s := ParseCode(string(d.buf))
	s = settle(s, d.over, d.maxLen, d.bad)
	d.clear()
	return stamp(s, d.cfg.Now, d.cfg.Device), true
}
