package scanner

import (
	"slices"
	"time"
	"unicode/utf8"
)

// Defaults of WedgeConfig.
const (
	// DefaultWedgeMaxGap is the longest pause between two keys of one scan.
	// Scanners in keyboard mode type a character every 1–20 ms; nobody types
	// six keys and Enter with every pause under 40 ms.
	DefaultWedgeMaxGap = 40 * time.Millisecond
	// DefaultWedgeMinLen is the fewest characters a scan has.
	DefaultWedgeMinLen = 6
)

// WedgeConfig configures a Wedge.
type WedgeConfig struct {
	// MaxGap is the longest pause between keys (and before the Enter) of a
	// scan; zero means DefaultWedgeMaxGap.
	MaxGap time.Duration
	// MinLen is the fewest characters of a scan; zero means DefaultWedgeMinLen.
	MinLen int
	// MaxLen caps a scan in bytes; zero means DefaultMaxLen.
	MaxLen int
	// Device is copied into every scan.
	Device string
}

// Wedge tells a barcode scanner that types into the window (a keyboard wedge)
// from a person typing, using nothing but the keys and their times. A scan is a
// burst of at least MinLen characters, each less than MaxGap after the one
// before, ending in an Enter less than MaxGap after the last character.
//
// The kiosk feeds it every typed rune and every Enter, with the event's time,
// and shows only the text the Wedge hands back as typed:
//
//	typed := w.Key(r, now)           // for each rune typed
//	typed, scan, ok := w.Enter(now)  // for Enter: ok means Enter ended a scan
//	typed := w.Flush(now)            // from a ticker, every MaxGap or so
//
// Runes that could still be the start of a scan are held back until it is clear
// (a pause longer than MaxGap, or an Enter) and then given back as typed text,
// so a person's digits appear at most MaxGap late, are never taken for a scan,
// and a scan never reaches the focused field in pieces. When Enter returns ok
// false, the Enter is the person's and the kiosk acts on it after appending the
// typed text. A scan arriving while the person types is recognised: the slow
// runes before the burst are returned as typed, and a person's rune that fell
// just before the burst is told from it by its pause being much longer than the
// scanner's rhythm. Runes beyond MaxLen within one burst are dropped and the
// scan, if it ends as one, is delivered invalid.
//
// A Wedge is not safe for concurrent use; call it from the UI event loop.
type Wedge struct {
	cfg WedgeConfig

	held  []rune      // runes of the current burst
	times []time.Time // when each held rune came
	size  int         // bytes of held, UTF-8
	over  bool        // the burst went past MaxLen
	last  time.Time   // time of the last rune of the burst
}

// NewWedge returns a Wedge for cfg, with defaults filled in.
func NewWedge(cfg WedgeConfig) *Wedge {
	if cfg.MaxGap <= 0 {
		cfg.MaxGap = DefaultWedgeMaxGap
	}
	if cfg.MinLen <= 0 {
		cfg.MinLen = DefaultWedgeMinLen
	}
	cfg.MaxLen = orMaxLen(cfg.MaxLen)
	return &Wedge{cfg: cfg}
}

// Key takes a typed rune and its time, and returns the text now known to have
// been typed by a person (often empty), to be shown before anything else.
func (w *Wedge) Key(r rune, t time.Time) (typed string) {
	if w.Pending() && gap(w.last, t) > w.cfg.MaxGap {
		typed = w.release()
	}
	w.last = t
	if w.over || w.size+utf8.RuneLen(r) > w.cfg.MaxLen {
		w.over = true
		return typed
	}
	w.held = append(w.held, r)
	w.times = append(w.times, t)
	w.size += utf8.RuneLen(r)
	return typed
}

// Enter takes an Enter key and its time. When it ends a scan, ok is true, s is
// the scan (classified as by ParseCode, Time t) and typed holds any person's
// runes that came before the burst. Otherwise ok is false, typed holds the
// held runes, and the Enter belongs to the person.
func (w *Wedge) Enter(t time.Time) (typed string, s Scan, ok bool) {
	n := len(w.held)
	if n < w.cfg.MinLen || gap(w.last, t) > w.cfg.MaxGap {
		return w.release(), Scan{}, false
	}
	lead := w.leadingTyped()
	typed = string(w.held[:lead])
	s = ParseCode(string(w.held[lead:]))
	if w.over {
		s = capped(s, w.cfg.MaxLen)
	}
	s.Time, s.Device = t, w.cfg.Device
	w.Reset()
	return typed, s, true
}

// Flush returns the held runes as typed text once more than MaxGap has passed
// since the last one, since they can no longer be part of a scan. The kiosk
// calls it from a ticker so a person's last keys show without waiting for the
// next one.
func (w *Wedge) Flush(now time.Time) (typed string) {
	if w.Pending() && gap(w.last, now) > w.cfg.MaxGap {
		return w.release()
	}
	return ""
}

// Pending reports whether runes are held back, waiting to be told apart.
func (w *Wedge) Pending() bool { return len(w.held) > 0 || w.over }

// Reset drops held runes, as when the kiosk screen changes.
func (w *Wedge) Reset() {
	w.held = w.held[:0]
	w.times = w.times[:0]
	w.size = 0
	w.over = false
}

func (w *Wedge) release() string {
	s := string(w.held)
	w.Reset()
	return s
}

// leadingTyped counts the runes at the start of a burst that a person typed
// just before the scanner began: their pause to the next rune is well above
// every pause within the rest of the burst (UI toolkits often deliver a
// scanner's runes in batches, so a burst's own pauses vary). The scan keeps at
// least MinLen runes.
func (w *Wedge) leadingTyped() int {
	n := len(w.held)
	if n < w.cfg.MinLen+1 {
		return 0
	}
	body := make([]time.Duration, 0, n)
	for i := 2; i < n; i++ {
		body = append(body, gap(w.times[i-1], w.times[i]))
	}
	if len(body) == 0 {
		return 0
	}
	slices.Sort(body)
	limit := max(2*body[len(body)/2], body[len(body)-1]) + 10*time.Millisecond
	lead := 0
	for n-lead > w.cfg.MinLen && gap(w.times[lead], w.times[lead+1]) > limit {
		lead++
	}
	return lead
}

func gap(from, to time.Time) time.Duration {
	d := to.Sub(from)
	if d < 0 {
		return 0
	}
	return d
}
