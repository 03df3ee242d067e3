package printer_test

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The real-reader tests print what a customer or a cashier holds, read it
// with the tools a person would trust (poppler rasterises at 300 dpi, zbar
// decodes the barcodes, pdftotext extracts the words) and compare with
// what was meant. They do not skip: a machine that cannot run them is told
// what to install (make test installs it through scripts/setup.sh).

// tool returns the path of a command or fails the test naming its package.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install the Debian package %s (apt-get install %s; make test does it through scripts/setup.sh test)", name, pkg, pkg)
	}
	return path
}

// rasterise writes pdf to a temporary file and renders each page as a PNG
// at 300 dpi, returning the PNG paths in page order.
func rasterise(t *testing.T, name string, pdf []byte) []string {
	t.Helper()
	pdftoppm := tool(t, "pdftoppm", "poppler-utils")
	dir := t.TempDir()
	in := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pdftoppm, "-r", "300", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm %s: %v\n%s", name, err, out)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("pdftoppm %s: no pages (%v)", name, err)
	}
	slices.Sort(pages) // page-01.png ... page-12.png: zero-padded, so sorting is page order
	return pages
}

// decode reads every barcode of one symbology (zbar's name: ean13, code128,
// qrcode) in a picture, sorted.
func decode(t *testing.T, picture, symbology string) []string {
	t.Helper()
	zbarimg := tool(t, "zbarimg", "zbar-tools")
	cmd := exec.Command(zbarimg, "--raw", "-q", "-Sdisable", "-S"+symbology+".enable", picture)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	// zbarimg exits 4 when it finds nothing: that is an answer, not a failure.
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 4) {
		t.Fatalf("zbarimg %s: %v\n%s", picture, err, stderr.String())
	}
	found := strings.Fields(stdout.String())
	slices.Sort(found)
	return found
}

// text extracts a PDF's words with pdftotext, spaces (no-break ones too)
// folded to one.
func text(t *testing.T, name string, pdf []byte) string {
	t.Helper()
	pdftotext := tool(t, "pdftotext", "poppler-utils")
	in := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", name, err)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(out), "\u00a0", " ")), " ")
}

func wantText(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: pdftotext does not find %q in:\n%s", what, w, got)
		}
	}
}

func TestRealReaderCard(t *testing.T) {
	for _, lang := range printer.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			c := cardsFixture(t, lang, 1)
			symbology := map[string]string{rewards.BarcodeEAN13: "ean13", rewards.BarcodeCode128: "code128"}[c.Program.Card.Barcode]
			pdf, err := printer.CardPDF(c)
			if err != nil {
				t.Fatal(err)
			}
			pages := rasterise(t, "card-"+lang, pdf)
			if len(pages) != 2 {
				t.Fatalf("%d pages, want front and back", len(pages))
			}
			num := c.Cards[0].Number
			if got := decode(t, pages[0], symbology); !slices.Equal(got, []string{num}) {
				t.Errorf("front: %s read %q, want %s", symbology, got, num)
			}
			words := text(t, "card-"+lang, pdf)
			want := map[string][]string{
				printer.LangBG: {"КООП", "Клиентска карта", "Мария Иванова", "Условия", "Картата се активира 24 ч след получаването ѝ", "coop.bg"},
				printer.LangRU: {"Хорошая связь – бонус", "Бонусная карта", "Алексей Смирнов", "1 бонус = 1 ₽ скидки, до 50%", "тел. 8 (800) 555-47-35"},
				printer.LangEN: {"КООП", "Customer card", "Jane Doe", "The card works 24 h after it is handed over", "coop.bg"},
			}[lang]
			wantText(t, "card "+lang, words, append(want, num)...)
		})
	}
}

func TestRealReaderCardSheet(t *testing.T) {
	for _, lang := range printer.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			c := cardsFixture(t, lang, 12)
			symbology := map[string]string{rewards.BarcodeEAN13: "ean13", rewards.BarcodeCode128: "code128"}[c.Program.Card.Barcode]
			pdf, err := printer.CardSheetPDF(c)
			if err != nil {
				t.Fatal(err)
			}
			pages := rasterise(t, "sheet-"+lang, pdf)
			if len(pages) != 4 {
				t.Fatalf("12 cards: %d pages, want 4 (two sheets, fronts and backs)", len(pages))
			}
			var nums []string
			for _, card := range c.Cards {
				nums = append(nums, card.Number)
			}
			for i, want := range [][]string{nums[:10], nil, nums[10:], nil} {
				want = slices.Sorted(slices.Values(want))
				if got := decode(t, pages[i], symbology); !slices.Equal(got, want) {
					t.Errorf("page %d: %s read %q, want %q", i+1, symbology, got, want)
				}
			}
			words := text(t, "sheet-"+lang, pdf)
			wantText(t, "sheet "+lang, words, nums...)
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
			pages := rasterise(t, "voucher-"+lang, pdf)
			if len(pages) != 1 {
				t.Fatalf("%d pages, want one receipt", len(pages))
			}
			for _, sym := range []string{"code128", "qrcode"} {
				got := decode(t, pages[0], sym)
				if !slices.Equal(got, []string{content}) {
					t.Errorf("pdf: %s read %q, want %s", sym, got, content)
					continue
				}
				if code, err := rewards.NormalizeVoucherCode(got[0]); err != nil || code != v.Voucher.Code {
					t.Errorf("pdf: %s read %q, which the till reads as %q (%v), want %s", sym, got[0], code, err, v.Voucher.Code)
				}
			}
			words := text(t, "voucher-"+lang, pdf)
			want := map[string][]string{
				printer.LangBG: {"ВАУЧЕР", "Олио „КООП“ слънчогледово 1 л", "Изразходвани точки", "1 500 точки", "Валиден до", "02.12.2026 10:30"},
				printer.LangRU: {"КУПОН", "Подсолнечное масло «КООП» 1 л", "Списано баллов", "1 500 баллов", "Действителен до", "02.12.2026 10:30"},
				printer.LangEN: {"VOUCHER", "COOP sunflower oil 1 l", "Points spent", "1,500 points", "Valid until", "2 Dec 2026, 10:30"},
			}[lang]
			wantText(t, "voucher "+lang, words, append(want, "K7QX-M2PA-9RTE", "••••••••• "+v.Voucher.Card[9:], "sofia-vitosha", "coop.bg")...)
			if strings.Contains(words, v.Voucher.Card) {
				t.Errorf("voucher %s: the whole card number %s is printed", lang, v.Voucher.Card)
			}

			// The same voucher for a thermal printer: the raster back as a
			// picture, read the same way.
			stream, err := printer.VoucherESCPOS(v)
			if err != nil {
				t.Fatal(err)
			}
			img, err := printer.DecodeESCPOS(stream)
			if err != nil {
				t.Fatal(err)
			}
			picture := filepath.Join(t.TempDir(), "voucher-"+lang+".png")
			f, err := os.Create(picture)
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			for _, sym := range []string{"code128", "qrcode"} {
				if got := decode(t, picture, sym); !slices.Equal(got, []string{content}) {
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
			words := text(t, "poster-"+lang, pdf)
			want := map[string][]string{
				printer.LangBG: {"Награди за точки", "Олио слънчогледово 1 л", "120 точки", "1 500 точки", "до 30.11.2026", "от 01.11.2026", "01.11.2026 – 23.12.2026", "Отпечатано на 02.11.2026", "стр. 2 от 2", "Награда № 14"},
				printer.LangRU: {"Подарки за баллы", "Подсолнечное масло 1 л", "120 баллов", "1 500 баллов", "до 30.11.2026", "с 01.11.2026", "Напечатано 02.11.2026", "стр. 2 из 2", "Подарок № 14"},
				printer.LangEN: {"Rewards for points", "Sunflower oil 1 l", "120 points", "1,500 points", "until 30 Nov 2026", "from 1 Nov 2026", "Printed 2 Nov 2026", "page 2 of 2", "Reward no. 14"},
			}[lang]
			wantText(t, "poster "+lang, words, append(want, "КООП", "София, бул. Витоша 12", "coop.bg")...)
		})
	}
}
