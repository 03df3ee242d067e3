package scanner_test

import (
	"testing"

	"github.com/tochka-loyalty/tochka/scanner"
)

func TestParseCode(t *testing.T) {
	tests := []struct {
		raw, code, sym string
		valid          bool
		reason         string
	}{
		{"4006381333931", "4006381333931", scanner.EAN13, true, ""},
		{"4006381333932", "4006381333932", scanner.EAN13, false, "check digit should be 1, not 2"},
		{"96385074", "96385074", scanner.EAN8, true, ""},
		{"96385075", "96385075", scanner.EAN8, false, "check digit should be 4, not 5"},
		{"036000291452", "036000291452", scanner.UPCA, true, ""},
		{"036000291453", "036000291453", scanner.UPCA, false, "check digit should be 2, not 3"},
		{"]E04006381333931", "4006381333931", scanner.EAN13, true, ""},
		{"]E0036000291452", "036000291452", scanner.UPCA, true, ""},
		{"]E04006381333930", "4006381333930", scanner.EAN13, false, "check digit should be 1, not 0"},
		{"]E0123", "123", scanner.EAN13, false, "EAN-13 should have 13 digits, got 3 characters"},
		{"]E496385074", "96385074", scanner.EAN8, true, ""},
		{"]C0CARD-00042", "CARD-00042", scanner.Code128, true, ""},
		{"]C1010123456789012815", "010123456789012815", scanner.GS1128, true, ""},
		{"]Q1https://tochka.example/c/42", "https://tochka.example/c/42", scanner.QR, true, ""},
		{"]d2010123", "010123", scanner.Unknown, true, ""},
		{"123456", "123456", scanner.Unknown, true, ""},
		{"12345678901", "12345678901", scanner.Unknown, true, ""},
		{"ABC123", "ABC123", scanner.Unknown, true, ""},
		{"", "", scanner.Unknown, false, "empty scan"},
		{"]", "]", scanner.Unknown, true, ""},
	}
	for _, tt := range tests {
		s := scanner.ParseCode(tt.raw)
		if s.Code != tt.code || s.Symbology != tt.sym || s.Valid != tt.valid || s.Reason != tt.reason {
			t.Errorf("ParseCode(%q) = %q %s valid=%v %q; want %q %s valid=%v %q",
				tt.raw, s.Code, s.Symbology, s.Valid, s.Reason, tt.code, tt.sym, tt.valid, tt.reason)
		}
	}
}
