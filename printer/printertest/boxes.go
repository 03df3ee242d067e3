package printertest

import (
	"bytes"
	"encoding/xml"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// Box is a word as pdftotext -bbox finds it: its page (the first is 1),
// its text and its box in millimetres from the page's top left corner, as
// the layouts measure. A word's box spans the font's ascent and descent,
// so its height is the font size times the font's ascent plus descent.
type Box struct {
	Page                   int
	Text                   string
	XMin, YMin, XMax, YMax float64
}

// Inside reports whether the word's box lies within the rectangle at x, y
// of size w × h, give or take tol millimetres.
func (b Box) Inside(x, y, w, h, tol float64) bool {
	return b.XMin >= x-tol && b.YMin >= y-tol && b.XMax <= x+w+tol && b.YMax <= y+h+tol
}

// PDFBoxes extracts the words of a PDF held in memory; see Boxes.
func PDFBoxes(t testing.TB, name string, pdf []byte) []Box {
	t.Helper()
	return Boxes(t, WritePDF(t, name, pdf))
}

// Boxes extracts the words of the PDF file with where they are printed
// (pdftotext -bbox), page by page.
func Boxes(t testing.TB, path string) []Box {
	t.Helper()
	name := filepath.Base(path)
	pdftotext := Tool(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(pdftotext, "-bbox", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox %s: %v", name, err)
	}
	const mm = 25.4 / 72
	var boxes []Box
	page := 0
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
					b.XMin = v * mm
				case "yMin":
					b.YMin = v * mm
				case "xMax":
					b.XMax = v * mm
				case "yMax":
					b.YMax = v * mm
				}
			}
			var word string
			if err := dec.DecodeElement(&word, &el); err != nil {
				t.Fatalf("pdftotext -bbox %s: %v", name, err)
			}
			b.Text = word
			boxes = append(boxes, b)
		}
	}
	return boxes
}
