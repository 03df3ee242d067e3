package printer

import (
	"slices"
	"testing"
)

// wrap is tested inside the package: a layout's lines are what it returns,
// and every layout measures with its own font, so the rule is tested here
// once with a measure of one unit a character (a letter with its accents).
func TestWrap(t *testing.T) {
	runes := func(s string) float64 { return float64(len(characters(s))) }
	for _, tc := range []struct {
		s    string
		w    float64
		want []string
	}{
		// At spaces, as ever; a no-break space holds.
		{"Олио слънчогледово 1 л", 13, []string{"Олио", "слънчогледово", "1 л"}},
		{"Show the card at the till", 12, []string{"Show the", "card at the", "till"}},
		{"1\u00a0500 точки", 6, []string{"1\u00a0500", "точки"}},
		{"  two  spaces  ", 20, []string{"two spaces"}},
		{"", 10, nil},
		// A word too wide wraps after its hyphens, the first piece on the
		// line begun when it fits there.
		{"Тенджера-тиган-комплект", 16, []string{"Тенджера-тиган-", "комплект"}},
		{"Set Тенджера-тиган", 13, []string{"Set Тенджера-", "тиган"}},
		{"Set Тенджера-тиган", 14, []string{"Set", "Тенджера-тиган"}},
		{"-5% off", 4, []string{"-5%", "off"}},
		{"a--b", 2, []string{"a-", "-b"}},
		// A piece still too wide breaks anywhere, a letter and its
		// combining accent together.
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"Суперпродукт-x", 5, []string{"Супер", "проду", "кт-x"}},
		{"ae\u0301iou", 2, []string{"ae\u0301", "io", "u"}},
		{"x", 0.5, []string{"x"}},
	} {
		got := wrap(tc.s, tc.w, runes)
		if !slices.Equal(got, tc.want) {
			t.Errorf("wrap(%q, %g) = %q, want %q", tc.s, tc.w, got, tc.want)
		}
		for _, line := range got {
			if runes(line) > tc.w && len(characters(line)) > 1 {
				t.Errorf("wrap(%q, %g): %q is wider than %g", tc.s, tc.w, line, tc.w)
			}
		}
	}
}
