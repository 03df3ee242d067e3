package scanner

import "time"

// DefaultRepeatWindow is how long a RepeatFilter ignores the same code when its
// window is left at zero.
const DefaultRepeatWindow = 1500 * time.Millisecond

// RepeatFilter drops a scan whose code is the same as the previous scan's and
// came within the window of it (by Scan.Time): a card held under the scanner, or
// read twice in a row, reaches the kiosk once. The window slides: while the
// same card keeps being read less than a window apart, it stays dropped. A
// different code in between lets the first one through again.
//
// Live sources put one in front of the kiosk; decoders do not, so decoding a
// capture shows every read. A RepeatFilter is not safe for concurrent use.
type RepeatFilter struct {
	window time.Duration
	last   string
	at     time.Time
	seen   bool
}

// NewRepeatFilter returns a filter with the given window; zero means
// DefaultRepeatWindow and a negative window lets every scan through.
func NewRepeatFilter(window time.Duration) *RepeatFilter {
	if window == 0 {
		window = DefaultRepeatWindow
	}
	return &RepeatFilter{window: window}
}

// Allow reports whether s should be delivered, and remembers it.
func (f *RepeatFilter) Allow(s Scan) bool {
	repeat := f.seen && s.Code == f.last && !s.Time.Before(f.at) && s.Time.Sub(f.at) < f.window
	f.last, f.at, f.seen = s.Code, s.Time, true
	return !repeat
}

// Filter returns the scans of ss that Allow lets through, in order.
func (f *RepeatFilter) Filter(ss []Scan) []Scan {
	out := ss[:0:0]
	for _, s := range ss {
		if f.Allow(s) {
			out = append(out, s)
		}
	}
	return out
}
