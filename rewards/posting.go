package rewards

import (
	"errors"
	"slices"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// errNotLoaded is a store's fault: it called a rule that spends points
// without loading the account's holdings.
var errNotLoaded = errors.New("the account's holdings were not loaded")

// PostReceipt is what a receipt does to the account its card earns into,
// at the receipt's time: what time had to record first, then payment with
// points from the lots that expire first, then the earned points as a lot,
// which pays a debt first.
func (p *Program) PostReceipt(a Account, card string, r Receipt, member bool) (ReceiptResult, Effects, error) {
	if err := p.AcceptsPayWithPoints(r.PayWithPoints); err != nil {
		return ReceiptResult{}, Effects{}, err
	}
	at := r.Time
	b := newBook(a, card)
	if err := b.settle(at); err != nil {
		return ReceiptResult{}, Effects{}, err
	}
	var spent int64
	if r.PayWithPoints > 0 {
		if !b.a.Loaded {
			return ReceiptResult{}, Effects{}, errNotLoaded
		}
		var err error
		if spent, _, err = p.PayWithPoints(r.Lines, r.PayWithPoints, b.available(at)); err != nil {
			return ReceiptResult{}, Effects{}, err
		}
		if spent > 0 {
			allocs, _ := Allocate(b.a.Lots, spent, at)
			if err := b.entry(Entry{Kind: EntrySpend, Points: -spent, At: at, Ref: r.ID, Allocs: allocs}); err != nil {
				return ReceiptResult{}, Effects{}, err
			}
		}
	}
	res, err := p.ReceiptResult(r, member, spent)
	if err != nil {
		return ReceiptResult{}, Effects{}, err
	}
	if res.Earned > 0 {
		if err := b.accrue(p.EarnedLot(res.Earned, at)); err != nil {
			return ReceiptResult{}, Effects{}, err
		}
	}
	eff := b.effects()
	for _, l := range r.Lines {
		eff.Purchase += l.Amount
	}
	return res, eff, nil
}

// ReceiptResult is what a receipt earned and what paying spent bonuses did
// to its lines, under the rules it was posted by: what posting returned, and
// what a repeat of it returns.
func (p *Program) ReceiptResult(r Receipt, member bool, spent int64) (ReceiptResult, error) {
	earned, perLine := p.Earnings(r.Lines, member)
	discounts, err := p.Discounts(r.Lines, spent)
	if err != nil {
		return ReceiptResult{}, err
	}
	res := ReceiptResult{Receipt: r.ID, Card: r.Card, Earned: earned, Spent: spent, Discount: spent * 100,
		Lines: make([]LineResult, len(r.Lines))}
	for i, l := range r.Lines {
		res.Lines[i] = LineResult{SKU: l.SKU, Earned: perLine[i], Discount: discounts[i]}
	}
	return res, nil
}

// Discounts spreads the bonuses a receipt paid with over its lines, as
// posting spread them.
func (p *Program) Discounts(lines []Line, spent int64) ([]int64, error) {
	if spent == 0 {
		return make([]int64, len(lines)), nil
	}
	_, d, err := p.PayWithPoints(lines, spent, spent)
	return d, err
}

// Quote is what a receipt would earn for an account with available points
// and the most that may be paid with them.
func (p *Program) Quote(r Receipt, member bool, available int64) Quote {
	earned, perLine := p.Earnings(r.Lines, member)
	caps, most := p.SpendCaps(r.Lines)
	q := Quote{Earned: earned, MaxSpend: max(0, min(most, available)), Lines: make([]QuoteLine, len(r.Lines))}
	for i, l := range r.Lines {
		q.Lines[i] = QuoteLine{SKU: l.SKU, Earned: perLine[i], MaxDiscount: caps[i]}
	}
	return q
}

// PostedReceipt is a receipt as the ledger recorded it, as a return needs
// it.
type PostedReceipt struct {
	Receipt
	Program    *Program     // the rules it was earned under
	Member     bool         // the account was a member's when it was posted
	Spent      int64        // bonuses paid with
	SpendEntry int64        // the entry that paid them; 0: none
	Lot        int64        // its earnings lot; 0: none
	Returned   []int64      // units of each line that came back before
	SpendTaken []Allocation // what the spend entry took and has not given back
}

// PostReturn is what a return does to the account the receipt's card (or
// the card that replaced it) belongs to now: the bonuses spent on the
// returned lines come back first, so that what is taken back can come out
// of them; then the points the lines earned are taken back, from the
// receipt's own lot while it is pending, then from the points spendable,
// the rest as a debt. back is how many units of each line came back.
func (pr *PostedReceipt) PostReturn(a Account, card string, r Return) (res ReturnResult, back []int64, eff Effects, err error) {
	res = ReturnResult{Return: r.ID, Receipt: r.Receipt, Card: card}
	at := r.Time
	if at.Before(pr.Time) {
		return res, nil, eff, Fail(EINVALID, "return.before_sale", lang.Args{"receipt": r.Receipt})
	}
	if back, err = ReturnedUnits(r.Receipt, pr.Lines, pr.Returned, r.Lines); err != nil {
		return res, nil, eff, err
	}
	if !a.Loaded {
		return res, nil, eff, errNotLoaded
	}
	b := newBook(a, card)
	if err := b.settle(at); err != nil {
		return res, nil, eff, err
	}
	res.TakeBack = pr.Program.TakeBack(pr.Lines, pr.Returned, back, pr.Member, pr.Time, at)
	if pr.SpendEntry != 0 {
		discounts, err := pr.Program.Discounts(pr.Lines, pr.Spent)
		if err != nil {
			return res, nil, eff, err
		}
		if refund := Refund(pr.Lines, discounts, pr.Returned, back); refund > 0 {
			if res.Refunded, err = b.giveBack(pr.SpendTaken, refund, EntryRefund, r.ID, at, pr.SpendEntry); err != nil {
				return res, nil, eff, err
			}
		}
	}
	if res.TakeBack > 0 {
		if err := b.takeBack(res.TakeBack, pr.Lot, r.ID, at); err != nil {
			return res, nil, eff, err
		}
	}
	return res, back, b.effects(), nil
}

// Redeem exchanges points for a reward of the board at t: what time had to
// record first, then the reward's price from the lots that expire first,
// and a voucher with code, valid for spend.voucher_valid.
func (p *Program) Redeem(a Account, card string, rw Reward, store, code string, t time.Time) (Effects, error) {
	eff, _, err := p.RedeemOffline(a, card, rw, store, code, t, 0)
	return eff, err
}

// RedeemOffline is Redeem for a redemption a kiosk made while it could not
// reach the server, which the server applies later: the card's balance
// may no longer cover the price (the ledger moved on meanwhile), and up to
// allowance points of the price it does not cover become a debt. short is
// that debt; a shortfall past the allowance is refused as Redeem refuses
// a balance too low.
func (p *Program) RedeemOffline(a Account, card string, rw Reward, store, code string, t time.Time, allowance int64) (eff Effects, short int64, err error) {
	if err := p.AcceptsRedemption(); err != nil {
		return Effects{}, 0, err
	}
	if err := rw.OfferedAt(t, store, p.Location()); err != nil {
		return Effects{}, 0, err
	}
	if !a.Loaded {
		return Effects{}, 0, errNotLoaded
	}
	b := newBook(a, card)
	if err := b.settle(t); err != nil {
		return Effects{}, 0, err
	}
	available := b.available(t)
	if short = max(rw.Points-max(available, 0), 0); short > max(allowance, 0) {
		return Effects{}, 0, Fail(EREFUSED, "redeem.short", lang.Args{"card": card, "available": lang.M("unit.points", lang.Args{"count": max(available, 0)}),
			"reward": rw.Names, "points": lang.M("unit.points", lang.Args{"count": rw.Points})})
	}
	allocs, left := Allocate(b.a.Lots, rw.Points, t)
	if err := b.entry(Entry{Kind: EntryRedeem, Points: -rw.Points, At: t, Ref: code, Allocs: allocs}); err != nil {
		return Effects{}, 0, err
	}
	// What no lot holds is owed, as a return's take-back past the
	// balance is: later accruals pay it first.
	b.a.Debt += left
	b.eff.Voucher = &HeldVoucher{Code: code, Card: card, Reward: rw.ID, Points: rw.Points,
		ValidUntil: t.Add(p.Spend.VoucherValid.D()), Taken: allocs}
	return b.effects(), short, nil
}

// SettleVoucher claims a voucher (to is VoucherClaimed) or cancels it
// (VoucherCancelled, its points back to the lots they came from) at t. v is
// the voucher as stored; a has it among its vouchers while it is open.
func (p *Program) SettleVoucher(a Account, v Voucher, to string, t time.Time) (Effects, error) {
	if !a.Loaded {
		return Effects{}, errNotLoaded
	}
	b := newBook(a, v.Card)
	// Let time do its part first: the voucher may have lapsed already.
	if err := b.settle(t); err != nil {
		return Effects{}, err
	}
	loc := p.Location()
	status := v.StatusAt(t)
	held := slices.IndexFunc(b.a.Vouchers, func(h HeldVoucher) bool { return h.Code == v.Code })
	if status == VoucherOpen && held < 0 {
		status = VoucherExpired // lapsed just now
	}
	switch status {
	case VoucherClaimed:
		return Effects{}, Fail(EREFUSED, "voucher.claimed", lang.Args{"code": v.Code, "at": v.ClosedAt.In(loc)})
	case VoucherCancelled:
		return Effects{}, Fail(EREFUSED, "voucher.cancelled", lang.Args{"code": v.Code, "at": v.ClosedAt.In(loc)})
	case VoucherExpired:
		return Effects{}, Fail(EREFUSED, "voucher.expired", lang.Args{"code": v.Code, "at": v.ValidUntil.In(loc)})
	}
	if t.Before(v.CreatedAt) {
		return Effects{}, Fail(EINVALID, "voucher.not_yet", lang.Args{"code": v.Code, "at": t.In(loc)})
	}
	h := b.a.Vouchers[held]
	if to == VoucherClaimed {
		b.a.Vouchers = slices.Delete(b.a.Vouchers, held, held+1)
		b.eff.Closed = append(b.eff.Closed, VoucherClose{Code: h.Code, Reward: h.Reward, Status: VoucherClaimed, At: t})
	} else if err := b.closeVoucher(h, VoucherCancelled, t); err != nil {
		return Effects{}, err
	}
	return b.effects(), nil
}
