package printer

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

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
	// Items are printed as a price list (by points, then by name in
	// Lang), in a grid over as many pages as they need.
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
	// pictureMaxPx caps the long side of a picture: a tile's picture box
	// on A3 at 200 dpi; more only makes the PDF heavier.
	pictureMaxPx = 800
)

// PosterItems is how many items a poster page holds.
const PosterItems = posterCols * posterRows

// PosterPlan is where a poster puts its items: the size of its pages and
// the tile of each item, in millimetres from a page's top left corner.
type PosterPlan struct {
	Width, Height float64 // the page
	Cols, Rows    int     // the grid, the same on every page
	Pages         int
	Tiles         []PosterTile // one an item, in the order they are printed
}

// PosterTile is the box an item of the poster is drawn in: nothing of the
// item is drawn outside it.
type PosterTile struct {
	Reward     string // the item's id
	Page       int    // from 0
	X, Y, W, H float64
}

// paper is a poster's page: its size and the room its heading and footer
// take, in millimetres, the sizes of their texts, in points, and the scale
// of everything else.
type paper struct {
	w, h                    float64
	margin, gap, head, foot float64
	title, subtitle, footer float64
	scale                   float64
}

// paperOf returns the page of a poster size.
func paperOf(size string) (paper, error) {
	scale := 1.0
	switch strings.ToUpper(size) {
	case PosterA4, "":
	case PosterA3:
		scale = 297.0 / 210
	default:
		return paper{}, rewards.Fail(rewards.EINVALID, "printer.error.poster_size", lang.Args{"got": size, "a4": PosterA4, "a3": PosterA3})
	}
	return paper{w: 210 * scale, h: 297 * scale, margin: 12 * scale, gap: 5 * scale, head: 26 * scale, foot: 10 * scale,
		title: 26 * scale, subtitle: 13 * scale, footer: 8 * scale, scale: scale}, nil
}

// u scales a length of the A4 design to the page.
func (pp paper) u(v float64) float64 { return v * pp.scale }

// posterLayout is a poster planned: its page, its items in the order they
// are printed, their tiles, and the scale of the tiles' contents (1 is a
// tile of the A4 design).
type posterLayout struct {
	paper
	plan  PosterPlan
	items []rewards.Reward
	s     float64
}

// PlanPoster returns where PosterPDF prints p's items; it refuses what
// PosterPDF refuses of the poster's size and items.
func PlanPoster(p Poster) (PosterPlan, error) {
	l, err := planPoster(p)
	return l.plan, err
}

func planPoster(p Poster) (posterLayout, error) {
	pp, err := paperOf(p.Size)
	if err != nil {
		return posterLayout{}, err
	}
	if len(p.Items) == 0 {
		return posterLayout{}, rewards.Fail(rewards.EINVALID, "printer.error.poster_no_items", nil)
	}
	l := posterLayout{paper: pp, items: priceList(p.Items, p.Lang), s: pp.scale}
	cols, rows := posterCols, posterRows
	top := pp.margin + pp.head + pp.u(6)
	w := (pp.w - 2*pp.margin - float64(cols-1)*pp.gap) / float64(cols)
	h := (pp.h - top - pp.margin - pp.foot - float64(rows-1)*pp.gap) / float64(rows)
	per := cols * rows
	l.plan = PosterPlan{Width: pp.w, Height: pp.h, Cols: cols, Rows: rows, Pages: (len(l.items) + per - 1) / per}
	for i, r := range l.items {
		k := i % per
		l.plan.Tiles = append(l.plan.Tiles, PosterTile{Reward: r.ID, Page: i / per,
			X: pp.margin + float64(k%cols)*(w+pp.gap), Y: top + float64(k/cols)*(h+pp.gap), W: w, H: h})
	}
	return l, nil
}

// priceList returns the items as a customer reads a price list: by points,
// then by name in language l as l sorts it (in Russian ё with е; in every
// language a capital with its small letter), then by id, so that the same
// board always prints the same way.
func priceList(items []rewards.Reward, l string) []rewards.Reward {
	c := collate.New(language.Make(l))
	type keyed struct {
		r   rewards.Reward
		key []byte
	}
	ks := make([]keyed, len(items))
	var buf collate.Buffer
	for i, r := range items {
		ks[i] = keyed{r, slices.Clone(c.KeyFromString(&buf, r.Names.In(l)))}
		buf.Reset()
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.r.Points, b.r.Points), bytes.Compare(a.key, b.key), strings.Compare(a.r.ID, b.r.ID))
	})
	out := make([]rewards.Reward, len(ks))
	for i, k := range ks {
		out[i] = k.r
	}
	return out
}

// posterPicture is a picture registered in a poster's PDF.
type posterPicture struct {
	name string
	w, h int
}

// posterPictures reads, converts and registers each picture of a poster
// once, however many items show it, and says which could not be.
type posterPictures struct {
	doc      *gofpdf.Fpdf
	t        *texts
	read     func(string) ([]byte, error)
	seen     map[string]*posterPicture
	warnings []string
}

// of returns r's picture, nil when it has none or it cannot be printed.
func (ps *posterPictures) of(r rewards.Reward) *posterPicture {
	if r.Picture == "" {
		return nil
	}
	if pic, seen := ps.seen[r.Picture]; seen {
		return pic
	}
	var pic *posterPicture
	defer func() { ps.seen[r.Picture] = pic }()
	data, err := ps.read(r.Picture)
	if err == nil {
		var kind string
		var w, h int
		kind, data, w, h, err = printablePicture(data)
		if err == nil {
			name := fmt.Sprintf("picture%d", len(ps.seen)+1)
			ps.doc.RegisterImageOptionsReader(name, gofpdf.ImageOptions{ImageType: kind}, bytes.NewReader(data))
			if err = ps.doc.Error(); err == nil {
				pic = &posterPicture{name: name, w: w, h: h}
				return pic
			}
			ps.doc.ClearError()
		}
	}
	ps.warnings = append(ps.warnings, ps.t.say("printer.warning.picture_unreadable",
		lang.Args{"reward": r.ID, "picture": r.Picture, "problem": rewards.Detail(err)}))
	return nil
}

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
	l, err := planPoster(p)
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(p.Program.Name) == "" {
		return nil, nil, rewards.Fail(rewards.EINVALID, "printer.error.poster_no_name", nil)
	}
	read := p.ReadPicture
	if read == nil {
		read = os.ReadFile
	}

	doc, err := newPDF(gofpdf.SizeType{Wd: l.w, Ht: l.h}, p.Program.Name+" · "+t.boardTitle, p.Printed)
	if err != nil {
		return nil, nil, err
	}
	pen := pdfPen{doc}
	pics := &posterPictures{doc: doc, t: t, read: read, seen: map[string]*posterPicture{}}

	subtitle := t.boardTitle
	if s := strings.TrimSpace(p.Store); s != "" {
		subtitle += "  ·  " + s
	}
	contact := t.contact(p.Program.Contact)
	loc := p.Program.Location()
	pw, ph, margin, u := l.w, l.h, l.margin, l.u
	pages := l.plan.Pages
	for page, i := 0, 0; page < pages; page++ {
		doc.AddPage()
		// Heading: the programme's band with its mark.
		pen.fill(colBrand)
		doc.RoundedRect(margin, margin, pw-2*margin, l.head, u(3), "1234", "F")
		pen.fill(colAccent)
		dotX, dotY := pw-margin-u(15), margin+l.head/2
		doc.Circle(dotX, dotY, u(7.5), "F")
		pen.fill(colWhite)
		doc.Circle(dotX, dotY, u(2.3), "F")
		pen.ink(colWhite)
		pen.fit(true, l.title, pw-2*margin-u(40), p.Program.Name)
		pen.text(margin+u(8), margin+u(12.5), 'L', p.Program.Name)
		pen.ink(colPale)
		pen.fit(false, l.subtitle, pw-2*margin-u(40), subtitle)
		pen.text(margin+u(8), margin+u(20.5), 'L', subtitle)

		for ; i < len(l.items) && l.plan.Tiles[i].Page == page; i++ {
			r := l.items[i]
			l.tile(pen, l.plan.Tiles[i], pics.of(r))
			l.tileTexts(pen, l.plan.Tiles[i], r.Names.In(p.Lang), t.amount(r.Points, p.Program.Kind), t.validity(r.ValidFrom, r.ValidTo, loc))
		}

		// Footer: when it was printed (a poster outlives its prices), how
		// to reach the programme, and the page.
		fy := ph - margin - u(2)
		pen.stroke(colPale)
		doc.SetLineWidth(u(0.3))
		doc.Line(margin, fy-u(5.5), pw-margin, fy-u(5.5))
		pen.ink(colMuted)
		pen.font(false, l.footer)
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
	return pdf, pics.warnings, nil
}

// tile draws a tile's frame and its picture, or the programme's mark on a
// pale ground when it has none, so that the grid keeps its rhythm.
func (l *posterLayout) tile(pen pdfPen, tl PosterTile, pic *posterPicture) {
	s := func(v float64) float64 { return v * l.s }
	pen.stroke(colPale)
	pen.SetLineWidth(s(0.5))
	pen.RoundedRect(tl.X, tl.Y, tl.W, tl.H, s(3), "1234", "D")
	in := s(3)
	bx, by, bw, bh := tl.X+in, tl.Y+in, tl.W-2*in, tl.H*0.5-in
	if pic != nil {
		// Fit the picture in its box, keeping its proportions.
		w, h := bw, bw*float64(pic.h)/float64(pic.w)
		if h > bh {
			w, h = bh*float64(pic.w)/float64(pic.h), bh
		}
		pen.ImageOptions(pic.name, bx+(bw-w)/2, by+(bh-h)/2, w, h, false, gofpdf.ImageOptions{}, 0, "")
		return
	}
	pen.fill(colPale)
	pen.RoundedRect(bx, by, bw, bh, s(2), "1234", "F")
	pen.fill(colAccent)
	pen.Circle(bx+bw/2, by+bh/2, bh/5, "F")
	pen.fill(colPale)
	pen.Circle(bx+bw/2, by+bh/2, bh/16, "F")
}

// tileTexts writes an item's name under its picture, and its price and the
// dates it is offered at the foot of its tile.
func (l *posterLayout) tileTexts(pen pdfPen, tl PosterTile, name, price, valid string) {
	s := func(v float64) float64 { return v * l.s }
	in := s(3)
	w := tl.W - 2*in
	nameSize := 10 * l.s
	pen.font(true, nameSize)
	pen.ink(colInk)
	lh := nameSize * 1.2 * ptToMM
	ny := tl.Y + tl.H*0.5 + s(3) + lh*0.8
	for _, line := range clip(wrap(name, w, pen.width), 2, w, pen.width) {
		pen.text(tl.X+in, ny, 'L', line)
		ny += lh
	}
	pen.ink(colBrand)
	pen.fit(true, 16*l.s, w, price)
	pen.text(tl.X+in, tl.Y+tl.H-s(9), 'L', price)
	pen.ink(colMuted)
	pen.fit(false, 8*l.s, w, valid)
	pen.text(tl.X+in, tl.Y+tl.H-s(3.5), 'L', valid)
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
