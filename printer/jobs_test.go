package printer_test

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
)

// Each layout's media, read from the PDF, is the page it was laid out on,
// as pdfinfo reads the page's size.
func TestPageMedia(t *testing.T) {
	card, _, err := printer.CardPDF(cardsFixture(t, printer.LangBG, 1))
	if err != nil {
		t.Fatal(err)
	}
	sheet, _, err := printer.CardSheetPDF(cardsFixture(t, printer.LangRU, 3))
	if err != nil {
		t.Fatal(err)
	}
	voucher, err := printer.VoucherPDF(voucherFixture(t, printer.LangRU))
	if err != nil {
		t.Fatal(err)
	}
	a3, _, err := printer.PosterPDF(posterFixture(t, printer.LangEN, printer.PosterA3))
	if err != nil {
		t.Fatal(err)
	}
	pdfinfo := printertest.Tool(t, "pdfinfo", "poppler-utils")
	size := regexp.MustCompile(`Page size: +([0-9.]+) x ([0-9.]+) pts`)
	for _, tc := range []struct {
		name string
		pdf  []byte
		want string // "" for a custom size, checked against pdfinfo
	}{
		{"card", card, "Custom.85.6x53.98mm"},
		{"sheet", sheet, "A4"},
		{"poster", a3, "A3"},
		{"voucher", voucher, ""},
	} {
		got, err := printer.PageMedia(tc.pdf)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.want != "" {
			if got != tc.want {
				t.Errorf("%s: media %q, want %q", tc.name, got, tc.want)
			}
			continue
		}
		out, err := exec.Command(pdfinfo, printertest.WritePDF(t, tc.name, tc.pdf)).Output()
		if err != nil {
			t.Fatal(err)
		}
		m := size.FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("pdfinfo says no page size:\n%s", out)
		}
		var mm [2]string
		for i, pt := range m[1:] {
			v, _ := strconv.ParseFloat(pt, 64)
			mm[i] = strconv.FormatFloat(float64(int(v*25.4/72*100+0.5))/100, 'f', -1, 64)
		}
		if want := "Custom." + mm[0] + "x" + mm[1] + "mm"; got != want || !strings.HasPrefix(got, "Custom.80x") {
			t.Errorf("%s: media %q, want %q (80 mm wide)", tc.name, got, want)
		}
	}
}

// A batch's sheets say which batch they are: its id in the header of the
// first page only, before the side, in the header's right part: clear of
// the paper's edge and of the crop marks as the rest of the header is.
func TestSheetBatchMark(t *testing.T) {
	c := cardsFixture(t, printer.LangBG, 12)
	c.Batch = "5N2VK6QX3MZ4HJ7TQ2WR9PLA4E"
	pdf, _, err := printer.CardSheetPDF(c)
	if err != nil {
		t.Fatal(err)
	}
	// The cards start 13.56 mm from the top; the second column at 105 mm,
	// whose crop mark stands there in the margin, and ends at 190.6 mm.
	const y0, mid, right = 13.5, 105.0, 190.6
	var header []string
	for _, b := range printertest.PDFBoxes(t, "batch-sheet", pdf) {
		if b.YMax > y0 {
			continue // on the cards
		}
		if b.Page != 1 {
			if b.Text == "партида" || b.Text == c.Batch {
				t.Errorf("page %d names the batch: %q", b.Page, b.Text)
			}
			continue
		}
		if b.XMin > mid {
			header = append(header, b.Text)
			if !b.Inside(mid+0.5, 5, right-mid-1, y0-5, 0) {
				t.Errorf("%q at %.2f–%.2f × %.2f–%.2f mm: not clear of the edge and the crop marks", b.Text, b.XMin, b.XMax, b.YMin, b.YMax)
			}
		}
	}
	if got, want := strings.Join(header, " "), "партида "+c.Batch+" · лице"; got != want {
		t.Errorf("the first page's header reads %q on the right, want %q", got, want)
	}
}
