package printer_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The real-reader tests print what a customer or a cashier holds, read it
// with the tools a person would trust (poppler rasterises at 300 dpi, zbar
// decodes the barcodes, pdftotext extracts the words) and compare with
// what was meant. They do not skip: a machine that cannot run them is told
// what to install (make test installs it through scripts/setup.sh).

// readerDPIs are the resolutions a card's bars are read at: 300 dpi, and
// 150, where a 0.38 mm module is barely more than two dots, as a cheap
// reader sees it.
var readerDPIs = []int{300, 150}

func TestRealReaderCard(t *testing.T) {
	for _, lang := range printer.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			c := cardsFixture(t, lang, 1)
			symbology := map[string]string{rewards.BarcodeEAN13: "ean13", rewards.BarcodeCode128: "code128"}[c.Program.Card.Barcode]
			pdf, _, err := printer.CardPDF(c)
			if err != nil {
				t.Fatal(err)
			}
			num := c.Cards[0].Number
			for _, dpi := range readerDPIs {
				pages := printertest.RasteriseAt(t, "card-"+lang, pdf, dpi)
				if len(pages) != 2 {
					t.Fatalf("%d pages, want front and back", len(pages))
				}
				if got := printertest.Decode(t, pages[0], symbology); !slices.Equal(got, []string{num}) {
					t.Errorf("front at %d dpi: %s read %q, want %s", dpi, symbology, got, num)
				}
			}
			words := printertest.Text(t, "card-"+lang, pdf)
			want := map[string][]string{
				printer.LangBG: {"КООП", "Клиентска карта", "Мария Иванова", "Условия", "Картата се активира 24 ч след получаването ѝ", "coop.bg"},
				printer.LangRU: {"Хорошая связь – бонус", "Бонусная карта", "Алексей Смирнов", "1 бонус = 1 ₽ скидки, до 50%", "тел. 8 (800) 555-47-35"},
				printer.LangEN: {"КООП", "Customer card", "Jane Doe", "The card works 24 h after it is handed over", "coop.bg"},
			}[lang]
			printertest.WantText(t, "card "+lang, words, append(want, num)...)
		})
	}
}

func TestRealReaderCardSheet(t *testing.T) {
	for _, lang := range printer.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			c := cardsFixture(t, lang, 12)
			// Names on two lines and names cut short change nothing of
			// the bars.
			c.Cards[1].Name = strings.Repeat("Константинова-Христофорова ", 8)
			c.Cards[2].Name = "山田 Taro 😀"
			symbology := map[string]string{rewards.BarcodeEAN13: "ean13", rewards.BarcodeCode128: "code128"}[c.Program.Card.Barcode]
			pdf, _, err := printer.CardSheetPDF(c)
			if err != nil {
				t.Fatal(err)
			}
			var nums []string
			for _, card := range c.Cards {
				nums = append(nums, card.Number)
			}
			for _, dpi := range readerDPIs {
				pages := printertest.RasteriseAt(t, "sheet-"+lang, pdf, dpi)
				if len(pages) != 4 {
					t.Fatalf("12 cards: %d pages, want 4 (two sheets, fronts and backs)", len(pages))
				}
				for i, want := range [][]string{nums[:10], nil, nums[10:], nil} {
					want = slices.Sorted(slices.Values(want))
					if got := printertest.Decode(t, pages[i], symbology); !slices.Equal(got, want) {
						t.Errorf("page %d at %d dpi: %s read %q, want %q", i+1, dpi, symbology, got, want)
					}
				}
			}
			words := printertest.Text(t, "sheet-"+lang, pdf)
			printertest.WantText(t, "sheet "+lang, words, nums...)
		})
	}
}

func TestRealReaderVoucher(t *testing.T) {
	const content = "K7QXM2PA9RTE" // the code without its dashes
	for _, lang := range printer.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			v := voucherFixture(t, lang)
			pdf, err := printer.VoucherPDF(v)
			if err != nil {
				t.Fatal(err)
			}
			pages := printertest.Rasterise(t, "voucher-"+lang, pdf)
			if len(pages) != 1 {
				t.Fatalf("%d pages, want one receipt", len(pages))
			}
			for _, sym := range []string{"code128", "qrcode"} {
				got := printertest.Decode(t, pages[0], sym)
				if !slices.Equal(got, []string{content}) {
					t.Errorf("pdf: %s read %q, want %s", sym, got, content)
					continue
				}
				if code, err := rewards.NormalizeVoucherCode(got[0]); err != nil || code != v.Voucher.Code {
					t.Errorf("pdf: %s read %q, which the till reads as %q (%v), want %s", sym, got[0], code, err, v.Voucher.Code)
				}
			}
			words := printertest.Text(t, "voucher-"+lang, pdf)
			want := map[string][]string{
				printer.LangBG: {"ВАУЧЕР", "Олио „КООП“ слънчогледово 1 л", "Изразходвани точки", "1 500 точки", "Валиден до", "02.12.2026 10:30"},
				printer.LangRU: {"КУПОН", "Подсолнечное масло «КООП» 1 л", "Списано баллов", "1 500 баллов", "Действителен до", "02.12.2026 10:30"},
				printer.LangEN: {"VOUCHER", "COOP sunflower oil 1 l", "Points spent", "1,500 points", "Valid until", "2 Dec 2026 10:30"},
			}[lang]
			printertest.WantText(t, "voucher "+lang, words, append(want, "K7QX-M2PA-9RTE", "••••••••• "+v.Voucher.Card[9:], "sofia-vitosha", "coop.bg")...)
			if strings.Contains(words, v.Voucher.Card) {
				t.Errorf("voucher %s: the whole card number %s is printed", lang, v.Voucher.Card)
			}

			// The same voucher for a thermal printer: the raster back as a
			// picture, read the same way.
			stream, err := printer.VoucherESCPOS(v)
			if err != nil {
				t.Fatal(err)
			}
			picture := printertest.ESCPOSPicture(t, stream)
			for _, sym := range []string{"code128", "qrcode"} {
				if got := printertest.Decode(t, picture, sym); !slices.Equal(got, []string{content}) {
					t.Errorf("escpos: %s read %q, want %s", sym, got, content)
				}
			}
		})
	}
}

func TestRealReaderPoster(t *testing.T) {
	for _, lang := range printer.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			p := posterFixture(t, lang, posterSize(lang))
			pdf, _, err := printer.PosterPDF(p)
			if err != nil {
				t.Fatal(err)
			}
			words := printertest.Text(t, "poster-"+lang, pdf)
			want := map[string][]string{
				printer.LangBG: {"Награди за точки", "Олио слънчогледово 1 л", "120 точки", "1 500 точки", "до 30.11.2026", "от 01.11.2026", "01.11.2026 – 23.12.2026", "Отпечатано на 02.11.2026", "стр. 2 от 2", "Награда № 14", "изчерпано"},
				printer.LangRU: {"Подарки за баллы", "Подсолнечное масло 1 л", "120 баллов", "1 500 баллов", "до 30.11.2026", "с 01.11.2026", "Напечатано 02.11.2026", "стр. 2 из 2", "Подарок № 14", "нет в наличии"},
				printer.LangEN: {"Rewards for points", "Sunflower oil 1 l", "120 points", "1,500 points", "until 30 Nov 2026", "from 1 Nov 2026", "Printed 2 Nov 2026", "page 1 of 1", "Reward no. 14", "out of stock"},
			}[lang]
			printertest.WantText(t, "poster "+lang, words, append(want, "КООП", "Кооп София · София, бул. Витоша 12", "coop.bg")...)
		})
	}
}
