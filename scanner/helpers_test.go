package scanner_test

import (
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/scanner"
)

// keyFor finds the usage ID and modifiers that type r in layout l, preferring
// the plain key, then Shift, then AltGr, and the lowest usage ID among equals.
func keyFor(l *scanner.Layout, r rune) (usage, mods byte, err error) {
	best := -1
	var bestMods byte
	for shift := 0; shift < 2; shift++ {
		for k, pair := range l.Keys {
			if k >= 0x54 && k <= 0x63 {
				continue // prefer the main keys to the keypad
			}
			if pair[shift] == r && (best < 0 || int(k) < best) {
				best = int(k)
			}
		}
		if best >= 0 {
			if shift == 1 {
				bestMods = 0x02
			}
			return byte(best), bestMods, nil
		}
	}
	for k, c := range l.AltGr {
		if c == r && (best < 0 || int(k) < best) {
			best = int(k)
		}
	}
	if best >= 0 {
		return byte(best), 0x40, nil
	}
	return 0, 0, fmt.Errorf("layout %s cannot type %q", l.Name, r)
}

// bootReports turns s into the reports a scanner in keyboard mode sends for
// layout: a press report and an all-zero release per character, then the
// terminator key (0x28 Enter or 0x2B Tab; 0 for none).
func bootReports(layout, s string, term byte) []byte {
	l, err := scanner.LookupLayout(layout)
	if err != nil {
		panic(err)
	}
	var out []byte
	for _, r := range s {
		k, mods, err := keyFor(l, r)
		if err != nil {
			panic(err)
		}
		out = append(out, mods, 0, k, 0, 0, 0, 0, 0)
		out = append(out, make([]byte, 8)...)
	}
	if term != 0 {
		out = append(out, 0, 0, term, 0, 0, 0, 0, 0)
		out = append(out, make([]byte, 8)...)
	}
	return out
}

// posReports turns data into HID POS reports of at most per data bytes each,
// every one carrying the AIM id (may be empty) and Honeywell code id.
func posReports(aim string, codeID byte, data string, per int) []byte {
	var out []byte
	for first := true; first || len(data) > 0; first = false {
		n := min(per, len(data))
		r := make([]byte, 64)
		r[0] = 0x02
		r[1] = byte(n)
		copy(r[2:5], aim)
		copy(r[5:], data[:n])
		r[61] = codeID
		data = data[n:]
		if len(data) > 0 {
			r[63] = 1
		}
		out = append(out, r...)
	}
	return out
}

// clock returns a Now function that starts at t0 and moves by step per call.
func clock(t0 time.Time, step time.Duration) func() time.Time {
	t := t0
	return func() time.Time {
		now := t
		t = t.Add(step)
		return now
	}
}

var t0 = time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
