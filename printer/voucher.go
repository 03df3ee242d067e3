package printer

import (
	"strings"

	"github.com/jung-kurt/gofpdf"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Voucher is what the voucher layouts print: a redemption voucher of a
// programme, in the customer's language.
type Voucher struct {
	// Program gives the name at the top, the kind of unit spent, the time
	// zone of the dates and the [contact] at the bottom.
	Program rewards.Program
	// Lang is the customer's language (LangBG, LangRU, LangEN); the
	// reward's name is printed in it when it has one.
	Lang string
	// Voucher is the voucher to print; only an open one is printed. Its
	// CreatedAt is the date printed and the PDF's creation date; its Store
	// is printed as it is, so a caller that knows the store's name puts
	// the name there.
	Voucher rewards.Voucher
}

// The 80 mm receipt: 72 mm printable, a little more margin kept for CUPS
// drivers that print closer to the edge than their thermal heads reach.
// Everything is pure black: a thermal head prints grey as a coarse dither.
const (
	receiptWidth  = 80.0
	receiptMargin = 5.0
	voucherModule = 0.35 // Code128 of 167+20 modules: 65.5 mm
	voucherQR     = 1.0  // QR module: a version-1 code with its quiet zone is 29 mm
)

// voucherView is a voucher's content, checked and worded, shared by the
// PDF and the ESC/POS raster so that both print the same thing.
type voucherView struct {
	t        *texts
	program  string
	title    string
	reward   string
	label    string // "points spent"
	amount   string
	code     string // the printed form, K7QX-M2PA-9RTE
	bars     linear
	qr       [][]bool
	rows     [][2]string // label, value
	footer   string
	contact  string
	docTitle string
}

func newVoucherView(v Voucher) (*voucherView, error) {
	t, err := textsFor(v.Lang)
	if err != nil {
		return nil, err
	}
	vo := v.Voucher
	code, err := rewards.NormalizeVoucherCode(vo.Code)
	if err != nil {
		return nil, err
	}
	if vo.Status != "" && vo.Status != rewards.VoucherOpen {
		return nil, rewards.Fail(rewards.EREFUSED, "printer.error.voucher_not_open",
			lang.Args{"voucher": code, "status": lang.M("out.voucher.status."+vo.Status, nil)})
	}
	if err := rewards.ValidateCardNumber(vo.Card); err != nil {
		return nil, err
	}
	reward := strings.TrimSpace(vo.Names.In(v.Lang))
	if reward == "" {
		return nil, rewards.Fail(rewards.EINVALID, "printer.error.voucher_no_reward", lang.Args{"voucher": code})
	}
	if vo.Points <= 0 {
		return nil, rewards.Fail(rewards.EINVALID, "printer.error.voucher_points", lang.Args{"voucher": code, "got": vo.Points})
	}
	if err := checkDate(lang.M("printer.error.what.voucher", lang.Args{"voucher": code}), vo.CreatedAt); err != nil {
		return nil, err
	}
	if !vo.ValidUntil.After(vo.CreatedAt) {
		return nil, rewards.Fail(rewards.EINVALID, "printer.error.voucher_validity", lang.Args{"voucher": code})
	}
	if strings.TrimSpace(v.Program.Name) == "" {
		return nil, rewards.Fail(rewards.EINVALID, "printer.error.voucher_no_name", lang.Args{"voucher": code})
	}
	bars, err := code128Barcode(voucherContent(code), code)
	if err != nil {
		return nil, err
	}
	if bars.width()*3 > ReceiptDots {
		// Twelve characters never make more than 187 modules; a longer
		// code would print with bars too thin to scan.
		return nil, rewards.Fail(rewards.EINTERNAL, "printer.error.voucher_too_wide", lang.Args{"voucher": code, "modules": bars.width()})
	}
	qr, err := qrModules(voucherContent(code))
	if err != nil {
		return nil, err
	}
	loc := v.Program.Location()
	view := &voucherView{
		t: t, program: v.Program.Name, title: t.voucherTitle, reward: reward,
		label: t.pointsSpent, amount: t.amount(vo.Points, v.Program.Kind),
		code: code, bars: bars, qr: qr, footer: t.showVoucher,
		docTitle: t.voucherTitle + " " + code,
	}
	view.rows = append(view.rows, [2]string{t.cardLabel, maskCard(vo.Card)})
	if s := strings.TrimSpace(vo.Store); s != "" {
		view.rows = append(view.rows, [2]string{t.storeLabel, s})
	}
	view.rows = append(view.rows,
		[2]string{t.dateLabel, t.dayTime(vo.CreatedAt, loc)},
		[2]string{t.validUntil, t.dayTime(vo.ValidUntil, loc)})
	view.contact = t.contact(v.Program.Contact)
	return view, nil
}

// VoucherPDF lays the voucher out on an 80 mm wide receipt, as long as its
// content: the reward, the points spent, the code as Code128 and as QR
// (both carry the code without its dashes), the card number masked but for
// its last four digits, the store, the date and the last moment it is valid.
func VoucherPDF(v Voucher) ([]byte, error) {
	view, err := newVoucherView(v)
	if err != nil {
		return nil, err
	}
	pdf, err := newPDF(gofpdf.SizeType{Wd: receiptWidth, Ht: 200}, view.docTitle, v.Voucher.CreatedAt)
	if err != nil {
		return nil, err
	}
	p := pdfPen{pdf}
	// The page is as long as what is on it: the layout is worked out first,
	// measuring as it goes, and drawn once the length is known.
	var ops []func()
	do := func(f func()) { ops = append(ops, f) }
	const x0, w = receiptMargin, receiptWidth - 2*receiptMargin
	cx := receiptWidth / 2
	y := 5.0

	size := p.fit(true, 15, w, view.program)
	y += size * 0.8 * ptToMM
	yName := y
	do(func() {
		p.ink(colBlack)
		p.font(true, size)
		p.text(cx, yName, 'C', view.program)
	})
	y += 3
	yTitle := y
	do(func() {
		p.fill(colBlack)
		p.Rect(x0, yTitle, w, 7, "F")
		p.ink(colWhite)
		p.font(true, 11)
		p.text(cx, yTitle+5.1, 'C', view.title)
	})
	y += 7 + 3

	p.font(true, 13)
	lines := clip(wrap(view.reward, w, p.width), 4, w, p.width)
	for _, line := range lines {
		y += 5.6
		yl := y
		do(func() {
			p.ink(colBlack)
			p.font(true, 13)
			p.text(cx, yl, 'C', line)
		})
	}
	y += 6
	yLabel := y
	do(func() {
		p.ink(colBlack)
		p.font(false, 8.5)
		p.text(cx, yLabel, 'C', view.label)
	})
	y += 7.5
	yAmount := y
	do(func() {
		p.ink(colBlack)
		p.font(true, 18)
		p.text(cx, yAmount, 'C', view.amount)
	})
	y += 4
	ySep := y
	do(func() { p.dashed(x0, ySep, w) })
	y += 4

	yBars := y
	bw := float64(view.bars.width()) * voucherModule
	do(func() {
		p.ink(colBlack)
		p.drawLinear(view.bars, cx-bw/2, yBars, voucherModule, 14)
	})
	y += 14 + 9*voucherModule + 2.5
	yQR := y
	qw := float64(len(view.qr)+2*qrQuiet) * voucherQR
	do(func() { p.drawQR(view.qr, cx-qw/2, yQR, voucherQR) })
	y += qw + 1
	ySep2 := y
	do(func() { p.dashed(x0, ySep2, w) })

	for _, row := range view.rows {
		y += 5
		yr := y
		do(func() {
			p.ink(colBlack)
			p.font(false, 8.5)
			p.text(x0, yr, 'L', row[0])
			p.ink(colBlack)
			p.font(true, 8.5)
			p.text(x0+w, yr, 'R', row[1])
		})
	}
	y += 4
	ySep3 := y
	do(func() { p.dashed(x0, ySep3, w) })
	y += 5.5
	yFoot := y
	do(func() {
		p.ink(colBlack)
		p.font(true, 9)
		p.text(cx, yFoot, 'C', view.footer)
	})
	if view.contact != "" {
		y += 4.5
		yc := y
		do(func() {
			p.ink(colBlack)
			p.fit(false, 8, w, view.contact)
			p.text(cx, yc, 'C', view.contact)
		})
	}
	y += 8

	pdf.AddPageFormat("P", gofpdf.SizeType{Wd: receiptWidth, Ht: y})
	for _, op := range ops {
		op()
	}
	return finish(pdf)
}

// dashed draws a dashed rule w long from x at y, the receipt's separator.
func (p pdfPen) dashed(x, y, w float64) {
	p.stroke(colBlack)
	p.SetLineWidth(0.25)
	p.SetDashPattern([]float64{1.2, 0.9}, 0)
	p.Line(x, y, x+w, y)
	p.SetDashPattern(nil, 0)
}
