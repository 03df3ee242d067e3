package printer

import (
	"fmt"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The CR80 card, ISO/IEC 7810 ID-1, in millimetres.
const (
	CardWidth  = 85.6
	CardHeight = 53.98
)

// cardModule is the module of a card's barcode: 0.38 mm, above the 0.33 mm
// that scans reliably at 300 dpi, and an EAN-13 with its quiet zones is then
// 43 mm wide, half the card.
const cardModule = 0.38

// The A4 card sheet: 2 columns of 5 cards, edge to edge as on perforated
// card stock, centred on the page.
const (
	sheetCols = 2
	sheetRows = 5
)

// SheetCards is how many cards an A4 sheet holds.
const SheetCards = sheetCols * sheetRows

// Cards is what the card layouts print: cards of one programme, in one
// language.
type Cards struct {
	// Program gives the name on the front, its kind and rules to the terms
	// on the back, the symbology ([card] barcode) and the [contact].
	Program rewards.Program
	// Lang is the language of the card's texts (LangBG, LangRU, LangEN).
	Lang string
	// Cards are printed in order; each one's Number is encoded, and its
	// Name, when known, printed on the front.
	Cards []rewards.Card
	// Date is the document's creation date, written into the PDF.
	Date time.Time
	// Batch, when set, is the id of the batch the cards are (tochkactl
	// card batch): a sheet prints it on its first page (batchMark), so
	// that a stack of sheets says which batch it is. A card printer's
	// cards do not: it would be on a customer's card.
	Batch string
}

// CardPDF lays out each card on CR80 pages for a card printer: its front,
// then its back. A card number that fails its check digit is refused and
// nothing is laid out.
func CardPDF(c Cards) ([]byte, error) {
	l, err := newCardLayout(c)
	if err != nil {
		return nil, err
	}
	pdf, err := newPDF(gofpdf.SizeType{Wd: CardWidth, Ht: CardHeight}, c.Program.Name, c.Date)
	if err != nil {
		return nil, err
	}
	p := pdfPen{pdf}
	l.wrapTerms(p)
	for i := range l.cards {
		pdf.AddPage()
		l.front(p, i, 0, 0)
		pdf.AddPage()
		l.back(p, i, 0, 0)
	}
	return finish(pdf)
}

// CardSheetPDF lays the cards out ten to an A4 page, two columns of five
// with crop marks, for perforated card stock when no card printer is at
// hand. Each sheet's fronts are followed by its backs, the columns swapped
// so that a sheet printed on both sides (flipped on the long edge) puts each
// back behind its front.
func CardSheetPDF(c Cards) ([]byte, error) {
	l, err := newCardLayout(c)
	if err != nil {
		return nil, err
	}
	pdf, err := newPDF(gofpdf.SizeType{Wd: 210, Ht: 297}, c.Program.Name, c.Date)
	if err != nil {
		return nil, err
	}
	p := pdfPen{pdf}
	l.wrapTerms(p)
	pw, ph := pdf.GetPageSize()
	x0 := (pw - sheetCols*CardWidth) / 2
	y0 := (ph - sheetRows*CardHeight) / 2
	n := len(l.cards)
	for first := 0; first < n; first += SheetCards {
		last := min(first+SheetCards, n)
		for side, label := range []string{l.t.sheetFront, l.t.sheetBack} {
			pdf.AddPage()
			for i := first; i < last; i++ {
				col, row := (i-first)%sheetCols, (i-first)/sheetCols
				y := y0 + float64(row)*CardHeight
				if side == 0 {
					l.front(p, i, x0+float64(col)*CardWidth, y)
				} else {
					l.back(p, i, x0+float64(sheetCols-1-col)*CardWidth, y)
				}
			}
			cropMarks(p, x0, y0)
			if first == 0 && side == 0 {
				batchMark(p, l.t, c.Batch, x0)
			}
			p.font(false, 6.5)
			p.ink(colMuted)
			p.text(pw/2, 6, 'C', fmt.Sprintf("%s · %s · %s",
				l.name, l.t.sheetCards(first+1, last, n), label))
		}
	}
	return finish(pdf)
}

// batchMark writes the batch's id on a sheet's first page, small, in the
// top margin above the left column: at least 5 mm from the paper's edge,
// clear of the crop marks and of the page's heading in the middle.
func batchMark(p pdfPen, t *texts, batch string, x0 float64) {
	if batch == "" {
		return
	}
	s := t.say("printer.sheet.batch", lang.Args{"batch": batch})
	p.ink(colMuted)
	p.fit(false, 6.5, CardWidth/2, s)
	p.text(x0+1.5, 7.5, 'L', s)
}

// cropMarks draws the cut lines of a sheet in its margins, 1.5 mm clear of
// the cards so that no mark shows on a card cut a little off.
func cropMarks(p pdfPen, x0, y0 float64) {
	const gap, length = 1.5, 5.0
	p.stroke(colBlack)
	p.SetLineWidth(0.15)
	x1, y1 := x0+sheetCols*CardWidth, y0+sheetRows*CardHeight
	for c := 0; c <= sheetCols; c++ {
		x := x0 + float64(c)*CardWidth
		p.Line(x, y0-gap-length, x, y0-gap)
		p.Line(x, y1+gap, x, y1+gap+length)
	}
	for r := 0; r <= sheetRows; r++ {
		y := y0 + float64(r)*CardHeight
		p.Line(x0-gap-length, y, x0-gap, y)
		p.Line(x1+gap, y, x1+gap+length, y)
	}
}

// cardLayout is what the cards of one document share, worked out once:
// 1,000 cards have the same terms on their backs.
type cardLayout struct {
	t         *texts
	name      string
	subtitle  string
	cards     []cardItem
	termTexts []string
	terms     [][]string // each term, wrapped
	termSize  float64
	contact   string
}

type cardItem struct {
	bars   linear
	holder string
	number string
}

// The back's text block, in millimetres from the card's left edge and top.
const (
	backTextX   = 6.0
	backBullet  = 3.0
	backTermsY  = 14.5
	backTermsTo = 41.0
)

func newCardLayout(c Cards) (*cardLayout, error) {
	t, err := textsFor(c.Lang)
	if err != nil {
		return nil, err
	}
	if err := checkDate(lang.M("printer.error.what.cards", nil), c.Date); err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.Program.Name) == "" {
		return nil, rewards.Fail(rewards.EINVALID, "printer.error.cards_no_name", nil)
	}
	if len(c.Cards) == 0 {
		return nil, rewards.Fail(rewards.EINVALID, "printer.error.cards_none", nil)
	}
	l := &cardLayout{t: t, name: c.Program.Name, subtitle: t.cardPoints}
	if c.Program.Kind == rewards.KindBonus {
		l.subtitle = t.cardBonus
	}
	for _, card := range c.Cards {
		bars, err := cardBarcode(card.Number, c.Program.Card.Barcode)
		if err != nil {
			return nil, err
		}
		l.cards = append(l.cards, cardItem{bars: bars, holder: strings.TrimSpace(card.Name), number: card.Number})
	}

	terms := []string{t.showCard}
	if c.Program.Kind == rewards.KindBonus {
		terms = append(terms, t.earnBonus(currencySign(c.Program.Currency), c.Program.Spend.MaxPercent))
	} else {
		terms = append(terms, t.earnPoints)
	}
	if d := c.Program.Card.ActivationDelay.D(); d > 0 {
		terms = append(terms, t.activation(d))
	}
	terms = append(terms, t.foundCard)
	l.contact = t.contact(c.Program.Contact)
	l.termTexts = terms
	return l, nil
}

// wrapTerms wraps the terms at the largest size, from 6.5 pt down, at which
// they fit between the heading and the contact line.
func (l *cardLayout) wrapTerms(p pdfPen) {
	terms := l.termTexts
	w := CardWidth - 2*backTextX - backBullet
	for size := 6.5; ; size -= 0.25 {
		p.font(false, size)
		l.termSize, l.terms = size, nil
		lines := 0
		for _, term := range terms {
			wrapped := wrap(term, w, p.width)
			l.terms = append(l.terms, wrapped)
			lines += len(wrapped)
		}
		height := float64(lines)*size*1.2*ptToMM + float64(len(terms)-1)*0.8
		if height <= backTermsTo-backTermsY || size <= 4.5 {
			return
		}
	}
}

// front draws card i's front with its top left corner at x, y.
func (l *cardLayout) front(p pdfPen, i int, x, y float64) {
	c := l.cards[i]
	const band = 23.0
	p.fill(colBrand)
	p.Rect(x, y, CardWidth, band, "F")
	// The programme's mark: the dot that gives Tochka its name.
	p.fill(colAccent)
	p.Circle(x+CardWidth-12, y+11.5, 5.2, "F")
	p.fill(colWhite)
	p.Circle(x+CardWidth-12, y+11.5, 1.6, "F")

	p.ink(colWhite)
	p.fit(true, 15, CardWidth-6-22, l.name)
	p.text(x+6, y+10.5, 'L', l.name)
	p.font(false, 7.5)
	p.ink(colPale)
	p.text(x+6, y+15.5, 'L', l.subtitle)
	if c.holder != "" {
		p.ink(colWhite)
		p.fit(true, 8, CardWidth-6-22, c.holder)
		p.text(x+6, y+20.3, 'L', c.holder)
	}

	bw := float64(c.bars.width()) * cardModule
	p.drawLinear(c.bars, x+(CardWidth-bw)/2, y+band+4.5, cardModule, 15.5)

	p.fill(colBrand)
	p.Rect(x, y+CardHeight-2, CardWidth, 2, "F")
}

// back draws card i's back with its top left corner at x, y: the terms,
// how to reach the programme, and the number for when the bars are worn.
func (l *cardLayout) back(p pdfPen, i int, x, y float64) {
	p.fill(colBrand)
	p.Rect(x, y, CardWidth, 3.2, "F")
	p.fill(colAccent)
	p.Circle(x+CardWidth-backTextX-1.6, y+9.6, 1.6, "F")

	p.ink(colBrand)
	p.font(true, 8.5)
	p.text(x+backTextX, y+10.6, 'L', l.t.termsTitle)

	p.ink(colInk)
	p.font(false, l.termSize)
	lh := l.termSize * 1.2 * ptToMM
	ty := y + backTermsY + lh*0.8
	for _, term := range l.terms {
		p.text(x+backTextX, ty, 'L', "•")
		for _, line := range term {
			p.text(x+backTextX+backBullet, ty, 'L', line)
			ty += lh
		}
		ty += 0.8
	}

	p.stroke(colPale)
	p.SetLineWidth(0.3)
	p.Line(x+backTextX, y+42.3, x+CardWidth-backTextX, y+42.3)
	if l.contact != "" {
		p.ink(colMuted)
		p.font(false, 6)
		p.text(x+backTextX, y+45.8, 'L', l.t.contactHead)
		p.ink(colBrand)
		p.fit(true, 7.5, CardWidth-2*backTextX, l.contact)
		p.text(x+backTextX, y+49.6, 'L', l.contact)
	}
	p.ink(colMuted)
	p.font(false, 6)
	p.text(x+CardWidth-backTextX, y+45.8, 'R', "№ "+l.cards[i].number)
}
