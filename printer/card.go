package printer

import (
	"sort"
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

// eanNominalBars is how tall an EAN-13's bars are at their nominal size, in
// modules: 22.85 mm at the 0.33 mm module (GS1 General Specifications).
const eanNominalBars = 22.85 / 0.33

// cardBars is how tall a card's bars are, in millimetres: 81 % of the
// nominal height for the card's module (21.3 of 26.3 mm), above the 80 %
// below which a hand-held scanner's line has little room to cross all of
// them.
const cardBars = 0.81 * eanNominalBars * cardModule

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
	// card batch): a sheet's header says it on the first page
	// (batchMark), so that a stack of sheets says which batch it is. A
	// card printer's cards do not: it would be on a customer's card.
	Batch string
}

// CardPDF lays out each card on CR80 pages for a card printer: its front,
// then its back. A card number that fails its check digit is refused and
// nothing is laid out.
//
// The warnings say what the layout left off the cards: each holder's name,
// and the programme's name and contact, that has characters the embedded
// font cannot draw (Chinese, Japanese, Korean, full-width forms, emoji) is
// printed without them, never as a box or "�", and a warning names the
// card (or the programme) and the characters, for the caller to show in
// its reader's language before it prints.
func CardPDF(c Cards) (pdf []byte, warnings []lang.Msg, err error) {
	l, err := newCardLayout(c)
	if err != nil {
		return nil, nil, err
	}
	doc, err := newPDF(gofpdf.SizeType{Wd: CardWidth, Ht: CardHeight}, c.Program.Name, c.Date)
	if err != nil {
		return nil, nil, err
	}
	p := pdfPen{doc}
	l.wrapTerms(p)
	for i := range l.cards {
		doc.AddPage()
		l.front(p, i, 0, 0)
		doc.AddPage()
		l.back(p, i, 0, 0)
	}
	pdf, err = finish(doc)
	return pdf, l.warnings, err
}

// CardSheetPDF lays the cards out ten to an A4 page, two columns of five
// with crop marks, for perforated card stock when no card printer is at
// hand. Each sheet's fronts are followed by its backs, the columns swapped
// so that a sheet printed on both sides (flipped on the long edge) puts each
// back behind its front.
func CardSheetPDF(c Cards) (pdf []byte, warnings []lang.Msg, err error) {
	l, err := newCardLayout(c)
	if err != nil {
		return nil, nil, err
	}
	doc, err := newPDF(gofpdf.SizeType{Wd: 210, Ht: 297}, c.Program.Name, c.Date)
	if err != nil {
		return nil, nil, err
	}
	p := pdfPen{doc}
	l.wrapTerms(p)
	pw, ph := doc.GetPageSize()
	x0 := (pw - sheetCols*CardWidth) / 2
	y0 := (ph - sheetRows*CardHeight) / 2
	n := len(l.cards)
	for first := 0; first < n; first += SheetCards {
		last := min(first+SheetCards, n)
		for side, label := range []string{l.t.sheetFront, l.t.sheetBack} {
			doc.AddPage()
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
			left, right := l.sheetHeader(first+1, last, n, label)
			if first == 0 && side == 0 {
				right = l.batchMark(c.Batch, right)
			}
			drawSheetHeader(p, x0, left, right)
		}
	}
	pdf, err = finish(doc)
	return pdf, l.warnings, err
}

// sheetHeader is what a sheet's header says of the cards first to last
// (counted from 1) of total, on side ("лице", "гръб"): on the left the
// programme and which cards, "КООП · карти 1–10 от 25"; on the right the
// side. Whatever else a sheet's header is to say goes here, the right part
// before the side having the room.
func (l *cardLayout) sheetHeader(first, last, total int, side string) (left, right string) {
	return l.name + " · " + l.t.sheetCards(first, last, total), side
}

// batchMark puts the batch's id before the side in the header of a
// batch's first sheet (Cards.Batch), "партида B7 · лице", so that a stack
// of sheets says which batch it is.
func (l *cardLayout) batchMark(batch, right string) string {
	if batch == "" {
		return right
	}
	return l.t.say("printer.sheet.batch", lang.Args{"batch": batch}) + " · " + right
}

// The sheet's header sits in the top margin between the crop marks, whose
// vertical lines reach from y0-6.5 to y0-1.5 mm at each column's edge: its
// left part over the first column, its right part over the second, each
// sheetHeaderClear mm clear of the marks, with its baseline at
// sheetHeaderBase mm from the paper's top, so that the text stays more than
// 5 mm from the edge, where an office printer may not print.
const (
	sheetHeaderBase  = 10.0
	sheetHeaderSize  = 6.5
	sheetHeaderMin   = 5.0
	sheetHeaderClear = 2.5
)

// drawSheetHeader draws a sheet's header over cards whose left edge is at
// x0; a part too long for its column shrinks to 5 pt, then is cut with "…".
func drawSheetHeader(p pdfPen, x0 float64, left, right string) {
	w := CardWidth - 2*sheetHeaderClear
	p.ink(colMuted)
	for i, s := range []string{left, right} {
		size := max(p.fit(false, sheetHeaderSize, w, s), sheetHeaderMin)
		p.font(false, size)
		s = cutToWidth(s, w, p.width)
		if i == 0 {
			p.text(x0+sheetHeaderClear, sheetHeaderBase, 'L', s)
		} else {
			p.text(x0+sheetCols*CardWidth-sheetHeaderClear, sheetHeaderBase, 'R', s)
		}
	}
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
	warnings  []lang.Msg // what CardWarnings tells
}

type cardItem struct {
	bars   linear
	holder string // as printed: on one line, without what the font cannot draw
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
	fonts, err := loadFonts()
	if err != nil {
		return nil, err
	}
	l := &cardLayout{t: t, subtitle: t.cardPoints}
	if c.Program.Kind == rewards.KindBonus {
		l.subtitle = t.cardBonus
	}
	// Text from outside is printed without what the font cannot draw (the
	// name and the contact in bold, as the front and the back print them).
	var dropped []rune
	if l.name, dropped = fonts.drawableLine(true, c.Program.Name); len(dropped) > 0 {
		l.warnings = append(l.warnings, lang.M("printer.warning.program_name_glyphs",
			lang.Args{"name": c.Program.Name, "chars": glyphList(dropped)}))
	}
	for _, card := range c.Cards {
		bars, err := cardBarcode(card.Number, c.Program.Card.Barcode)
		if err != nil {
			return nil, err
		}
		holder, dropped := fonts.drawableLine(true, card.Name)
		if len(dropped) > 0 {
			l.warnings = append(l.warnings, lang.M("printer.warning.card_glyphs",
				lang.Args{"card": card.Number, "name": card.Name, "chars": glyphList(dropped)}))
		}
		l.cards = append(l.cards, cardItem{bars: bars, holder: holder, number: card.Number})
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
	contact := t.contact(c.Program.Contact)
	if l.contact, dropped = fonts.drawableLine(true, contact); len(dropped) > 0 {
		l.warnings = append(l.warnings, lang.M("printer.warning.program_contact_glyphs",
			lang.Args{"contact": contact, "chars": glyphList(dropped)}))
	}
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

// The front's band, in millimetres from the card's top left corner: the
// programme's mark, and the text beside it (frontTextX from the left, at
// most frontBeside wide) and under it (at most frontUnder wide).
const (
	frontBand   = 23.0
	frontMarkX  = CardWidth - 12
	frontMarkY  = 11.5
	frontMarkR  = 5.2
	frontTextX  = 6.0
	frontBeside = CardWidth - frontTextX - 22
	frontUnder  = CardWidth - 2*frontTextX
	frontBarsY  = frontBand + 2.8 // the bars' top
)

// The holder's name, in bold: frontHolderSize, or as little as
// frontHolderMin to stay on one line, else on two lines at frontHolderMin.
const (
	frontHolderSize = 8.0
	frontHolderMin  = 7.0
)

// front draws card i's front with its top left corner at x, y.
func (l *cardLayout) front(p pdfPen, i int, x, y float64) {
	c := l.cards[i]
	p.fill(colBrand)
	p.Rect(x, y, CardWidth, frontBand, "F")
	// The programme's mark: the dot that gives Tochka its name.
	p.fill(colAccent)
	p.Circle(x+frontMarkX, y+frontMarkY, frontMarkR, "F")
	p.fill(colWhite)
	p.Circle(x+frontMarkX, y+frontMarkY, 1.6, "F")

	p.ink(colWhite)
	p.fit(true, 15, frontBeside, l.name)
	p.text(x+frontTextX, y+10.5, 'L', l.name)
	p.font(false, 7.5)
	p.ink(colPale)
	p.text(x+frontTextX, y+14.8, 'L', l.subtitle)
	if c.holder != "" {
		p.ink(colWhite)
		size, lines := holderLines(p, c.holder)
		p.font(true, size)
		if len(lines) == 1 {
			p.text(x+frontTextX, y+20.3, 'L', lines[0])
		} else {
			// Two lines: the first beside the mark, clear of the
			// subtitle; the second under the mark, clear of the band's
			// edge.
			p.text(x+frontTextX, y+18.2, 'L', lines[0])
			p.text(x+frontTextX, y+18.2+size*1.2*ptToMM, 'L', lines[1])
		}
	}

	bw := float64(c.bars.width()) * cardModule
	p.drawLinear(c.bars, x+(CardWidth-bw)/2, y+frontBarsY, cardModule, cardBars)

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

// holderLines lays a holder's name out for the front's band: on one line
// under the mark, at frontHolderSize or smaller down to frontHolderMin; a
// longer name at frontHolderMin on two, the first beside the mark and the
// second, wider, under it, which ends with "…" when the name is longer
// still. It returns the size and the lines.
func holderLines(p pdfPen, name string) (float64, []string) {
	for size := frontHolderSize; size >= frontHolderMin; size -= 0.25 {
		p.font(true, size)
		if p.width(name) <= frontUnder {
			return size, []string{name}
		}
	}
	// The first line is the name's start that wrap gives (a word too wide
	// for it broken after a hyphen, or anywhere).
	first := wrap(name, frontBeside, p.width)[0]
	rest := strings.TrimSpace(strings.TrimPrefix(name, first))
	return frontHolderMin, []string{first, cutToWidth(rest, frontUnder, p.width)}
}

// cutToWidth returns s when it is at most w wide as measured, else its
// longest start that, with "…" after it, is.
func cutToWidth(s string, w float64, measure func(string) float64) string {
	if measure(s) <= w {
		return s
	}
	rs := []rune(s)
	return strings.TrimRight(string(rs[:longestStart(rs, "…", w, measure)]), " ") + "…"
}

// longestStart is how many characters the longest start of rs has that,
// with suffix after it, is at most w wide as measured. The widths of the
// starts grow with their length, so it is found by halving.
func longestStart(rs []rune, suffix string, w float64, measure func(string) float64) int {
	return sort.Search(len(rs), func(n int) bool { return measure(string(rs[:n+1])+suffix) > w })
}
