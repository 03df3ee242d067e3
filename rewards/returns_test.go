package rewards_test

import (
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// A returned SKU is spread over the receipt's lines of that SKU in order;
// an unknown SKU or more than can still come back is refused.
func TestReturnedUnits(t *testing.T) {
	lines := []rewards.Line{{SKU: "a", Qty: 2}, {SKU: "b", Qty: 1}, {SKU: "a", Qty: 3}}
	back, err := rewards.ReturnedUnits("R1", lines, []int64{1, 0, 0}, []rewards.ReturnLine{{SKU: "a", Qty: 3}})
	if err != nil || back[0] != 1 || back[1] != 0 || back[2] != 2 {
		t.Fatalf("back %v, %v", back, err)
	}
	_, err = rewards.ReturnedUnits("R1", lines, []int64{1, 0, 0}, []rewards.ReturnLine{{SKU: "a", Qty: 5}})
	wantKey(t, err, rewards.EREFUSED, "return.too_many", lang.Args{"left": 4, "sku": "a", "receipt": "R1"})
	_, err = rewards.ReturnedUnits("R1", lines, []int64{0, 0, 0}, []rewards.ReturnLine{{SKU: "z", Qty: 1}})
	wantKey(t, err, rewards.EINVALID, "return.no_sku", lang.Args{"receipt": "R1", "sku": "z"})
}

// The take-back is what the lines left before the return earn less what the
// lines left after it earn; take_back_days cuts it off.
func TestTakeBack(t *testing.T) {
	coop := bundled(t, "coop")
	lines := []rewards.Line{{SKU: "a", Qty: 2, Amount: 200}, {SKU: "b", Qty: 1, Amount: 30, OwnBrand: true}}
	sold := at(t, "2026-11-02T10:00:00Z")
	// 200/25 = 8 + 60/25 = 2.4 → 10; without one a: 100 + 60 = 160/25 → 6.
	if got := coop.TakeBack(lines, []int64{0, 0}, []int64{1, 0}, false, sold, sold); got != 4 {
		t.Errorf("take back %d, want 4", got)
	}
	// Then the other a: 60/25 → 2, so 4 more.
	if got := coop.TakeBack(lines, []int64{1, 0}, []int64{1, 0}, false, sold, sold); got != 4 {
		t.Errorf("second take back %d, want 4", got)
	}
	bonus := bundled(t, "bonus")
	bonus.Returns.TakeBackDays = 14
	bl := []rewards.Line{{SKU: "a", Qty: 1, Amount: 100, Bonus: 10}}
	for _, c := range []struct {
		at   string
		want int64
	}{{"2026-11-16T10:00:00Z", 10}, {"2026-11-16T10:00:01Z", 0}} {
		if got := bonus.TakeBack(bl, []int64{0}, []int64{1}, false, sold, at(t, c.at)); got != c.want {
			t.Errorf("at %s: take back %d, want %d", c.at, got, c.want)
		}
	}
}

// Returning a line's units one by one gives back what returning them at
// once would: rounding is of the running total.
func TestRefundRoundsTheRunningTotal(t *testing.T) {
	lines := []rewards.Line{{SKU: "a", Qty: 3, Amount: 200}}
	discounts := []int64{100} // one bonus
	var one int64
	for k := int64(0); k < 3; k++ {
		one += rewards.Refund(lines, discounts, []int64{k}, []int64{1})
	}
	all := rewards.Refund(lines, discounts, []int64{0}, []int64{3})
	if one != 1 || all != 1 {
		t.Fatalf("one by one %d, at once %d; want 1 and 1", one, all)
	}
	// 2 of 3 at once: round(0.67) = 1, and the last one gives 0.
	if got := rewards.Refund(lines, discounts, []int64{0}, []int64{2}); got != 1 {
		t.Fatalf("two of three: %d", got)
	}
}

func TestEarnedAndWelcomeLots(t *testing.T) {
	coop, bonus := bundled(t, "coop"), bundled(t, "bonus")
	now := at(t, "2026-11-02T10:00:00Z")
	if l := coop.EarnedLot(10, now); !l.AvailableFrom.Equal(now) || !l.ExpiresAt.IsZero() {
		t.Errorf("coop lot %+v", l)
	}
	if l := bonus.EarnedLot(10, now); !l.AvailableFrom.Equal(at(t, "2026-11-17T10:00:00Z")) || !l.ExpiresAt.Equal(at(t, "2027-11-17T10:00:00Z")) {
		t.Errorf("bonus lot %+v", l)
	}
	if _, ok := coop.WelcomeLot(now); ok {
		t.Error("coop grants a welcome bonus")
	}
	// 10:00 UTC is 13:00 in Moscow: spendable from the next Moscow midnight.
	if l, ok := bonus.WelcomeLot(now); !ok || l.Points != 500 || !l.AvailableFrom.Equal(at(t, "2026-11-02T21:00:00Z")) {
		t.Errorf("welcome %+v %v", l, ok)
	}
}

func TestPayWithPoints(t *testing.T) {
	coop, bonus := bundled(t, "coop"), bundled(t, "bonus")
	lines := []rewards.Line{{SKU: "a", Qty: 1, Amount: 40000}, {SKU: "b", Qty: 1, Amount: 20000}}
	_, _, err := coop.PayWithPoints(lines, 10, 100)
	wantError(t, err, rewards.EINVALID, "pay_with_points")
	for _, c := range []struct {
		requested, available, want int64
		discounts                  [2]int64
	}{
		{0, 1000, 0, [2]int64{0, 0}},
		{1000, 1000, 300, [2]int64{20000, 10000}},
		{150, 1000, 150, [2]int64{10000, 5000}},
		{1000, 90, 90, [2]int64{6000, 3000}},
		{1000, -50, 0, [2]int64{0, 0}},
	} {
		spent, d, err := bonus.PayWithPoints(lines, c.requested, c.available)
		if err != nil || spent != c.want || d[0] != c.discounts[0] || d[1] != c.discounts[1] {
			t.Errorf("requested %d of %d: spent %d, discounts %v, %v", c.requested, c.available, spent, d, err)
		}
	}
}
