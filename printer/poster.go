package printer

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
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
	// Coop and Store, the names of the cooperative and of the store whose
	// board it is, are named under the heading when they are not empty.
	Coop, Store string
	// Items are printed as a price list (by points, then by name in
	// Lang), in a grid over as many pages as they need; an item out of
	// stock is marked as such.
	Items []rewards.Reward
	// Printed is the date printed in the footer and the PDF's creation date.
	Printed time.Time
	// ReadPicture reads an item's Picture, the SHA-256 of a picture the
	// caller keeps (the ledger's); nil reads it as a file path with
	// os.ReadFile.
	ReadPicture func(name string) ([]byte, error)
}

// pictureDPI is the resolution a poster's pictures are printed at: a
// picture is scaled down to its tile's picture box at pictureDPI, as more
// only makes the PDF heavier.
const pictureDPI = 200

// A tile is designed at 58.67 × 54 mm, the A4 page in 3 columns of 4
// (scale 1): no tile is smaller, so a page holds at most 12 items on A4,
// 20 on A3. A tile larger by a scale s has its texts, picture and spacing
// s times as large, up to maxTileScale: a single item on an A3 page fills
// it without a 70 pt name.
const (
	tileW, tileH = 176.0 / 3, 54.0
	maxTileScale = 3.0
)

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

// paper is a poster's page: its size and the room its heading, the space
// under it and its footer take, and the gap between tiles, in millimetres,
// and the sizes of its heading's and footer's texts, in points. Each paper
// is laid out for itself: A3 is not A4 scaled up, it holds more tiles.
type paper struct {
	w, h                           float64
	margin, head, below, foot, gap float64
	title, subtitle, footer        float64
}

// paperOf returns the page of a poster size.
func paperOf(size string) (paper, error) {
	switch strings.ToUpper(size) {
	case PosterA4, "":
		return paper{w: 210, h: 297, margin: 12, head: 26, below: 6, foot: 10, gap: 5, title: 26, subtitle: 13, footer: 8}, nil
	case PosterA3:
		return paper{w: 297, h: 420, margin: 15, head: 32, below: 8, foot: 12, gap: 6, title: 32, subtitle: 16, footer: 10}, nil
	}
	return paper{}, rewards.Fail(rewards.EINVALID, "printer.error.poster_size", lang.Args{"got": size, "a4": PosterA4, "a3": PosterA3})
}

// grid is where the tiles go: the area between the margins, the heading
// and the footer.
func (pp paper) grid() (x, y, w, h float64) {
	y = pp.margin + pp.head + pp.below
	return pp.margin, y, pp.w - 2*pp.margin, pp.h - pp.margin - pp.foot - y
}

// tiles returns the size of a tile in a grid of cols × rows, and its scale
// against the designed tile: the smaller of its two proportions.
func (pp paper) tiles(cols, rows int) (w, h, s float64) {
	_, _, gw, gh := pp.grid()
	w = (gw - float64(cols-1)*pp.gap) / float64(cols)
	h = (gh - float64(rows-1)*pp.gap) / float64(rows)
	return w, h, min(w/tileW, h/tileH)
}

// layout chooses the grid for n items: as few pages as hold them at the
// designed tile size or larger, the items shared evenly between the pages,
// and on every page the grid with the largest tiles that holds a page's
// share (the fewest empty tiles when two are as large).
func (pp paper) layout(n int) (cols, rows, pages int) {
	// The most a page holds: the grid of designed tiles.
	most := 0
	for c := 1; ; c++ {
		if _, _, s := pp.tiles(c, 1); s < 1-1e-9 {
			break
		}
		r := 1
		for {
			if _, _, s := pp.tiles(c, r+1); s < 1-1e-9 {
				break
			}
			r++
		}
		most = max(most, c*r)
	}
	pages = (n + most - 1) / most
	share := (n + pages - 1) / pages
	best := -1.0
	for c := 1; c <= share; c++ {
		r := (share + c - 1) / c
		_, _, s := pp.tiles(c, r)
		if s < 1-1e-9 {
			continue
		}
		if s > best+1e-9 || (s > best-1e-9 && c*r < cols*rows) {
			cols, rows, best = c, r, s
		}
	}
	return cols, rows, pages
}

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
	l := posterLayout{paper: pp, items: priceList(p.Items, p.Lang)}
	cols, rows, pages := pp.layout(len(l.items))
	x0, y0, _, _ := pp.grid()
	w, h, s := pp.tiles(cols, rows)
	l.s = min(s, maxTileScale)
	l.plan = PosterPlan{Width: pp.w, Height: pp.h, Cols: cols, Rows: rows, Pages: pages}
	// The first pages take one item more when the items do not share
	// evenly: 25 on three pages are 9, 8 and 8.
	for page, i := 0, 0; page < pages; page++ {
		share := (len(l.items) - i + pages - page - 1) / (pages - page)
		for k := 0; k < share; k, i = k+1, i+1 {
			l.plan.Tiles = append(l.plan.Tiles, PosterTile{Reward: l.items[i].ID, Page: page,
				X: x0 + float64(k%cols)*(w+pp.gap), Y: y0 + float64(k/cols)*(h+pp.gap), W: w, H: h})
		}
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
	maxPx    int // the long side of the largest picture box, in pixels
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
		kind, data, w, h, err = printablePicture(data, ps.maxPx)
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
	// A picture box is at most a tile's width, and half its height.
	tl := l.plan.Tiles[0]
	pics := &posterPictures{doc: doc, t: t, read: read, seen: map[string]*posterPicture{},
		maxPx: int(math.Ceil(max(tl.W, tl.H/2) / 25.4 * pictureDPI))}

	subtitle := t.boardTitle
	for _, place := range []string{p.Coop, p.Store} {
		if s := strings.TrimSpace(place); s != "" {
			subtitle += "  ·  " + s
		}
	}
	contact := t.contact(p.Program.Contact)
	loc := p.Program.Location()
	pw, ph, margin := l.w, l.h, l.margin
	// The heading is drawn to its height, the footer to its.
	u := func(v float64) float64 { return v * l.head / 26 }
	f := func(v float64) float64 { return v * l.foot / 10 }
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
			mark := ""
			if !r.InStock() {
				mark = t.say("poster.out_of_stock", nil)
			}
			l.item(pen, l.plan.Tiles[i], pics.of(r), r.Names.In(p.Lang), t.amount(r.Points, p.Program.Kind), t.validity(r.ValidFrom, r.ValidTo, loc), mark)
		}

		// Footer: when it was printed (a poster outlives its prices), how
		// to reach the programme, and the page.
		fy := ph - margin - f(2)
		pen.stroke(colPale)
		doc.SetLineWidth(f(0.3))
		doc.Line(margin, fy-f(5.5), pw-margin, fy-f(5.5))
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

// item draws an item in its tile: its name over the price and the dates
// it is offered at the tile's foot, and its picture in the room above, or
// the programme's mark on a pale ground when it has none, so that the grid
// keeps its rhythm. The name takes two lines at 10 pt (on the designed
// tile), three when it needs them, at a smaller size if it must, and the
// picture gives it the room; what still does not fit ends with "…". An
// item out of stock has mark ("out of stock") across the foot of its
// picture, and its price in grey.
func (l *posterLayout) item(pen pdfPen, tl PosterTile, pic *posterPicture, name, price, valid, mark string) {
	s := func(v float64) float64 { return v * l.s }
	in := s(3)
	w := tl.W - 2*in
	pen.stroke(colPale)
	pen.SetLineWidth(s(0.5))
	pen.RoundedRect(tl.X, tl.Y, tl.W, tl.H, s(3), "1234", "D")

	// The name, bottom up: it ends above the price, and starts under the
	// picture's half of the tile unless it needs more room than is left
	// there; the picture keeps at least a third of the tile.
	bottom := tl.Y + tl.H - s(16)
	var lines []string
	var size, lh float64
	for size = 10 * l.s; ; size -= 0.5 * l.s {
		pen.font(true, size)
		lh = size * 1.2 * ptToMM
		fit := min(3, int((bottom-(tl.Y+tl.H*0.35+in))/lh))
		lines = wrap(name, w, pen.width)
		if len(lines) <= fit || size <= 8*l.s {
			lines = clip(lines, fit, w, pen.width)
			break
		}
	}
	top := min(tl.Y+tl.H*0.5+in, bottom-float64(len(lines))*lh)
	pen.ink(colInk)
	for i, line := range lines {
		pen.text(tl.X+in, top+lh*(0.8+float64(i)), 'L', line)
	}

	bx, by, bw, bh := tl.X+in, tl.Y+in, w, top-in-(tl.Y+in)
	if pic != nil {
		// Fit the picture in its box, keeping its proportions.
		pw, ph := bw, bw*float64(pic.h)/float64(pic.w)
		if ph > bh {
			pw, ph = bh*float64(pic.w)/float64(pic.h), bh
		}
		pen.ImageOptions(pic.name, bx+(bw-pw)/2, by+(bh-ph)/2, pw, ph, false, gofpdf.ImageOptions{}, 0, "")
	} else {
		pen.fill(colPale)
		pen.RoundedRect(bx, by, bw, bh, s(2), "1234", "F")
		r := min(bh, bw) / 5
		pen.fill(colAccent)
		pen.Circle(bx+bw/2, by+bh/2, r, "F")
		pen.fill(colPale)
		pen.Circle(bx+bw/2, by+bh/2, r*5/16, "F")
	}
	priceInk := colBrand
	if mark != "" {
		band := s(7)
		pen.fill(colInk)
		pen.RoundedRect(bx, by+bh-band, bw, band, s(2), "34", "F")
		pen.ink(colWhite)
		pen.fit(true, 11*l.s, bw-2*in, mark)
		pen.text(bx+bw/2, by+bh-band/2+s(1.4), 'C', mark)
		priceInk = colMuted
	}

	pen.ink(priceInk)
	pen.fit(true, 16*l.s, w, price)
	pen.text(tl.X+in, tl.Y+tl.H-s(9), 'L', price)
	pen.ink(colMuted)
	pen.fit(false, 8*l.s, w, valid)
	pen.text(tl.X+in, tl.Y+tl.H-s(3.5), 'L', valid)
}

// printablePicture decodes a JPEG or PNG and returns it as gofpdf takes it:
// 8 bits a channel (a 16-bit PNG is refused by gofpdf), no transparency
// (laid on white), at most maxPx on its long side. A JPEG stays a
// JPEG (quality 90, as a photo); anything else becomes a PNG.
func printablePicture(data []byte, maxPx int) (kind string, out []byte, w, h int, err error) {
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", nil, 0, 0, err
	}
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return "", nil, 0, 0, fmt.Errorf("the picture is empty")
	}
	if long := max(w, h); long > maxPx {
		w, h = max(1, w*maxPx/long), max(1, h*maxPx/long)
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
