package scanner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/scanner"
)

func TestHIDPOSEAN13(t *testing.T) {
	d := scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{Device: "pos0", Now: clock(t0, time.Second)})
	got := d.Feed(posReports("]E0", 'd', "4006381333931", 56))
	if len(got) != 1 {
		t.Fatalf("got %+v", got)
	}
	s := got[0]
	if s.Code != "4006381333931" || s.Symbology != scanner.EAN13 || !s.Valid || s.Device != "pos0" || !s.Time.Equal(t0) {
		t.Errorf("got %+v", s)
	}
}

func TestHIDPOSCode128(t *testing.T) {
	d := scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{})
	got := d.Feed(posReports("]C0", 'j', "CARD-0042", 56))
	if len(got) != 1 || got[0].Code != "CARD-0042" || got[0].Symbology != scanner.Code128 || !got[0].Valid {
		t.Fatalf("got %+v", got)
	}
}

func TestHIDPOSContinuation(t *testing.T) {
	data := "https://tochka.example/card/" + strings.Repeat("0123456789", 10) // 128 bytes
	in := posReports("]Q1", 's', data, 56)
	if len(in) != 3*64 {
		t.Fatalf("want 3 reports, built %d bytes", len(in))
	}
	for _, size := range []int{1, 5, 64, 100, len(in)} {
		d := scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{})
		var got []scanner.Scan
		for p := in; len(p) > 0; {
			n := min(size, len(p))
			got = append(got, d.Feed(p[:n])...)
			p = p[n:]
		}
		if len(got) != 1 || got[0].Code != data || got[0].Symbology != scanner.QR || !got[0].Valid {
			t.Errorf("chunks of %d: got %+v", size, got)
		}
	}
}

func TestHIDPOSCodeIDWithoutAIM(t *testing.T) {
	tests := []struct {
		id        byte
		data, sym string
	}{
		{'d', "4006381333931", scanner.EAN13},
		{'D', "96385074", scanner.EAN8},
		{'j', "ABC", scanner.Code128},
		{'s', "hello", scanner.QR},
		{0, "ABC", scanner.Unknown},
		{0, "96385074", scanner.EAN8},
	}
	for _, tt := range tests {
		d := scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{})
		got := d.Feed(posReports("", tt.id, tt.data, 56))
		if len(got) != 1 || got[0].Code != tt.data || got[0].Symbology != tt.sym || !got[0].Valid {
			t.Errorf("code id %q: got %+v, want %s", tt.id, got, tt.sym)
		}
	}
}

func TestHIDPOSWrongCheckDigit(t *testing.T) {
	d := scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{})
	got := d.Feed(posReports("]E0", 'd', "4006381333938", 56))
	if len(got) != 1 || got[0].Valid || got[0].Reason != "check digit should be 1, not 8" {
		t.Fatalf("got %+v", got)
	}
}

func TestHIDPOSBadReports(t *testing.T) {
	good := posReports("]C0", 'j', "OK-1", 56)

	badID := posReports("]C0", 'j', "X", 56)
	badID[0] = 0x05
	badCount := posReports("]C0", 'j', "X", 56)
	badCount[1] = 200

	// A continuation interrupted by a bad report: the partial scan is dropped.
	partial := posReports("]C0", 'j', strings.Repeat("A", 80), 56)[:64]

	var in []byte
	for _, p := range [][]byte{badID, good, partial, badCount, good} {
		in = append(in, p...)
	}
	d := scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{})
	got := d.Feed(in)
	if len(got) != 4 {
		t.Fatalf("got %d scans %+v, want 4", len(got), got)
	}
	if got[0].Valid || !strings.Contains(got[0].Reason, "report id 0x05") {
		t.Errorf("bad id: %+v", got[0])
	}
	if !got[1].Valid || got[1].Code != "OK-1" {
		t.Errorf("good: %+v", got[1])
	}
	if got[2].Valid || !strings.Contains(got[2].Reason, "200 data bytes") || got[2].Code != "" {
		t.Errorf("bad count: %+v", got[2])
	}
	if !got[3].Valid || got[3].Code != "OK-1" {
		t.Errorf("good after bad: %+v", got[3])
	}
}

func TestHIDPOSSymbologyChange(t *testing.T) {
	in := posReports("]C0", 'j', strings.Repeat("A", 60), 56)
	copy(in[64+2:64+5], "]Q1")
	got := scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{}).Feed(in)
	if len(got) != 1 || got[0].Valid || !strings.Contains(got[0].Reason, "symbology changed") {
		t.Fatalf("got %+v", got)
	}
}

func TestHIDPOSMaxLenAndReset(t *testing.T) {
	d := scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{MaxLen: 100})
	got := d.Feed(posReports("]C0", 'j', strings.Repeat("B", 150), 56))
	if len(got) != 1 || got[0].Valid || len(got[0].Code) != 100 || got[0].Reason != "scan longer than 100 bytes" {
		t.Fatalf("got %+v", got)
	}

	// Unplugged after the first of two reports and a bit of the second.
	in := posReports("]C0", 'j', strings.Repeat("C", 70), 56)
	if got := d.Feed(in[:64+10]); len(got) != 0 {
		t.Fatalf("partial: %+v", got)
	}
	d.Reset()
	got = d.Feed(posReports("]E0", 'd', "4006381333931", 56))
	if len(got) != 1 || got[0].Code != "4006381333931" || !got[0].Valid {
		t.Fatalf("after Reset: %+v", got)
	}
}
