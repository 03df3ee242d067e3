package kiosk

import (
	"context"

	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
)

// VoucherPrinter prints a customer's voucher: asked whether it is ready
// before points are spent, then given the voucher. Ready's error says
// what is wrong in words (paper out, cover open, the queue stopped).
type VoucherPrinter interface {
	Ready(ctx context.Context) error
	PrintVoucher(ctx context.Context, v rewards.Voucher, l string) error
}

// CardPrinter prints customers' cards: one on the spot, or a batch's
// sheets. It is asked whether it is ready before a card is issued for it.
type CardPrinter interface {
	Ready(ctx context.Context) error
	PrintCards(ctx context.Context, c printer.Cards) error
}
