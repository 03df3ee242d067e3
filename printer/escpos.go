package printer

import (
	"image"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// ReceiptDots is the width of a thermal receipt's raster: 80 mm paper,
// 72 mm printed by a 576-dot head at 203 dpi (8 dots a millimetre).
const ReceiptDots = 576

const (
	receiptDPI = 203
	// escposSlice is the most rows one GS v 0 command carries: many
	// printers take no more at once.
	escposSlice = 255
	// escposCutFeed is the n of feed-and-cut (GS V 65 n): the raster ends
	// with white already, so little more is fed before the cut.
	escposCutFeed = 3
)

// VoucherESCPOS renders the same voucher as VoucherPDF for a thermal
// printer: ESC @, then the whole voucher as a 576-dot-wide 1-bit raster
// drawn with the embedded font (so Cyrillic needs no code page) in GS v 0
// commands of at most 255 rows, then feed-and-cut. The Code128 has 3-dot
// modules (0.375 mm) and the QR 8-dot modules.
func VoucherESCPOS(v Voucher) ([]byte, error) {
	view, err := newVoucherView(v)
	if err != nil {
		return nil, err
	}
	fonts, err := loadFonts()
	if err != nil {
		return nil, err
	}
	r := newRaster(ReceiptDots)
	type faceKey struct {
		bold bool
		pt   float64
	}
	faces := map[faceKey]font.Face{}
	face := func(bold bool, pt float64) font.Face {
		key := faceKey{bold, pt}
		if f, ok := faces[key]; ok {
			return f
		}
		src := fonts.rasterReg
		if bold {
			src = fonts.rasterBd
		}
		f, err := opentype.NewFace(src, &opentype.FaceOptions{Size: pt, DPI: receiptDPI, Hinting: font.HintingFull})
		if err != nil {
			panic(err) // only for a size out of range, and fitted keeps sizes in range
		}
		faces[key] = f
		return f
	}
	// fitted is the face of at most pt points in which s is at most w wide.
	fitted := func(bold bool, pt float64, w int, s string) font.Face {
		f := face(bold, pt)
		if sw := measure(f, s); sw > w {
			f = face(bold, max(4, float64(int(pt*float64(w)/float64(sw)*4))/4))
		}
		return f
	}
	const m = 12 // side margin, dots
	const w = ReceiptDots - 2*m
	cx := ReceiptDots / 2
	y := 16

	f := fitted(true, 18, w, view.program)
	y += ascent(f)
	r.text(f, cx, y, 'C', view.program, 1)
	y += descent(f) + 16

	r.fill(m, y, w, 56, 1)
	f = face(true, 13)
	r.text(f, cx, y+(56+capHeight(f))/2, 'C', view.title, 0)
	y += 56 + 22

	f = face(true, 15)
	for _, line := range clip(wrap(view.reward, w, measureF(f)), 4, w, measureF(f)) {
		y += ascent(f)
		r.text(f, cx, y, 'C', line, 1)
		y += descent(f) + 4
	}
	y += 18
	f = face(false, 10)
	y += ascent(f)
	r.text(f, cx, y, 'C', view.label, 1)
	y += descent(f) + 6
	f = face(true, 22)
	y += ascent(f)
	r.text(f, cx, y, 'C', view.amount, 1)
	y += descent(f) + 14
	r.dashed(m, y, w)
	y += 26

	const dots = 3 // a module of 0.375 mm; newVoucherView made sure it fits
	bx := (ReceiptDots - view.bars.width()*dots) / 2
	x0 := bx + view.bars.quietLeft*dots
	runs(view.bars.dark, func(start, n int) {
		r.fill(x0+start*dots, y, n*dots, 104, 1)
	})
	y += 104 + 6
	f = face(false, 12)
	y += ascent(f)
	r.text(f, cx, y, 'C', view.code, 1)
	y += descent(f) + 8

	const qm = 8 // QR module, dots
	qx := (ReceiptDots - (len(view.qr)+2*qrQuiet)*qm) / 2
	for row, mods := range view.qr {
		runs(mods, func(start, n int) {
			r.fill(qx+(qrQuiet+start)*qm, y+(qrQuiet+row)*qm, n*qm, qm, 1)
		})
	}
	y += (len(view.qr) + 2*qrQuiet) * qm
	r.dashed(m, y, w)
	y += 12

	lf, vf := face(false, 10), face(true, 10)
	for _, row := range view.rows {
		y += ascent(vf) + 8
		r.text(lf, m, y, 'L', row[0], 1)
		r.text(fitted(true, 10, w-measure(lf, row[0])-16, row[1]), m+w, y, 'R', row[1], 1)
		y += descent(vf)
	}
	y += 18
	r.dashed(m, y, w)
	y += 16
	f = fitted(true, 10, w, view.footer)
	y += ascent(f)
	r.text(f, cx, y, 'C', view.footer, 1)
	y += descent(f)
	if view.contact != "" {
		f = fitted(false, 9, w, view.contact)
		y += ascent(f) + 4
		r.text(f, cx, y, 'C', view.contact, 1)
		y += descent(f)
	}
	r.grow(y + 32)
	return r.escpos(), nil
}

// raster is a 1-bit picture being drawn, one byte a dot (1 black), that
// grows downwards as it is drawn on.
type raster struct {
	w, h int
	pix  []uint8
}

func newRaster(w int) *raster { return &raster{w: w} }

// grow makes the raster at least h rows tall.
func (r *raster) grow(h int) {
	if h <= r.h {
		return
	}
	if need := h * r.w; need > cap(r.pix) {
		pix := make([]uint8, need, 2*need)
		copy(pix, r.pix)
		r.pix = pix
	} else {
		r.pix = r.pix[:need]
	}
	r.h = h
}

// fill sets the dots of a rectangle to v, clipped to the raster's width.
func (r *raster) fill(x, y, w, h int, v uint8) {
	x0, x1 := max(x, 0), min(x+w, r.w)
	if x0 >= x1 || h <= 0 || y < 0 {
		return
	}
	r.grow(y + h)
	for yy := y; yy < y+h; yy++ {
		row := r.pix[yy*r.w : (yy+1)*r.w]
		for xx := x0; xx < x1; xx++ {
			row[xx] = v
		}
	}
}

// dashed draws the receipt's separator: a dashed rule w long, 2 dots thick.
func (r *raster) dashed(x, y, w int) {
	for dx := 0; dx < w; dx += 20 {
		r.fill(x+dx, y, min(12, w-dx), 2, 1)
	}
}

// text draws s with its baseline at y, aligned on x as pdfPen.text does,
// setting to v every dot the glyphs cover at least half.
func (r *raster) text(f font.Face, x, y int, align byte, s string, v uint8) {
	switch align {
	case 'C':
		x -= measure(f, s) / 2
	case 'R':
		x -= measure(f, s)
	}
	dot := fixed.P(x, y)
	prev := rune(-1)
	for _, c := range s {
		if prev >= 0 {
			dot.X += f.Kern(prev, c)
		}
		dr, mask, mp, adv, ok := f.Glyph(dot, c)
		if !ok {
			continue
		}
		r.grow(dr.Max.Y)
		alpha, _ := mask.(*image.Alpha)
		for yy := dr.Min.Y; yy < dr.Max.Y; yy++ {
			if yy < 0 {
				continue
			}
			for xx := max(dr.Min.X, 0); xx < min(dr.Max.X, r.w); xx++ {
				mx, my := mp.X+xx-dr.Min.X, mp.Y+yy-dr.Min.Y
				var a uint8
				if alpha != nil {
					a = alpha.Pix[(my-alpha.Rect.Min.Y)*alpha.Stride+mx-alpha.Rect.Min.X]
				} else {
					_, _, _, a32 := mask.At(mx, my).RGBA()
					a = uint8(a32 >> 8)
				}
				if a >= 0x80 {
					r.pix[yy*r.w+xx] = v
				}
			}
		}
		dot.X += adv
		prev = c
	}
}

// escpos writes the raster as a printer takes it: init, GS v 0 slices of
// at most 255 rows (x in bytes, the most significant bit the leftmost dot),
// feed-and-cut.
func (r *raster) escpos() []byte {
	xb := (r.w + 7) / 8
	out := make([]byte, 0, 2+(r.h/escposSlice+1)*8+xb*r.h+4)
	out = append(out, 0x1B, 0x40)
	for y0 := 0; y0 < r.h; y0 += escposSlice {
		n := min(escposSlice, r.h-y0)
		out = append(out, 0x1D, 0x76, 0x30, 0x00, byte(xb), byte(xb>>8), byte(n), byte(n>>8))
		for y := y0; y < y0+n; y++ {
			row := r.pix[y*r.w : (y+1)*r.w]
			for bx := 0; bx < xb; bx++ {
				var b byte
				for bit := 0; bit < 8; bit++ {
					if x := bx*8 + bit; x < r.w && row[x] != 0 {
						b |= 0x80 >> bit
					}
				}
				out = append(out, b)
			}
		}
	}
	return append(out, 0x1D, 0x56, 0x41, escposCutFeed)
}

func measure(f font.Face, s string) int { return font.MeasureString(f, s).Ceil() }

func measureF(f font.Face) func(string) float64 {
	return func(s string) float64 { return float64(measure(f, s)) }
}

func ascent(f font.Face) int  { return f.Metrics().Ascent.Ceil() }
func descent(f font.Face) int { return f.Metrics().Descent.Ceil() }

func capHeight(f font.Face) int {
	if h := f.Metrics().CapHeight.Ceil(); h > 0 {
		return h
	}
	return ascent(f) * 3 / 4
}
