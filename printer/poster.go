package printer

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"
	xdraw "golang.org/x/image/draw"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Poster sizes.
const (
	PosterA4 = "A4"
	PosterA3 = "A3"
)

// Poster is what the reward-board poster prints: a cooperative's or a
// store's rewards, for the in-store information board.
type Poster struct {
	// Program gives the heading, the unit of the prices (points or
	// bonuses), the time zone of the dates and the [contact].
	Program rewards.Program
	// Lang is the language of the poster (LangBG, LangRU, LangEN); each
	// item's name is printed in it when it has one.
	Lang string
	// Size is PosterA4 or PosterA3, portrait; empty means A4.
	Size string
	// Store, when not empty, is named under the heading.
	Store string
	// Items are printed in order, a grid of them a page.
	Items []rewards.Reward
	// Printed is the date printed in the footer and the PDF's creation date.
	Printed time.Time
	// ReadPicture reads an item's Picture, the SHA-256 of a picture the
	// caller keeps (the ledger's); nil reads it as a file path with
	// os.ReadFile.
	ReadPicture func(name string) ([]byte, error)
}

// The poster's grid: 3 columns of 4 on A4; A3 is the same page scaled up
// (√2), so that the same board reads from further away.
const (
	posterCols = 3
	posterRows = 4
	// pictureMaxPx caps the long side of a picture: a cell's picture box
	// on A3 at 200 dpi; more only makes the PDF heavier.
	pictureMaxPx = 800
)

// PosterItems is how many items a poster page holds.
const PosterItems = posterCols * posterRows

// PosterPDF lays the items out in a grid over as many pages as they need,
// each item with its picture, name, price and the dates it is offered, and
// the date printed in each page's footer. A picture that cannot be read or
// decoded (JPEG and PNG are read) leaves its item without a picture and adds
// a warning for the caller to show; a board with no items is an error.
func PosterPDF(p Poster) (pdf []byte, warnings []string, err error) {
	t, err := textsFor(p.Lang)
	if err != nil {
		return nil, nil, err
	}
	if err := checkDate(lang.M("printer.error.what.poster", nil), p.Printed); err != nil {
		return nil, nil, err
	}
	scale := 1.0
	switch strings.ToUpper(p.Size) {
	case PosterA4, "":
	case PosterA3:
		scale = 297.0 / 210
	default:
		return nil, nil, rewards.Fail(rewards.EINVALID, "printer.error.poster_size", lang.Args{"got": p.Size, "a4": PosterA4, "a3": PosterA3})
	}
	if len(p.Items) == 0 {
		return nil, nil, rewards.Fail(rewards.EINVALID, "printer.error.poster_no_items", nil)
	}
	if strings.TrimSpace(p.Program.Name) == "" {
		return nil, nil, rewards.Fail(rewards.EINVALID, "printer.error.poster_no_name", nil)
	}
	read := p.ReadPicture
	if read == nil {
		read = os.ReadFile
	}

	doc, err := newPDF(gofpdf.SizeType{Wd: 210 * scale, Ht: 297 * scale}, p.Program.Name+" · "+t.boardTitle, p.Printed)
	if err != nil {
		return nil, nil, err
	}
	pen := pdfPen{doc}
	// Each picture is read, converted and registered once, however many
	// items show it.
	type picture struct {
		name string
		w, h int
	}
	pictures := map[string]*picture{}
	pictureOf := func(r rewards.Reward) *picture {
		if r.Picture == "" {
			return nil
		}
		if pic, seen := pictures[r.Picture]; seen {
			return pic
		}
		var pic *picture
		defer func() { pictures[r.Picture] = pic }()
		data, err := read(r.Picture)
		if err == nil {
			var kind string
			var w, h int
			kind, data, w, h, err = printablePicture(data)
			if err == nil {
				name := fmt.Sprintf("picture%d", len(pictures)+1)
				doc.RegisterImageOptionsReader(name, gofpdf.ImageOptions{ImageType: kind}, bytes.NewReader(data))
				if err = doc.Error(); err == nil {
					pic = &picture{name: name, w: w, h: h}
					return pic
				}
				doc.ClearError()
			}
		}
		warnings = append(warnings, t.say("printer.warning.picture_unreadable",
			lang.Args{"reward": r.ID, "picture": r.Picture, "problem": rewards.Detail(err)}))
		return nil
	}

	u := func(v float64) float64 { return v * scale }
	loc := p.Program.Location()
	pw, ph := doc.GetPageSize()
	margin, gap := u(12), u(5)
	headH, footH := u(26), u(10)
	gridY := margin + headH + u(6)
	cellW := (pw - 2*margin - (posterCols-1)*gap) / posterCols
	cellH := (ph - gridY - margin - footH - (posterRows-1)*gap) / posterRows
	picH := cellH * 0.5

	subtitle := t.boardTitle
	if s := strings.TrimSpace(p.Store); s != "" {
		subtitle += "  ·  " + s
	}
	contact := t.contact(p.Program.Contact)
	pages := (len(p.Items) + PosterItems - 1) / PosterItems

	for page := 0; page < pages; page++ {
		doc.AddPage()
		// Heading: the programme's band with its mark.
		pen.fill(colBrand)
		doc.RoundedRect(margin, margin, pw-2*margin, headH, u(3), "1234", "F")
		pen.fill(colAccent)
		dotX, dotY := pw-margin-u(15), margin+headH/2
		doc.Circle(dotX, dotY, u(7.5), "F")
		pen.fill(colWhite)
		doc.Circle(dotX, dotY, u(2.3), "F")
		pen.ink(colWhite)
		pen.fit(true, 26*scale, pw-2*margin-u(40), p.Program.Name)
		pen.text(margin+u(8), margin+u(12.5), 'L', p.Program.Name)
		pen.ink(colPale)
		pen.fit(false, 13*scale, pw-2*margin-u(40), subtitle)
		pen.text(margin+u(8), margin+u(20.5), 'L', subtitle)

		for k := 0; k < PosterItems; k++ {
			i := page*PosterItems + k
			if i >= len(p.Items) {
				break
			}
			r := p.Items[i]
			x := margin + float64(k%posterCols)*(cellW+gap)
			y := gridY + float64(k/posterCols)*(cellH+gap)
			pen.stroke(colPale)
			doc.SetLineWidth(u(0.5))
			doc.RoundedRect(x, y, cellW, cellH, u(3), "1234", "D")

			in := u(3)
			bx, by, bw, bh := x+in, y+in, cellW-2*in, picH-in
			if pic := pictureOf(r); pic != nil {
				// Fit the picture in its box, keeping its proportions.
				w, h := bw, bw*float64(pic.h)/float64(pic.w)
				if h > bh {
					w, h = bh*float64(pic.w)/float64(pic.h), bh
				}
				doc.ImageOptions(pic.name, bx+(bw-w)/2, by+(bh-h)/2, w, h, false, gofpdf.ImageOptions{}, 0, "")
			} else {
				// No picture: the programme's mark on a pale ground, so the
				// grid keeps its rhythm.
				pen.fill(colPale)
				doc.RoundedRect(bx, by, bw, bh, u(2), "1234", "F")
				pen.fill(colAccent)
				doc.Circle(bx+bw/2, by+bh/2, bh/5, "F")
				pen.fill(colPale)
				doc.Circle(bx+bw/2, by+bh/2, bh/16, "F")
			}

			name := r.Names.In(p.Lang)
			nameSize := 10 * scale
			pen.font(true, nameSize)
			pen.ink(colInk)
			lh := nameSize * 1.2 * ptToMM
			ny := y + picH + u(3) + lh*0.8
			for _, line := range clip(wrap(name, cellW-2*in, pen.width), 2, cellW-2*in, pen.width) {
				pen.text(x+in, ny, 'L', line)
				ny += lh
			}
			pen.ink(colBrand)
			price := t.amount(r.Points, p.Program.Kind)
			pen.fit(true, 16*scale, cellW-2*in, price)
			pen.text(x+in, y+cellH-u(9), 'L', price)
			pen.ink(colMuted)
			valid := t.validity(r.ValidFrom, r.ValidTo, loc)
			pen.fit(false, 8*scale, cellW-2*in, valid)
			pen.text(x+in, y+cellH-u(3.5), 'L', valid)
		}

		// Footer: when it was printed (a poster outlives its prices), how
		// to reach the programme, and the page.
		fy := ph - margin - u(2)
		pen.stroke(colPale)
		doc.SetLineWidth(u(0.3))
		doc.Line(margin, fy-u(5.5), pw-margin, fy-u(5.5))
		pen.ink(colMuted)
		pen.font(false, 8*scale)
		pen.text(margin, fy, 'L', t.printed(p.Printed, loc))
		if contact != "" {
			pen.text(pw/2, fy, 'C', contact)
		}
		pen.text(pw-margin, fy, 'R', t.page(page+1, pages))
	}
	pdf, err = finish(doc)
	if err != nil {
		return nil, nil, err
	}
	return pdf, warnings, nil
}

// printablePicture decodes a JPEG or PNG and returns it as gofpdf takes it:
// 8 bits a channel (a 16-bit PNG is refused by gofpdf), no transparency
// (laid on white), at most pictureMaxPx on its long side. A JPEG stays a
// JPEG (quality 90, as a photo); anything else becomes a PNG.
func printablePicture(data []byte) (kind string, out []byte, w, h int, err error) {
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", nil, 0, 0, err
	}
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return "", nil, 0, 0, fmt.Errorf("the picture is empty")
	}
	if long := max(w, h); long > pictureMaxPx {
		w, h = max(1, w*pictureMaxPx/long), max(1, h*pictureMaxPx/long)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, xdraw.Src)
	if w == b.Dx() && h == b.Dy() {
		xdraw.Draw(dst, dst.Bounds(), img, b.Min, xdraw.Over)
	} else {
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, b, xdraw.Over, nil)
	}
	var buf bytes.Buffer
	if format == "jpeg" {
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 90})
		kind = "JPG"
	} else {
		err = png.Encode(&buf, dst)
		kind = "PNG"
	}
	if err != nil {
		return "", nil, 0, 0, err
	}
	return kind, buf.Bytes(), w, h, nil
}
