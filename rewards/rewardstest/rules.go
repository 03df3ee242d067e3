package rewardstest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// A receipt on the coop program earns its points and the ledger checks out.
func smokeCoop(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	r := rewards.Receipt{ID: "R1", Store: "s1", Card: card, Time: ts("2026-11-02T09:00:00Z"),
		Lines: []rewards.Line{{SKU: "A", Qty: 1, Amount: 1000}, {SKU: "B", Qty: 2, Amount: 500, OwnBrand: true}}}
	res, err := s.PostReceipt(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	// 10.00 EUR ordinary: 40 points; 5.00 EUR own brand: 40 points.
	if res.Earned != 80 || res.Balance.Available != 80 {
		t.Fatalf("earned %d, balance %+v", res.Earned, res.Balance)
	}
	checkLedger(t, s)
}

// The card collects only 24 h after it is handed over; before that a
// receipt is refused (rewards.RefuseInactive words it for the cashier from
// the card's status and activation time), and nothing is kept.
func activationDelay(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	before, logged := eventCount(t, s)
	_, err := s.PostReceipt(ctx, receipt("R1", card, "2026-11-02T07:59:59Z", rewards.Line{SKU: "A", Qty: 1, Amount: 100}))
	wantCode(t, err, rewards.EREFUSED, "a receipt a second before the card activates")
	if n, _ := eventCount(t, s); logged && n != before {
		t.Fatalf("a refused receipt recorded %d events", n-before)
	}
	// Refused because the card is not active yet: it activates on 2 Nov at
	// 10:00 in Sofia, 24 h after it was handed over.
	if b := balance(t, s, card, "2026-11-02T07:59:59Z"); b.Status != rewards.CardIssued || b.Available != 0 ||
		b.ActiveFrom == nil || !b.ActiveFrom.Equal(ts("2026-11-02T08:00:00Z")) {
		t.Fatalf("before activation: %+v", b)
	}
	res := mustPost(t, s, receipt("R1", card, "2026-11-02T08:00:00Z", rewards.Line{SKU: "A", Qty: 1, Amount: 100}))
	if res.Earned != 4 || res.Balance.Status != rewards.CardActive || res.Balance.Available != 4 {
		t.Fatalf("at activation: %+v", res)
	}
	checkLedger(t, s)
}

// A card printed in a batch is not handed over; `card register` hands it
// over and the delay counts from then.
func batchCardRegister(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	c, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-10-01T08:00:00Z")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.PostReceipt(ctx, receipt("R1", c.Number, "2026-11-01T08:00:00Z", rewards.Line{SKU: "A", Qty: 1, Amount: 100}))
	wantCode(t, err, rewards.EREFUSED, "a receipt on a batch card not handed over")
	// Refused because it has not been handed over: it has no activation time yet.
	if got := cardAt(t, s, c.Number, "2026-11-01T08:00:00Z"); got.Status != rewards.CardIssued || got.HandedAt != nil || got.ActiveFrom != nil {
		t.Fatalf("batch card before it is handed over: %+v", got)
	}
	if _, err := s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}, Card: c.Number, Name: "Мария", Details: rewards.Details{Consent: true}}); err != nil {
		t.Fatal(err)
	}
	_, err = s.PostReceipt(ctx, receipt("R1", c.Number, "2026-11-02T07:00:00Z", rewards.Line{SKU: "A", Qty: 1, Amount: 100}))
	wantCode(t, err, rewards.EREFUSED, "a receipt before the handed-over card activates")
	// Refused because it activates on 2 Nov at 10:00 in Sofia, 24 h after registration.
	if got := cardAt(t, s, c.Number, "2026-11-02T07:00:00Z"); got.Status != rewards.CardIssued || got.ActiveFrom == nil || !got.ActiveFrom.Equal(ts("2026-11-02T08:00:00Z")) {
		t.Fatalf("batch card after registration, before activation: %+v", got)
	}
	mustPost(t, s, receipt("R1", c.Number, "2026-11-02T08:00:00Z", rewards.Line{SKU: "A", Qty: 1, Amount: 100}))
}

// The seed: 1 point per 0.50, 2 for own brand, members get twice what
// others get — on every line, so a member earns 4 per step of own brand.
// Membership counts from the moment it took effect.
func coopEarningSeedExample(t *testing.T, su suite) {
	s, _ := su.store(t, "coop", "step = 25 ", "step = 50 ")
	ordinary := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	member := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}, Member: true})
	late := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	if _, err := s.MakeMember(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts("2026-11-03T08:00:00Z")}, Card: late}); err != nil {
		t.Fatal(err)
	}
	lines := []rewards.Line{{SKU: "bread", Qty: 1, Amount: 50}, {SKU: "coop-milk", Qty: 1, Amount: 50, OwnBrand: true}}
	for _, c := range []struct {
		card, at string
		want     int64
	}{
		{ordinary, "2026-11-02T09:00:00Z", 1 + 2},
		{member, "2026-11-02T09:00:00Z", 2 + 4},
		{late, "2026-11-02T09:00:00Z", 3},
		{late, "2026-11-03T07:59:59Z", 3},
		{late, "2026-11-03T08:00:00Z", 6},
	} {
		id := "R-" + c.card + c.at
		res := mustPost(t, s, rewards.Receipt{ID: id, Store: "s1", Card: c.card, Time: ts(c.at), Lines: lines})
		if res.Earned != c.want {
			t.Errorf("%s at %s: earned %d, want %d", c.card, c.at, res.Earned, c.want)
		}
	}
	checkLedger(t, s)
}

// The welcome bonus is granted once per account when the phone is
// registered, spendable from the next Moscow midnight.
func welcomeNextDay(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T20:59:00Z")}, Details: rewards.Details{Phone: "+7 900 123-45-67", Consent: true}})
	b := balance(t, s, card, "2026-11-01T20:59:59Z")
	if b.Available != 0 || len(b.Pending) != 1 || b.Pending[0].Points != 500 || !b.Pending[0].AvailableFrom.Equal(ts("2026-11-01T21:00:00Z")) {
		t.Fatalf("before midnight: %+v", b)
	}
	if b := balance(t, s, card, "2026-11-01T21:00:00Z"); b.Available != 500 || len(b.Pending) != 0 {
		t.Fatalf("at midnight: %+v", b)
	}
	// Registering again, or on a replacement card, grants nothing more.
	if _, err := s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: ts("2026-11-02T10:00:00Z")}, Card: card, Details: rewards.Details{Phone: "+79001234567", Consent: true}}); err != nil {
		t.Fatal(err)
	}
	nc, err := s.ReplaceCard(ctx, rewards.CardReplace{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: card})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: nc.Number, Details: rewards.Details{Phone: "+79001234567", Consent: true}}); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, s, nc.Number, "2026-11-04T00:00:00Z"); b.Available != 500 {
		t.Fatalf("welcome granted twice: %+v", b)
	}
	// The same phone on another account is a conflict.
	other := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}})
	_, err = s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: other, Details: rewards.Details{Phone: "+7 (900) 123 45 67", Consent: true}})
	wantCode(t, err, rewards.ECONFLICT, "a phone registered to another account")
	if got := cardAt(t, s, other, "2026-11-03T10:00:00Z"); got.Phone != "" {
		t.Fatalf("the refused phone was registered: %+v", got)
	}
	checkLedger(t, s)
}

// Bonuses for a purchase become spendable 15 days after it; the rising
// scale ranks positions by their bonus, same SKUs and services grouped.
func bonusMaturationAndPositions(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}})
	res := mustPost(t, s, receipt("R1", card, "2026-11-02T10:00:00Z",
		rewards.Line{SKU: "case", Qty: 1, Amount: 99000, Bonus: 40},
		rewards.Line{SKU: "phone", Qty: 1, Amount: 2999000, Bonus: 600},
		rewards.Line{SKU: "setup", Qty: 1, Amount: 50000, Bonus: 30, Service: true},
		rewards.Line{SKU: "case", Qty: 2, Amount: 198000, Bonus: 40},
		rewards.Line{SKU: "sim", Qty: 1, Amount: 30000, Bonus: 60, Service: true},
		rewards.Line{SKU: "film", Qty: 1, Amount: 80000, Bonus: 50},
	))
	// phone 600×100% = 600; services (top 60) (30+60)×150% = 135;
	// film 50×200% = 100; cases 3×40×200% = 240.
	if res.Earned != 600+135+100+240 {
		t.Fatalf("earned %d: %+v", res.Earned, res.Lines)
	}
	want := []int64{80, 600, 45, 160, 90, 100}
	for i, l := range res.Lines {
		if l.Earned != want[i] {
			t.Errorf("line %d (%s) earned %d, want %d", i, l.SKU, l.Earned, want[i])
		}
	}
	if b := balance(t, s, card, "2026-11-17T09:59:59Z"); b.Available != 0 || len(b.Pending) != 1 || b.Pending[0].Points != res.Earned {
		t.Fatalf("before 15 days: %+v", b)
	}
	b := balance(t, s, card, "2026-11-17T10:00:00Z")
	if b.Available != res.Earned || len(b.Pending) != 0 {
		t.Fatalf("at 15 days: %+v", b)
	}
	// They expire 365 days after they became spendable.
	if len(b.Expiring) != 1 || !b.Expiring[0].ExpiresAt.Equal(ts("2027-11-17T10:00:00Z")) {
		t.Fatalf("expiring: %+v", b.Expiring)
	}
	checkLedger(t, s)
}

// At most 50 % of each line, spread over the lines in proportion, and never
// more than is available; paying with bonuses does not change what a
// receipt earns.
func payWithBonuses(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}, Details: rewards.Details{Phone: "+79001112233", Consent: true}})
	lines := []rewards.Line{{SKU: "a", Qty: 1, Amount: 40000, Bonus: 10}, {SKU: "b", Qty: 1, Amount: 20000, Bonus: 5}}
	r := receipt("R1", card, "2026-11-02T10:00:00Z", lines...)
	r.PayWithPoints = 1000
	q, err := s.QuoteReceipt(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if q.MaxSpend != 300 || q.Lines[0].MaxDiscount != 20000 || q.Lines[1].MaxDiscount != 10000 {
		t.Fatalf("quote %+v", q)
	}
	res := mustPost(t, s, r)
	if res.Spent != 300 || res.Discount != 30000 || res.Lines[0].Discount != 20000 || res.Lines[1].Discount != 10000 {
		t.Fatalf("spend %+v", res)
	}
	if res.Earned != 10+5*150/100 {
		t.Fatalf("earned %d", res.Earned)
	}
	// Only 200 are left: a request for more spends what there is.
	r2 := receipt("R2", card, "2026-11-02T11:00:00Z", rewards.Line{SKU: "c", Qty: 1, Amount: 100000})
	r2.PayWithPoints = 400
	res2 := mustPost(t, s, r2)
	if res2.Spent != 200 || res2.Balance.Available != 0 {
		t.Fatalf("second spend %+v", res2)
	}
	checkLedger(t, s)
}

// A return takes back what the returned lines earned: pending points are
// cancelled, matured ones come off the balance, even below zero; later
// accruals pay the debt back. Bonuses spent on the returned lines come back
// with their original expiry.
func returns(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}, Details: rewards.Details{Phone: "+79001112233", Consent: true}})
	// Welcome 500 from 2 Nov 00:00 Moscow (1 Nov 21:00 UTC), expiring a year later.
	r := receipt("R1", card, "2026-11-02T10:00:00Z",
		rewards.Line{SKU: "phone", Qty: 1, Amount: 2000000, Bonus: 400},
		rewards.Line{SKU: "case", Qty: 2, Amount: 100000, Bonus: 20})
	r.PayWithPoints = 500
	res := mustPost(t, s, r)
	// phone 400; cases 2×20×150% = 60.
	if res.Earned != 460 || res.Spent != 500 {
		t.Fatalf("receipt %+v", res)
	}
	// One case back while pending: the receipt would have earned 400 + 30.
	ret, err := s.PostReturn(ctx, rewards.Return{ID: "X1", Receipt: "R1", Time: ts("2026-11-05T10:00:00Z"), Lines: []rewards.ReturnLine{{SKU: "case", Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	// Discount on the cases' line: 50000 × 500 / ... spread; one of two back.
	caseDiscount := res.Lines[1].Discount
	if ret.TakeBack != 30 || ret.Refunded != rewards.RoundDiv(caseDiscount, 200) {
		t.Fatalf("return %+v (case discount %d)", ret, caseDiscount)
	}
	b := balance(t, s, card, "2026-11-05T10:00:00Z")
	if b.Available != ret.Refunded || len(b.Pending) != 1 || b.Pending[0].Points != 430 {
		t.Fatalf("after first return: %+v", b)
	}
	// The refund went back to the welcome lot: it expires with it.
	if len(b.Expiring) != 2 || !b.Expiring[0].ExpiresAt.Equal(ts("2027-11-01T21:00:00Z")) || b.Expiring[0].Points != ret.Refunded {
		t.Fatalf("refund expiry: %+v", b.Expiring)
	}
	// The phone comes back after maturation, once its bonuses were spent.
	spend := receipt("R2", card, "2026-11-20T10:00:00Z", rewards.Line{SKU: "tv", Qty: 1, Amount: 10000000})
	spend.PayWithPoints = 10000
	if got := mustPost(t, s, spend); got.Spent != 430+ret.Refunded {
		t.Fatalf("spent %d", got.Spent)
	}
	// The phone comes back: its bonuses were spent, and the 476 bonuses of
	// discount it carried come back to the welcome lot.
	ret2, err := s.PostReturn(ctx, rewards.Return{ID: "X2", Receipt: "R1", Time: ts("2026-11-21T10:00:00Z"), Lines: []rewards.ReturnLine{{SKU: "phone", Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	// Left: one case, alone: 20 × 100 %; taken back 430 − 20 = 410.
	if ret2.TakeBack != 410 || ret2.Refunded != 476 {
		t.Fatalf("second return %+v", ret2)
	}
	if b := balance(t, s, card, "2026-11-21T10:00:00Z"); b.Available != 476-410 {
		t.Fatalf("after second return: %+v", b)
	}
	// Spend the rest, then return a matured purchase: the balance goes below zero.
	mustPost(t, s, receipt("R4", card, "2026-11-21T10:00:00Z", rewards.Line{SKU: "tab", Qty: 1, Amount: 100000, Bonus: 100}))
	spend = receipt("R5", card, "2026-12-07T10:00:00Z", rewards.Line{SKU: "tv", Qty: 1, Amount: 10000000})
	spend.PayWithPoints = 10000
	if got := mustPost(t, s, spend); got.Spent != 66+100 {
		t.Fatalf("spent %d", got.Spent)
	}
	if _, err := s.PostReturn(ctx, rewards.Return{ID: "X4", Receipt: "R4", Time: ts("2026-12-08T10:00:00Z"), Lines: []rewards.ReturnLine{{SKU: "tab", Qty: 1}}}); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, s, card, "2026-12-08T10:00:00Z"); b.Available != -100 {
		t.Fatalf("debt: %+v", b)
	}
	// A later accrual pays the debt back first.
	more := mustPost(t, s, receipt("R6", card, "2026-12-09T10:00:00Z", rewards.Line{SKU: "tv2", Qty: 1, Amount: 100, Bonus: 150}))
	if more.Balance.Available != 0 || len(more.Balance.Pending) != 1 || more.Balance.Pending[0].Points != 50 {
		h, _ := s.History(ctx, card)
		for _, e := range h {
			t.Logf("%+v", e)
		}
		t.Fatalf("debt repaid: %+v", more.Balance)
	}
	// Returning more than was bought is refused (a SKU the receipt does not
	// have would be invalid), and changes nothing.
	hist, err := s.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.PostReturn(ctx, rewards.Return{ID: "X3", Receipt: "R1", Time: ts("2026-11-22T10:00:00Z"), Lines: []rewards.ReturnLine{{SKU: "case", Qty: 2}}})
	wantCode(t, err, rewards.EREFUSED, "returning 2 cases when 1 is left to return")
	if h, err := s.History(ctx, card); err != nil || !reflect.DeepEqual(h, hist) {
		t.Fatalf("a refused return changed the history: %+v %v", h, err)
	}
	checkLedger(t, s)
}

// take_back_days: only returns within N days of the sale take points back.
func returnTakeBackDays(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus", "take_back_days = 0 ", "take_back_days = 14 ")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}})
	mustPost(t, s, receipt("R1", card, "2026-11-01T10:00:00Z",
		rewards.Line{SKU: "a", Qty: 1, Amount: 1000, Bonus: 10}, rewards.Line{SKU: "b", Qty: 1, Amount: 1000, Bonus: 10}))
	for _, c := range []struct {
		id, at string
		sku    string
		want   int64
	}{
		{"X1", "2026-11-15T10:00:00Z", "a", 15}, // 14 days exactly: 10 + 15 → 10
		{"X2", "2026-11-15T10:00:01Z", "b", 0},
	} {
		ret, err := s.PostReturn(ctx, rewards.Return{ID: c.id, Receipt: "R1", Time: ts(c.at), Lines: []rewards.ReturnLine{{SKU: c.sku, Qty: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if ret.TakeBack != c.want {
			t.Errorf("%s: took back %d, want %d", c.id, ret.TakeBack, c.want)
		}
	}
}

// A lost card is blocked and replaced: lots with their dates, the purchase
// total and the household links move to the new card; the old number
// answers "replaced".
func lostCard(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	old := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}, Details: rewards.Details{Phone: "+79005556677", Consent: true}})
	fam := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}})
	if _, err := s.LinkCard(ctx, rewards.CardLink{Meta: rewards.Meta{At: ts("2026-11-01T11:00:00Z")}, Card: fam, Holder: old}); err != nil {
		t.Fatal(err)
	}
	mustPost(t, s, receipt("R1", old, "2026-11-02T10:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500000, Bonus: 100}))
	before := balance(t, s, old, "2026-11-03T10:00:00Z")
	if _, err := s.BlockCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts("2026-11-03T09:00:00Z")}, Card: old}); err != nil {
		t.Fatal(err)
	}
	_, err := s.PostReceipt(ctx, receipt("R2", old, "2026-11-03T09:30:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 100}))
	wantCode(t, err, rewards.EREFUSED, "a receipt on a blocked card")
	if c := cardAt(t, s, old, "2026-11-03T09:30:00Z"); c.Status != rewards.CardBlocked {
		t.Fatalf("blocked card: %+v", c)
	}
	nc, err := s.ReplaceCard(ctx, rewards.CardReplace{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: old})
	if err != nil {
		t.Fatal(err)
	}
	after := balance(t, s, nc.Number, "2026-11-03T10:00:00Z")
	after.Card, before.Card = "", ""
	after.ActiveFrom, before.ActiveFrom = nil, nil
	if after.Status != rewards.CardActive || after.Available != before.Available ||
		len(after.Pending) != 1 || !after.Pending[0].AvailableFrom.Equal(before.Pending[0].AvailableFrom) ||
		after.Pending[0].Points != 100 || after.Available != 500 {
		t.Fatalf("moved balance %+v, was %+v", after, before)
	}
	if b := balance(t, s, old, "2026-11-03T10:00:00Z"); b.Status != rewards.CardReplaced {
		t.Fatalf("old card: %+v", b)
	}
	_, err = s.PostReceipt(ctx, receipt("R3", old, "2026-11-03T11:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 100}))
	wantCode(t, err, rewards.EREFUSED, "a receipt on a replaced card")
	if c := cardAt(t, s, old, "2026-11-03T11:00:00Z"); c.Status != rewards.CardReplaced || c.ReplacedBy != nc.Number {
		t.Fatalf("replaced card: %+v", c)
	}
	if f, err := s.Card(ctx, fam, ts("2026-11-03T11:00:00Z")); err != nil || f.Holder != nc.Number {
		t.Fatalf("family link not moved: %+v %v", f, err)
	}
	// History of the new card includes the old card's entries.
	h, err := s.History(ctx, nc.Number)
	if err != nil || len(h) != 2 || h[0].Kind != rewards.EntryWelcome || h[1].Card != old {
		t.Fatalf("history %+v %v", h, err)
	}
	// The purchase total moves too, and goes on from there; a purchase
	// that earns nothing counts as well.
	if c, err := s.Card(ctx, nc.Number, ts("2026-11-03T11:00:00Z")); err != nil || c.PurchaseTotal != 500000 {
		t.Fatalf("purchase total on the new card: %+v %v", c, err)
	}
	mustPost(t, s, receipt("R4", nc.Number, "2026-11-03T12:00:00Z", rewards.Line{SKU: "b", Qty: 1, Amount: 2500, Bonus: 7}))
	mustPost(t, s, receipt("R5", nc.Number, "2026-11-03T13:00:00Z", rewards.Line{SKU: "c", Qty: 1, Amount: 300}))
	if c, err := s.Card(ctx, nc.Number, ts("2026-11-03T13:00:00Z")); err != nil || c.PurchaseTotal != 500000+2500+300 {
		t.Fatalf("purchase total after more purchases: %+v %v", c, err)
	}
	checkLedger(t, s)
}

// With pooling, a family card keeps its number and history but earns into
// the holder's account, and its points move over with their dates.
func familyPooling(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	holder := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	fam := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	mustPost(t, s, receipt("H1", holder, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 250}))
	mustPost(t, s, receipt("F1", fam, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500}))
	if _, err := s.LinkCard(ctx, rewards.CardLink{Meta: rewards.Meta{At: ts("2026-11-03T09:00:00Z")}, Card: fam, Holder: holder, Pool: true}); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, s, holder, "2026-11-03T09:00:00Z"); b.Available != 10+20 {
		t.Fatalf("holder after pooling: %+v", b)
	}
	mustPost(t, s, receipt("F2", fam, "2026-11-04T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 100}))
	if b := balance(t, s, holder, "2026-11-04T09:00:00Z"); b.Available != 34 {
		t.Fatalf("holder after family receipt: %+v", b)
	}
	// Purchase totals pool too: both cards now show the household's.
	mustPost(t, s, receipt("F3", fam, "2026-11-04T10:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 10}))
	for _, n := range []string{holder, fam} {
		if c, err := s.Card(ctx, n, ts("2026-11-04T10:00:00Z")); err != nil || c.PurchaseTotal != 250+500+100+10 {
			t.Fatalf("purchase total of %s after pooling: %+v %v", n, c, err)
		}
	}
	h, err := s.History(ctx, fam)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range h {
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, ",") != "earn,move-out,earn" {
		t.Fatalf("family history %v", kinds)
	}
	// The pooled family card shares the holder's account: its phone is the
	// holder's, and registering another one on it is refused.
	_, err = s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: ts("2026-11-04T09:00:00Z")}, Card: fam, Details: rewards.Details{Phone: "+359888123456", Consent: true}})
	wantCode(t, err, rewards.EREFUSED, "a phone registered on a pooled family card")
	if c := cardAt(t, s, fam, "2026-11-04T09:00:00Z"); !c.Pooled || c.Holder != holder || c.Phone != "" {
		t.Fatalf("pooled family card after the refused phone: %+v", c)
	}
	// A holder cannot itself be a family card.
	third := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	_, err = s.LinkCard(ctx, rewards.CardLink{Meta: rewards.Meta{At: ts("2026-11-04T09:00:00Z")}, Card: third, Holder: fam})
	wantCode(t, err, rewards.EREFUSED, "a link to a family card as holder")
	if c := cardAt(t, s, third, "2026-11-04T09:00:00Z"); c.Holder != "" || c.Pooled {
		t.Fatalf("linked to a family card: %+v", c)
	}
	checkLedger(t, s)
}

// Vouchers: exchanging spends points now; claiming marks the voucher used;
// cancelling, or letting it lapse, gives the same lots back.
func vouchers(t *testing.T, su suite) {
	s, clk := su.store(t, "coop", `after = "never"`, `after = "60d"`)
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	stock := int64(2)
	MustPlaces(t, s, "coop-sofia")
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}, Reward: rewards.Reward{
		ID: "mug", Coop: "coop-sofia", Names: rewards.Names{BG: "Чаша", EN: "Mug"}, Points: 40, Stock: &stock}}); err != nil {
		t.Fatal(err)
	}
	mustPost(t, s, receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500})) // 100 points
	v1, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-02T10:00:00Z")}, Card: card, Reward: "mug"})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Points != 40 || v1.Status != rewards.VoucherOpen || !v1.ValidUntil.Equal(ts("2026-12-02T10:00:00Z")) {
		t.Fatalf("voucher %+v", v1)
	}
	if _, err := s.ClaimVoucher(ctx, rewards.VoucherAction{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Code: strings.ToLower(v1.Code)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.ClaimVoucher(ctx, rewards.VoucherAction{Meta: rewards.Meta{At: ts("2026-11-03T11:00:00Z")}, Code: v1.Code})
	wantCode(t, err, rewards.EREFUSED, "claiming a voucher twice")
	if v, err := s.Voucher(ctx, v1.Code); err != nil || v.Status != rewards.VoucherClaimed || v.ClosedAt == nil || !v.ClosedAt.Equal(ts("2026-11-03T10:00:00Z")) {
		t.Fatalf("claimed voucher: %+v %v", v, err)
	}
	v2, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: card, Reward: "mug"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: card, Reward: "mug"})
	wantCode(t, err, rewards.EREFUSED, "a third mug of two")
	if board, err := s.Rewards(ctx, "coop-sofia", ""); err != nil || len(board) != 1 || board[0].Stock == nil || *board[0].Stock != 0 {
		t.Fatalf("board with both mugs taken: %+v %v", board, err)
	}
	if _, err := s.CancelVoucher(ctx, rewards.VoucherAction{Meta: rewards.Meta{At: ts("2026-11-04T10:00:00Z")}, Code: v2.Code}); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, s, card, "2026-11-04T10:00:00Z"); b.Available != 60 {
		t.Fatalf("after cancel: %+v", b)
	}
	// Not enough points: refused, nothing changes.
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "pan", Coop: "coop-sofia", Names: rewards.Names{EN: "Pan"}, Points: 500}}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-04T10:00:00Z")}, Card: card, Reward: "pan"})
	wantCode(t, err, rewards.EREFUSED, "a reward of 500 points")
	if b := balance(t, s, card, "2026-11-04T10:00:00Z"); b.Available != 60 {
		t.Fatalf("after a redemption refused for want of points: %+v", b)
	}
	// A voucher left unclaimed lapses after 720 h and its points come back;
	// the lot it used expires on 1 Jan 2027 (60 days after 2 Nov).
	v3, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-12-10T10:00:00Z")}, Card: card, Reward: "mug"})
	if err != nil {
		t.Fatal(err)
	}
	if b := balance(t, s, card, "2026-12-10T10:00:00Z"); b.Available != 20 {
		t.Fatalf("after third voucher: %+v", b)
	}
	if b := balance(t, s, card, "2026-12-31T10:00:00Z"); b.Available != 20 {
		t.Fatalf("preview before lapse: %+v", b)
	}
	_, err = s.ClaimVoucher(ctx, rewards.VoucherAction{Meta: rewards.Meta{At: ts("2027-01-09T10:00:00Z")}, Code: v3.Code})
	wantCode(t, err, rewards.EREFUSED, "claiming a voucher at the end of its validity")
	clk.set(ts("2027-01-09T10:00:00Z"))
	if v, err := s.Voucher(ctx, v3.Code); err != nil || v.Status != rewards.VoucherExpired || !v.ValidUntil.Equal(ts("2027-01-09T10:00:00Z")) {
		t.Fatalf("lapsed voucher: %+v %v", v, err)
	}
	// The board counts the lapsed voucher's mug back in stock at once.
	board, err := s.Rewards(ctx, "coop-sofia", "")
	if err != nil || len(board) != 2 || board[0].ID != "mug" || *board[0].Stock != 1 {
		t.Fatalf("board after lapse: %+v %v", board, err)
	}
	// The points came back to a lot that had already expired: they stay expired.
	if b := balance(t, s, card, "2027-01-09T10:00:00Z"); b.Available != 0 {
		t.Fatalf("after lapse: %+v", b)
	}
	// The next receipt records what time did: the lot expired on 1 Jan,
	// the voucher lapsed on 9 Jan and its points expired as they came back.
	mustPost(t, s, receipt("R2", card, "2027-01-10T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 25}))
	h, err := s.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range h {
		kinds = append(kinds, e.Kind)
	}
	if got := strings.Join(kinds, ","); got != "earn,redeem,redeem,voucher-back,redeem,expire,voucher-back,expire,earn" {
		t.Fatalf("history %s", got)
	}
	checkLedger(t, s)
}

// Posting the same id with the same body returns the first result and
// changes nothing; a different body is a conflict.
func idempotency(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	r := receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500})
	first := mustPost(t, s, r)
	n, logged := eventCount(t, s)
	again := mustPost(t, s, r)
	if m, _ := eventCount(t, s); again.Earned != first.Earned || again.Balance.Available != 20 || logged && m != n {
		t.Fatalf("repeat changed something: %+v", again)
	}
	r.Lines[0].Amount = 600
	_, err := s.PostReceipt(ctx, r)
	wantCode(t, err, rewards.ECONFLICT, "a receipt id again with different contents")
	// In one batch too.
	r2 := receipt("R2", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500})
	res, err := s.PostReceipts(ctx, []rewards.Receipt{r2, r2, r})
	if err != nil || len(res) != 3 || res[0].Err != nil || res[1].Err != nil || res[1].Earned != res[0].Earned || rewards.ErrorCode(res[2].Err) != rewards.ECONFLICT {
		t.Fatalf("batch: %+v %v", res, err)
	}
	if b := balance(t, s, card, "2026-11-02T09:00:00Z"); b.Available != 40 {
		t.Fatalf("balance %+v", b)
	}
	checkLedger(t, s)
}

// A batch of receipts answers and leaves the ledger as posting them one
// by one does: each receipt sees what those before it in the batch did (a
// lot earned earlier in the batch pays for a later one; a second copy is a
// repeat), whatever the store holds back until the batch ends.
func batchAsOneByOne(t *testing.T, su suite) {
	day := func(d int, hour string) string { return fmt.Sprintf("2026-11-%02dT%s:00Z", d, hour) }
	receipts := func(card string) []rewards.Receipt {
		var rs []rewards.Receipt
		for d := 2; d <= 20; d += 3 {
			r := receipt(fmt.Sprintf("R%d", d), card, day(d, "10:00"), rewards.Line{SKU: "a", Qty: 1, Amount: 90000, Bonus: 300},
				rewards.Line{SKU: "b", Qty: 2, Amount: 20000, Bonus: 40})
			if d == 20 {
				r.PayWithPoints = 700 // more than the welcome bonus: the lots the batch earned pay the rest
			}
			rs = append(rs, r)
		}
		return append(rs, rs[len(rs)-1]) // the last again: a repeat
	}
	type outcome struct {
		Earned, Spent, Discount int64
		Lines                   []rewards.LineResult
	}
	var want []outcome
	var wantBalance rewards.Balance
	for _, batch := range []bool{false, true} {
		s, clk := su.store(t, "bonus")
		clk.set(ts("2026-11-21T00:00:00Z"))
		card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}, Details: rewards.Details{Phone: "+79001112233", Consent: true}})
		var got []outcome
		if batch {
			res, err := s.PostReceipts(ctx, receipts(card))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					t.Fatalf("batch: %s: %v", r.Receipt, r.Err)
				}
				got = append(got, outcome{r.Earned, r.Spent, r.Discount, r.Lines})
			}
		} else {
			for _, r := range receipts(card) {
				res := mustPost(t, s, r)
				got = append(got, outcome{res.Earned, res.Spent, res.Discount, res.Lines})
			}
		}
		b := balance(t, s, card, "2026-11-21T00:00:00Z")
		b.Card = ""
		if !batch {
			want, wantBalance = got, b
			if got[6].Spent <= 500 {
				t.Fatalf("one by one, no receipt spends what an earlier one earned: %+v", got)
			}
		} else {
			if !reflect.DeepEqual(got, want) {
				t.Errorf("a batch answered\n%+v\none by one\n%+v", got, want)
			}
			if !reflect.DeepEqual(b, wantBalance) {
				t.Errorf("after a batch the balance is\n%+v\none by one\n%+v", b, wantBalance)
			}
		}
		checkLedger(t, s)
	}
}

// A repeated receipt gets the first result back whole, lines and discounts
// included, after other receipts, a program change and a return: results
// of receipts are rebuilt from the receipt and the facts kept with it.
func repeatReturnsFirstResult(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}, Details: rewards.Details{Phone: "+79161234567", Consent: true}, Member: true})
	r := receipt("R1", card, "2026-11-20T09:00:00Z",
		rewards.Line{SKU: "phone", Qty: 1, Amount: 300000, Bonus: 900},
		rewards.Line{SKU: "case", Qty: 2, Amount: 4000, Bonus: 40},
		rewards.Line{SKU: "fit", Qty: 1, Amount: 999, Service: true, Bonus: 5})
	r.PayWithPoints = 333
	first, err := s.PostReceipt(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	first.Balance = nil
	if first.Spent != 333 || first.Discount != 33300 {
		t.Fatalf("first: %+v", first)
	}
	mustPost(t, s, receipt("R2", card, "2026-11-21T09:00:00Z", rewards.Line{SKU: "x", Qty: 1, Amount: 1000, Bonus: 10}))
	p, err := s.Program(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p2 := *p
	p2.Earn.PositionPercent = []int64{100}
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: ts("2026-11-21T10:00:00Z")}, Program: &p2}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostReturn(ctx, rewards.Return{ID: "RET1", Receipt: "R1", Time: ts("2026-11-22T09:00:00Z"),
		Lines: []rewards.ReturnLine{{SKU: "case", Qty: 1}}}); err != nil {
		t.Fatal(err)
	}
	for _, post := range []func() (rewards.ReceiptResult, error){
		func() (rewards.ReceiptResult, error) { return s.PostReceipt(ctx, r) },
		func() (rewards.ReceiptResult, error) {
			res, err := s.PostReceipts(ctx, []rewards.Receipt{r})
			if err != nil {
				return rewards.ReceiptResult{}, err
			}
			return res[0].ReceiptResult, res[0].Err
		},
	} {
		again, err := post()
		if err != nil {
			t.Fatal(err)
		}
		again.Balance = nil
		if !reflect.DeepEqual(again, first) {
			t.Fatalf("repeat:\n got %+v\nwant %+v", again, first)
		}
	}
}

// A program installed under an id and installed again with that id answers
// the version it installed, even once a later version is in force, and
// records nothing more; the id with another program is a conflict, even
// when that program is the one in force. Installing the program in force
// under a new id changes nothing.
func programInstallRepeat(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	cur, err := s.Program(ctx)
	if err != nil {
		t.Fatal(err)
	}
	install := func(id, at string, p rewards.Program) (*rewards.Program, error) {
		return s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{ID: id, At: ts(at)}, Program: &p})
	}
	p2, p3 := *cur, *cur
	p2.Earn.Points = 2
	p3.Earn.Points = 3
	first, err := install("prog-2", "2026-11-02T08:00:00Z", p2)
	if err != nil || first.Version != cur.Version+1 || first.Earn.Points != 2 {
		t.Fatalf("install: %+v %v", first, err)
	}
	n, logged := eventCount(t, s)
	again, err := install("prog-2", "2026-11-02T08:00:00Z", p2)
	if m, _ := eventCount(t, s); err != nil || again.Version != first.Version || logged && m != n {
		t.Fatalf("repeat: %+v %v", again, err)
	}
	if _, err := install("prog-3", "2026-11-03T08:00:00Z", p3); err != nil {
		t.Fatal(err)
	}
	n, _ = eventCount(t, s)
	again, err = install("prog-2", "2026-11-02T08:00:00Z", p2)
	if m, _ := eventCount(t, s); err != nil || again.Version != first.Version || again.Earn.Points != 2 || logged && m != n {
		t.Fatalf("repeat after a later version: %+v %v", again, err)
	}
	if p, err := s.Program(ctx); err != nil || p.Earn.Points != 3 {
		t.Fatalf("a repeat changed the program in force: %+v %v", p, err)
	}
	_, err = install("prog-2", "2026-11-02T08:00:00Z", p3)
	wantCode(t, err, rewards.ECONFLICT, "a program id again with the program in force")
	same, err := install("prog-4", "2026-11-04T08:00:00Z", p3)
	if m, _ := eventCount(t, s); err != nil || same.Version != first.Version+1 || logged && m != n {
		t.Fatalf("the program in force again: %+v %v", same, err)
	}
	checkLedger(t, s)
}

// A receipt recorded by an earlier version, whose body wrote every field
// out, is still the same receipt to a retry; a retry with other contents is

// Lots expire at expires_at exactly; a later operation records the expiry.
func expiry(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus", `after = "365d"`, `after = "30d"`)
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}})
	mustPost(t, s, receipt("R1", card, "2026-11-01T10:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 1000, Bonus: 70}))
	// Spendable from 16 Nov 10:00, expires 16 Dec 10:00.
	if b := balance(t, s, card, "2026-12-16T09:59:59Z"); b.Available != 70 || len(b.Expiring) != 1 || !b.Expiring[0].ExpiresAt.Equal(ts("2026-12-16T10:00:00Z")) {
		t.Fatalf("before expiry: %+v", b)
	}
	if b := balance(t, s, card, "2026-12-16T10:00:00Z"); b.Available != 0 || len(b.Expiring) != 0 {
		t.Fatalf("at expiry: %+v", b)
	}
	mustPost(t, s, receipt("R2", card, "2026-12-20T10:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 1000, Bonus: 5}))
	h, _ := s.History(ctx, card)
	if len(h) != 3 || h[1].Kind != rewards.EntryExpire || h[1].Points != -70 || !h[1].At.Equal(ts("2026-12-16T10:00:00Z")) {
		t.Fatalf("history %+v", h)
	}
	checkLedger(t, s)
}

// Points a lapsed voucher gives back to a lot that has expired stay expired:
// they pay no debt, in the preview or in the ledger.
func expiredPointsPayNoDebt(t *testing.T, su suite) {
	s, _ := su.store(t, "coop", `after = "never"`, `after = "60d"`)
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	MustPlaces(t, s, "c")
	for id, pts := range map[string]int64{"big": 100, "small": 20} {
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: id, Coop: "c", Names: rewards.Names{EN: id}, Points: pts}}); err != nil {
			t.Fatal(err)
		}
	}
	mustPost(t, s, receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500})) // 100, expiring 1 Jan
	if _, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-12-10T10:00:00Z")}, Card: card, Reward: "big"}); err != nil {
		t.Fatal(err)
	}
	mustPost(t, s, receipt("R2", card, "2026-12-11T10:00:00Z", rewards.Line{SKU: "b", Qty: 1, Amount: 500})) // 20
	if _, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-12-11T11:00:00Z")}, Card: card, Reward: "small"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostReturn(ctx, rewards.Return{ID: "X2", Receipt: "R2", Time: ts("2026-12-12T10:00:00Z"), Lines: []rewards.ReturnLine{{SKU: "b", Qty: 1}}}); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, s, card, "2027-01-10T10:00:00Z"); b.Available != -20 {
		t.Fatalf("preview after the lapse: %+v", b)
	}
	mustPost(t, s, receipt("R3", card, "2027-01-10T10:00:00Z", rewards.Line{SKU: "c", Qty: 1, Amount: 10}))
	if b := balance(t, s, card, "2027-01-10T10:00:00Z"); b.Available != -20 {
		t.Fatalf("ledger after the lapse: %+v", b)
	}
	checkLedger(t, s)
}

// A reward whose last voucher lapsed unclaimed is back in stock for the
// next customer, and a redemption retried under its id gets the same voucher.
func stockAfterLapseAndRetry(t *testing.T, su suite) {
	s, clk := su.store(t, "coop")
	a := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	b := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	mustPost(t, s, receipt("RA", a, "2026-11-02T09:00:00Z", rewards.Line{SKU: "x", Qty: 1, Amount: 2500}))
	mustPost(t, s, receipt("RB", b, "2026-11-02T09:00:00Z", rewards.Line{SKU: "x", Qty: 1, Amount: 2500}))
	one := int64(1)
	MustPlaces(t, s, "c")
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "one", Coop: "c", Names: rewards.Names{EN: "One"}, Points: 60, Stock: &one}}); err != nil {
		t.Fatal(err)
	}
	clk.set(ts("2026-11-03T10:00:00Z"))
	v, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{ID: "kiosk-7/1"}, Card: a, Reward: "one"})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(2 * time.Second) // the kiosk retries after a timeout
	again, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{ID: "kiosk-7/1"}, Card: a, Reward: "one"})
	if err != nil || again.Code != v.Code {
		t.Fatalf("retry: %+v %v, first %s", again, err, v.Code)
	}
	_, err = s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-04T10:00:00Z")}, Card: b, Reward: "one"})
	wantCode(t, err, rewards.EREFUSED, "a reward whose only one is taken")
	if board, err := s.Rewards(ctx, "c", ""); err != nil || len(board) != 1 || board[0].Stock == nil || *board[0].Stock != 0 {
		t.Fatalf("board with the only one taken: %+v %v", board, err)
	}
	// A's voucher lapses on 3 Dec; B can have the reward the day after.
	if _, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-12-04T10:00:00Z")}, Card: b, Reward: "one"}); err != nil {
		t.Fatal(err)
	}
	if got := balance(t, s, a, "2026-12-04T10:00:00Z"); got.Available != 100 {
		t.Fatalf("A after the lapse: %+v", got)
	}
	clk.set(ts("2026-12-04T10:00:00Z"))
	board, err := s.Rewards(ctx, "c", "")
	if err != nil || *board[0].Stock != 0 {
		t.Fatalf("board %+v %v", board, err)
	}
	checkLedger(t, s)
}

// A balance previewed at a moment is the balance the ledger records at that
// moment: after a redemption and a return that leaves a debt, the points
// the lapsing voucher gives back pay the debt in the preview as they do in
// the ledger, and nothing is left to expire.
func previewAgreesWithLedger(t *testing.T, su suite) {
	s, _ := su.store(t, "coop", `after = "never"`, `after = "365d"`)
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	MustPlaces(t, s, "c")
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "pan", Coop: "c", Names: rewards.Names{EN: "Pan"}, Points: 100}}); err != nil {
		t.Fatal(err)
	}
	mustPost(t, s, receipt("R1", card, "2026-11-03T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500})) // 100, expiring 3 Nov 2027
	if _, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-04T10:00:00Z")}, Card: card, Reward: "pan"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostReturn(ctx, rewards.Return{ID: "X1", Receipt: "R1", Time: ts("2026-11-05T10:00:00Z"), Lines: []rewards.ReturnLine{{SKU: "a", Qty: 1}}}); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, s, card, "2026-11-05T10:00:00Z"); b.Available != -100 {
		t.Fatalf("after the return: %+v", b)
	}
	// The voucher lapses on 4 Dec; its 100 points come back and pay the debt.
	const later = "2026-12-10T10:00:00Z"
	preview := balance(t, s, card, later)
	mustPost(t, s, receipt("R2", card, later, rewards.Line{SKU: "b", Qty: 1, Amount: 10}))
	recorded := balance(t, s, card, later)
	if preview.Available != 0 || len(preview.Expiring) != 0 || len(preview.Pending) != 0 {
		t.Errorf("preview: %+v, want nothing available, pending or expiring", preview)
	}
	if !reflect.DeepEqual(preview, recorded) {
		t.Errorf("preview %+v, recorded %+v", preview, recorded)
	}
	checkLedger(t, s)
}

// cancelAfter is a context cancelled at the n-th look at its Done channel:
// tried with every n, it cancels a command at every step it takes.
type cancelAfter struct {
	context.Context
	mu    sync.Mutex
	looks int
	n     int
	done  chan struct{}
}

func (c *cancelAfter) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.looks++; c.looks == c.n {
		close(c.done)
	}
	return c.done
}

func (c *cancelAfter) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// A command whose context is cancelled part-way returns (with the
// context's error, or done) instead of spinning, and leaves the ledger
// whole: a voucher is made with its points spent, or neither.
func cancelledMidCommand(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	mustPost(t, s, receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 250000})) // 10,000 points
	MustPlaces(t, s, "c")
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "pin", Coop: "c", Names: rewards.Names{EN: "Pin"}, Points: 1}}); err != nil {
		t.Fatal(err)
	}
	made := 0
	for n := 1; n <= 80; n++ {
		c := &cancelAfter{Context: context.Background(), n: n, done: make(chan struct{})}
		errc := make(chan error, 1)
		go func() {
			_, err := s.Redeem(c, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: card, Reward: "pin"})
			errc <- err
		}()
		select {
		case err := <-errc:
			if err == nil {
				made++
			} else if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled at look %d: %v, want the context's error", n, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("a redemption cancelled at look %d is still running after 20 s", n)
		}
	}
	if b := balance(t, s, card, "2026-11-03T10:00:00Z"); b.Available != 10_000-int64(made) {
		t.Fatalf("%d vouchers made, balance %d", made, b.Available)
	}
	checkLedger(t, s)
}
