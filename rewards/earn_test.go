package rewards_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// line is a receipt line of qty 1.
func line(sku string, amount int64) rewards.Line {
	return rewards.Line{SKU: sku, Qty: 1, Amount: amount}
}

func own(sku string, amount int64) rewards.Line {
	return rewards.Line{SKU: sku, Qty: 1, Amount: amount, OwnBrand: true}
}

// tag is a bonus-program line: qty items with a per-unit bonus from the price tag.
func tag(sku string, qty, bonus int64) rewards.Line {
	return rewards.Line{SKU: sku, Qty: qty, Amount: 1000 * qty, Bonus: bonus}
}

func service(sku string, bonus int64) rewards.Line {
	return rewards.Line{SKU: sku, Qty: 1, Amount: 1000, Bonus: bonus, Service: true}
}

type earnCase struct {
	name    string
	lines   []rewards.Line
	member  bool
	total   int64
	perLine []int64 // nil: only check that the shares add up
}

func checkEarnings(t *testing.T, p *rewards.Program, cases []earnCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			total, perLine := p.Earnings(tc.lines, tc.member)
			if total != tc.total {
				t.Errorf("earned %d, want %d", total, tc.total)
			}
			if len(perLine) != len(tc.lines) {
				t.Fatalf("%d line shares for %d lines", len(perLine), len(tc.lines))
			}
			if s := sum(perLine); s != total {
				t.Errorf("line shares %v add up to %d, not %d", perLine, s, total)
			}
			for i, v := range perLine {
				if v < 0 {
					t.Errorf("line %d earned %d", i, v)
				}
			}
			if tc.perLine != nil && !reflect.DeepEqual(perLine, tc.perLine) {
				t.Errorf("line shares %v, want %v", perLine, tc.perLine)
			}
		})
	}
}

// The seed, literally: "for purchases of 0.50 lv card holders get one point;
// for КООП-brand goods of 0.50 lv, two points; cooperative members get two
// points for 0.50 lv of any goods" — and twice what others get, so 4 per
// step on own brand.
func TestEarnPointsSeedExamples(t *testing.T) {
	p := program(t, seedCoop)
	checkEarnings(t, p, []earnCase{
		{"0.50 gives 1 point", []rewards.Line{line("bread", 50)}, false, 1, []int64{1}},
		{"0.50 own brand gives 2", []rewards.Line{own("КООП oil", 50)}, false, 2, []int64{2}},
		{"member: 0.50 gives 2", []rewards.Line{line("bread", 50)}, true, 2, []int64{2}},
		{"member: 0.50 own brand gives 4", []rewards.Line{own("КООП oil", 50)}, true, 4, []int64{4}},
		{"0.49 gives nothing", []rewards.Line{line("gum", 49)}, false, 0, []int64{0}},
		{"0.99 gives 1", []rewards.Line{line("milk", 99)}, false, 1, []int64{1}},
		{"1.00 gives 2", []rewards.Line{line("milk", 100)}, false, 2, []int64{2}},
		{"member: 0.25 own brand gives 2", []rewards.Line{own("КООП salt", 25)}, true, 2, []int64{2}},
		{"0.00 gives nothing", []rewards.Line{line("bag", 0)}, true, 0, []int64{0}},
		{"10.00 mixed, member", []rewards.Line{line("cheese", 600), own("КООП oil", 400)}, true, 24 + 32, []int64{24, 32}},
		{"no lines", nil, false, 0, []int64{}},
	})
}

// The bundled program runs the same rule in euro cents with a 25-cent step
// (0.50 lv ≈ 0.26 EUR): 0.50 EUR is two steps.
func TestEarnPointsBundledCoop(t *testing.T) {
	p := bundled(t, "coop")
	checkEarnings(t, p, []earnCase{
		{"0.50 EUR gives 2", []rewards.Line{line("bread", 50)}, false, 2, []int64{2}},
		{"0.50 EUR own brand gives 4", []rewards.Line{own("КООП oil", 50)}, false, 4, []int64{4}},
		{"member: 0.50 EUR gives 4", []rewards.Line{line("bread", 50)}, true, 4, []int64{4}},
		{"member: 0.50 EUR own brand gives 8", []rewards.Line{own("КООП oil", 50)}, true, 8, []int64{8}},
		{"0.24 gives nothing", []rewards.Line{line("gum", 24)}, false, 0, []int64{0}},
		{"0.25 gives 1", []rewards.Line{line("gum", 25)}, false, 1, []int64{1}},
		{"0.49 gives 1", []rewards.Line{line("gum", 49)}, false, 1, []int64{1}},
		{"12.34 gives 49", []rewards.Line{line("basket", 1234)}, false, 49, []int64{49}},
		{"member: 12.34 own brand gives 197", []rewards.Line{own("basket", 1234)}, true, 197, []int64{197}},
	})
}

// Points are floored once for the whole receipt, never per line.
func TestEarnPointsFloorOncePerReceipt(t *testing.T) {
	seed := program(t, seedCoop)
	checkEarnings(t, seed, []earnCase{
		// Per line each would be 0 points; together they are 1.
		{"three lines of 0.20", []rewards.Line{line("a", 20), line("b", 20), line("c", 20)}, false, 1, []int64{1, 0, 0}},
		{"two lines of 0.25", []rewards.Line{line("a", 25), line("b", 25)}, false, 1, []int64{1, 0}},
		// 0.30 ordinary (30) + 0.10 own brand (20) = one step.
		{"ordinary and own brand remainders", []rewards.Line{line("a", 30), own("b", 10)}, false, 1, []int64{1, 0}},
		// Member: 60 + 40 = two steps (per line: 1 + 0).
		{"member remainders", []rewards.Line{line("a", 30), own("b", 10)}, true, 2, []int64{1, 1}},
	})
	coop := bundled(t, "coop")
	checkEarnings(t, coop, []earnCase{
		{"five lines of 0.10", []rewards.Line{line("a", 10), line("b", 10), line("c", 10), line("d", 10), line("e", 10)}, false, 2, []int64{1, 1, 0, 0, 0}},
		{"member, 0.07 + 0.06", []rewards.Line{line("a", 7), line("b", 6)}, true, 1, []int64{1, 0}},
	})
}

// Each line's `earned` is its share of the receipt's points by largest
// remainder, adding up exactly; ties go to the earlier line.
func TestEarnPointsLineShares(t *testing.T) {
	seed := program(t, seedCoop)
	checkEarnings(t, seed, []earnCase{
		{"tie goes to the first line", []rewards.Line{line("a", 25), line("b", 25), line("c", 25)}, false, 1, []int64{1, 0, 0}},
		// 3 × 10000/16000 = 1.875 and 3 × 6000/16000 = 1.125.
		{"largest remainder", []rewards.Line{line("a", 100), own("b", 30)}, false, 3, []int64{2, 1}},
		// 2 × (0.3, 0.6, 0.1) = 0.6, 1.2, 0.2: the unit left goes to the
		// largest remainder, not to the largest line.
		{"remainder beats size", []rewards.Line{line("a", 30), line("b", 60), line("c", 10)}, false, 2, []int64{1, 1, 0}},
		{"zero line gets nothing", []rewards.Line{line("bag", 0), line("bread", 50)}, false, 1, []int64{0, 1}},
		{"own brand weighs double", []rewards.Line{line("a", 50), own("b", 50)}, false, 3, []int64{1, 2}},
		{"member own brand weighs double too", []rewards.Line{line("a", 50), own("b", 50)}, true, 6, []int64{2, 4}},
	})
}

// Bonus programs, with the bundled table [100, 150, 200]: a seed-like
// receipt of a phone, a case, three identical stickers on two lines, two
// grouped services and an unmarked film fitting (one of the seed's
// exceptions, so not marked `service`).
func TestEarnBonusSeedReceipt(t *testing.T) {
	p := bundled(t, "bonus")
	lines := []rewards.Line{
		tag("STICKER", 1, 10),  // position 5 (10)
		tag("PHONE", 1, 300),   // position 1 (300)
		service("SIM", 20),     // services: position 3 (top 30)
		tag("STICKER", 2, 10),  // same SKU: position 5
		tag("CASE", 1, 50),     // position 2 (50)
		service("SETUP", 30),   // services
		tag("FILM-FIT", 1, 15), // position 4
	}
	// PHONE 300×100% = 300; CASE 50×150% = 75; services (20+30)×200% = 100;
	// FILM 15×200% = 30; STICKER (10+20)×200% = 60 (the last percent repeats).
	checkEarnings(t, p, []earnCase{
		{"seed receipt", lines, false, 565, []int64{20, 300, 40, 40, 75, 60, 30}},
		{"member flag ignored", lines, true, 565, []int64{20, 300, 40, 40, 75, 60, 30}},
	})
}

func TestEarnBonusPositions(t *testing.T) {
	p := bundled(t, "bonus")
	checkEarnings(t, p, []earnCase{
		{"one item", []rewards.Line{tag("PHONE", 1, 300)}, false, 300, []int64{300}},
		{"no bonus on the tag", []rewards.Line{tag("CABLE", 1, 0), tag("PLUG", 1, 0)}, false, 0, []int64{0, 0}},
		// Counted as three positions the stickers would earn 15+20+20.
		{"identical items are one position", []rewards.Line{tag("CASE", 1, 50), tag("STICKER", 3, 10)}, false, 50 + 45, []int64{50, 45}},
		{"same SKU on two lines is one position", []rewards.Line{tag("STICKER", 1, 10), tag("CASE", 1, 50), tag("STICKER", 2, 10)}, false, 50 + 45, []int64{15, 50, 30}},
		{"all services are one position", []rewards.Line{tag("PHONE", 1, 300), service("SIM", 20), service("SETUP", 30)}, false, 300 + 75, []int64{300, 30, 45}},
		{"unmarked exception is its own position", []rewards.Line{tag("PHONE", 1, 300), service("SIM", 20), tag("FILM-FIT", 1, 15)}, false, 300 + 30 + 30, []int64{300, 30, 30}},
		{"a service and a good of the same SKU are apart", []rewards.Line{tag("X", 1, 100), service("X", 100)}, false, 100 + 150, []int64{100, 150}},
		{"ranked by bonus, not by line order", []rewards.Line{tag("CASE", 1, 50), tag("PHONE", 1, 300)}, false, 75 + 300, []int64{75, 300}},
		// 10 positions of 10: 10 + 15 + 8 × 20.
		{"the last percent repeats", []rewards.Line{
			tag("A", 1, 10), tag("B", 1, 10), tag("C", 1, 10), tag("D", 1, 10), tag("E", 1, 10),
			tag("F", 1, 10), tag("G", 1, 10), tag("H", 1, 10), tag("I", 1, 10), tag("J", 1, 10),
		}, false, 185, []int64{10, 15, 20, 20, 20, 20, 20, 20, 20, 20}},
		// Floored per position: 33×150% = 49.5 → 49, 11×200% = 22.
		{"floor per position", []rewards.Line{tag("A", 1, 100), tag("B", 1, 33), tag("C", 1, 11)}, false, 100 + 49 + 22, []int64{100, 49, 22}},
		// Within a position the points go by bonus × qty, largest remainder:
		// 25×150% = 37.5 split 1:1 → 19, 18.
		{"shares within a position", []rewards.Line{tag("PHONE", 1, 300), service("SIM", 12), service("SETUP", 13)}, false, 300 + 37, []int64{300, 18, 19}},
	})
}

func TestEarnBonusRanking(t *testing.T) {
	p := program(t, `name = "test"
kind = "bonus"
currency = "RUB"
timezone = "Europe/Moscow"
[earn]
position_percent = [100, 200, 300]
`)
	checkEarnings(t, p, []earnCase{
		// Ranked by the per-unit bonus, not by the line's total bonus: D
		// (25 each) comes before C (10 × 20).
		{"per-unit bonus ranks", []rewards.Line{tag("C", 10, 20), tag("D", 1, 25)}, false, 200*2 + 25, []int64{400, 25}},
		// A position ranks by its highest per-unit bonus: A's 40 beats B's
		// 30 though A's first line has 5.
		{"highest bonus of the position", []rewards.Line{tag("A", 1, 5), tag("B", 1, 30), tag("A", 1, 40)}, false, 45 + 60, []int64{5, 60, 40}},
		// Ties: the first line first.
		{"tie: X first", []rewards.Line{tag("X", 1, 10), tag("Y", 3, 10)}, false, 10 + 60, []int64{10, 60}},
		{"tie: Y first", []rewards.Line{tag("Y", 3, 10), tag("X", 1, 10)}, false, 30 + 20, []int64{30, 20}},
		{"tie with services", []rewards.Line{service("SIM", 10), tag("X", 1, 10), service("SETUP", 10)}, false, 20 + 20, []int64{10, 20, 10}},
		{"fourth position repeats 300", []rewards.Line{tag("A", 1, 4), tag("B", 1, 3), tag("C", 1, 2), tag("D", 1, 1)}, false, 4 + 6 + 6 + 3, []int64{4, 6, 6, 3}},
	})
	one := program(t, `name = "flat"
kind = "bonus"
currency = "RUB"
timezone = "Europe/Moscow"
[earn]
position_percent = [150]
`)
	checkEarnings(t, one, []earnCase{
		{"one value for all positions", []rewards.Line{tag("A", 1, 3), tag("B", 1, 3), tag("C", 1, 3)}, false, 12, []int64{4, 4, 4}},
	})
}

func TestSpendCaps(t *testing.T) {
	bonus := bundled(t, "bonus")
	for _, tc := range []struct {
		name    string
		amounts []int64
		caps    []int64
		most    int64
	}{
		// Seed: at most 50% of each item's price, 1 bonus = 1 rouble.
		{"phone of 10 000 RUB", []int64{1_000_000}, []int64{500_000}, 5000},
		{"odd kopecks round down per line", []int64{1999, 1001}, []int64{999, 500}, 14},
		{"whole bonuses only", []int64{199, 199}, []int64{99, 99}, 1},
		{"one kopeck", []int64{1}, []int64{0}, 0},
		{"free line", []int64{0, 400}, []int64{0, 200}, 2},
		{"no lines", nil, []int64{}, 0},
	} {
		lines := make([]rewards.Line, len(tc.amounts))
		for i, a := range tc.amounts {
			lines[i] = line("x", a)
		}
		caps, most := bonus.SpendCaps(lines)
		if !reflect.DeepEqual(caps, tc.caps) || most != tc.most {
			t.Errorf("%s: caps %v, most %d; want %v, %d", tc.name, caps, most, tc.caps, tc.most)
		}
	}

	p := program(t, `name = "no spend"
kind = "bonus"
currency = "RUB"
timezone = "Europe/Moscow"
[spend]
max_percent = 0
`)
	if caps, most := p.SpendCaps([]rewards.Line{line("a", 10000)}); caps[0] != 0 || most != 0 {
		t.Errorf("max_percent 0: caps %v, most %d", caps, most)
	}
	all := program(t, `name = "all"
kind = "bonus"
currency = "RUB"
timezone = "Europe/Moscow"
[spend]
max_percent = 100
`)
	if caps, most := all.SpendCaps([]rewards.Line{line("a", 10050)}); caps[0] != 10050 || most != 100 {
		t.Errorf("max_percent 100: caps %v, most %d", caps, most)
	}
	coop := bundled(t, "coop")
	if caps, most := coop.SpendCaps([]rewards.Line{line("a", 10000), line("b", 500)}); !reflect.DeepEqual(caps, []int64{0, 0}) || most != 0 {
		t.Errorf("points program: caps %v, most %d; points are not paid at the till", caps, most)
	}
}

func TestSpreadDiscount(t *testing.T) {
	for _, tc := range []struct {
		name      string
		discount  int64
		amounts   []int64
		caps      []int64
		want      []int64
		plainOver bool // a plain largest-remainder split would put a line over its cap
	}{
		{"proportional", 10000, []int64{30000, 10000}, []int64{15000, 5000}, []int64{7500, 2500}, false},
		{"up to the caps", 20000, []int64{30000, 10000}, []int64{15000, 5000}, []int64{15000, 5000}, false},
		{"thirds: tie to the first line", 10000, []int64{10000, 10000, 10000}, []int64{5000, 5000, 5000}, []int64{3334, 3333, 3333}, false},
		// 33.3, 33.3, 33.4: the kopeck left goes to the largest remainder.
		{"largest remainder", 100, []int64{333, 333, 334}, []int64{166, 166, 167}, []int64{33, 33, 34}, false},
		// Plain largest remainder gives [206 2244 550], one kopeck over the
		// first line's cap of 205: that kopeck moves to a line with room.
		{"rounding would cross a cap", 3000, []int64{411, 4490, 1101}, []int64{205, 2245, 550}, []int64{205, 2245, 550}, true},
		{"rounding would cross a cap, below the total of caps", 300, []int64{5, 579, 31}, []int64{2, 289, 15}, []int64{2, 283, 15}, true},
		// The first line's cap is reached at 100; the 400 its share would
		// have had go to the other line.
		{"capped line drops out, the rest spread again", 5000, []int64{2000, 18000}, []int64{100, 9900}, []int64{100, 4900}, true},
		{"zero discount", 0, []int64{500, 700}, []int64{250, 350}, []int64{0, 0}, false},
		{"free line gets nothing", 100, []int64{0, 1000}, []int64{0, 500}, []int64{0, 100}, false},
		{"one kopeck line has no room", 100, []int64{1, 1000}, []int64{0, 500}, []int64{0, 100}, false},
		// More than the caps allow: every line at its cap, the rest is not spread.
		{"above the caps", 1000, []int64{400, 600}, []int64{200, 300}, []int64{200, 300}, true},
		{"no lines", 0, nil, nil, []int64{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rewards.SpreadDiscount(tc.discount, tc.amounts, tc.caps)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("SpreadDiscount(%d, %v, %v) = %v, want %v", tc.discount, tc.amounts, tc.caps, got, tc.want)
			}
			var capSum int64
			for i := range got {
				if got[i] < 0 || got[i] > tc.caps[i] {
					t.Errorf("line %d: %d outside [0, %d]", i, got[i], tc.caps[i])
				}
				capSum += tc.caps[i]
			}
			if s := sum(got); s != min(tc.discount, capSum) {
				t.Errorf("parts add up to %d, want %d", s, min(tc.discount, capSum))
			}
			plain := rewards.SplitLargestRemainder(tc.discount, tc.amounts)
			over := false
			for i := range plain {
				over = over || plain[i] > tc.caps[i]
			}
			if over != tc.plainOver {
				t.Errorf("plain split %v crosses a cap: %v, the case expects %v", plain, over, tc.plainOver)
			}
		})
	}
}

// Paying with bonuses end to end on the domain functions: the most a
// receipt allows, spread over its lines.
func TestPayWithBonusesSpread(t *testing.T) {
	p := bundled(t, "bonus")
	lines := []rewards.Line{line("PHONE", 1_999_000), line("CASE", 99_900), line("FILM", 1_500)}
	caps, most := p.SpendCaps(lines)
	if most != 10_502 { // (999500 + 49950 + 750) / 100
		t.Fatalf("most %d", most)
	}
	for _, spent := range []int64{1, 500, 10_000, most} {
		parts := rewards.SpreadDiscount(spent*100, []int64{1_999_000, 99_900, 1_500}, caps)
		if sum(parts) != spent*100 {
			t.Errorf("spent %d: parts %v add up to %d", spent, parts, sum(parts))
		}
		for i := range parts {
			if parts[i] > caps[i] {
				t.Errorf("spent %d: line %d discount %d above its cap %d", spent, i, parts[i], caps[i])
			}
		}
	}
	// Paying part of a receipt with bonuses does not change what it earns:
	// Earnings does not even see the payment.
	total, _ := p.Earnings([]rewards.Line{tag("PHONE", 1, 300)}, false)
	if total != 300 {
		t.Errorf("earned %d", total)
	}
}

func TestSplitLargestRemainder(t *testing.T) {
	for _, tc := range []struct {
		total   int64
		weights []int64
		want    []int64
	}{
		{10, []int64{1, 1, 1}, []int64{4, 3, 3}},
		{2, []int64{1, 1, 1}, []int64{1, 1, 0}},
		{1, []int64{1, 2}, []int64{0, 1}},
		{7, []int64{5, 0, 2}, []int64{5, 0, 2}},
		{5, []int64{0, 3, 0, 1}, []int64{0, 4, 0, 1}},
		{0, []int64{1, 2}, []int64{0, 0}},
		{5, []int64{0, 0}, []int64{0, 0}},
		{5, nil, []int64{}},
		{-3, []int64{1, 1}, []int64{0, 0}},
		{100, []int64{1}, []int64{100}},
		// No overflow near the int64 limits.
		{9_000_000_000_000_000_000, []int64{1e18, 2e18, 3e18}, []int64{1.5e18, 3e18, 4.5e18}},
		{math.MaxInt64, []int64{math.MaxInt64, 1}, []int64{math.MaxInt64 - 1, 1}},
	} {
		got := rewards.SplitLargestRemainder(tc.total, tc.weights)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitLargestRemainder(%d, %v) = %v, want %v", tc.total, tc.weights, got, tc.want)
		}
	}
}

func TestMulDivRoundDiv(t *testing.T) {
	for _, tc := range []struct{ a, b, c, want int64 }{
		{7, 2, 3, 4},
		{0, 5, 3, 0},
		{1000, 2, 3, 666},
		{100_000_000_000, 1_000_000, 3, 33_333_333_333_333_333},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64},
		{math.MaxInt64, 2, 4, math.MaxInt64 / 2},
	} {
		if got := rewards.MulDiv(tc.a, tc.b, tc.c); got != tc.want {
			t.Errorf("MulDiv(%d, %d, %d) = %d, want %d", tc.a, tc.b, tc.c, got, tc.want)
		}
	}
	for _, tc := range []struct{ a, b, want int64 }{
		{5, 2, 3}, // 2.5 rounds up
		{4, 3, 1},
		{5, 3, 2},
		{0, 7, 0},
		{149, 100, 1},
		{150, 100, 2},
		{250, 100, 3},
	} {
		if got := rewards.RoundDiv(tc.a, tc.b); got != tc.want {
			t.Errorf("RoundDiv(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestRemaining(t *testing.T) {
	lines := []rewards.Line{
		{SKU: "A", Qty: 3, Amount: 1000, OwnBrand: true},
		{SKU: "B", Qty: 1, Amount: 500, Service: true, Bonus: 7},
		{SKU: "C", Qty: 4, Amount: 1000, Bonus: 3},
	}
	keep := append([]rewards.Line(nil), lines...)
	for _, tc := range []struct {
		name     string
		returned []int64
		want     []rewards.Line
	}{
		{"nothing back", []int64{0, 0, 0}, lines},
		// 1000 × 2/3 = 666.67: rounded down.
		{"partial return scales the amount", []int64{1, 0, 0}, []rewards.Line{
			{SKU: "A", Qty: 2, Amount: 666, OwnBrand: true}, lines[1], lines[2]}},
		{"a line back in full is gone", []int64{0, 1, 0}, []rewards.Line{lines[0], lines[2]}},
		{"quarter back", []int64{0, 0, 1}, []rewards.Line{lines[0], lines[1], {SKU: "C", Qty: 3, Amount: 750, Bonus: 3}}},
		{"more than bought", []int64{5, 0, 0}, []rewards.Line{lines[1], lines[2]}},
		{"everything back", []int64{3, 1, 4}, []rewards.Line{}},
	} {
		got := rewards.Remaining(lines, tc.returned)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Remaining = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if !reflect.DeepEqual(lines, keep) {
		t.Errorf("Remaining changed its input: %+v", lines)
	}
}

// What a return takes back is what the receipt earned less what the lines
// that stay would have earned under the same rules.
func TestReturnTakeBack(t *testing.T) {
	coop := bundled(t, "coop")
	bonus := bundled(t, "bonus")
	for _, tc := range []struct {
		name     string
		p        *rewards.Program
		lines    []rewards.Line
		member   bool
		returned []int64
		earned   int64
		takeBack int64
	}{
		// 2 × КООП oil for 1.00 EUR (own brand) + bread 0.30: (20000 + 3000) / 2500 = 9.
		// One oil back: (10000 + 3000) / 2500 = 5.
		{"coop, one of two back", coop, []rewards.Line{{SKU: "oil", Qty: 2, Amount: 100, OwnBrand: true}, line("bread", 30)}, false, []int64{1, 0}, 9, 4},
		{"coop member, all back", coop, []rewards.Line{{SKU: "oil", Qty: 2, Amount: 100, OwnBrand: true}, line("bread", 30)}, true, []int64{2, 1}, 18, 18},
		{"coop, nothing back", coop, []rewards.Line{line("bread", 30)}, false, []int64{0}, 1, 0},
		{"bonus, the case back", bonus, []rewards.Line{tag("PHONE", 1, 300), tag("CASE", 1, 50)}, false, []int64{0, 1}, 375, 75},
		// The case moves up to the first position: 375 − 50.
		{"bonus, the phone back", bonus, []rewards.Line{tag("PHONE", 1, 300), tag("CASE", 1, 50)}, false, []int64{1, 0}, 375, 325},
		{"bonus, one of three stickers back", bonus, []rewards.Line{tag("CASE", 1, 50), tag("STICKER", 3, 10)}, false, []int64{0, 1}, 95, 95 - 80},
	} {
		earned, _ := tc.p.Earnings(tc.lines, tc.member)
		after, _ := tc.p.Earnings(rewards.Remaining(tc.lines, tc.returned), tc.member)
		if earned != tc.earned || earned-after != tc.takeBack {
			t.Errorf("%s: earned %d, take back %d; want %d, %d", tc.name, earned, earned-after, tc.earned, tc.takeBack)
		}
	}
}
