package printer_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/assets"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// printedAt is the fixed moment every fixture is printed at.
var printedAt = time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)

// bundled reads a program shipped in assets.
func bundled(t testing.TB, name string) rewards.Program {
	t.Helper()
	data, err := assets.Programs.ReadFile("programs/" + name + ".toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := rewards.ParseProgram(data)
	if err != nil {
		t.Fatal(err)
	}
	return *p
}

// numbers returns n distinct, valid card numbers with the prefix.
func numbers(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = rewards.WithCheckDigit(fmt.Sprintf("%s%010d", prefix, 1234567+i*7919))
	}
	return out
}

// holders are the names on the fixture cards, by language.
var holders = map[string]string{
	printer.LangBG: "Мария Иванова",
	printer.LangRU: "Алексей Смирнов",
	printer.LangEN: "Jane Doe",
}

// cardsFixture is what the card goldens print: the co-op's cards in
// Bulgarian, the Russian chain's in Russian, and in English the co-op set
// to print Code128, so that both symbologies have a golden.
func cardsFixture(t testing.TB, lang string, n int) printer.Cards {
	p := bundled(t, "coop")
	prefix := p.Card.Prefix
	switch lang {
	case printer.LangRU:
		p = bundled(t, "bonus")
		prefix = p.Card.Prefix
	case printer.LangEN:
		p.Card.Barcode = rewards.BarcodeCode128
	}
	c := printer.Cards{Program: p, Lang: lang, Date: printedAt}
	for i, num := range numbers(prefix, n) {
		card := rewards.Card{Number: num}
		if i == 0 {
			card.Name = holders[lang]
		}
		c.Cards = append(c.Cards, card)
	}
	return c
}

// voucherFixture is a co-op voucher for a customer speaking lang.
func voucherFixture(t testing.TB, lang string) printer.Voucher {
	return printer.Voucher{Program: bundled(t, "coop"), Lang: lang, Voucher: rewards.Voucher{
		Code: "K7QX-M2PA-9RTE", Card: rewards.WithCheckDigit("290001234567"), Reward: "oil-1l",
		Names: rewards.Names{
			BG: "Олио „КООП“ слънчогледово 1 л",
			RU: "Подсолнечное масло «КООП» 1 л",
			EN: "COOP sunflower oil 1 l",
		},
		Points: 1500, Store: "sofia-vitosha", Status: rewards.VoucherOpen,
		CreatedAt: printedAt, ValidUntil: printedAt.Add(720 * time.Hour),
	}}
}

// posterFixture is a board of 14 items, two pages on A4 and one on A3:
// pictures from a 16-bit PNG and a JPEG, one missing and one broken (those
// two print without); the coffee is out of stock.
func posterFixture(t testing.TB, lang, size string) printer.Poster {
	day := func(m time.Month, d int) *time.Time {
		tm := time.Date(2026, m, d, 0, 0, 0, 0, time.FixedZone("EET", 2*3600))
		return &tm
	}
	none, some := int64(0), int64(12)
	items := []rewards.Reward{
		{ID: "oil-1l", Stock: &some, Points: 120, Picture: "pictures/oil-16bit.png", ValidTo: day(12, 1),
			Names: rewards.Names{BG: "Олио слънчогледово 1 л", RU: "Подсолнечное масло 1 л", EN: "Sunflower oil 1 l"}},
		{ID: "coffee", Points: 350, Picture: "pictures/coffee.jpg", Stock: &none,
			Names: rewards.Names{BG: "Кафе на зърна 500 г", RU: "Кофе в зёрнах 500 г", EN: "Coffee beans 500 g"}},
		{ID: "honey", Points: 480, Picture: "pictures/missing.jpg", ValidFrom: day(11, 1),
			Names: rewards.Names{BG: "Пчелен мед от Странджа 900 г", RU: "Мёд из Странджи 900 г", EN: "Strandzha honey 900 g"}},
		{ID: "cheese", Points: 1500, Picture: "pictures/broken.jpg", ValidFrom: day(11, 1), ValidTo: day(12, 24),
			Names: rewards.Names{BG: "Краве сирене КООП, кофичка 1 кг", RU: "Брынза КООП 1 кг", EN: "COOP white cheese 1 kg"}},
	}
	for i := len(items); i < 14; i++ {
		items = append(items, rewards.Reward{ID: fmt.Sprintf("item-%d", i), Points: int64(50 * (i + 1)),
			Names: rewards.Names{BG: fmt.Sprintf("Награда № %d", i+1), RU: fmt.Sprintf("Подарок № %d", i+1), EN: fmt.Sprintf("Reward no. %d", i+1)}})
	}
	for i := range items {
		items[i].Coop = "coop-sofia"
	}
	return printer.Poster{Program: bundled(t, "coop"), Lang: lang, Size: size, Coop: "Кооп София", Store: "София, бул. Витоша 12",
		Items: items, Printed: printedAt, ReadPicture: func(name string) ([]byte, error) {
			return os.ReadFile(filepath.Join("testdata", name))
		}}
}

// posterSize gives each language's poster a size: English the A3.
func posterSize(lang string) string {
	if lang == printer.LangEN {
		return printer.PosterA3
	}
	return printer.PosterA4
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./printer/ -update to write the golden files)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s: %d bytes differ from the golden %d bytes from offset %d:\n got %q\nwant %q\n(run go test ./printer/ -update if the change is meant)",
			name, len(got), len(want), i, excerpt(got, i), excerpt(want, i))
	}
}

func excerpt(b []byte, i int) []byte {
	return b[max(0, i-40):min(len(b), i+40)]
}

// render is every layout of one language, by golden file name.
func render(t *testing.T, lang string) map[string][]byte {
	t.Helper()
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		return b
	}
	poster, warnings, err := printer.PosterPDF(posterFixture(t, lang, posterSize(lang)))
	if err != nil {
		t.Fatalf("%s poster: %v", lang, err)
	}
	if len(warnings) != 2 {
		t.Errorf("%s poster: want 2 warnings (a missing and a broken picture), got %q", lang, warnings)
	}
	return map[string][]byte{
		"card-" + lang + ".pdf":       must(cardsOnly(printer.CardPDF(cardsFixture(t, lang, 1)))),
		"sheet-" + lang + ".pdf":      must(cardsOnly(printer.CardSheetPDF(cardsFixture(t, lang, 12)))),
		"voucher-" + lang + ".pdf":    must(printer.VoucherPDF(voucherFixture(t, lang))),
		"voucher-" + lang + ".escpos": must(printer.VoucherESCPOS(voucherFixture(t, lang))),
		"poster-" + lang + ".pdf":     poster,
	}
}

func TestGolden(t *testing.T) {
	for _, lang := range printer.Languages {
		t.Run(lang, func(t *testing.T) {
			first := render(t, lang)
			again := render(t, lang)
			for name, b := range first {
				if !bytes.Equal(b, again[name]) {
					t.Errorf("%s: two renderings of the same input differ", name)
				}
				golden(t, name, b)
			}
		})
	}
}

// The card's PDF is one front and one back page a card; the sheet's is a
// front and a back page for every ten cards; the font is subset, so even a
// one-card PDF stays small.
func TestPDFStructure(t *testing.T) {
	card, _, err := printer.CardPDF(cardsFixture(t, printer.LangBG, 3))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(card, []byte("/Type /Page\n")); n != 6 {
		t.Errorf("3 cards: %d pages, want 6", n)
	}
	if !bytes.Contains(card, []byte("/MediaBox [0 0 242.65 153.01]")) {
		t.Errorf("card pages are not CR80 (85.6 × 53.98 mm = 242.65 × 153.01 pt)")
	}
	if len(card) > 60_000 {
		t.Errorf("3 cards take %d bytes: is the font still subset?", len(card))
	}
	sheet, _, err := printer.CardSheetPDF(cardsFixture(t, printer.LangBG, 21))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(sheet, []byte("/Type /Page\n")); n != 6 {
		t.Errorf("21 cards on sheets: %d pages, want 6 (3 sheets, front and back)", n)
	}
	if !bytes.Contains(sheet, []byte("/MediaBox [0 0 595.28 841.89]")) {
		t.Errorf("sheets are not A4")
	}
	for _, b := range [][]byte{card, sheet} {
		if bytes.Contains(b, []byte("/Subtype /Image")) {
			t.Errorf("a barcode was drawn as an image: bars must be vector rectangles")
		}
		if !bytes.Contains(b, []byte("/CreationDate (D:20261102083000)")) {
			t.Errorf("the creation date is not the input's")
		}
	}
}

// The ESC/POS stream is ESC @, GS v 0 slices of at most 255 rows 72 bytes
// wide, and a feed-and-cut; decoding gives back a 576-dot picture.
func TestESCPOSStream(t *testing.T) {
	for _, lang := range printer.Languages {
		s, err := printer.VoucherESCPOS(voucherFixture(t, lang))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(s, []byte{0x1B, 0x40}) {
			t.Fatalf("%s: the stream starts % X, want ESC @", lang, s[:2])
		}
		if !bytes.Equal(s[len(s)-4:len(s)-1], []byte{0x1D, 0x56, 0x41}) {
			t.Errorf("%s: the stream ends % X, want feed-and-cut 1D 56 41 n", lang, s[len(s)-4:])
		}
		rows, slices := 0, 0
		for i := 2; i < len(s)-4; {
			if !bytes.Equal(s[i:i+4], []byte{0x1D, 0x76, 0x30, 0x00}) {
				t.Fatalf("%s: offset %d: % X, want GS v 0 0", lang, i, s[i:i+4])
			}
			xb, h := int(s[i+4])|int(s[i+5])<<8, int(s[i+6])|int(s[i+7])<<8
			if xb != 72 || h < 1 || h > 255 {
				t.Fatalf("%s: slice %d is %d bytes × %d rows, want 72 × 1..255", lang, slices, xb, h)
			}
			rows += h
			slices++
			i += 8 + xb*h
		}
		if slices < 2 {
			t.Errorf("%s: %d slices: a voucher is longer than 255 rows", lang, slices)
		}
		img, err := printertest.DecodeESCPOS(s)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != printer.ReceiptDots || b.Dy() != rows {
			t.Errorf("%s: decoded %v, want 576 × %d", lang, b, rows)
		}
	}
	for _, bad := range [][]byte{
		{},
		{0x1B, 0x40},
		{0x1B, 0x40, 0x1D, 0x76, 0x30, 0x00, 0x48, 0x00, 0x02, 0x00, 0xFF},
		{0x1B, 0x40, 0x42},
	} {
		if _, err := printertest.DecodeESCPOS(bad); err == nil {
			t.Errorf("DecodeESCPOS(% X) gave no error", bad)
		}
	}
}

// Bad input gets a clear error and nothing to print.
func TestBadInput(t *testing.T) {
	badCard := cardsFixture(t, printer.LangBG, 3)
	num := badCard.Cards[1].Number
	badCard.Cards[1].Number = num[:12] + string(rune('0'+(num[12]-'0'+1)%10))
	claimed := voucherFixture(t, printer.LangBG)
	claimed.Voucher.Status = rewards.VoucherClaimed
	badCode := voucherFixture(t, printer.LangBG)
	badCode.Voucher.Code = "K7QX-M2PA-9RT0"
	badVoucherCard := voucherFixture(t, printer.LangBG)
	badVoucherCard.Voucher.Card = badCard.Cards[1].Number
	empty := posterFixture(t, printer.LangBG, printer.PosterA4)
	empty.Items = nil
	letter := posterFixture(t, printer.LangBG, "Letter")
	noLang := cardsFixture(t, printer.LangBG, 1)
	noLang.Lang = "de"
	noDate := cardsFixture(t, printer.LangBG, 1)
	noDate.Date = time.Time{}
	badBarcode := cardsFixture(t, printer.LangBG, 1)
	badBarcode.Program.Card.Barcode = "qr"

	for _, tc := range []struct {
		name string
		run  func() ([]byte, error)
		want []string
	}{
		{"card check digit", func() ([]byte, error) { return cardsOnly(printer.CardPDF(badCard)) }, []string{"check digit"}},
		{"sheet check digit", func() ([]byte, error) { return cardsOnly(printer.CardSheetPDF(badCard)) }, []string{"check digit"}},
		{"no cards", func() ([]byte, error) {
			return cardsOnly(printer.CardPDF(printer.Cards{Program: badCard.Program, Lang: "bg", Date: printedAt}))
		}, []string{"printer.error.cards_none", "no cards"}},
		{"unknown language", func() ([]byte, error) { return cardsOnly(printer.CardPDF(noLang)) }, []string{"printer.error.lang_bad", `"de"`, "bg, ru, en"}},
		{"no date", func() ([]byte, error) { return cardsOnly(printer.CardPDF(noDate)) }, []string{"printer.error.date_missing", "cards: the date"}},
		{"unknown symbology", func() ([]byte, error) { return cardsOnly(printer.CardPDF(badBarcode)) }, []string{"printer.error.barcode", `"qr"`}},
		{"claimed voucher", func() ([]byte, error) { return printer.VoucherPDF(claimed) }, []string{"printer.error.voucher_not_open", "K7QX-M2PA-9RTE", "claimed"}},
		{"claimed voucher escpos", func() ([]byte, error) { return printer.VoucherESCPOS(claimed) }, []string{"printer.error.voucher_not_open", "claimed"}},
		{"voucher code", func() ([]byte, error) { return printer.VoucherPDF(badCode) }, []string{"voucher code"}},
		{"voucher card", func() ([]byte, error) { return printer.VoucherESCPOS(badVoucherCard) }, []string{"check digit"}},
		{"empty board", func() ([]byte, error) { b, _, err := printer.PosterPDF(empty); return b, err }, []string{"printer.error.poster_no_items", "no items"}},
		{"poster size", func() ([]byte, error) { b, _, err := printer.PosterPDF(letter); return b, err }, []string{"printer.error.poster_size", `"Letter"`, "A4", "A3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.run()
			if err == nil {
				t.Fatal("no error")
			}
			if out != nil {
				t.Errorf("%d bytes to print along with the error", len(out))
			}
			var e *rewards.Error
			if !errors.As(err, &e) || (e.Code != rewards.EINVALID && e.Code != rewards.EREFUSED) {
				t.Errorf("error %v is not a domain error a person can read", err)
			}
			want := tc.want
			if strings.HasPrefix(want[0], "printer.error.") { // which error it is, then what it says
				if e != nil && e.Key != want[0] {
					t.Errorf("error %q has the key %q, want %q", err, e.Key, want[0])
				}
				want = want[1:]
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// A picture that cannot be read or decoded leaves its item without one and
// says so; the rest of the board prints.
func TestPosterPictureWarnings(t *testing.T) {
	p := posterFixture(t, printer.LangEN, printer.PosterA4)
	out, warnings, err := printer.PosterPDF(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no poster")
	}
	want := []string{"reward honey: picture pictures/missing.jpg", "reward cheese: picture pictures/broken.jpg"}
	if len(warnings) != len(want) {
		t.Fatalf("warnings %q, want %d", warnings, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(warnings[i], w) || !strings.HasSuffix(warnings[i], "printed without it") {
			t.Errorf("warning %q, want %q...printed without it", warnings[i], w)
		}
	}
	// The warnings are in the poster's language.
	p.Lang = printer.LangRU
	if _, warnings, err = printer.PosterPDF(p); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 2 || !strings.HasPrefix(warnings[0], "награда honey: изображение pictures/missing.jpg не читается (") ||
		!strings.HasSuffix(warnings[0], "): напечатана без него") {
		t.Errorf("Russian poster's warnings %q", warnings)
	}
	// The two readable pictures (one a 16-bit PNG, which gofpdf alone
	// refuses) are embedded, once each.
	if n := bytes.Count(out, []byte("/Subtype /Image")); n != 2 {
		t.Errorf("%d pictures embedded, want 2", n)
	}
}

// Text from outside (a holder's name, a reward's name) may hold runes the
// PDF font tables cannot index (beyond U+FFFF, emoji) or control
// characters: they print as replacements, never crash the kiosk.
func TestOddText(t *testing.T) {
	odd := "Ana \U00010000 😀\tTab\x00"
	c := cardsFixture(t, printer.LangEN, 2)
	c.Cards[0].Name = odd
	c.Program.Name = "Club " + odd
	if _, _, err := printer.CardPDF(c); err != nil {
		t.Error(err)
	}
	if _, _, err := printer.CardSheetPDF(c); err != nil {
		t.Error(err)
	}
	v := voucherFixture(t, printer.LangEN)
	v.Voucher.Names.EN = odd
	v.Voucher.Store = odd
	if _, err := printer.VoucherPDF(v); err != nil {
		t.Error(err)
	}
	if _, err := printer.VoucherESCPOS(v); err != nil {
		t.Error(err)
	}
	p := posterFixture(t, printer.LangEN, printer.PosterA4)
	p.Items[0].Names.EN = odd
	p.Store = odd
	if _, _, err := printer.PosterPDF(p); err != nil {
		t.Error(err)
	}
}

// A kiosk may print a voucher while staff print cards: layouts share only
// the parsed fonts, and rendering at once gives the same bytes as alone.
func TestConcurrentRendering(t *testing.T) {
	card, _, err := printer.CardPDF(cardsFixture(t, printer.LangBG, 1))
	if err != nil {
		t.Fatal(err)
	}
	escpos, err := printer.VoucherESCPOS(voucherFixture(t, printer.LangRU))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			var got []byte
			var err error
			if i%2 == 0 {
				got, _, err = printer.CardPDF(cardsFixture(t, printer.LangBG, 1))
				if err == nil && !bytes.Equal(got, card) {
					err = errors.New("a card rendered alongside others differs")
				}
			} else {
				got, err = printer.VoucherESCPOS(voucherFixture(t, printer.LangRU))
				if err == nil && !bytes.Equal(got, escpos) {
					err = errors.New("a voucher rendered alongside others differs")
				}
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// cardsOnly is a card layout's PDF and error, its warnings left aside.
func cardsOnly(pdf []byte, _ []lang.Msg, err error) ([]byte, error) { return pdf, err }
