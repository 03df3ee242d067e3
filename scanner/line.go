package scanner

import (
	"strings"
	"time"
)

// Suffix is the line ending a scanner in serial mode sends after each scan.
type Suffix int

const (
	// SuffixCR ends a scan on CR; an LF right after it is skipped, so a
	// scanner that sends CRLF still works. It is the default.
	SuffixCR Suffix = iota
	// SuffixLF ends a scan on LF; a CR right before it is dropped.
	SuffixLF
	// SuffixCRLF ends a scan only on CR followed by LF.
	SuffixCRLF
)

// SuffixNames are the names of the suffixes, as ParseSuffix reads them
// and settings write them: cr, lf, crlf.
var SuffixNames = []string{"cr", "lf", "crlf"}

// ParseSuffix reads a suffix's name (any case); "" is the default, CR. ok
// is false for a name that is none of SuffixNames.
func ParseSuffix(name string) (s Suffix, ok bool) {
	switch strings.ToLower(name) {
	case "", "cr":
		return SuffixCR, true
	case "lf":
		return SuffixLF, true
	case "crlf":
		return SuffixCRLF, true
	}
	return SuffixCR, false
}

// LineConfig configures a LineDecoder.
type LineConfig struct {
	// Suffix is the line ending the scanner is set to send.
	Suffix Suffix
	// MaxLen caps a scan in bytes; zero means DefaultMaxLen.
	MaxLen int
	// Device is copied into every scan.
	Device string
	// Now stamps completed scans; nil leaves Scan.Time zero.
	Now func() time.Time
}

// LineDecoder decodes the byte stream of a scanner in serial (USB CDC-ACM)
// mode: each scan is the bytes before the configured suffix, possibly starting
// with an AIM id. Empty lines are not scans. A LineDecoder is not safe for
// concurrent use.
type LineDecoder struct {
	cfg    LineConfig
	maxLen int

	buf    []byte
	over   bool
	lastCR bool // the previous byte was a CR (ending a scan, in CR mode)
}

// NewLineDecoder returns a decoder for cfg.
func NewLineDecoder(cfg LineConfig) *LineDecoder {
	return &LineDecoder{cfg: cfg, maxLen: orMaxLen(cfg.MaxLen)}
}

// Feed decodes p and returns the scans completed in it, invalid ones included.
func (d *LineDecoder) Feed(p []byte) []Scan {
	var out []Scan
	for _, b := range p {
		afterCR := d.lastCR
		d.lastCR = b == '\r'
		switch d.cfg.Suffix {
		case SuffixLF:
			if b == '\n' {
				out = d.end(out, true)
				continue
			}
		case SuffixCRLF:
			if b == '\n' && afterCR {
				out = d.end(out, true)
				continue
			}
		default:
			if b == '\r' {
				out = d.end(out, false)
				continue
			}
			if b == '\n' && afterCR {
				continue
			}
		}
		d.add(b)
	}
	return out
}

// Reset drops a partial line, as when the port closes mid-scan.
func (d *LineDecoder) Reset() {
	d.buf = d.buf[:0]
	d.over = false
	d.lastCR = false
}

func (d *LineDecoder) add(b byte) {
	limit := d.maxLen
	if b == '\r' {
		// Room for the CR of a CRLF after a code of exactly maxLen bytes;
		// end() trims it, and any byte after it marks the scan too long.
		limit++
	}
	if d.over || len(d.buf) >= limit {
		d.over = true
		return
	}
	d.buf = append(d.buf, b)
}

func (d *LineDecoder) end(out []Scan, trimCR bool) []Scan {
	line := d.buf
	if trimCR && len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	over := d.over
	d.buf = d.buf[:0]
	d.over = false
	if len(line) == 0 && !over {
		return out
	}
	s := ParseCode(string(line))
	if over {
		s = capped(s, d.maxLen)
	}
	return append(out, stamp(s, d.cfg.Now, d.cfg.Device))
}
