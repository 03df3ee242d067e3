package printer

import (
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/ean"
	"github.com/boombuler/barcode/qr"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Quiet zones, in modules, that a reader needs on each side of the bars.
const (
	eanQuietLeft  = 11
	eanQuietRight = 7
	code128Quiet  = 10
	qrQuiet       = 4
)

// linear is a one-dimensional barcode reduced to its modules.
type linear struct {
	kind                  string // rewards.BarcodeEAN13 or rewards.BarcodeCode128
	dark                  []bool // the modules left to right, quiet zones excluded
	quietLeft, quietRight int
	text                  string // what is printed under the bars
}

// width is the number of modules including the quiet zones.
func (l linear) width() int { return l.quietLeft + len(l.dark) + l.quietRight }

// guard says whether module i of an EAN-13 belongs to one of its guard
// patterns, whose bars reach down between the digit groups.
func (l linear) guard(i int) bool {
	if l.kind != rewards.BarcodeEAN13 {
		return false
	}
	return i < 3 || (i >= 45 && i < 50) || i >= 92
}

// cardBarcode encodes a card number in the programme's symbology, checking
// the number first so that a mistyped number is never printed.
func cardBarcode(number, symbology string) (linear, error) {
	if err := rewards.ValidateCardNumber(number); err != nil {
		return linear{}, err
	}
	switch symbology {
	case rewards.BarcodeEAN13, "":
		bc, err := ean.Encode(number)
		if err != nil {
			return linear{}, fmt.Errorf("ean-13 %s: %w", number, err)
		}
		return linear{kind: rewards.BarcodeEAN13, dark: modules1D(bc),
			quietLeft: eanQuietLeft, quietRight: eanQuietRight, text: eanGroups(number)}, nil
	case rewards.BarcodeCode128:
		return code128Barcode(number, number)
	}
	return linear{}, rewards.Fail(rewards.EINVALID, "printer.error.barcode",
		lang.Args{"got": symbology, "ean": rewards.BarcodeEAN13, "code128": rewards.BarcodeCode128})
}

// code128Barcode encodes content as Code128 and prints text under it.
func code128Barcode(content, text string) (linear, error) {
	bc, err := code128.Encode(content)
	if err != nil {
		return linear{}, fmt.Errorf("code128 %q: %w", content, err)
	}
	return linear{kind: rewards.BarcodeCode128, dark: modules1D(bc),
		quietLeft: code128Quiet, quietRight: code128Quiet, text: text}, nil
}

// voucherContent is what a voucher's barcodes carry: its code without the
// dashes. Twelve characters make a Code128 of 167 modules, which fits an
// 80 mm receipt at 3 dots (0.375 mm) a module where the printed form's 14
// would not; NormalizeVoucherCode reads either form back at the till.
func voucherContent(code string) string {
	return strings.ReplaceAll(code, "-", "")
}

// qrModules encodes content as a QR code (level M) and returns its modules,
// [y][x], quiet zone excluded.
func qrModules(content string) ([][]bool, error) {
	bc, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("qr %q: %w", content, err)
	}
	b := bc.Bounds()
	out := make([][]bool, b.Dy())
	for y := range out {
		out[y] = make([]bool, b.Dx())
		for x := range out[y] {
			out[y][x] = isDark(bc, b.Min.X+x, b.Min.Y+y)
		}
	}
	return out, nil
}

func modules1D(bc barcode.Barcode) []bool {
	b := bc.Bounds()
	out := make([]bool, b.Dx())
	for x := range out {
		out[x] = isDark(bc, b.Min.X+x, b.Min.Y)
	}
	return out
}

func isDark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}

// runs calls f for each run of dark modules: its first module and length.
func runs(dark []bool, f func(start, n int)) {
	for i := 0; i < len(dark); {
		if !dark[i] {
			i++
			continue
		}
		j := i
		for j < len(dark) && dark[j] {
			j++
		}
		f(i, j-i)
		i = j
	}
}

// drawLinear draws l with its left quiet zone starting at x, bars from y
// down to y+h, module m mm wide, one rectangle per bar, and the text under
// it; it returns the height used below y.
func (p pdfPen) drawLinear(l linear, x, y, m, h float64) float64 {
	p.fill(colBlack)
	x0 := x + float64(l.quietLeft)*m
	ext := 0.0
	if l.kind == rewards.BarcodeEAN13 {
		ext = 4.5 * m // guard bars reach halfway down the digits
	}
	var rs [][4]float64
	runs(l.dark, func(start, n int) {
		bh := h
		if l.guard(start) {
			bh += ext
		}
		rs = append(rs, [4]float64{x0 + float64(start)*m, y, float64(n) * m, bh})
	})
	p.fillRects(rs)
	p.ink(colBlack)
	// Digits 7 modules tall (an em of 9.6), so that a group of six fits
	// between the guard bars as on a retail EAN-13.
	p.font(false, 9.6*m/ptToMM)
	base := y + h + 7.6*m
	if l.kind != rewards.BarcodeEAN13 {
		base += 1.4 * m // no guard bars to reach between: clear of the bars
		p.text(x0+float64(len(l.dark))*m/2, base, 'C', l.text)
		return base - y + 1.2*m
	}
	// EAN-13: the first digit in the left quiet zone, then the two groups
	// of six centred under their halves.
	digits := strings.ReplaceAll(l.text, " ", "")
	p.text(x0-1.5*m, base, 'R', digits[:1])
	p.text(x0+24*m, base, 'C', digits[1:7])
	p.text(x0+71*m, base, 'C', digits[7:])
	return base - y + 1.2*m
}

// drawQR draws the modules with the quiet zone starting at x, y, each m mm
// square, one rectangle per horizontal run; it returns the side drawn.
func (p pdfPen) drawQR(mods [][]bool, x, y, m float64) float64 {
	p.fill(colBlack)
	var rs [][4]float64
	for r, row := range mods {
		runs(row, func(start, n int) {
			rs = append(rs, [4]float64{x + float64(qrQuiet+start)*m, y + float64(qrQuiet+r)*m, float64(n) * m, m})
		})
	}
	p.fillRects(rs)
	return float64(len(mods)+2*qrQuiet) * m
}

// fillRects fills the rectangles (x, y, w, h in mm) as one path: a viewer
// or a RIP then covers their union in one go and draws no hairline seam
// where two rows of a QR code touch, as separately filled rectangles get
// from anti-aliasing.
func (p pdfPen) fillRects(rs [][4]float64) {
	if len(rs) == 0 {
		return
	}
	k := p.GetConversionRatio()
	_, ph := p.GetPageSize()
	b := make([]byte, 0, len(rs)*32+2)
	for _, r := range rs {
		b = strconv.AppendFloat(b, r[0]*k, 'f', 2, 64)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, (ph-r[1])*k, 'f', 2, 64)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, r[2]*k, 'f', 2, 64)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, -r[3]*k, 'f', 2, 64)
		b = append(b, " re\n"...)
	}
	b = append(b, 'f')
	p.RawWriteStr(string(b))
}
