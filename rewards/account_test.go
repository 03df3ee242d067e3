package rewards_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

func lot(id, points, remaining int64, from, expires string) rewards.Lot {
	l := rewards.Lot{ID: id, Points: points, Remaining: remaining, AvailableFrom: mustTime(from)}
	if expires != "" {
		l.ExpiresAt = mustTime(expires)
	}
	return l
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Settle records what time did in the order it happened: a voucher lapsing
// gives its points back latest-expiring lot first, paying a debt first;
// points back in a lot that expired meanwhile expire at the lapse; lots
// expire at their expiry.
func TestSettle(t *testing.T) {
	a := rewards.Account{Loaded: true, Debt: 30,
		Lots: []rewards.Lot{
			lot(1, 50, 0, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),  // expired before the lapse
			lot(2, 100, 0, "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"), // emptied by the voucher
			lot(3, 40, 40, "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"),
		},
		Vouchers: []rewards.HeldVoucher{{Code: "V", Card: "c", Reward: "pan", Points: 150, Entry: 9,
			ValidUntil: mustTime("2026-02-15T00:00:00Z"), Taken: []rewards.Allocation{{Lot: 1, Points: 50}, {Lot: 2, Points: 100}}}},
	}
	eff, err := rewards.Settle(a, "c", mustTime("2026-04-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	want := []rewards.Entry{
		{Card: "c", Kind: rewards.EntryVoucherBack, Points: 150, At: mustTime("2026-02-15T00:00:00Z"), Ref: "V", Reverses: 9,
			Allocs: []rewards.Allocation{{Lot: 2, Points: -100}, {Lot: 1, Points: -50}}},
		{Card: "c", Kind: rewards.EntryExpire, Points: -50, At: mustTime("2026-02-15T00:00:00Z"), Allocs: []rewards.Allocation{{Lot: 1, Points: 50}}},
		{Card: "c", Kind: rewards.EntryExpire, Points: -40, At: mustTime("2026-03-01T00:00:00Z"), Allocs: []rewards.Allocation{{Lot: 3, Points: 40}}},
	}
	if !reflect.DeepEqual(eff.Entries, want) {
		t.Fatalf("entries\n got %+v\nwant %+v", eff.Entries, want)
	}
	if eff.Debt != 0 || len(eff.Closed) != 1 || eff.Closed[0].Status != rewards.VoucherExpired {
		t.Fatalf("debt %d, closed %+v", eff.Debt, eff.Closed)
	}
	// Lot 2 got 100 back and paid the debt of 30 from it; it expires on 1 June.
	if got := eff.Lots; len(got) != 3 || got[1].ID != 2 || got[1].Remaining != 70 || !eff.Due.Equal(mustTime("2026-06-01T00:00:00Z")) {
		t.Fatalf("lots %+v, due %v", got, eff.Due)
	}
	available, _, expiring, err := rewards.Holdings(a, mustTime("2026-04-01T00:00:00Z"))
	if err != nil || available != 70 || len(expiring) != 1 || expiring[0].Points != 70 {
		t.Fatalf("holdings: %d %+v %v", available, expiring, err)
	}
}

// A command that needs an account's holdings refuses to run on an account
// whose store did not load them, rather than decide without them.
func TestHoldingsNotLoaded(t *testing.T) {
	p := bundled(t, "bonus")
	a := rewards.Account{Due: mustTime("2026-01-01T00:00:00Z")}
	if _, err := rewards.Settle(a, "c", mustTime("2026-02-01T00:00:00Z")); err == nil {
		t.Error("Settle ran on an account due and not loaded")
	}
	r := rewards.Receipt{ID: "R", Card: "c", Time: mustTime("2025-12-01T00:00:00Z"), PayWithPoints: 10,
		Lines: []rewards.Line{{SKU: "a", Qty: 1, Amount: 10000}}}
	if _, _, err := p.PostReceipt(a, "c", r, false); err == nil {
		t.Error("a receipt paid with points on an account not loaded")
	}
}

// A receipt pays with points from the lots that expire first, and its
// earnings pay a debt first.
func TestPostReceiptEffects(t *testing.T) {
	p := bundled(t, "bonus")
	a := rewards.Account{Loaded: true, Debt: 20, Lots: []rewards.Lot{
		lot(1, 100, 100, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
		lot(2, 100, 100, "2026-01-01T00:00:00Z", "2026-12-01T00:00:00Z"),
	}}
	r := rewards.Receipt{ID: "R", Card: "c", Time: mustTime("2026-06-01T10:00:00Z"), PayWithPoints: 150,
		Lines: []rewards.Line{{SKU: "a", Qty: 1, Amount: 100000, Bonus: 50}}}
	res, eff, err := p.PostReceipt(a, "c", r, false)
	if err != nil {
		t.Fatal(err)
	}
	// 200 held less 20 owed: 150 may be spent, lot 2 (expiring first) then lot 1.
	if res.Spent != 150 || res.Discount != 15000 || res.Earned != 50 {
		t.Fatalf("result %+v", res)
	}
	if e := eff.Entries; len(e) != 1 || e[0].Kind != rewards.EntrySpend ||
		!reflect.DeepEqual(e[0].Allocs, []rewards.Allocation{{Lot: 2, Points: 100}, {Lot: 1, Points: 50}}) {
		t.Fatalf("entries %+v", eff.Entries)
	}
	if eff.NewLot == nil || eff.NewLot.Points != 50 || eff.NewLot.Remaining != 30 || eff.Debt != 0 || eff.Purchase != 100000 {
		t.Fatalf("new lot %+v, debt %d, purchase %d", eff.NewLot, eff.Debt, eff.Purchase)
	}
}

// A return takes back from the receipt's own lot while it is pending, then
// from what is spendable, soonest expiry first, and the rest as a debt.
func TestPostReturnTakeBack(t *testing.T) {
	p := bundled(t, "bonus")
	sold := mustTime("2026-06-01T10:00:00Z")
	pr := &rewards.PostedReceipt{
		Receipt: rewards.Receipt{ID: "R", Card: "c", Time: sold, Lines: []rewards.Line{{SKU: "a", Qty: 2, Amount: 200000, Bonus: 100}}},
		Program: p, Lot: 7, Returned: []int64{0},
	}
	own := p.EarnedLot(200, sold) // pending for 15 days
	own.ID = 7
	own.Remaining = 50 // what is left of it
	a := rewards.Account{Loaded: true, Lots: []rewards.Lot{own,
		lot(1, 100, 60, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
		lot(2, 100, 30, "2026-01-01T00:00:00Z", "2026-12-01T00:00:00Z"),
	}}
	res, back, eff, err := pr.PostReturn(a, "c", rewards.Return{ID: "X", Receipt: "R", Time: sold.Add(time.Hour),
		Lines: []rewards.ReturnLine{{SKU: "a", Qty: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.TakeBack != 200 || !reflect.DeepEqual(back, []int64{2}) {
		t.Fatalf("result %+v, back %v", res, back)
	}
	want := []rewards.Allocation{{Lot: 7, Points: 50}, {Lot: 2, Points: 30}, {Lot: 1, Points: 60}}
	if e := eff.Entries; len(e) != 1 || e[0].Points != -200 || !reflect.DeepEqual(e[0].Allocs, want) {
		t.Fatalf("entries %+v", eff.Entries)
	}
	if eff.Debt != 60 {
		t.Fatalf("debt %d, want 60", eff.Debt)
	}
	if _, _, _, err := pr.PostReturn(a, "c", rewards.Return{ID: "X", Receipt: "R", Time: sold.Add(-time.Hour),
		Lines: []rewards.ReturnLine{{SKU: "a", Qty: 1}}}); rewards.ErrorCode(err) != rewards.EINVALID {
		t.Fatalf("a return before the sale: %v", err)
	}
}

// Redemption: refused without enough points, else the price from the lots
// that expire first and a voucher valid for spend.voucher_valid.
func TestRedeemEffects(t *testing.T) {
	p := bundled(t, "coop")
	at := mustTime("2026-06-01T10:00:00Z")
	rw := rewards.Reward{ID: "mug", Names: rewards.Names{EN: "Mug"}, Points: 80, Coop: "c"}
	a := rewards.Account{Loaded: true, Debt: 30, Lots: []rewards.Lot{lot(1, 100, 100, "2026-01-01T00:00:00Z", "")}}
	_, err := p.Redeem(a, "c", rw, "", "K7QX-M2PA-9RTE", at)
	wantKey(t, err, rewards.EREFUSED, "redeem.short", lang.Args{"card": "c", "reward": rw.Names,
		"available": lang.M("unit.points", lang.Args{"count": 70}), "points": lang.M("unit.points", lang.Args{"count": 80})})
	a.Debt = 0
	eff, err := p.Redeem(a, "c", rw, "", "K7QX-M2PA-9RTE", at)
	if err != nil {
		t.Fatal(err)
	}
	if v := eff.Voucher; v == nil || v.Points != 80 || !v.ValidUntil.Equal(at.Add(720*time.Hour)) || !eff.Due.Equal(v.ValidUntil) {
		t.Fatalf("voucher %+v, due %v", eff.Voucher, eff.Due)
	}
	if _, err := bundled(t, "bonus").Redeem(a, "c", rw, "", "K7QX-M2PA-9RTE", at); rewards.ErrorCode(err) != rewards.EINVALID {
		t.Fatalf("a bonus program redeemed: %v", err)
	}
}

// Claiming or cancelling a voucher that time has already lapsed is refused
// as expired; a cancelled voucher's points come back.
func TestSettleVoucherEffects(t *testing.T) {
	p := bundled(t, "coop")
	created := mustTime("2026-06-01T10:00:00Z")
	v := rewards.Voucher{Code: "V", Card: "c", Reward: "mug", Points: 80, Status: rewards.VoucherOpen, CreatedAt: created, ValidUntil: created.Add(720 * time.Hour)}
	a := rewards.Account{Loaded: true, Lots: []rewards.Lot{lot(1, 100, 20, "2026-01-01T00:00:00Z", "")},
		Vouchers: []rewards.HeldVoucher{{Code: "V", Card: "c", Reward: "mug", Points: 80, ValidUntil: v.ValidUntil, Entry: 3, Taken: []rewards.Allocation{{Lot: 1, Points: 80}}}}}
	if _, err := p.SettleVoucher(a, v, rewards.VoucherClaimed, v.ValidUntil); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("claim at the end of validity: %v", err)
	}
	eff, err := p.SettleVoucher(a, v, rewards.VoucherCancelled, created.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(eff.Closed) != 1 || eff.Closed[0].Status != rewards.VoucherCancelled || len(eff.Lots) != 1 || eff.Lots[0].Remaining != 100 || !eff.Due.IsZero() {
		t.Fatalf("cancel: %+v", eff)
	}
}
