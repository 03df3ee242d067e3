package printer

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PageMedia is the CUPS media name of the first page of a PDF this package
// laid out: "A4" or "A3" for those sizes, else Custom.WxHmm, as a job is
// sent with the media it was laid out for (a voucher's page is as long as
// its content). It reads the page's /MediaBox, or the one its /Pages
// gives all pages, as gofpdf writes them.
func PageMedia(pdf []byte) (string, error) {
	box, ok := firstPageBox(pdf)
	if !ok {
		return "", fmt.Errorf("pdf: no page size found")
	}
	f := strings.Fields(box)
	if len(f) != 4 {
		return "", fmt.Errorf("pdf: MediaBox [%s]", box)
	}
	var v [4]float64
	for i, s := range f {
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "", fmt.Errorf("pdf: MediaBox [%s]: %w", box, err)
		}
		v[i] = n
	}
	// Points to millimetres, to the hundredth: gofpdf writes points to
	// the hundredth, 0.0035 mm.
	mm := func(pt float64) float64 { return math.Round(pt*25.4/72*100) / 100 }
	w, h := mm(v[2]-v[0]), mm(v[3]-v[1])
	for _, iso := range []struct {
		name string
		w, h float64
	}{{PosterA4, 210, 297}, {PosterA3, 297, 420}} {
		if math.Abs(w-iso.w) < 0.5 && math.Abs(h-iso.h) < 0.5 {
			return iso.name, nil
		}
	}
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return "Custom." + num(w) + "x" + num(h) + "mm", nil
}

// firstPageBox is the text inside the first page's MediaBox [...]: its
// own, else its page tree's.
func firstPageBox(pdf []byte) (string, bool) {
	box := func(dict []byte) (string, bool) {
		_, rest, ok := bytes.Cut(dict, []byte("/MediaBox ["))
		if !ok {
			return "", false
		}
		inner, _, ok := bytes.Cut(rest, []byte("]"))
		return string(inner), ok
	}
	if i := bytes.Index(pdf, []byte("/Type /Page\n")); i >= 0 {
		page, _, _ := bytes.Cut(pdf[i:], []byte("endobj"))
		if b, ok := box(page); ok {
			return b, true
		}
	}
	if i := bytes.Index(pdf, []byte("/Type /Pages\n")); i >= 0 {
		pages, _, _ := bytes.Cut(pdf[i:], []byte("endobj"))
		return box(pages)
	}
	return "", false
}
