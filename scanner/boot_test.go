package scanner_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/scanner"
)

func newBoot(t testing.TB, cfg scanner.BootConfig) *scanner.BootDecoder {
	t.Helper()
	d, err := scanner.NewBootDecoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func codes(ss []scanner.Scan) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Code)
	}
	return out
}

func TestBootRealCapture(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{})
	got := d.Feed([]byte{0, 0, 37, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x28, 0, 0, 0, 0, 0})
	if len(got) != 1 || got[0].Code != "8" {
		t.Fatalf("got %+v, want one scan of 8", got)
	}
}

func TestBootEAN13(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{Device: "kbd0", Now: clock(t0, time.Second)})
	got := d.Feed(bootReports("us", "4006381333931", 0x28))
	if len(got) != 1 {
		t.Fatalf("got %d scans, want 1", len(got))
	}
	s := got[0]
	if s.Code != "4006381333931" || s.Symbology != scanner.EAN13 || !s.Valid || s.Device != "kbd0" || !s.Time.Equal(t0) {
		t.Errorf("got %+v", s)
	}
}

func TestBootShifted(t *testing.T) {
	const code = "Card-42_{X}!@#$%^&*()+|~<>?:\"ABC abc"
	d := newBoot(t, scanner.BootConfig{})
	got := d.Feed(bootReports("us", code, 0x28))
	if len(got) != 1 || got[0].Code != code || got[0].Symbology != scanner.Unknown || !got[0].Valid {
		t.Fatalf("got %+v, want %q", got, code)
	}
}

func TestBootRightShiftAndCapsLock(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{})
	var in []byte
	in = append(in, 0x20, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // RShift a → A
	in = append(in, 0, 0, 0x39, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)    // Caps Lock on
	in = append(in, 0, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)    // b → B
	in = append(in, 0x02, 0, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // Shift c → c
	in = append(in, 0, 0, 0x1E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)    // 1 stays 1
	in = append(in, 0, 0, 0x39, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)    // Caps Lock off
	in = append(in, 0, 0, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)    // d
	in = append(in, 0, 0, 0x28, 0, 0, 0, 0, 0)
	got := d.Feed(in)
	if len(got) != 1 || got[0].Code != "ABc1d" {
		t.Fatalf("got %+v, want ABc1d", got)
	}
}

func TestBootHeldKeyDoesNotRepeat(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{})
	var in []byte
	in = append(in, 0, 0, 0x1E, 0, 0, 0, 0, 0) // 1 down
	in = append(in, 0, 0, 0x1E, 0, 0, 0, 0, 0) // still down
	in = append(in, 0, 0, 0x1E, 0x1F, 0, 0, 0, 0)
	in = append(in, 0, 0, 0, 0, 0, 0, 0, 0)
	in = append(in, 0, 0, 0x1E, 0, 0, 0, 0, 0)                // pressed again after release
	in = append(in, 0, 0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01) // rollover: no news
	in = append(in, 0, 0, 0x28, 0, 0, 0, 0, 0)
	got := d.Feed(in)
	if len(got) != 1 || got[0].Code != "121" {
		t.Fatalf("got %q, want [121]", codes(got))
	}
}

func TestBootTabTerminator(t *testing.T) {
	in := bootReports("us", "CARD42", 0x2B)
	in = append(in, bootReports("us", "CARD43", 0x28)...)

	d := newBoot(t, scanner.BootConfig{Terminator: scanner.TermTab})
	if got := codes(d.Feed(in)); strings.Join(got, ",") != "CARD42,CARD43" {
		t.Errorf("TermTab: got %q", got)
	}
	d = newBoot(t, scanner.BootConfig{})
	if got := codes(d.Feed(in)); strings.Join(got, ",") != "CARD42\tCARD43" {
		t.Errorf("TermEnter: got %q, want Tab kept as a character", got)
	}
}

func TestBootSplitReads(t *testing.T) {
	in := bootReports("us", "4006381333931", 0x28)
	in = append(in, bootReports("us", "]C0ABC-123", 0x28)...)
	for _, size := range []int{1, 3, 7, 9, 13} {
		d := newBoot(t, scanner.BootConfig{})
		var got []scanner.Scan
		for p := in; len(p) > 0; {
			n := min(size, len(p))
			got = append(got, d.Feed(p[:n])...)
			p = p[n:]
		}
		if len(got) != 2 || got[0].Code != "4006381333931" || got[0].Symbology != scanner.EAN13 ||
			got[1].Code != "ABC-123" || got[1].Symbology != scanner.Code128 {
			t.Errorf("chunks of %d: got %+v", size, got)
		}
	}
}

func TestBootResetDropsPartialScan(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{})
	full := bootReports("us", "4006381333931", 0x28)
	// Unplugged after six digits and half a report.
	if got := d.Feed(full[:6*16+3]); len(got) != 0 {
		t.Fatalf("partial feed gave %+v", got)
	}
	d.Reset()
	got := d.Feed(bootReports("us", "96385074", 0x28))
	if len(got) != 1 || got[0].Code != "96385074" || got[0].Symbology != scanner.EAN8 || !got[0].Valid {
		t.Fatalf("after Reset got %+v, want the next card alone", got)
	}
}

func TestBootAIMPrefixes(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{})
	in := bootReports("us", "]C0CARD-0042", 0x28)
	in = append(in, bootReports("us", "]E04006381333931", 0x28)...)
	got := d.Feed(in)
	if len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	if got[0].Code != "CARD-0042" || got[0].Symbology != scanner.Code128 || !got[0].Valid {
		t.Errorf("Code128: %+v", got[0])
	}
	if got[1].Code != "4006381333931" || got[1].Symbology != scanner.EAN13 || !got[1].Valid {
		t.Errorf("EAN-13: %+v", got[1])
	}
}

func TestBootWrongCheckDigit(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{})
	got := d.Feed(bootReports("us", "4006381333939", 0x28))
	if len(got) != 1 || got[0].Valid || got[0].Reason != "check digit should be 1, not 9" {
		t.Fatalf("got %+v, want an invalid scan with the check digit reason", got)
	}
}

func TestBootMaxLen(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{MaxLen: 8})
	got := d.Feed(bootReports("us", "ABCDEFGHIJKL", 0x28))
	if len(got) != 1 || got[0].Valid || got[0].Code != "ABCDEFGH" || got[0].Reason != "scan longer than 8 bytes" {
		t.Fatalf("got %+v", got)
	}
	// The next scan is whole again.
	got = d.Feed(bootReports("us", "ABC123", 0x28))
	if len(got) != 1 || !got[0].Valid || got[0].Code != "ABC123" {
		t.Fatalf("after an overlong scan got %+v", got)
	}
}

func TestBootUnknownKeyIsInvalid(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{Layout: "de"})
	in := bootReports("de", "12", 0)
	in = append(in, 0, 0, 0x35, 0, 0, 0, 0, 0) // dead key ^ in de
	in = append(in, bootReports("de", "3", 0x28)...)
	got := d.Feed(in)
	if len(got) != 1 || got[0].Valid || !strings.Contains(got[0].Reason, "layout de") {
		t.Fatalf("got %+v, want an invalid scan naming the layout", got)
	}
}

func TestBootBareEnterIsNoScan(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{})
	if got := d.Feed([]byte{0, 0, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); len(got) != 0 {
		t.Fatalf("got %+v", got)
	}
}

func TestBootUnknownLayout(t *testing.T) {
	_, err := scanner.NewBootDecoder(scanner.BootConfig{Layout: "xx"})
	if err == nil {
		t.Fatal("want an error for layout xx")
	}
	var e *rewards.Error
	if !errors.As(err, &e) || e.Key != "scanner.layout_unknown" {
		t.Errorf("layout xx: %v, want the error scanner.layout_unknown", err)
	}
	if got := rewards.ErrorText(err, lang.BG); got != `непозната клавиатурна подредба "xx" (познати: de, fr, us)` {
		t.Errorf("layout xx in Bulgarian: %q", got)
	}
}

func TestBootLayouts(t *testing.T) {
	// The same key positions read with each layout.
	positions := bootReports("us", "zay1234567890-m;", 0x28)
	want := map[string]string{
		"us": "zay1234567890-m;",
		"de": "yaz1234567890ßmö",
		"fr": "wqy&é\"'(-è_çà),m",
	}
	for layout, code := range want {
		d := newBoot(t, scanner.BootConfig{Layout: layout})
		got := d.Feed(positions)
		if len(got) != 1 || got[0].Code != code {
			t.Errorf("%s: got %q, want %q", layout, codes(got), code)
		}
	}
}

func TestBootDigitsInEachLayout(t *testing.T) {
	// A scanner set up for the host's layout sends Shift with the digit row
	// on AZERTY; decoded with the same layout, the card number comes back.
	for _, layout := range []string{"us", "de", "fr"} {
		for _, code := range []string{"4006381333931", "Zy-Card/42@Wq", "]C0AB12"} {
			d := newBoot(t, scanner.BootConfig{Layout: layout})
			in := bootReports(layout, code, 0x28)
			got := d.Feed(in)
			want := scanner.ParseCode(code)
			if len(got) != 1 || got[0].Code != want.Code || got[0].Symbology != want.Symbology {
				t.Errorf("%s %q: got %+v", layout, code, got)
			}
		}
	}
	// fr: the digits need Shift.
	in := bootReports("fr", "1", 0)
	if in[0] != 0x02 || in[2] != 0x1E {
		t.Errorf("fr 1 = report %v, want Shift + 0x1E", in[:8])
	}
}

func TestBootGS1Separator(t *testing.T) {
	d := newBoot(t, scanner.BootConfig{})
	in := bootReports("us", "]C101", 0)
	in = append(in, 0x01, 0, 0x30, 0, 0, 0, 0, 0) // Ctrl+] = GS
	in = append(in, bootReports("us", "10ABC", 0x28)...)
	got := d.Feed(in)
	if len(got) != 1 || got[0].Code != "01\x1d10ABC" || got[0].Symbology != scanner.GS1128 {
		t.Fatalf("got %+v", got)
	}
}

// BenchmarkDecodeBoot decodes a 13-digit scan from its 28 reports; ns/scan is
// the time per scan with nothing else measured.
func BenchmarkDecodeBoot(b *testing.B) {
	// Each iteration decodes a stream of 1,000 scans after one warm-up
	// scan, so that even -benchtime 1x gives a steady figure.
	one := bootReports("us", "4006381333931", 0x28)
	in := bytes.Repeat(one, 1000)
	d := newBoot(b, scanner.BootConfig{})
	if len(d.Feed(one)) != 1 {
		b.Fatal("the warm-up scan was not decoded")
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	scans := 0
	for b.Loop() {
		scans += len(d.Feed(in))
	}
	if scans != 1000*b.N {
		b.Fatalf("decoded %d scans, want %d", scans, 1000*b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(scans), "ns/scan")
}
