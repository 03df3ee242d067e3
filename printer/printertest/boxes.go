package printertest

import (
	"bytes"
	"encoding/xml"
	"io"
	"os/exec"
	"strconv"
	"testing"
)

// Box is a word of a PDF page and the box pdftotext finds it in, in
// millimetres from the page's top left corner, as the layouts measure.
type Box struct {
	Page           int // from 0
	Word           string
	X0, Y0, X1, Y1 float64
}

// Inside reports whether the word's box lies within the rectangle at x, y
// of size w × h, give or take tol millimetres.
func (b Box) Inside(x, y, w, h, tol float64) bool {
	return b.X0 >= x-tol && b.Y0 >= y-tol && b.X1 <= x+w+tol && b.Y1 <= y+h+tol
}

// Boxes extracts the words of a PDF held in memory with their boxes
// (pdftotext -bbox), page by page.
func Boxes(t testing.TB, name string, pdf []byte) []Box {
	t.Helper()
	pdftotext := Tool(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(pdftotext, "-bbox", "-enc", "UTF-8", WritePDF(t, name, pdf), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox %s: %v", name, err)
	}
	const mm = 25.4 / 72
	var boxes []Box
	page := -1
	dec := xml.NewDecoder(bytes.NewReader(out))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("pdftotext -bbox %s: %v", name, err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch el.Name.Local {
		case "page":
			page++
		case "word":
			b := Box{Page: page}
			for _, a := range el.Attr {
				v, err := strconv.ParseFloat(a.Value, 64)
				if err != nil {
					t.Fatalf("pdftotext -bbox %s: %s=%q", name, a.Name.Local, a.Value)
				}
				switch a.Name.Local {
				case "xMin":
					b.X0 = v * mm
				case "yMin":
					b.Y0 = v * mm
				case "xMax":
					b.X1 = v * mm
				case "yMax":
					b.Y1 = v * mm
				}
			}
			var word string
			if err := dec.DecodeElement(&word, &el); err != nil {
				t.Fatalf("pdftotext -bbox %s: %v", name, err)
			}
			b.Word = word
			boxes = append(boxes, b)
		}
	}
	return boxes
}
