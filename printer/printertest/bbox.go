package printertest

import (
	"html"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// Box is a word as pdftotext -bbox finds it: its page (the first is 1),
// its text and its box in millimetres from the page's top left corner. A
// word's box spans the font's ascent and descent, so its height is the
// font size times the font's ascent plus descent.
type Box struct {
	Page                   int
	Text                   string
	XMin, YMin, XMax, YMax float64
}

var (
	bboxPage = regexp.MustCompile(`<page `)
	bboxWord = regexp.MustCompile(`<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>`)
)

// Boxes extracts the words of the PDF file with where they are printed.
func Boxes(t testing.TB, path string) []Box {
	t.Helper()
	pdftotext := Tool(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(pdftotext, "-bbox", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox %s: %v", filepath.Base(path), err)
	}
	const ptToMM = 25.4 / 72
	var boxes []Box
	page := 0
	pages := bboxPage.FindAllIndex(out, -1)
	for _, m := range bboxWord.FindAllSubmatchIndex(out, -1) {
		for page < len(pages) && pages[page][0] < m[0] {
			page++
		}
		b := Box{Page: page, Text: html.UnescapeString(string(out[m[10]:m[11]]))}
		for i, to := range []*float64{&b.XMin, &b.YMin, &b.XMax, &b.YMax} {
			v, err := strconv.ParseFloat(string(out[m[2+2*i]:m[3+2*i]]), 64)
			if err != nil {
				t.Fatalf("pdftotext -bbox %s: %v", filepath.Base(path), err)
			}
			*to = v * ptToMM
		}
		boxes = append(boxes, b)
	}
	return boxes
}

// PDFBoxes extracts the words of a PDF held in memory; see Boxes.
func PDFBoxes(t testing.TB, name string, pdf []byte) []Box {
	t.Helper()
	return Boxes(t, WritePDF(t, name, pdf))
}
