package scanner_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/scanner"
)

func TestRepeatFilterSameCardTwiceInASecond(t *testing.T) {
	// A boot stream with the same card read twice, 0.6 s apart, as a live
	// source stamps it.
	in := bootReports("us", "4006381333931", 0x28)
	in = append(in, bootReports("us", "4006381333931", 0x28)...)
	d := newBoot(t, scanner.BootConfig{Now: clock(t0, 600*time.Millisecond)})
	scans := d.Feed(in)
	if len(scans) != 2 {
		t.Fatalf("the decoder must keep repeats: got %d scans", len(scans))
	}
	f := scanner.NewRepeatFilter(0)
	if got := f.Filter(scans); len(got) != 1 || !got[0].Time.Equal(t0) {
		t.Fatalf("got %+v, want the first read only", got)
	}
}

func TestRepeatFilterWindow(t *testing.T) {
	at := func(code string, ms int) scanner.Scan {
		return scanner.Scan{Code: code, Time: t0.Add(time.Duration(ms) * time.Millisecond)}
	}
	tests := []struct {
		name   string
		window time.Duration
		scans  []scanner.Scan
		want   string
	}{
		{"default window", 0, []scanner.Scan{at("A", 0), at("A", 1499), at("A", 4000)}, "A@0,A@4000"},
		{"held card stays dropped", 0, []scanner.Scan{at("A", 0), at("A", 1000), at("A", 2000), at("A", 3000)}, "A@0"},
		{"another card in between", 0, []scanner.Scan{at("A", 0), at("B", 200), at("A", 400)}, "A@0,B@200,A@400"},
		{"short window", 100 * time.Millisecond, []scanner.Scan{at("A", 0), at("A", 50), at("A", 300)}, "A@0,A@300"},
		{"negative window keeps all", -1, []scanner.Scan{at("A", 0), at("A", 1)}, "A@0,A@1"},
		{"clock went back", 0, []scanner.Scan{at("A", 1000), at("A", 0)}, "A@1000,A@0"},
	}
	for _, tt := range tests {
		f := scanner.NewRepeatFilter(tt.window)
		var got []string
		for _, s := range tt.scans {
			if f.Allow(s) {
				got = append(got, fmt.Sprintf("%s@%d", s.Code, s.Time.Sub(t0).Milliseconds()))
			}
		}
		if g := strings.Join(got, ","); g != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, g, tt.want)
		}
	}
}
