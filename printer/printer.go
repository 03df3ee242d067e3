// Package printer lays out what Tochka prints: loyalty cards (CR80, one at a
// time for a card printer, or ten to an A4 sheet of perforated card stock),
// redemption vouchers (an 80 mm PDF for CUPS receipt queues and an ESC/POS
// raster for thermal printers) and reward-board posters.
//
// Every layout is a pure function of plain data (rewards types, a language
// and a date) that returns the bytes to print; it reads no clock, no database
// and no configuration (the poster reads its pictures through a function the
// caller may give), so the same input gives the same bytes, which the golden
// tests rely on. Sending the bytes to a printer is the job of the print
// backends. Barcodes are drawn from their modules, as vector rectangles in
// PDFs and as whole dots in rasters, never as scaled images, so they stay
// crisp on any printer. Text uses the embedded DejaVu Sans (package assets),
// which covers Cyrillic: nothing depends on a printer's code page; what it
// cannot draw (Chinese, Japanese, Korean, emoji) is left off a card, and
// CardPDF's and CardSheetPDF's warnings say which (glyphs.go). The words
// are the translation catalog's (assets/i18n/printer.*.toml and the units,
// through package lang), so plural forms follow CLDR's rules.
//
// The PDFs are made with github.com/jung-kurt/gofpdf, which is archived
// upstream; it is used in this package only, so that a move to a maintained
// successor touches nothing else.
package printer

import (
	"bytes"
	"fmt"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/font/opentype"

	"github.com/tochka-loyalty/tochka/assets"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The languages the layouts print in: the translation catalog's (package
// lang), whose texts they print.
const (
	LangBG = lang.BG // Bulgarian
	LangRU = lang.RU // Russian
	LangEN = lang.EN // English
)

// Languages lists the languages the layouts print in.
var Languages = lang.All

// fontFamily is the name the PDFs know the embedded font by.
const fontFamily = "DejaVuSans"

// fontSet is the embedded font, as bytes for gofpdf (which parses and subsets
// it per document) and parsed once for the raster layouts.
type fontSet struct {
	regular, bold       []byte
	rasterReg, rasterBd *opentype.Font
}

// loadFonts reads and parses the embedded fonts once; the result is never
// written to (newPDF hands gofpdf copies), so every layout may share it.
var loadFonts = sync.OnceValues(func() (*fontSet, error) {
	var fs fontSet
	var err error
	if fs.regular, err = assets.Fonts.ReadFile("fonts/DejaVuSans.ttf"); err != nil {
		return nil, fmt.Errorf("read embedded font: %w", err)
	}
	if fs.bold, err = assets.Fonts.ReadFile("fonts/DejaVuSans-Bold.ttf"); err != nil {
		return nil, fmt.Errorf("read embedded font: %w", err)
	}
	if fs.rasterReg, err = opentype.Parse(fs.regular); err != nil {
		return nil, fmt.Errorf("parse DejaVuSans.ttf: %w", err)
	}
	if fs.rasterBd, err = opentype.Parse(fs.bold); err != nil {
		return nil, fmt.Errorf("parse DejaVuSans-Bold.ttf: %w", err)
	}
	return &fs, nil
})

// rgb is a colour of the house palette.
type rgb struct{ r, g, b int }

// The house palette: a deep teal for the programme's band, an orange dot (the
// "точка" of the name) and near-black ink, all of which survive a
// monochrome laser printer as distinct greys.
var (
	colBrand  = rgb{0, 92, 105}
	colAccent = rgb{242, 140, 40}
	colInk    = rgb{33, 33, 33}
	colMuted  = rgb{105, 105, 105}
	colPale   = rgb{229, 240, 242}
	colWhite  = rgb{255, 255, 255}
	colBlack  = rgb{0, 0, 0}
)

// newPDF starts a document in millimetres whose first page is of size and
// whose bytes depend only on what is drawn and on date: the content streams
// are left uncompressed, the resource catalogue is sorted, and the creation
// and modification dates are date.
func newPDF(size gofpdf.SizeType, title string, date time.Time) (*gofpdf.Fpdf, error) {
	fonts, err := loadFonts()
	if err != nil {
		return nil, err
	}
	pdf := gofpdf.NewCustom(&gofpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: size})
	pdf.SetCompression(false)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(date.UTC())
	pdf.SetModificationDate(date.UTC())
	pdf.SetProducer("Tochka", false)
	pdf.SetTitle(title, true)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	// Each font is subset to the runes the document uses when it is
	// written. gofpdf writes into the bytes it is given while subsetting
	// (its table checksum appends padding to sub-slices of the font), so
	// each document gets its own copy: sharing one is a data race between
	// two documents rendered at once.
	pdf.AddUTF8FontFromBytes(fontFamily, "", bytes.Clone(fonts.regular))
	pdf.AddUTF8FontFromBytes(fontFamily, "B", bytes.Clone(fonts.bold))
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return pdf, nil
}

// finish writes the document out.
func finish(pdf *gofpdf.Fpdf) ([]byte, error) {
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// checkDate refuses the zero time: it would make gofpdf stamp the document
// with the wall clock, and the same input would no longer give the same bytes.
func checkDate(what lang.Msg, date time.Time) error {
	if date.IsZero() {
		return rewards.Fail(rewards.EINVALID, "printer.error.date_missing", lang.Args{"what": what})
	}
	return nil
}

// pdfPen wraps a document with the few drawing verbs the layouts use.
type pdfPen struct{ *gofpdf.Fpdf }

func (p pdfPen) fill(c rgb)   { p.SetFillColor(c.r, c.g, c.b) }
func (p pdfPen) stroke(c rgb) { p.SetDrawColor(c.r, c.g, c.b) }
func (p pdfPen) ink(c rgb)    { p.SetTextColor(c.r, c.g, c.b) }

// font selects the regular or bold face at size points.
func (p pdfPen) font(bold bool, size float64) {
	style := ""
	if bold {
		style = "B"
	}
	p.SetFont(fontFamily, style, size)
}

// text writes s with its baseline at y, aligned on x: 'L' starts at x, 'C'
// centres on x, 'R' ends at x.
func (p pdfPen) text(x, y float64, align byte, s string) {
	s = pdfText(s)
	switch align {
	case 'C':
		x -= p.GetStringWidth(s) / 2
	case 'R':
		x -= p.GetStringWidth(s)
	}
	p.Text(x, y, s)
}

// width measures s in the current face.
func (p pdfPen) width(s string) float64 { return p.GetStringWidth(pdfText(s)) }

// pdfText replaces what gofpdf's UTF-8 fonts cannot take: a rune outside
// the Basic Multilingual Plane indexes past its width and glyph tables (a
// panic, for an emoji in a holder's name), and control characters have no
// glyph. Such runes print as U+FFFD and spaces.
func pdfText(s string) string {
	clean := true
	for _, r := range s {
		if r > 0xFFFF || r < ' ' || r == 0x7F {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r > 0xFFFF:
			r = '\uFFFD'
		case r < ' ' || r == 0x7F:
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

// fit returns the largest size no bigger than size at which s, in the current
// face, is at most w wide.
func (p pdfPen) fit(bold bool, size, w float64, s string) float64 {
	p.font(bold, size)
	if sw := p.width(s); sw > w {
		size *= w / sw
		p.font(bold, size)
	}
	return size
}

// ptToMM converts a font size in points to millimetres.
const ptToMM = 25.4 / 72

// wrap breaks s into lines at most w wide as measured, at spaces (a
// no-break space keeps "1 500" together). A word wider than w is broken
// after its hyphens ("Тенджера-тиган-"), and a piece of it still wider
// than w between any two characters, a character and its combining marks
// kept together: no line is wider than w unless a single character is.
// Text that fits at spaces wraps as it always did.
func wrap(s string, w float64, measure func(string) float64) []string {
	var lines []string
	line := ""
	for _, word := range splitSpaces(s) {
		if line == "" && measure(word) <= w {
			line = word
			continue
		}
		if line != "" && measure(line+" "+word) <= w {
			line += " " + word
			continue
		}
		if measure(word) <= w {
			lines = append(lines, line)
			line = word
			continue
		}
		// Too wide for a line of its own: its pieces go on the line
		// begun, if they fit, and on as many lines as they need.
		sep := ""
		if line != "" {
			sep = " "
		}
		for _, piece := range hyphenPieces(word) {
			if measure(line+sep+piece) <= w {
				line += sep + piece
				sep = ""
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			line, sep = "", ""
			for _, ch := range characters(piece) {
				if line != "" && measure(line+ch) > w {
					lines = append(lines, line)
					line = ""
				}
				line += ch
			}
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// hyphenPieces splits a word after each hyphen that joins two parts of it:
// "Тенджера-тиган" is "Тенджера-", "тиган"; a leading or trailing hyphen
// ("-5%") stays where it is.
func hyphenPieces(word string) []string {
	var pieces []string
	start := 0
	rs := []rune(word)
	for i, r := range rs {
		if (r == '-' || r == '\u2010') && i > 0 && i < len(rs)-1 && rs[i-1] != '-' && rs[i-1] != '\u2010' {
			pieces = append(pieces, string(rs[start:i+1]))
			start = i + 1
		}
	}
	return append(pieces, string(rs[start:]))
}

// characters splits s into what a reader sees as characters: each rune
// with the combining marks that follow it.
func characters(s string) []string {
	var out []string
	for i, r := range s {
		if len(out) > 0 && unicode.In(r, unicode.Mn, unicode.Me) {
			out[len(out)-1] += string(r)
			continue
		}
		out = append(out, s[i:i+utf8.RuneLen(r)])
	}
	return out
}

func splitSpaces(s string) []string {
	var words []string
	start := -1
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\n' {
			if start >= 0 {
				words = append(words, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		words = append(words, s[start:])
	}
	return words
}

// clip shortens lines to at most n, ending the last kept one with an
// ellipsis that fits in w.
func clip(lines []string, n int, w float64, measure func(string) float64) []string {
	if len(lines) <= n {
		return lines
	}
	lines = append([]string(nil), lines[:n]...)
	last := []rune(lines[n-1])
	lines[n-1] = string(last[:longestStart(last, "…", w, measure)]) + "…"
	return lines
}
