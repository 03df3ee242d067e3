package rewardstest

import (
	"slices"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// liabilityPoints: the points a points program owes, by store, cooperative
// and day, on a ledger with receipts in stores of two cooperatives and in
// one not recorded, points that expired, an open voucher
// and a claimed one, and a return that left a debt. Its total balance is
// the sum of the cards' balances, at the ledger's now (where it is also
// what check reports) and at a moment ahead, when more has expired and the
// voucher has lapsed.
func liabilityPoints(t *testing.T, su suite) {
	s, _ := su.store(t, "coop", `after = "never"`, `after = "60d"`)
	MustPlaces(t, s, "coop-a", "a1", "a2")
	MustPlaces(t, s, "coop-b", "b1")
	for _, rw := range []rewards.Reward{
		{ID: "mug", Coop: "coop-b", Names: rewards.Names{EN: "Mug"}, Points: 80},
		{ID: "pin", Coop: "coop-a", Names: rewards.Names{EN: "Pin"}, Points: 100},
	} {
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: ts(start)}, Reward: rw}); err != nil {
			t.Fatal(err)
		}
	}
	var cards []string
	for range 5 {
		cards = append(cards, mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts(start)}}))
	}
	post := func(id string, card int, store, at string, amount int64) {
		t.Helper()
		r := receipt(id, cards[card], at, rewards.Line{SKU: "a", Qty: 1, Amount: amount})
		r.Store = store
		mustPost(t, s, r)
	}
	// Card 0: 100 at a1, expired on 1 Jan (and swept by its next
	// receipt), then 50 at a2. Points expire 60 days after they are earned.
	post("R1", 0, "a1", "2026-11-02T09:00:00Z", 2500)
	// Card 1: 200 at b1, 80 of them on an open voucher.
	post("R2", 1, "b1", "2026-12-01T10:00:00Z", 5000)
	// Card 2: 100 at a1, spent on a claimed voucher, then returned: a debt
	// of 100.
	post("R3", 2, "a1", "2026-12-01T09:00:00Z", 2500)
	pin, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-12-05T09:00:00Z")}, Card: cards[2], Reward: "pin"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimVoucher(ctx, rewards.VoucherAction{Meta: rewards.Meta{At: ts("2026-12-06T09:00:00Z")}, Code: pin.Code}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostReturn(ctx, rewards.Return{ID: "X3", Receipt: "R3", Time: ts("2026-12-10T09:00:00Z"), Lines: []rewards.ReturnLine{{SKU: "a", Qty: 1}}}); err != nil {
		t.Fatal(err)
	}
	// Card 3: 40 at a1. Card 4: 100 at s9, a store not recorded.
	post("R5", 3, "a1", "2026-12-20T08:00:00Z", 1000)
	post("R6", 4, "s9", "2026-12-01T09:00:00Z", 2500)
	mug, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2027-01-05T10:00:00Z")}, Card: cards[1], Reward: "mug", Store: "b1"})
	if err != nil {
		t.Fatal(err)
	}
	post("R4", 0, "a2", "2027-01-18T09:00:00Z", 1250)

	const now = "2027-01-19T12:00:00Z"
	row := func(group string, available, pending, debt, vouchers int64, expiring ...int64) rewards.LiabilityRow {
		r := rewards.LiabilityRow{Group: group, Available: available, Pending: pending, Debt: debt, Vouchers: vouchers,
			Balance: available + pending - debt, Outstanding: available + pending - debt + vouchers, Expiring: make([]int64, rewards.LiabilityMonths)}
		copy(r.Expiring, expiring)
		return r
	}
	for _, tc := range []struct {
		by   string
		rows []rewards.LiabilityRow
	}{
		{rewards.ByStore, []rewards.LiabilityRow{
			row("a1", 40, 0, 0, 0, 0, 40),
			row("a2", 50, 0, 0, 0, 0, 0, 50),
			row("b1", 120, 0, 0, 80, 120),
			row("s9", 100, 0, 0, 0, 100),
			row("", 0, 0, 100, 0),
		}},
		{rewards.ByCoop, []rewards.LiabilityRow{
			row("coop-a", 90, 0, 0, 0, 0, 40, 50),
			row("coop-b", 120, 0, 0, 80, 120),
			row("", 100, 0, 100, 0, 100),
		}},
		{rewards.ByDay, []rewards.LiabilityRow{
			row("2026-12-01", 220, 0, 0, 80, 220),
			row("2026-12-20", 40, 0, 0, 0, 0, 40),
			row("2027-01-18", 50, 0, 0, 0, 0, 0, 50),
			row("", 0, 0, 100, 0),
		}},
	} {
		rep, err := s.Liability(ctx, ts(now), tc.by)
		if err != nil {
			t.Fatal(err)
		}
		if rep.By != tc.by || len(rep.Months) != 12 || rep.Months[0] != "2027-01" || rep.Months[11] != "2027-12" || rep.Kind != rewards.KindPoints {
			t.Fatalf("by %s: %+v", tc.by, rep)
		}
		if !slices.EqualFunc(rep.Rows, tc.rows, equalRow) {
			t.Errorf("by %s: rows\n%+v\nwant\n%+v", tc.by, rep.Rows, tc.rows)
		}
		if want := row("", 310, 0, 100, 80, 220, 40, 50); !equalRow(rep.Total, want) {
			t.Errorf("by %s: total %+v, want %+v", tc.by, rep.Total, want)
		}
	}
	rep, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.UnrecordedStores, []string{"s9"}) {
		t.Errorf("check: unrecorded stores %v", rep.UnrecordedStores)
	}
	wantLiabilityBalances(t, s, cards, now, rep.Total)

	// Ahead, after card 1's lot expired (30 Jan) and its voucher lapsed
	// (4 Feb) into it: what the cards' balances show then.
	later := wantLiabilityBalances(t, s, cards, "2027-02-10T12:00:00Z", -10)
	if later.Total.Vouchers != 0 || later.Total.Available != 90 || later.Total.Expiring[0] != 40 || later.Total.Expiring[1] != 50 {
		t.Errorf("ahead: %+v", later.Total)
	}
	if v, err := s.Voucher(ctx, mug.Code); err != nil || v.Status != rewards.VoucherOpen {
		t.Fatalf("the report changed the voucher: %+v %v", v, err)
	}
	_, err = s.Liability(ctx, ts(now), "week")
	wantCode(t, err, rewards.EINVALID, "a report by week")
	checkLedger(t, s)
}

// liabilityBonus: a bonus program's liability has a value in its currency,
// and a welcome bonus belongs to no store, but to the day it was granted.
func liabilityBonus(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	a := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}, Details: rewards.Details{Phone: "+79001112233", Consent: true}})
	b := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}, Details: rewards.Details{Phone: "+79001112234", Consent: true}})
	r := receipt("R1", a, "2026-11-02T10:00:00Z", rewards.Line{SKU: "phone", Qty: 1, Amount: 2000000, Bonus: 400})
	r.Store = "moscow-7"
	r.PayWithPoints = 300
	mustPost(t, s, r)
	const now = "2026-11-05T10:00:00Z"
	rep := wantLiabilityBalances(t, s, []string{a, b}, now, 700+400)
	if rep.Kind != rewards.KindBonus || rep.Currency != "RUB" || rep.Total.Value == nil || *rep.Total.Value != 1100*100 {
		t.Fatalf("bonus liability: %+v", rep)
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Group != "moscow-7" || rep.Rows[0].Pending != 400 || rep.Rows[1].Group != "" ||
		rep.Rows[1].Available != 700 || rep.Rows[1].Value == nil || *rep.Rows[1].Value != 70000 {
		t.Fatalf("bonus liability rows: %+v", rep.Rows)
	}
	// By day, a welcome bonus belongs to the day it was granted: debt
	// alone belongs to no day.
	byDay, err := s.Liability(ctx, ts(now), rewards.ByDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(byDay.Rows) != 2 || byDay.Rows[0].Group != "2026-11-01" || byDay.Rows[0].Available != 700 ||
		byDay.Rows[1].Group != "2026-11-02" || byDay.Rows[1].Pending != 400 {
		t.Errorf("bonus liability by day: %+v", byDay.Rows)
	}
	// The welcome bonuses expire a year after 2 Nov: past the report's 12
	// months, which start with November.
	if rep.Months[0] != "2026-11" || slices.Max(rep.Total.Expiring) != 0 {
		t.Errorf("expiring: %v %v", rep.Months, rep.Total.Expiring)
	}
	checkLedger(t, s)
}

// liabilityPast: the report is for the ledger's now (when no moment is
// given) or a moment ahead. A moment before now is refused: the ledger
// keeps what it holds now, and reporting a past moment from it would count
// points earned and vouchers made after that moment.
func liabilityPast(t *testing.T, su suite) {
	s, clk := su.store(t, "coop")
	MustPlaces(t, s, "coop-a", "a1")
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: ts(start)}, Reward: rewards.Reward{ID: "pin", Coop: "coop-a", Names: rewards.Names{EN: "Pin"}, Points: 40}}); err != nil {
		t.Fatal(err)
	}
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts(start)}})
	r := receipt("R1", card, "2026-11-05T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500})
	r.Store = "a1"
	mustPost(t, s, r)
	if _, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-06T09:00:00Z")}, Card: card, Reward: "pin"}); err != nil {
		t.Fatal(err)
	}
	const now = "2026-11-06T09:00:00Z"
	if !clk.now().Equal(ts(now)) {
		t.Fatalf("the clock is at %s", clk.now())
	}
	// Before the receipt: the ledger's lots and open voucher of now say
	// nothing of then.
	for _, past := range []string{"2026-11-02T10:00:00Z", "2026-11-06T08:59:59Z"} {
		_, err := s.Liability(ctx, ts(past), rewards.ByStore)
		wantCode(t, err, rewards.EINVALID, "a liability report at "+past+", before the ledger's now")
	}
	// No moment: now, as the cards' balances show it.
	rep, err := s.Liability(ctx, time.Time{}, rewards.ByStore)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.At.Equal(ts(now)) || rep.Total.Vouchers != 40 {
		t.Errorf("the liability at no moment given: at %s, %+v", rep.At, rep.Total)
	}
	// Now itself, and a moment ahead.
	wantLiabilityBalances(t, s, []string{card}, now, rep.Total.Balance)
	wantLiabilityBalances(t, s, []string{card}, "2026-11-20T00:00:00Z", rep.Total.Balance)
}

// wantLiabilityBalances fails unless the liability at the moment at, by
// store, has the cards' balances then as its total balance, and that
// total is want; it returns the report.
func wantLiabilityBalances(t *testing.T, s Store, cards []string, at string, want int64) rewards.Liability {
	t.Helper()
	rep, err := s.Liability(ctx, ts(at), rewards.ByStore)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, c := range cards {
		b := balance(t, s, c, at)
		sum += b.Available
		for _, p := range b.Pending {
			sum += p.Points
		}
	}
	var rows int64
	for _, r := range rep.Rows {
		rows += r.Balance
	}
	if rep.Total.Balance != sum || rep.Total.Balance != want || rows != want || !rep.At.Equal(ts(at)) {
		t.Fatalf("liability at %s: total balance %d, rows %d, the cards' balances %d, want %d", at, rep.Total.Balance, rows, sum, want)
	}
	return rep
}

func equalRow(x, y rewards.LiabilityRow) bool {
	return x.Group == y.Group && x.Available == y.Available && x.Pending == y.Pending && x.Debt == y.Debt &&
		x.Balance == y.Balance && x.Vouchers == y.Vouchers && x.Outstanding == y.Outstanding &&
		(x.Value == nil) == (y.Value == nil) && slices.Equal(x.Expiring, y.Expiring)
}
