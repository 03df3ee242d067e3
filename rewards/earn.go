package rewards

import (
	"cmp"
	"math/bits"
	"slices"
	"time"
)

// Bounds of the rules' arithmetic on lines that Receipt.Validate accepts (or
// what Remaining leaves of them) under a program that Program.Validate
// accepts. Each is a typed constant: if a limit is raised so far that a
// bound leaves int64, the package no longer compiles.
const (
	// earnPoints: a line weighs amount × rate × member percent, and the
	// weights add up to at most the receipt's total times the largest rate
	// and percent (10^17); SplitLargestRemainder adds them as uint64.
	maxPointsWeight int64 = MaxAmount * maxRate * maxPercent
	// The most one receipt earns under a points program (step 1): 10^15.
	maxPointsEarned int64 = maxPointsWeight / 100
	// earnBonus: bonus × qty per line, over every line of the receipt,
	// times a position percent (10^16); what a receipt earns is a hundredth.
	maxBonusWeight int64 = MaxLines * MaxQty * MaxBonus * maxPercent
	// SpendCaps: amount × max_percent (at most 100).
	_ int64 = MaxAmount * 100
	// Refund: RoundDiv(discount × units, qty × 100), a line's discount being
	// at most its amount: 2 × MaxAmount × MaxQty + MaxQty × 100.
	_ int64 = 2*MaxAmount*MaxQty + MaxQty*100
	// TakeBack: returns.take_back_days as a time.Duration.
	_ time.Duration = maxTakeBackDays * 24 * time.Hour
)

// One receipt can never earn more than a card may hold: a uint64 of a
// negative constant would not compile.
const _ = uint64(MaxBalance - maxPointsEarned)
const _ = uint64(MaxBalance - maxBonusWeight/100)

// Earnings returns what the lines earn under the program: the receipt's total and
// each line's share of it. member applies to points programs only. The lines
// are a receipt that Receipt.Validate accepts, or what Remaining leaves of
// one: the bounds above hold only for them.
func (p *Program) Earnings(lines []Line, member bool) (total int64, perLine []int64) {
	if p.Kind == KindBonus {
		return p.earnBonus(lines)
	}
	return p.earnPoints(lines, member)
}

// earnPoints: floor(Σ amount × rate × member% / 100 / step), once per receipt;
// the member percent applies to every line, own brand included.
func (p *Program) earnPoints(lines []Line, member bool) (int64, []int64) {
	pct := int64(100)
	if member {
		pct = p.Earn.MemberPercent
	}
	weights := make([]int64, len(lines))
	var sum int64
	for i, l := range lines {
		rate := p.Earn.Points
		if l.OwnBrand {
			rate = p.Earn.OwnBrandPoints
		}
		weights[i] = l.Amount * rate * pct
		sum += weights[i]
	}
	total := sum / (100 * p.Earn.Step)
	return total, SplitLargestRemainder(total, weights)
}

// earnBonus ranks positions (same SKU, or all services) by their highest
// per-unit bonus; position k earns floor(Σ bonus × qty × position_percent[k] / 100).
func (p *Program) earnBonus(lines []Line) (int64, []int64) {
	type position struct {
		first, top int64
		lines      []int
	}
	var positions []*position
	bySKU := map[string]*position{}
	var services *position
	for i, l := range lines {
		var pos *position
		if l.Service {
			pos = services
		} else {
			pos = bySKU[l.SKU]
		}
		if pos == nil {
			pos = &position{first: int64(i)}
			positions = append(positions, pos)
			if l.Service {
				services = pos
			} else {
				bySKU[l.SKU] = pos
			}
		}
		pos.lines = append(pos.lines, i)
		pos.top = max(pos.top, l.Bonus)
	}
	slices.SortStableFunc(positions, func(a, b *position) int { return cmp.Compare(b.top, a.top) })
	perLine := make([]int64, len(lines))
	var total int64
	pp := p.Earn.PositionPercent
	for k, pos := range positions {
		pct := pp[min(k, len(pp)-1)]
		weights := make([]int64, len(pos.lines))
		var base int64
		for j, i := range pos.lines {
			weights[j] = lines[i].Bonus * lines[i].Qty
			base += weights[j]
		}
		earned := base * pct / 100
		total += earned
		for j, share := range SplitLargestRemainder(earned, weights) {
			perLine[pos.lines[j]] = share
		}
	}
	return total, perLine
}

// SpendCaps returns each line's cap for payment with bonuses (minor units)
// and the most that the whole receipt allows, in whole bonuses.
func (p *Program) SpendCaps(lines []Line) (caps []int64, maxBonuses int64) {
	caps = make([]int64, len(lines))
	if p.Kind != KindBonus {
		return caps, 0
	}
	var sum int64
	for i, l := range lines {
		caps[i] = l.Amount * p.Spend.MaxPercent / 100
		sum += caps[i]
	}
	return caps, sum / 100
}

// SpreadDiscount spreads a discount (minor units) over lines in proportion to
// their amounts, largest remainder first, no line above its cap. The parts add
// up to discount as long as discount ≤ Σ caps.
func SpreadDiscount(discount int64, amounts, caps []int64) []int64 {
	parts := make([]int64, len(amounts))
	left := discount
	active := make([]bool, len(amounts))
	for i := range amounts {
		active[i] = caps[i] > 0
	}
	// Water-filling: a line that reaches its cap drops out and the rest is
	// spread again over the others; caps are a fixed percentage of amounts so
	// this settles in one or two rounds.
	for left > 0 {
		weights := make([]int64, len(amounts))
		any := false
		for i := range amounts {
			if active[i] {
				weights[i] = amounts[i]
				any = any || amounts[i] > 0
			}
		}
		if !any {
			break
		}
		shares := SplitLargestRemainder(left, weights)
		progressed := false
		for i, s := range shares {
			if room := caps[i] - parts[i]; s >= room {
				s = room
				active[i] = false
			}
			if s > 0 {
				parts[i] += s
				left -= s
				progressed = true
			}
		}
		if !progressed {
			break
		}
	}
	return parts
}

// SplitLargestRemainder splits total over weights in proportion, rounding
// down and handing the units left over to the largest remainders (ties: the
// earlier index), so that the shares add up to total exactly. With all
// weights zero every share is zero.
func SplitLargestRemainder(total int64, weights []int64) []int64 {
	shares := make([]int64, len(weights))
	var sum uint64
	for _, w := range weights {
		sum += uint64(w)
	}
	if sum == 0 || total <= 0 {
		return shares
	}
	rems := make([]uint64, len(weights))
	var given int64
	for i, w := range weights {
		hi, lo := bits.Mul64(uint64(total), uint64(w))
		q, r := bits.Div64(hi, lo, sum)
		shares[i], rems[i] = int64(q), r
		given += int64(q)
	}
	if given == total {
		return shares
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rems[b], rems[a]) })
	for k := 0; given < total; k++ {
		shares[order[k%len(order)]]++
		given++
	}
	return shares
}

// MulDiv returns floor(a × b / c) without overflow for non-negative a, b and
// positive c whose result fits in an int64.
func MulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}

// RoundDiv returns a / b rounded half up, for non-negative a and positive b
// with 2a + b inside int64 (Refund's are: see the bounds above).
func RoundDiv(a, b int64) int64 { return (2*a + b) / (2 * b) }

// Remaining returns the lines as they stand after returnedQty[i] of line i
// came back: the quantity less what came back and the amount in proportion.
func Remaining(lines []Line, returnedQty []int64) []Line {
	out := make([]Line, 0, len(lines))
	for i, l := range lines {
		q := l.Qty - returnedQty[i]
		if q <= 0 {
			continue
		}
		l.Amount = MulDiv(l.Amount, q, l.Qty)
		l.Qty = q
		out = append(out, l)
	}
	return out
}
