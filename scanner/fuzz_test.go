package scanner_test

import (
	"bytes"
	"reflect"
	"runtime"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tochka-loyalty/tochka/scanner"
)

// feedChunks feeds p in chunks whose sizes cycle through sizes.
func feedChunks(feed func([]byte) []scanner.Scan, p []byte, sizes []byte) []scanner.Scan {
	var out []scanner.Scan
	for i := 0; len(p) > 0; i++ {
		n := 1
		if len(sizes) > 0 {
			n = int(sizes[i%len(sizes)])%70 + 1
		}
		n = min(n, len(p))
		out = append(out, feed(p[:n])...)
		p = p[n:]
	}
	return out
}

func sameScans(t *testing.T, whole, split []scanner.Scan) {
	t.Helper()
	if len(whole) != len(split) {
		t.Fatalf("whole feed gave %d scans, split feed %d", len(whole), len(split))
	}
	for i := range whole {
		if !reflect.DeepEqual(whole[i], split[i]) {
			t.Fatalf("scan %d: whole %+v, split %+v", i, whole[i], split[i])
		}
	}
}

func checkBounded(t *testing.T, scans []scanner.Scan, maxLen int) {
	t.Helper()
	if maxLen <= 0 {
		maxLen = scanner.DefaultMaxLen
	}
	for _, s := range scans {
		if len(s.Code) > maxLen {
			t.Fatalf("scan of %d bytes, cap %d", len(s.Code), maxLen)
		}
		if !s.Valid && s.Reason == "" {
			t.Fatalf("invalid scan without a reason: %+v", s)
		}
	}
}

func FuzzBootDecoder(f *testing.F) {
	f.Add(bootReports("us", "4006381333931", 0x28), uint16(0), uint8(0), false, []byte{3})
	f.Add(bootReports("fr", "]C0Ab-12", 0x2B), uint16(6), uint8(2), true, []byte{1, 9})
	f.Add(bootReports("de", "Zy@{", 0x28), uint16(3), uint8(1), false, []byte{8})
	f.Fuzz(func(t *testing.T, data []byte, maxLen uint16, layout uint8, tab bool, sizes []byte) {
		names := scanner.LayoutNames()
		cfg := scanner.BootConfig{Layout: names[int(layout)%len(names)], MaxLen: int(maxLen), Device: "fuzz"}
		if tab {
			cfg.Terminator = scanner.TermTab
		}
		d1, err := scanner.NewBootDecoder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d2, _ := scanner.NewBootDecoder(cfg)
		whole := d1.Feed(data)
		split := feedChunks(d2.Feed, data, sizes)
		sameScans(t, whole, split)
		checkBounded(t, whole, cfg.MaxLen)
		if len(whole) > len(data)/8*6 {
			t.Fatalf("%d scans from %d reports", len(whole), len(data)/8)
		}
	})
}

func FuzzHIDPOSDecoder(f *testing.F) {
	f.Add(posReports("]E0", 'd', "4006381333931", 56), uint16(0), []byte{5})
	f.Add(posReports("]Q1", 's', string(bytes.Repeat([]byte("x"), 130)), 56), uint16(100), []byte{64, 1})
	f.Add(posReports("", 'j', "AB", 56), uint16(1), []byte{})
	f.Fuzz(func(t *testing.T, data []byte, maxLen uint16, sizes []byte) {
		cfg := scanner.HIDPOSConfig{MaxLen: int(maxLen)}
		whole := scanner.NewHIDPOSDecoder(cfg).Feed(data)
		split := feedChunks(scanner.NewHIDPOSDecoder(cfg).Feed, data, sizes)
		sameScans(t, whole, split)
		checkBounded(t, whole, cfg.MaxLen)
		if len(whole) > len(data)/64 {
			t.Fatalf("%d scans from %d reports", len(whole), len(data)/64)
		}
	})
}

func FuzzLineDecoder(f *testing.F) {
	f.Add([]byte("]E04006381333931\r"), uint16(0), uint8(0), []byte{2})
	f.Add([]byte("AB\r\nCD\n\r\n"), uint16(2), uint8(2), []byte{1})
	f.Add([]byte("x\ny\r"), uint16(1), uint8(1), []byte{})
	f.Fuzz(func(t *testing.T, data []byte, maxLen uint16, suffix uint8, sizes []byte) {
		cfg := scanner.LineConfig{MaxLen: int(maxLen), Suffix: scanner.Suffix(suffix % 3)}
		whole := scanner.NewLineDecoder(cfg).Feed(data)
		split := feedChunks(scanner.NewLineDecoder(cfg).Feed, data, sizes)
		sameScans(t, whole, split)
		checkBounded(t, whole, cfg.MaxLen)
		if len(whole) > len(data) {
			t.Fatalf("%d scans from %d bytes", len(whole), len(data))
		}
	})
}

// FuzzWedge reads its input as (rune, gap in ms) byte pairs; rune 0 is Enter.
func FuzzWedge(f *testing.F) {
	f.Add([]byte("4\x085\x086\x087\x088\x089\x08\x00\x08"), uint16(0))
	f.Add([]byte("1\xc82\x08\x00\x08"), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, maxLen uint16) {
		w := scanner.NewWedge(scanner.WedgeConfig{MaxLen: int(maxLen)})
		now := t0
		var typed []rune
		var scanned int
		in := 0
		for i := 0; i+1 < len(data); i += 2 {
			now = now.Add(time.Duration(data[i+1]) * time.Millisecond)
			if data[i] == 0 {
				text, s, ok := w.Enter(now)
				typed = append(typed, []rune(text)...)
				if ok {
					checkBounded(t, []scanner.Scan{s}, int(maxLen))
					scanned += utf8.RuneCountInString(s.Code)
				}
				continue
			}
			in++
			typed = append(typed, []rune(w.Key(rune(data[i]), now))...)
		}
		typed = append(typed, []rune(w.Flush(now.Add(time.Hour)))...)
		if len(typed)+scanned > in {
			t.Fatalf("%d runes typed and %d scanned from %d keys", len(typed), scanned, in)
		}
		if w.Pending() {
			t.Fatal("runes still held after a long pause")
		}
	})
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"4006381333931", "]E0123", "]C0AB", "96385074", "]", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s := scanner.ParseCode(raw)
		if len(s.Code) > len(raw) || !s.Valid && s.Reason == "" {
			t.Fatalf("ParseCode(%q) = %+v", raw, s)
		}
		switch s.Symbology {
		case scanner.EAN13, scanner.EAN8, scanner.UPCA, scanner.Code128, scanner.GS1128, scanner.QR, scanner.Unknown:
		default:
			t.Fatalf("symbology %q", s.Symbology)
		}
	})
}

// TestMemoryBounded feeds each decoder megabytes with no end of scan and
// checks that what it allocates does not grow with the input.
func TestMemoryBounded(t *testing.T) {
	press := []byte{0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	boot, err := scanner.NewBootDecoder(scanner.BootConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pos := posReports("]C0", 'j', string(bytes.Repeat([]byte("A"), 56)), 56)
	pos[63] = 1 // more always follows
	wedge := scanner.NewWedge(scanner.WedgeConfig{})
	tests := []struct {
		name  string
		chunk []byte
		feed  func([]byte) []scanner.Scan
	}{
		{"boot", press, boot.Feed},
		{"hidpos", pos, scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{}).Feed},
		{"line", bytes.Repeat([]byte("A"), 64), scanner.NewLineDecoder(scanner.LineConfig{}).Feed},
		{"wedge", []byte("A"), func(p []byte) []scanner.Scan {
			wedge.Key(rune(p[0]), t0)
			return nil
		}},
	}
	for _, tt := range tests {
		const total = 4 << 20
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for n := 0; n < total; n += len(tt.chunk) {
			if got := tt.feed(tt.chunk); len(got) != 0 {
				t.Fatalf("%s: unexpected scans %+v", tt.name, got)
			}
		}
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
			t.Errorf("%s: allocated %d bytes for %d bytes of input with no end of scan", tt.name, grew, total)
		}
	}
}
