package printer

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/image/font/sfnt"
)

// What the embedded font can draw. DejaVu Sans covers Latin, Greek and
// Cyrillic and much else, but no Chinese, Japanese or Korean and no
// full-width forms; it has glyphs for some emoji, but those lie beyond
// U+FFFF, and gofpdf's UTF-8 fonts index their width and glyph tables by a
// 16-bit code, so it cannot draw them (nor, without the check in pdfText,
// survive them). A character the font lacks comes out of gofpdf as the
// font's empty box; a layout leaves it off instead and says so.

// drawable reports whether face has a glyph for r that gofpdf can draw:
// the face's cmap maps r, and r is in the Basic Multilingual Plane.
func drawable(face *sfnt.Font, buf *sfnt.Buffer, r rune) bool {
	if r > 0xFFFF {
		return false
	}
	g, err := face.GlyphIndex(buf, r)
	return err == nil && g != 0
}

// face is the embedded font's regular or bold face, parsed.
func (fs *fontSet) face(bold bool) *sfnt.Font {
	if bold {
		return fs.rasterBd
	}
	return fs.rasterReg
}

// drawableLine is s as one line of text in the face: every run of spaces,
// tabs and line breaks (the ideographic space too) one space, invisible
// format characters (joiners, marks, variation selectors, which are only
// ever part of what they join) left out, and so are the characters the
// face cannot draw, which it returns, each once, in the order they come.
func (fs *fontSet) drawableLine(bold bool, s string) (line string, dropped []rune) {
	face := fs.face(bold)
	var buf sfnt.Buffer
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r):
			continue
		case !drawable(face, &buf, r):
			if !slices.Contains(dropped, r) {
				dropped = append(dropped, r)
			}
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String(), dropped
}

// glyphList writes characters for a person to recognise: each as it looks
// and as its code point, for a terminal that cannot show it either.
func glyphList(rs []rune) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%c %U", r, r)
	}
	return strings.Join(parts, ", ")
}
