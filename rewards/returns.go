package rewards

import (
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// ReturnedUnits spreads a return's lines over the receipt's lines of the
// same SKU, in receipt order, given how many of each line came back before.
// It refuses a SKU the receipt does not have and more than can still come
// back.
func ReturnedUnits(receipt string, lines []Line, returned []int64, ret []ReturnLine) ([]int64, error) {
	back := make([]int64, len(lines))
	for _, rl := range ret {
		left := rl.Qty
		found := false
		for i, l := range lines {
			if l.SKU != rl.SKU {
				continue
			}
			found = true
			take := min(left, l.Qty-returned[i]-back[i])
			back[i] += take
			left -= take
		}
		if !found {
			return nil, Fail(EINVALID, "return.no_sku", lang.Args{"receipt": receipt, "sku": rl.SKU})
		}
		if left > 0 {
			return nil, Fail(EREFUSED, "return.too_many", lang.Args{"left": rl.Qty - left, "sku": rl.SKU, "receipt": receipt})
		}
	}
	return back, nil
}

// TakeBack is how many earned points a return takes back: what the lines
// left before it earn, less what the lines left after it earn, under the
// rules the receipt earned by. With returns.take_back_days set, a return
// later than that after the sale takes nothing back.
func (p *Program) TakeBack(lines []Line, returned, back []int64, member bool, sold, at time.Time) int64 {
	if days := p.Returns.TakeBackDays; days > 0 && at.Sub(sold) > time.Duration(days)*24*time.Hour {
		return 0
	}
	after := make([]int64, len(back))
	for i := range back {
		after[i] = returned[i] + back[i]
	}
	before, _ := p.Earnings(Remaining(lines, returned), member)
	now, _ := p.Earnings(Remaining(lines, after), member)
	// Ranking positions again can, in rare receipts, earn more with fewer
	// lines; a return never gives points.
	return max(0, before-now)
}

// Refund is how many spent bonuses a return gives back: each line's
// discount in proportion to the units that came back, rounded so that
// returning a line's units one by one gives back what returning them at
// once would.
func Refund(lines []Line, discounts, returned, back []int64) int64 {
	var n int64
	for i, l := range lines {
		if back[i] > 0 {
			n += RoundDiv(discounts[i]*(returned[i]+back[i]), l.Qty*100) - RoundDiv(discounts[i]*returned[i], l.Qty*100)
		}
	}
	return n
}

// EarnedLot is the lot a receipt's earnings become: bonus programs make it
// spendable after earn.maturation.
func (p *Program) EarnedLot(points int64, at time.Time) Lot {
	if p.Kind == KindBonus {
		at = at.Add(p.Earn.Maturation.D())
	}
	return p.NewLot(points, at)
}

// WelcomeLot is the welcome bonus granted at at, spendable from
// earn.welcome_delay; ok is false where the program grants none.
func (p *Program) WelcomeLot(at time.Time) (lot Lot, ok bool) {
	if p.Kind != KindBonus || p.Earn.Welcome <= 0 {
		return Lot{}, false
	}
	return p.NewLot(p.Earn.Welcome, p.Earn.WelcomeDelay.From(at, p.Location())), true
}

// PayWithPoints is what paying with bonuses does to a receipt: allowed = min(requested,
// available, the receipt's cap in whole bonuses), and the discount (allowed ×
// 100 minor units) spread over the lines. Points programs refuse it.
func (p *Program) PayWithPoints(lines []Line, requested, available int64) (spent int64, discounts []int64, err error) {
	if err := p.AcceptsPayWithPoints(requested); err != nil {
		return 0, nil, err
	}
	discounts = make([]int64, len(lines))
	if requested <= 0 {
		return 0, discounts, nil
	}
	caps, most := p.SpendCaps(lines)
	spent = max(0, min(requested, available, most))
	if spent == 0 {
		return 0, discounts, nil
	}
	amounts := make([]int64, len(lines))
	for i, l := range lines {
		amounts[i] = l.Amount
	}
	return spent, SpreadDiscount(spent*minorPerBonus, amounts, caps), nil
}

// AcceptsPayWithPoints refuses payment with points where the program has
// none: points programs exchange points for rewards, not at the till.
func (p *Program) AcceptsPayWithPoints(requested int64) error {
	if requested > 0 && p.Kind != KindBonus {
		return Fail(EINVALID, "receipt.no_pay_with_points", lang.Args{"program": p.Name})
	}
	return nil
}
