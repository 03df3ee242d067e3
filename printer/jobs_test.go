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
	card, err := printer.CardPDF(cardsFixture(t, printer.LangBG, 1))
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := printer.CardSheetPDF(cardsFixture(t, printer.LangRU, 3))
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

// A batch's sheets say which batch they are: its id, small, on the first
// page only, in the top margin at least 5 mm from the edge, above the left
// column clear of the crop marks and of the heading in the middle.
func TestSheetBatchMark(t *testing.T) {
	c := cardsFixture(t, printer.LangBG, 12)
	c.Batch = "K7QXM2PA9RTE"
	pdf, err := printer.CardSheetPDF(c)
	if err != nil {
		t.Fatal(err)
	}
	path := printertest.WritePDF(t, "batch-sheet", pdf)
	pdftotext := printertest.Tool(t, "pdftotext", "poppler-utils")
	word := regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)
	for page := 1; page <= 4; page++ {
		out, err := exec.Command(pdftotext, "-bbox", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		var found [][]string
		for _, m := range word.FindAllStringSubmatch(string(out), -1) {
			if m[5] == "партида" || m[5] == c.Batch {
				found = append(found, m)
			}
		}
		if page > 1 {
			if len(found) != 0 {
				t.Errorf("page %d names the batch: %q", page, found)
			}
			continue
		}
		if len(found) != 2 {
			t.Fatalf("the first page names the batch %d times, want \"партида %s\" once:\n%s", len(found), c.Batch, out)
		}
		const pt = 25.4 / 72
		for _, m := range found {
			x0, _ := strconv.ParseFloat(m[1], 64)
			y0, _ := strconv.ParseFloat(m[2], 64)
			x1, _ := strconv.ParseFloat(m[3], 64)
			y1, _ := strconv.ParseFloat(m[4], 64)
			// The cards start 13.56 mm from the top, the left column at
			// 19.4 mm, whose crop mark stands there from 7.06 mm down;
			// the heading is centred on 105 mm.
			if y0*pt < 5 || y1*pt > 13.5-6.5 && x0*pt < 19.4+0.5 || x0*pt <= 19.4 || x1*pt > 75 {
				t.Errorf("%q at %.1f–%.1f mm across, %.1f–%.1f mm down: not clear of the edge, the crop marks and the heading", m[5], x0*pt, x1*pt, y0*pt, y1*pt)
			}
		}
	}
}
