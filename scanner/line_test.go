package scanner_test

import (
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/scanner"
)

func TestLineSuffixes(t *testing.T) {
	tests := []struct {
		suffix scanner.Suffix
		in     string
		want   string
	}{
		{scanner.SuffixCR, "]E04006381333931\r]C0AB\r", "4006381333931,AB"},
		{scanner.SuffixCR, "AB12\r\nCD34\r\n", "AB12,CD34"},
		{scanner.SuffixCR, "\r\r", ""},
		{scanner.SuffixLF, "AB12\nCD34\r\n", "AB12,CD34"},
		{scanner.SuffixCRLF, "AB12\r\nCD\r34\r\n", "AB12,CD\r34"},
		{scanner.SuffixCRLF, "AB12\n", ""},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 2, len(tt.in)} {
			d := scanner.NewLineDecoder(scanner.LineConfig{Suffix: tt.suffix})
			var got []scanner.Scan
			for p := []byte(tt.in); len(p) > 0; {
				n := min(size, len(p))
				got = append(got, d.Feed(p[:n])...)
				p = p[n:]
			}
			if s := strings.Join(codes(got), ","); s != tt.want {
				t.Errorf("suffix %d %q in chunks of %d: got %q, want %q", tt.suffix, tt.in, size, s, tt.want)
			}
		}
	}
}

func TestLineSymbologyAndCheck(t *testing.T) {
	d := scanner.NewLineDecoder(scanner.LineConfig{Device: "/dev/ttyACM0"})
	got := d.Feed([]byte("]C0CARD-7\r4006381333932\r"))
	if len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	if got[0].Symbology != scanner.Code128 || got[0].Code != "CARD-7" || !got[0].Valid || got[0].Device != "/dev/ttyACM0" {
		t.Errorf("got %+v", got[0])
	}
	if got[1].Valid || got[1].Reason != "check digit should be 1, not 2" {
		t.Errorf("got %+v", got[1])
	}
}

func TestLineMaxLenAndReset(t *testing.T) {
	d := scanner.NewLineDecoder(scanner.LineConfig{Suffix: scanner.SuffixCRLF, MaxLen: 4})
	got := d.Feed([]byte("ABCD\r\nABCDE\r\nAB"))
	if len(got) != 2 || !got[0].Valid || got[0].Code != "ABCD" || got[1].Valid || got[1].Code != "ABCD" {
		t.Fatalf("got %+v", got)
	}
	d.Reset()
	got = d.Feed([]byte("XY\r\n"))
	if len(got) != 1 || got[0].Code != "XY" {
		t.Fatalf("after Reset: %+v", got)
	}
}
