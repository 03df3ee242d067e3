package lang

import (
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/tochka-loyalty/tochka/assets"
)

// Every key has a text in every language, and a key with plural forms has
// every form each language's CLDR rules pick (Russian: one, few, many).
func TestCatalogComplete(t *testing.T) {
	keys := Keys()
	if len(keys) == 0 {
		t.Fatal("the catalog is empty")
	}
	for _, k := range keys {
		for _, l := range All {
			if !Has(l, k) {
				t.Errorf("%s has no %s text", k, l)
				continue
			}
			counts := []any{nil}
			if Plural(k) {
				counts = []any{0, 1, 2, 3, 5, 11, 12, 21, 22, 25, 101, 111}
			}
			for _, n := range counts {
				args := Args{}
				if n != nil {
					args["count"] = n
				}
				if _, err := Render(l, k, args); err != nil && !strings.Contains(err.Error(), "argument is missing") {
					t.Errorf("%s in %s with count %v: %v", k, l, n, err)
				}
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)`)

// The languages of a key take the same arguments: a translation that drops
// or renames one shows "<no value>" to a customer.
func TestCatalogArgumentsAgree(t *testing.T) {
	args := map[string]map[string][]string{} // key → language → sorted arguments
	files, err := fs.Glob(assets.Messages, "i18n/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		parts := strings.Split(path.Base(f), ".")
		l := parts[len(parts)-2]
		var msgs map[string]map[string]string
		buf, _ := fs.ReadFile(assets.Messages, f)
		if err := toml.Unmarshal(buf, &msgs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, forms := range msgs {
			set := map[string]bool{}
			for form, text := range forms {
				if form == "description" || form == "hash" {
					continue
				}
				for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
					set[m[1]] = true
				}
			}
			if args[k] == nil {
				args[k] = map[string][]string{}
			}
			args[k][l] = slices.Sorted(maps.Keys(set))
		}
	}
	for k, byLang := range args {
		want := byLang[EN]
		for l, got := range byLang {
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s takes %v, en takes %v", k, l, got, want)
			}
		}
	}
}

func TestPluralForms(t *testing.T) {
	for _, c := range []struct {
		lang  string
		count int
		want  string
	}{
		{RU, 1, "бонус"}, {RU, 2, "бонуса"}, {RU, 5, "бонусов"}, {RU, 21, "бонус"}, {RU, 11, "бонусов"},
		{BG, 1, "точка"}, {BG, 2, "точки"},
	} {
		key := "unit.points"
		if c.lang == RU {
			key = "unit.bonuses"
		}
		got := Text(c.lang, key, Args{"count": c.count})
		if !strings.HasSuffix(got, " "+c.want) {
			t.Errorf("%d in %s: %q, want … %s", c.count, c.lang, got, c.want)
		}
	}
}

func TestArgumentsInTheReadersLanguage(t *testing.T) {
	at := time.Date(2026, 11, 3, 14, 5, 0, 0, time.UTC)
	if got := FormatTime(BG, at); got != "03.11.2026 14:05" {
		t.Errorf("bg time: %q", got)
	}
	if got := FormatTime(EN, at); got != "3 Nov 2026 14:05" {
		t.Errorf("en time: %q", got)
	}
	if got := localize(RU, names{"ru": "Чайник", "en": "Kettle"}); got != "Чайник" {
		t.Errorf("localized name: %v", got)
	}
	if got := Text("xx", "no.such.key", nil); got != "no.such.key" {
		t.Errorf("missing key: %q", got)
	}
}

type names map[string]string

func (n names) In(l string) string { return n[l] }

// A Number is written with the reader's digit groups and, as the count,
// still picks the plural form.
func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{
		{BG, 0, "0"}, {BG, 999, "999"}, {BG, 1500, "1\u00a0500"}, {RU, 1234567, "1\u00a0234\u00a0567"},
		{EN, 1500, "1,500"}, {EN, 100000, "100,000"}, {EN, -1234567, "-1,234,567"}, {RU, -150, "-150"},
	} {
		if got := FormatNumber(c.lang, c.n); got != c.want {
			t.Errorf("FormatNumber(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		lang, key string
		n         Number
		want      string
	}{
		{RU, "unit.bonuses", 1500, "1\u00a0500 бонусов"},
		{RU, "unit.bonuses", 1021, "1\u00a0021 бонус"},
		{RU, "unit.points", 2002, "2\u00a0002 балла"},
		{BG, "unit.points", 1, "1 точка"},
		{EN, "unit.points", 1500, "1,500 points"},
	} {
		if got := Text(c.lang, c.key, Args{"count": c.n}); got != c.want {
			t.Errorf("%s %s %d: %q, want %q", c.lang, c.key, c.n, got, c.want)
		}
	}
}

// A day and its month in words, as a customer reads a date on the kiosk:
// the month in the case each language puts it after a day.
func TestDayMonth(t *testing.T) {
	day := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)
	for l, want := range map[string]string{BG: "18 ноември", RU: "18 ноября", EN: "18 November"} {
		if got := Text(l, "kiosk.pending", Args{"points": "x", "date": DayMonth(day)}); !strings.HasSuffix(got, want) {
			t.Errorf("%s: %q, want it to end with %q", l, got, want)
		}
	}
}
