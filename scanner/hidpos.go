package scanner

import (
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// Layout of a HID POS (usage page 0x8C) input report as Honeywell, Zebra and
// Datalogic send it.
const (
	// HIDPOSReportSize is the size of a HID POS input report.
	HIDPOSReportSize = 64
	// HIDPOSReportID is the report id of a scanned-data report (byte 0).
	HIDPOSReportID = 0x02
	// HIDPOSMaxData is the most data bytes one report carries (bytes 5–60).
	HIDPOSMaxData = 56

	posCount  = 1  // number of data bytes in this report, AIM id not counted
	posAIM    = 2  // bytes 2–4: AIM symbology id, "]E0"
	posData   = 5  // bytes 5–60: data
	posCodeID = 61 // Honeywell's own code id
	posFlags  = 63 // bit 0: more reports follow
)

// honeywellAIM maps Honeywell code ids (byte 61) to the AIM id they stand for,
// used when a report carries no AIM id.
var honeywellAIM = map[byte]string{
	'd': "]E0", // EAN-13
	'c': "]E0", // UPC-A
	'D': "]E4", // EAN-8
	'j': "]C0", // Code 128
	'I': "]C1", // GS1-128
	's': "]Q1", // QR
}

// HIDPOSConfig configures a HIDPOSDecoder.
type HIDPOSConfig struct {
	// MaxLen caps a scan (all continuation reports joined) in bytes; zero
	// means DefaultMaxLen.
	MaxLen int
	// Device is copied into every scan.
	Device string
	// Now stamps completed scans; nil leaves Scan.Time zero.
	Now func() time.Time
}

// HIDPOSDecoder decodes the 64-byte input reports of a scanner in HID POS mode.
// It is fed raw bytes in chunks of any size; a long code sent as several
// reports (byte 63 bit 0 set on all but the last) is joined into one scan. A
// report with a wrong id or an impossible data count is delivered as an invalid
// scan and drops the scan it interrupted. A HIDPOSDecoder is not safe for
// concurrent use.
type HIDPOSDecoder struct {
	cfg    HIDPOSConfig
	maxLen int

	part [HIDPOSReportSize]byte
	n    int

	open bool    // a continued scan is being joined
	aim  [3]byte // AIM id of the first report of the scan; zero when none
	data []byte
	over bool
	bad  lang.Msg
}

// NewHIDPOSDecoder returns a decoder for cfg.
func NewHIDPOSDecoder(cfg HIDPOSConfig) *HIDPOSDecoder {
	return &HIDPOSDecoder{cfg: cfg, maxLen: orMaxLen(cfg.MaxLen)}
}

// Feed decodes p, which may hold any part of the report stream, and returns the
// scans completed in it, invalid ones included.
func (d *HIDPOSDecoder) Feed(p []byte) []Scan {
	var out []Scan
	for len(p) > 0 {
		c := copy(d.part[d.n:], p)
		d.n += c
		p = p[c:]
		if d.n == HIDPOSReportSize {
			d.n = 0
			if s, ok := d.report(d.part[:]); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// Reset drops a partial report and a partly joined scan, as when the scanner
// is unplugged.
func (d *HIDPOSDecoder) Reset() {
	d.n = 0
	d.clear()
}

func (d *HIDPOSDecoder) clear() {
	d.open = false
	d.aim = [3]byte{}
	d.data = d.data[:0]
	d.over = false
	d.bad = lang.Msg{}
}

func (d *HIDPOSDecoder) reject(key string, args lang.Args) (Scan, bool) {
	d.clear()
	s := Scan{Symbology: Unknown}.invalid(key, args)
	return stamp(s, d.cfg.Now, d.cfg.Device), true
}

func (d *HIDPOSDecoder) report(r []byte) (Scan, bool) {
	if r[0] != HIDPOSReportID {
		return d.reject("scanner.why.report_id", lang.Args{"got": fmt.Sprintf("0x%02x", r[0]), "want": fmt.Sprintf("0x%02x", HIDPOSReportID)})
	}
	count := int(r[posCount])
	if count > HIDPOSMaxData {
		return d.reject("scanner.why.report_count", lang.Args{"got": count, "max": HIDPOSMaxData})
	}
	var aim [3]byte // kept as bytes: a string per report would allocate
	if r[posAIM] == ']' && isAlpha(r[posAIM+1]) && isAlnum(r[posAIM+2]) {
		copy(aim[:], r[posAIM:posAIM+3])
	} else if id, ok := honeywellAIM[r[posCodeID]]; ok {
		copy(aim[:], id)
	}
	none := [3]byte{}
	if !d.open {
		d.open = true
		d.aim = aim
	} else if aim != none && d.aim != none && aim != d.aim && d.bad.Key == "" {
		d.bad = lang.M("scanner.why.symbology_changed", lang.Args{"from": string(d.aim[:]), "to": string(aim[:])})
	}
	chunk := r[posData : posData+count]
	if d.over || len(d.data)+len(chunk) > d.maxLen {
		room := d.maxLen - len(d.data)
		if room > 0 {
			d.data = append(d.data, chunk[:room]...)
		}
		d.over = true
	} else {
		d.data = append(d.data, chunk...)
	}
	if r[posFlags]&1 != 0 {
		return Scan{}, false
	}
	var s Scan
	if d.aim == none {
		s = ParseCode(string(d.data))
	} else {
		s = classify(string(d.aim[:]), string(d.data))
	}
	s = settle(s, d.over, d.maxLen, d.bad)
	d.clear()
	return stamp(s, d.cfg.Now, d.cfg.Device), true
}
