package printer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Prices and points spent print in the form the language's plural rules
// pick, from the catalog: a Russian bonus poster and voucher read "1 бонус",
// "2 бонуса", "5 бонусов", a Bulgarian co-op's "1 точка", "2 точки".
func TestPrintedPluralForms(t *testing.T) {
	for _, c := range []struct {
		lang, program string
		want          map[int64]string // count → the words printed
	}{
		{printer.LangRU, "bonus", map[int64]string{1: "1 бонус", 2: "2 бонуса", 5: "5 бонусов", 11: "11 бонусов", 21: "21 бонус", 1500: "1 500 бонусов"}},
		{printer.LangRU, "coop", map[int64]string{1: "1 балл", 3: "3 балла", 5: "5 баллов", 22: "22 балла"}},
		{printer.LangBG, "coop", map[int64]string{1: "1 точка", 2: "2 точки", 5: "5 точки", 1500: "1 500 точки"}},
		{printer.LangBG, "bonus", map[int64]string{1: "1 бонус", 2: "2 бонуса"}},
		{printer.LangEN, "coop", map[int64]string{1: "1 point", 2: "2 points", 1500: "1,500 points"}},
	} {
		t.Run(c.lang+"-"+c.program, func(t *testing.T) {
			t.Parallel()
			program := bundled(t, c.program)
			counts := slices.Sorted(func(yield func(int64) bool) {
				for n := range c.want {
					if !yield(n) {
						return
					}
				}
			})
			poster := printer.Poster{Program: program, Lang: c.lang, Printed: printedAt}
			for _, n := range counts {
				poster.Items = append(poster.Items, rewards.Reward{ID: fmt.Sprintf("r%d", n), Points: n,
					Names: rewards.Names{BG: fmt.Sprintf("R%d", n), RU: fmt.Sprintf("R%d", n), EN: fmt.Sprintf("R%d", n)}})
			}
			pdf, _, err := printer.PosterPDF(poster)
			if err != nil {
				t.Fatal(err)
			}
			words := " " + printertest.Text(t, "poster", pdf) + " "
			for _, n := range counts {
				// Padded, so that "1 бонус" is not found inside "21 бонус"
				// or "1 бонуса".
				if want := " " + c.want[n] + " "; !strings.Contains(words, want) {
					t.Errorf("poster: no %q in:\n%s", want, words)
				}
			}

			for _, n := range counts {
				v := voucherFixture(t, c.lang)
				v.Program = program
				v.Voucher.Points = n
				pdf, err := printer.VoucherPDF(v)
				if err != nil {
					t.Fatal(err)
				}
				words := " " + printertest.Text(t, "voucher", pdf) + " "
				if want := " " + c.want[n] + " "; !strings.Contains(words, want) {
					t.Errorf("voucher of %d: no %q in:\n%s", n, want, words)
				}
			}
		})
	}
}

// A sentence's values are written in the reader's language: the poster's
// dates and the card's activation delay.
func TestPrintedValues(t *testing.T) {
	p := posterFixture(t, printer.LangEN, printer.PosterA4)
	p.Items = p.Items[1:2]
	p.Program = bundled(t, "bonus")                            // Moscow time
	p.Printed = time.Date(2026, 11, 2, 22, 30, 0, 0, time.UTC) // the 3rd in Moscow
	pdf, _, err := printer.PosterPDF(p)
	if err != nil {
		t.Fatal(err)
	}
	printertest.WantText(t, "poster", printertest.Text(t, "poster", pdf), "350 bonuses", "no end date", "Printed 3 Nov 2026", "page 1 of 1")

	c := cardsFixture(t, printer.LangRU, 1)
	c.Program.Card.ActivationDelay = rewards.Duration(90 * time.Minute)
	pdf, _, err = printer.CardPDF(c)
	if err != nil {
		t.Fatal(err)
	}
	printertest.WantText(t, "card", printertest.Text(t, "card", pdf), "через 90 мин после выдачи")
}

var catalogKey = regexp.MustCompile(`"((?:printer|poster|unit)\.[a-z_.]+)"`)

// Every key the layouts read is in the catalog, and every printer key of
// the catalog is read by a layout: a key renamed on one side only would
// print the key itself, or leave a text nobody prints.
func TestPrinterKeys(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range catalogKey.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
	}
	if len(used) == 0 {
		t.Fatal("the layouts read no key of the catalog")
	}
	for k := range used {
		for _, l := range printer.Languages {
			if !lang.Has(l, k) {
				t.Errorf("the layouts read %s, which the catalog has no %s text for", k, l)
			}
		}
	}
	for _, k := range lang.Keys() {
		if (strings.HasPrefix(k, "printer.") || strings.HasPrefix(k, "poster.")) && !used[k] {
			t.Errorf("the catalog's %s is printed by no layout", k)
		}
	}
}
