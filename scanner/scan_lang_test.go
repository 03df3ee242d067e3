package scanner_test

import (
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/scanner"
)

// Why a scan is not used reads in the reader's language; Reason keeps the
// English for log lines.
func TestRejectedScanInEveryLanguage(t *testing.T) {
	s := scanner.ParseCode("]E02900000000019")
	if s.Valid || s.Why.Key != "scanner.why.check_digit" {
		t.Fatalf("a wrong check digit: %+v", s)
	}
	for l, want := range map[string]string{lang.EN: "check digit should be 8, not 9", lang.BG: "контролната цифра трябва да е 8", lang.RU: "контрольная цифра должна быть 8"} {
		if got := s.Why.In(l); !strings.Contains(got, want) {
			t.Errorf("%s: %q", l, got)
		}
	}
	if s.Reason != s.Why.In(lang.EN) {
		t.Errorf("Reason %q, Why in English %q", s.Reason, s.Why.In(lang.EN))
	}
}
