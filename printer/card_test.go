package printer_test

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// DejaVu Sans's ascent and descent, in ems: pdftotext's box of a word is
// this many times the font size tall.
const dejaVuHeight = (1901.0 + 483.0) / 2048.0

// The front's band and the programme's mark in it, as card.go draws them:
// what a holder's name must stay inside of, and clear of.
const (
	bandHeight = 23.0
	markLeft   = printer.CardWidth - 12 - 5.2
	markBottom = 11.5 + 5.2
)

// runes is the first n characters of s.
func runes(s string, n int) string { return string([]rune(s)[:n]) }

// ptSize is the size, in points, a word of DejaVu Sans was printed at.
func ptSize(b printertest.Box) float64 { return (b.YMax - b.YMin) / dejaVuHeight * 72 / 25.4 }

// overlap says whether two boxes share more than a hair (0.05 mm: boxes
// of neighbouring words may touch).
func overlap(a, b printertest.Box) bool {
	const hair = 0.05
	return a.XMin < b.XMax-hair && b.XMin < a.XMax-hair && a.YMin < b.YMax-hair && b.YMin < a.YMax-hair
}

// A holder's name never prints below 7 pt: one that does not fit on one
// line wraps onto a second line, which has the width under the
// programme's mark, and what does not fit there is cut with "…". The name
// stays in the band, clear of the mark and of the other words.
func TestCardHolderName(t *testing.T) {
	word := strings.Repeat("Константинова", 10)
	for _, tc := range []struct {
		name  string
		whole bool // printed whole, not cut
	}{
		{"Мария Иванова", true},
		{"Александрина Константиновна Христофорова", true},
		{"Мария-Александра Константиновна Христофорова-Петкова", true},
		{runes(strings.Repeat("Константинова-Христофорова ", 8), 200), false},
		{runes(word, 60), true}, // broken where the first line ends
		{runes(word, 100), false},
		{"Ана " + runes(word, 100), false},
	} {
		t.Run(fmt.Sprintf("%d characters", len([]rune(tc.name))), func(t *testing.T) {
			c := cardsFixture(t, printer.LangBG, 1)
			c.Cards[0].Name = tc.name
			pdf, _, err := printer.CardPDF(c)
			if err != nil {
				t.Fatal(err)
			}
			var front, name []printertest.Box
			for _, b := range printertest.PDFBoxes(t, "card", pdf) {
				if b.Page == 1 {
					front = append(front, b)
				}
			}
			// The name is what is printed under the subtitle, in the band.
			for _, b := range front {
				if b.YMin > 13.5 && b.YMin < bandHeight {
					name = append(name, b)
				}
			}
			if len(name) == 0 {
				t.Fatalf("no name on the front: %v", front)
			}
			var lines []float64
			var text []string
			for _, b := range name {
				if size := ptSize(b); size < 6.99 {
					t.Errorf("%q prints at %.2f pt, below 7 pt", b.Text, size)
				}
				if b.XMin < 5.9 || b.XMax > printer.CardWidth-5.9 || b.YMax > bandHeight {
					t.Errorf("%q at %.2f–%.2f × %.2f–%.2f mm leaves the band's margins", b.Text, b.XMin, b.XMax, b.YMin, b.YMax)
				}
				if b.YMin < markBottom && b.XMax > markLeft {
					t.Errorf("%q at %.2f–%.2f × %.2f–%.2f mm runs into the mark", b.Text, b.XMin, b.XMax, b.YMin, b.YMax)
				}
				if !slices.ContainsFunc(lines, func(y float64) bool { return math.Abs(y-b.YMin) < 0.1 }) {
					lines = append(lines, b.YMin)
				}
				text = append(text, b.Text)
			}
			for i, a := range front {
				for _, b := range front[i+1:] {
					if overlap(a, b) {
						t.Errorf("%q and %q overprint each other", a.Text, b.Text)
					}
				}
			}
			if len(lines) > 2 {
				t.Errorf("the name takes %d lines, want at most 2", len(lines))
			}
			// Words are compared without their spaces: a word may be
			// broken across the lines.
			got := strings.Join(text, " ")
			squeezed := strings.ReplaceAll(strings.TrimSuffix(got, "…"), " ", "")
			if tc.whole {
				if squeezed != strings.ReplaceAll(tc.name, " ", "") || strings.HasSuffix(got, "…") {
					t.Errorf("printed %q, want the whole name %q", got, tc.name)
				}
				return
			}
			if len(lines) != 2 || !strings.HasSuffix(got, "…") {
				t.Errorf("printed %q on %d lines, want two lines ending with …", got, len(lines))
			}
			if !strings.HasPrefix(strings.ReplaceAll(tc.name, " ", ""), squeezed) || len([]rune(squeezed)) < 40 {
				t.Errorf("printed %q, want the start of %q, two lines of it", got, tc.name)
			}
		})
	}
}

// undrawable is true of what the embedded font has no glyph for, or gofpdf cannot
// draw: Chinese, Japanese and Korean, the full-width forms, anything
// beyond U+FFFF (emoji), and the replacement character.
func undrawable(r rune) bool {
	return r > 0xFFFF || r == '\uFFFD' || (r >= 0xFF00 && r <= 0xFFEF) || r == '\u3000' ||
		unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// Text the embedded font cannot draw is left off the card, never printed
// as a box or "�", and the card and sheet layouts name each card it was left off, in the
// language it is asked for.
func TestCardUndrawableText(t *testing.T) {
	names := []struct{ name, printed, dropped string }{
		{"山田 太郎", "", "山 U+5C71, 田 U+7530, 太 U+592A, 郎 U+90CE"},
		{"Ana 😀 Lee", "Ana Lee", "😀 U+1F600"},
		{"Ｊａｎｅ　Ｄｏｅ Smith", "Smith", "Ｊ U+FF2A, ａ U+FF41, ｎ U+FF4E, ｅ U+FF45, Ｄ U+FF24, ｏ U+FF4F"},
		{"Мария 中文 Иванова", "Мария Иванова", "中 U+4E2D, 文 U+6587"},
		{"Zoë 👩\u200d👩\u200d👧\ufe0f Smith", "Zoë Smith", "👩 U+1F469, 👧 U+1F467"},
		{"Jane Doe", "Jane Doe", ""},
	}
	// How each language says that a card's name lost characters.
	cardWarning := map[string]string{
		printer.LangBG: "карта %s: името „%s“ съдържа знаци, които шрифтът на картата не може да отпечата (%s): отпечатано е без тях",
		printer.LangRU: "карта %s: в имени «%s» есть символы, которых нет в шрифте карты (%s): напечатано без них",
		printer.LangEN: "card %s: the name “%s” has characters the card's font cannot print (%s): printed without them",
	}
	for _, lang := range printer.Languages {
		c := cardsFixture(t, lang, len(names))
		c.Program.Name += " 🏪"
		c.Program.Contact.Web = "coop.bg 🛒"
		for i, n := range names {
			c.Cards[i].Name = n.name
		}
		_, warnings, err := printer.CardPDF(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, sheet, err := printer.CardSheetPDF(c); err != nil || !reflect.DeepEqual(sheet, warnings) {
			t.Errorf("%s: a sheet warns %v (%v), a card printer's cards %v", lang, sheet, err, warnings)
		}
		var got []string
		for _, w := range warnings {
			got = append(got, w.In(lang))
		}
		// The contact's warning comes last, quoting the contact as the
		// card prints it.
		if len(got) == 0 || !strings.Contains(got[len(got)-1], "coop.bg 🛒") || !strings.Contains(got[len(got)-1], "(🛒 U+1F6D2)") {
			t.Errorf("%s: no warning for the contact in %q", lang, got)
		} else {
			got = got[:len(got)-1]
		}
		want := []string{map[string]string{
			printer.LangBG: "името на програмата „КООП 🏪“ съдържа знаци, които шрифтът на картата не може да отпечата (🏪 U+1F3EA): отпечатано е без тях",
			printer.LangRU: "в названии программы «Хорошая связь – бонус 🏪» есть символы, которых нет в шрифте карты (🏪 U+1F3EA): напечатано без них",
			printer.LangEN: "the program's name “КООП 🏪” has characters the card's font cannot print (🏪 U+1F3EA): printed without them",
		}[lang]}
		for i, n := range names {
			if n.dropped != "" {
				want = append(want, fmt.Sprintf(cardWarning[lang], c.Cards[i].Number, n.name, n.dropped))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: warnings\n%s\nwant\n%s", lang, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, layout := range []struct {
			name   string
			render cardLayout
		}{{"card", printer.CardPDF}, {"sheet", printer.CardSheetPDF}} {
			pdf, _, err := layout.render(c)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, layout.name, err)
			}
			words := printertest.Text(t, layout.name, pdf)
			for _, r := range words {
				if undrawable(r) {
					t.Errorf("%s %s: %U %q is printed", lang, layout.name, r, r)
				}
			}
			for _, n := range names {
				if n.printed != "" && !strings.Contains(words, n.printed) {
					t.Errorf("%s %s: no %q in %q", lang, layout.name, n.printed, words)
				}
			}
		}
	}
}

// barRects are the rectangles of a card PDF's bars, in millimetres from the
// page's top left corner: the layouts draw them, and only them, as one
// path of "x y w h re" lines (in points from the bottom left).
func barRects(t *testing.T, pdf []byte, pageHeight float64) [][4]float64 {
	t.Helper()
	const k = 72 / 25.4
	var out [][4]float64
	for _, m := range regexp.MustCompile(`(?m)^([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) re$`).FindAllSubmatch(pdf, -1) {
		var v [4]float64
		for i := range v {
			f, err := strconv.ParseFloat(string(m[i+1]), 64)
			if err != nil {
				t.Fatal(err)
			}
			v[i] = f / k
		}
		out = append(out, [4]float64{v[0], pageHeight - v[1], v[2], -v[3]})
	}
	if len(out) == 0 {
		t.Fatal("no bars in the PDF")
	}
	return out
}

// The bars are at least 80 % of the symbol's nominal height for their
// module (GS1: 22.85 mm at 0.33 mm, 69.2 modules), measured in what the
// layouts draw, while the symbol with its quiet zones stays where it was,
// centred, with no other word in it.
func TestCardBarHeight(t *testing.T) {
	const nominal = 22.85 / 0.33 // modules
	for _, lang := range printer.Languages {
		c := cardsFixture(t, lang, 1)
		pdf, _, err := printer.CardPDF(c)
		if err != nil {
			t.Fatal(err)
		}
		bars := barRects(t, pdf, printer.CardHeight)
		module, height, top := math.Inf(1), math.Inf(1), bars[0][1]
		left, right := math.Inf(1), math.Inf(-1)
		for _, b := range bars {
			module, height = min(module, b[2]), min(height, b[3]) // guard bars reach further down
			left, right = min(left, b[0]), max(right, b[0]+b[2])
		}
		quietLeft, quietRight := 11.0, 7.0
		if c.Program.Card.Barcode == rewards.BarcodeCode128 {
			quietLeft, quietRight = 10, 10
		}
		if got := height / (nominal * module); got < 0.8 {
			t.Errorf("%s: bars %.2f mm tall at a %.2f mm module: %.0f %% of the nominal %.2f mm, want at least 80 %%",
				lang, height, module, got*100, nominal*module)
		}
		if math.Abs(module-0.38) > 0.005 {
			t.Errorf("%s: module %.3f mm, want 0.38 mm", lang, module)
		}
		// The symbol with its quiet zones is centred, as it was.
		if d := (left - quietLeft*module) - (printer.CardWidth - right - quietRight*module); math.Abs(d) > 0.02 {
			t.Errorf("%s: the symbol with its quiet zones is %.2f mm off the card's centre", lang, d/2)
		}
		zone := printertest.Box{XMin: left - quietLeft*module, XMax: right + quietRight*module, YMin: top, YMax: top + height}
		for _, b := range printertest.PDFBoxes(t, "card", pdf) {
			if strings.Trim(b.Text, "0123456789") == "" {
				continue // the number, under the bars as it belongs
			}
			if b.Page == 1 && overlap(b, zone) {
				t.Errorf("%s: %q at %.2f–%.2f × %.2f–%.2f mm is in the bars or their quiet zones", lang, b.Text, b.XMin, b.XMax, b.YMin, b.YMax)
			}
		}
	}
}

// The sheet's header is at least 5 mm from the paper's edges, clear of the
// crop marks, and counts the cards with the catalog's plural rules.
func TestSheetHeader(t *testing.T) {
	const (
		pageWidth  = 210.0
		x0         = (pageWidth - 2*printer.CardWidth) / 2
		y0         = (297 - 5*printer.CardHeight) / 2
		marksFrom  = y0 - 1.5 - 5 // the crop marks above the cards
		marksUntil = y0 - 1.5
	)
	// header is what a page's header says: its left part and its right.
	type header [2]string
	// want is, by language, by how many cards, by page, the header.
	want := map[string]map[int]map[int]header{
		printer.LangBG: {
			1:  {1: {"КООП · 1 карта", "лице"}, 2: {"КООП · 1 карта", "гръб"}},
			2:  {1: {"КООП · 2 карти", "лице"}},
			10: {2: {"КООП · 10 карти", "гръб"}},
			11: {1: {"КООП · карти 1–10 от 11", "лице"}, 3: {"КООП · карта 11 от 11", "лице"}},
			25: {1: {"КООП · карти 1–10 от 25", "лице"}, 6: {"КООП · карти 21–25 от 25", "гръб"}},
		},
		printer.LangRU: {
			1:  {1: {"Хорошая связь – бонус · 1 карта", "лицевая сторона"}},
			2:  {1: {"Хорошая связь – бонус · 2 карты", "лицевая сторона"}},
			5:  {2: {"Хорошая связь – бонус · 5 карт", "оборот"}},
			21: {1: {"Хорошая связь – бонус · карты 1–10 из 21", "лицевая сторона"}, 6: {"Хорошая связь – бонус · карта 21 из 21", "оборот"}},
		},
		printer.LangEN: {
			1:    {1: {"КООП · 1 card", "front"}, 2: {"КООП · 1 card", "back"}},
			3:    {1: {"КООП · 3 cards", "front"}},
			12:   {3: {"КООП · cards 11–12 of 12", "front"}},
			1000: {1: {"КООП · cards 1–10 of 1,000", "front"}, 200: {"КООП · cards 991–1,000 of 1,000", "back"}},
		},
	}
	for _, lang := range printer.Languages {
		for n, headers := range want[lang] {
			pdf, _, err := printer.CardSheetPDF(cardsFixture(t, lang, n))
			if err != nil {
				t.Fatal(err)
			}
			got := map[int]header{}
			for _, b := range printertest.PDFBoxes(t, "sheet", pdf) {
				if b.YMax > y0 {
					continue // on the cards
				}
				if b.YMin < 5 || b.XMin < 5 || b.XMax > pageWidth-5 {
					t.Errorf("%s, %d cards: %q at %.2f–%.2f × %.2f–%.2f mm is less than 5 mm from the paper's edge",
						lang, n, b.Text, b.XMin, b.XMax, b.YMin, b.YMax)
				}
				for col := range 3 {
					x := x0 + float64(col)*printer.CardWidth
					if b.XMin < x+0.5 && b.XMax > x-0.5 && b.YMin < marksUntil && b.YMax > marksFrom {
						t.Errorf("%s, %d cards: %q at %.2f–%.2f mm is printed over the crop mark at %.2f mm", lang, n, b.Text, b.XMin, b.XMax, x)
					}
				}
				part := 0
				if b.XMin > pageWidth/2 {
					part = 1
				}
				h := got[b.Page]
				h[part] = strings.TrimSpace(h[part] + " " + strings.ReplaceAll(b.Text, "\u00a0", " "))
				got[b.Page] = h
			}
			for page, w := range headers {
				if got[page] != w {
					t.Errorf("%s, %d cards: page %d's header reads %q, want %q", lang, n, page, got[page], w)
				}
			}
		}
	}
}

// cardLayout is CardPDF or CardSheetPDF.
type cardLayout = func(printer.Cards) ([]byte, []lang.Msg, error)
