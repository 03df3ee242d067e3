package rewards_test

import (
	"fmt"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// AddPoints keeps every balance within ±MaxBalance and never wraps around;
// a change towards zero is always allowed.
func TestAddPoints(t *testing.T) {
	const max = rewards.MaxBalance
	for _, tc := range []struct {
		balance, points int64
		want            int64
		refused         string // the key of the refusal, "" when allowed
	}{
		{0, 1, 1, ""},
		{5, -10, -5, ""},
		{0, 0, 0, ""},
		{max - 1, 1, max, ""},
		{max, 0, max, ""},
		{max, 1, 0, "balance.too_high"},
		{0, max + 1, 0, "balance.too_high"},
		{-max + 1, -1, -max, ""},
		{-max, -1, 0, "balance.too_low"},
		{math.MaxInt64, 1, 0, "balance.too_high"},
		{1, math.MaxInt64, 0, "balance.too_high"},
		{math.MinInt64, -1, 0, "balance.too_low"},
		{-1, math.MinInt64, 0, "balance.too_low"},
		{math.MaxInt64 - 5, math.MaxInt64 - 5, 0, "balance.too_high"},
		// A balance beyond the limit (recorded before it existed) may come back.
		{max + 50, -1, max + 49, ""},
		{-max - 50, 10, -max - 40, ""},
		{math.MinInt64, 1, math.MinInt64 + 1, ""},
		{math.MaxInt64, math.MinInt64, -1, ""},
	} {
		t.Run(fmt.Sprintf("%d%+d", tc.balance, tc.points), func(t *testing.T) {
			got, err := rewards.AddPoints(card1, tc.balance, tc.points)
			if tc.refused == "" {
				if err != nil || got != tc.want {
					t.Fatalf("AddPoints = %d, %v; want %d", got, err, tc.want)
				}
				return
			}
			wantKey(t, err, rewards.EREFUSED, tc.refused, lang.Args{"card": card1, "max": int64(max), "balance": tc.balance})
			if got != tc.balance {
				t.Errorf("refused, but returned %d instead of the balance %d", got, tc.balance)
			}
		})
	}
}

// maxPrograms are a points and a bonus program with every setting at its
// limit.
func maxPrograms(t testing.TB) (points, bonus *rewards.Program) {
	return program(t, `name = "max points"
kind = "points"
currency = "EUR"
timezone = "UTC"
[earn]
step = 1
points = 1000
own_brand_points = 1000
member_percent = 1000
`), program(t, `name = "max bonus"
kind = "bonus"
currency = "RUB"
timezone = "UTC"
[earn]
position_percent = [1000]
[spend]
max_percent = 100
[returns]
take_back_days = 100000
`)
}

// Receipts at the input limits (MaxLines lines, MaxQty units, MaxAmount in
// all, MaxBonus a unit) under programs at theirs: every sum is exact (checked
// against big integers), and no receipt earns more than a card may hold.
func TestRulesAtTheLimits(t *testing.T) {
	points, bonus := maxPrograms(t)
	many := func(n int, l func(i int) rewards.Line) []rewards.Line {
		lines := make([]rewards.Line, n)
		for i := range lines {
			lines[i] = l(i)
		}
		return lines
	}
	per := int64(rewards.MaxAmount / rewards.MaxLines)
	receipts := map[string][]rewards.Line{
		"one line of MaxAmount": {{SKU: "A", Qty: rewards.MaxQty, Amount: rewards.MaxAmount, OwnBrand: true, Bonus: rewards.MaxBonus}},
		"MaxLines lines, one SKU": many(rewards.MaxLines, func(int) rewards.Line {
			return rewards.Line{SKU: "A", Qty: rewards.MaxQty, Amount: per, OwnBrand: true, Bonus: rewards.MaxBonus}
		}),
		"MaxLines SKUs": many(rewards.MaxLines, func(i int) rewards.Line {
			return rewards.Line{SKU: fmt.Sprint(i), Qty: rewards.MaxQty, Amount: per, OwnBrand: i%2 == 0, Bonus: rewards.MaxBonus - int64(i)}
		}),
		"MaxLines services": many(rewards.MaxLines, func(i int) rewards.Line {
			return rewards.Line{SKU: fmt.Sprint(i), Qty: rewards.MaxQty, Amount: per, Service: true, Bonus: rewards.MaxBonus}
		}),
	}
	for name, lines := range receipts {
		r := rewards.Receipt{ID: "R1", Store: "s1", Card: card1, Time: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Lines: lines}
		if err := r.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Run(name, func(t *testing.T) {
			// Points: floor(Σ amount × rate × percent / 100 / step).
			want := new(big.Int)
			for _, l := range lines {
				want.Add(want, big.NewInt(l.Amount*1000)) // every rate is 1000
			}
			want.Mul(want, big.NewInt(1000)).Div(want, big.NewInt(100))
			got, shares := points.Earnings(lines, true)
			if want.Cmp(big.NewInt(got)) != 0 || sum(shares) != got || got > rewards.MaxBalance {
				t.Errorf("points: earned %d (shares %d), want %s, at most %d", got, sum(shares), want, int64(rewards.MaxBalance))
			}
			if _, err := rewards.AddPoints(card1, 0, got); err != nil {
				t.Errorf("the most a receipt earns does not fit an empty card: %v", err)
			}

			// Bonus: each position's Σ bonus × qty × 1000 / 100.
			positions := map[string]*big.Int{}
			for _, l := range lines {
				key := l.SKU
				if l.Service {
					key = "\x00services"
				}
				if positions[key] == nil {
					positions[key] = new(big.Int)
				}
				positions[key].Add(positions[key], new(big.Int).Mul(big.NewInt(l.Bonus), big.NewInt(l.Qty)))
			}
			want.SetInt64(0)
			for _, base := range positions {
				want.Add(want, base.Mul(base, big.NewInt(1000)).Div(base, big.NewInt(100)))
			}
			got, shares = bonus.Earnings(lines, false)
			if want.Cmp(big.NewInt(got)) != 0 || sum(shares) != got || got > rewards.MaxBalance {
				t.Errorf("bonus: earned %d (shares %d), want %s", got, sum(shares), want)
			}

			// Paying with bonuses: the whole receipt at 100 %.
			spent, discounts, err := bonus.PayWithPoints(lines, math.MaxInt64, math.MaxInt64)
			if err != nil || spent != rewards.MaxAmount/100 || sum(discounts) != rewards.MaxAmount {
				t.Errorf("pay with bonuses: spent %d, discounts %d, %v", spent, sum(discounts), err)
			}

			// Returning every unit, one line at a time and at once: the
			// refunds add up to the discounts and the take-backs to the
			// earnings.
			returned := make([]int64, len(lines))
			all := make([]int64, len(lines))
			var refunded, taken int64
			sold := r.Time
			for i := range lines {
				all[i] = lines[i].Qty
				back := make([]int64, len(lines))
				back[i] = lines[i].Qty
				refunded += rewards.Refund(lines, discounts, returned, back)
				taken += bonus.TakeBack(lines, returned, back, false, sold, sold.AddDate(200, 0, 0))
				returned[i] = lines[i].Qty
			}
			if atOnce := rewards.Refund(lines, discounts, make([]int64, len(lines)), all); refunded != sum(discounts)/100 || atOnce != refunded {
				t.Errorf("refunded %d line by line, %d at once, want %d", refunded, atOnce, sum(discounts)/100)
			}
			if taken != got {
				t.Errorf("returns took back %d of %d", taken, got)
			}
		})
	}
}

// The balance of a card at MaxBalance, in lots of every age, adds up
// without wrapping around.
func TestComputeBalanceAtTheLimit(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	lots := []rewards.Lot{
		{ID: 1, Points: rewards.MaxBalance / 2, Remaining: rewards.MaxBalance / 2, AvailableFrom: now.Add(-time.Hour)},
		{ID: 2, Points: rewards.MaxBalance / 4, Remaining: rewards.MaxBalance / 4, AvailableFrom: now.Add(time.Hour)},
		{ID: 3, Points: rewards.MaxBalance / 4, Remaining: rewards.MaxBalance / 4, AvailableFrom: now.Add(-time.Hour), ExpiresAt: now.AddDate(1, 0, 0)},
	}
	available, pending, expiring := rewards.ComputeBalance(lots, rewards.MaxBalance/10, now)
	if available != rewards.MaxBalance*3/4-rewards.MaxBalance/10 || len(pending) != 1 || pending[0].Points != rewards.MaxBalance/4 ||
		len(expiring) != 1 || expiring[0].Points != rewards.MaxBalance/4 {
		t.Fatalf("available %d, pending %+v, expiring %+v", available, pending, expiring)
	}
}
