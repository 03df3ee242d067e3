package scanner_test

import (
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/scanner"
)

// keyEvent is a rune ('\n' for Enter) and when it came.
type keyEvent struct {
	r  rune
	at time.Duration
}

// typedAt lays s out starting at start with gap between keys; '\n' is Enter.
func typedAt(s string, start, gap time.Duration) []keyEvent {
	var out []keyEvent
	for i, r := range []rune(s) {
		out = append(out, keyEvent{r, start + time.Duration(i)*gap})
	}
	return out
}

// runWedge feeds events to w as the kiosk would, calling Flush every 20 ms of
// the stream's time, and returns the text shown as typed, the scans, and how
// many Enters were passed on as the person's.
func runWedge(w *scanner.Wedge, events []keyEvent) (typed string, scans []scanner.Scan, enters int) {
	tick := time.Duration(0)
	for _, e := range events {
		for ; tick < e.at; tick += 20 * time.Millisecond {
			typed += w.Flush(t0.Add(tick))
		}
		now := t0.Add(e.at)
		if e.r != '\n' {
			typed += w.Key(e.r, now)
			continue
		}
		text, s, ok := w.Enter(now)
		typed += text
		if ok {
			scans = append(scans, s)
		} else {
			enters++
		}
	}
	if len(events) > 0 {
		typed += w.Flush(t0.Add(events[len(events)-1].at + time.Second))
	}
	return typed, scans, enters
}

func TestWedgeScanAtScannerSpeed(t *testing.T) {
	w := scanner.NewWedge(scanner.WedgeConfig{Device: "wedge"})
	typed, scans, enters := runWedge(w, typedAt("4006381333931\n", 0, 8*time.Millisecond))
	if typed != "" || enters != 0 || len(scans) != 1 {
		t.Fatalf("typed %q, enters %d, scans %+v", typed, enters, scans)
	}
	s := scans[0]
	if s.Code != "4006381333931" || s.Symbology != scanner.EAN13 || !s.Valid || s.Device != "wedge" ||
		!s.Time.Equal(t0.Add(13*8*time.Millisecond)) {
		t.Errorf("got %+v", s)
	}
}

func TestWedgeSameDigitsTypedByAPerson(t *testing.T) {
	for _, gap := range []time.Duration{60 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond} {
		w := scanner.NewWedge(scanner.WedgeConfig{})
		typed, scans, enters := runWedge(w, typedAt("4006381333931\n", 0, gap))
		if typed != "4006381333931" || enters != 1 || len(scans) != 0 {
			t.Errorf("gap %v: typed %q, enters %d, scans %+v", gap, typed, enters, scans)
		}
	}
}

func TestWedgePersonTypingFastButShort(t *testing.T) {
	// A rolled "12" then Enter, all within the gap, is short of a scan.
	w := scanner.NewWedge(scanner.WedgeConfig{})
	typed, scans, enters := runWedge(w, typedAt("12\n", 0, 10*time.Millisecond))
	if typed != "12" || enters != 1 || len(scans) != 0 {
		t.Fatalf("typed %q, enters %d, scans %+v", typed, enters, scans)
	}
}

func TestWedgeScanWhileTyping(t *testing.T) {
	// The person types 0888 slowly; the last key falls 30 ms before a card
	// is scanned at 8 ms a key; then the person goes on typing.
	events := typedAt("088", 0, 300*time.Millisecond)
	events = append(events, keyEvent{'8', 870 * time.Millisecond})
	events = append(events, typedAt("4006381333931\n", 900*time.Millisecond, 8*time.Millisecond)...)
	events = append(events, typedAt("77", 2*time.Second, 250*time.Millisecond)...)

	w := scanner.NewWedge(scanner.WedgeConfig{})
	typed, scans, enters := runWedge(w, events)
	if typed != "088877" || enters != 0 {
		t.Errorf("typed %q, enters %d; want 088877 and no Enter", typed, enters)
	}
	if len(scans) != 1 || scans[0].Code != "4006381333931" || !scans[0].Valid {
		t.Errorf("scans %+v, want the card whole", scans)
	}
}

func TestWedgeHeldUntilClear(t *testing.T) {
	w := scanner.NewWedge(scanner.WedgeConfig{})
	if got := w.Key('5', t0); got != "" || !w.Pending() {
		t.Fatalf("a first rune is held: got %q", got)
	}
	if got := w.Flush(t0.Add(20 * time.Millisecond)); got != "" {
		t.Fatalf("released too early: %q", got)
	}
	if got := w.Flush(t0.Add(50 * time.Millisecond)); got != "5" || w.Pending() {
		t.Fatalf("Flush after the gap = %q, want 5", got)
	}
	w.Key('6', t0.Add(time.Second))
	w.Reset()
	if got := w.Flush(t0.Add(2 * time.Second)); got != "" {
		t.Fatalf("after Reset got %q", got)
	}
}

func TestWedgeLateEnterIsThePersons(t *testing.T) {
	events := typedAt("4006381333931", 0, 8*time.Millisecond)
	events = append(events, keyEvent{'\n', time.Second})
	typed, scans, enters := runWedge(scanner.NewWedge(scanner.WedgeConfig{}), events)
	if typed != "4006381333931" || enters != 1 || len(scans) != 0 {
		t.Fatalf("typed %q, enters %d, scans %+v", typed, enters, scans)
	}
}

func TestWedgeWrongCheckDigitAndMaxLen(t *testing.T) {
	_, scans, _ := runWedge(scanner.NewWedge(scanner.WedgeConfig{}), typedAt("4006381333939\n", 0, 5*time.Millisecond))
	if len(scans) != 1 || scans[0].Valid || scans[0].Reason != "check digit should be 1, not 9" {
		t.Errorf("got %+v", scans)
	}
	_, scans, _ = runWedge(scanner.NewWedge(scanner.WedgeConfig{MaxLen: 8}), typedAt("ABCDEFGHIJ\n", 0, 5*time.Millisecond))
	if len(scans) != 1 || scans[0].Valid || scans[0].Code != "ABCDEFGH" {
		t.Errorf("got %+v", scans)
	}
}

func TestWedgeBatchedScanIsNotTrimmed(t *testing.T) {
	// A busy UI hands the scanner's runes over in batches of three, 24 ms
	// apart: the first pause is no longer than the others, so the first
	// digit stays in the scan.
	var events []keyEvent
	for i, r := range "4006381333931" {
		events = append(events, keyEvent{r, time.Duration(i/3*24+i%3) * time.Millisecond})
	}
	events[1].at = 24 * time.Millisecond // the first rune alone in its batch
	for i := 2; i < len(events); i++ {
		events[i].at += 24 * time.Millisecond
	}
	events = append(events, keyEvent{'\n', events[len(events)-1].at + 5*time.Millisecond})
	typed, scans, enters := runWedge(scanner.NewWedge(scanner.WedgeConfig{}), events)
	if typed != "" || enters != 0 || len(scans) != 1 || scans[0].Code != "4006381333931" {
		t.Fatalf("typed %q, enters %d, scans %+v", typed, enters, scans)
	}
}
