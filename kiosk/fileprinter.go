package kiosk

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
)

// FilePrinter "prints" vouchers and cards to files in a folder, for the
// demo (tochka-kiosk --demo) and for tests: each voucher as the PDF a CUPS
// receipt queue would get (voucher-CODE.pdf) and the ESC/POS stream a USB
// receipt printer would (voucher-CODE.escpos), each card as the PDF a
// card printer would (card-NUMBER.pdf). It is a VoucherPrinter and a
// CardPrinter.
type FilePrinter struct {
	Dir string
	// Service gives the program a voucher is laid out for and the
	// store's name it prints.
	Service rewards.Service
}

var (
	_ VoucherPrinter = FilePrinter{}
	_ CardPrinter    = FilePrinter{}
)

// Ready says whether the folder is there to be written to.
func (f FilePrinter) Ready(ctx context.Context) error {
	st, err := os.Stat(f.Dir)
	switch {
	case err != nil:
		return rewards.Fail(rewards.EREFUSED, "printer.error.file_no_dir", lang.Args{"path": f.Dir, "dir": f.Dir})
	case !st.IsDir():
		return rewards.Fail(rewards.EREFUSED, "printer.error.file_not_dir", lang.Args{"path": f.Dir, "dir": f.Dir})
	}
	return nil
}

// PrintVoucher writes the voucher in language l as a PDF and as an
// ESC/POS stream.
func (f FilePrinter) PrintVoucher(ctx context.Context, v rewards.Voucher, l string) error {
	doc, err := voucherDocument(ctx, f.Service, v, l)
	if err != nil {
		return err
	}
	code, err := rewards.NormalizeVoucherCode(v.Code)
	if err != nil {
		return err
	}
	pdf, err := printer.VoucherPDF(doc)
	if err != nil {
		return err
	}
	escpos, err := printer.VoucherESCPOS(doc)
	if err != nil {
		return err
	}
	name := filepath.Join(f.Dir, "voucher-"+code)
	if _, err := printer.NewFile(name+".pdf").Print(ctx, printer.Job{Format: printer.FormatPDF, Data: pdf}); err != nil {
		return err
	}
	_, err = printer.NewFile(name+".escpos").Print(ctx, printer.Job{Format: printer.FormatESCPOS, Data: escpos})
	return err
}

// PrintCards writes the cards, each front then its back on CR80 pages, to
// one PDF named after the first card (and how many there are, when more
// than one).
func (f FilePrinter) PrintCards(ctx context.Context, c printer.Cards) error {
	if len(c.Cards) == 0 {
		return nil
	}
	pdf, _, err := printer.CardPDF(c)
	if err != nil {
		return err
	}
	name := "card-" + c.Cards[0].Number
	if len(c.Cards) > 1 {
		name = fmt.Sprintf("cards-%s-%d", c.Cards[0].Number, len(c.Cards))
	}
	_, err = printer.NewFile(filepath.Join(f.Dir, name+".pdf")).Print(ctx, printer.Job{Format: printer.FormatPDF, Data: pdf})
	return err
}

// voucherDocument is the voucher as the printer lays it out in language
// l: with the program's name, rules and contact, and the store's name in
// l rather than its id.
func voucherDocument(ctx context.Context, s rewards.Service, v rewards.Voucher, l string) (printer.Voucher, error) {
	p, err := s.Program(ctx)
	if err != nil {
		return printer.Voucher{}, err
	}
	v.Store = storeIn(ctx, s, v.Store, l)
	return printer.Voucher{Program: *p, Lang: l, Voucher: v}, nil
}
