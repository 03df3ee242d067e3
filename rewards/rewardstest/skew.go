package rewardstest

import (
	"reflect"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// A command dated more than [ledger] max_clock_skew (10 minutes) ahead of
// the ledger's clock is refused and records nothing; one dated inside the
// skew is taken, and time records nothing later than the clock for it: a
// lot and a voucher whose ends fall between the clock and the command's
// date are still open as far as the ledger records. The clock stays still
// here, as a ledger's does while a till whose clock runs fast sends a sale.
func futureDatedRefused(t *testing.T, su suite) {
	s, clk := su.fixedStore(t, "coop", `after = "never"`, `after = "72h"`, `voucher_valid = "720h"`, `voucher_valid = "72h"`)
	const now = "2026-11-05T10:00:00Z"
	clk.set(ts(now))
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	MustPlaces(t, s, "c")
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")},
		Reward: rewards.Reward{ID: "mug", Coop: "c", Names: rewards.Names{EN: "Mug"}, Points: 40}}); err != nil {
		t.Fatal(err)
	}
	// 100 points, expiring on 5 Nov at 10:02; a voucher of 40, valid until 10:03.
	mustPost(t, s, receipt("R1", card, "2026-11-02T10:02:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500}))
	v, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-02T10:03:00Z")}, Card: card, Reward: "mug"})
	if err != nil {
		t.Fatal(err)
	}
	if !v.ValidUntil.Equal(ts("2026-11-05T10:03:00Z")) {
		t.Fatalf("voucher valid until %s, want 5 Nov 10:03", v.ValidUntil)
	}
	before := balance(t, s, card, now)
	if before.Available != 60 || len(before.Expiring) != 1 || !before.Expiring[0].ExpiresAt.Equal(ts("2026-11-05T10:02:00Z")) {
		t.Fatalf("at the clock's time: %+v", before)
	}
	events, logged := eventCount(t, s)

	// Dated in 2028, years ahead of the clock: refused, nothing recorded.
	_, err = s.PostReceipt(ctx, receipt("R2", card, "2028-01-01T00:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500}))
	wantCode(t, err, rewards.EREFUSED, "a receipt dated 2028 on a ledger whose clock reads 5 Nov 2026")
	_, err = s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2028-01-01T00:00:00Z")}, Card: card, Reward: "mug"})
	wantCode(t, err, rewards.EREFUSED, "a redemption dated 2028 on a ledger whose clock reads 5 Nov 2026")
	if n, _ := eventCount(t, s); logged && n != events {
		t.Fatalf("refused commands dated ahead recorded %d events", n-events)
	}
	if b := balance(t, s, card, now); !reflect.DeepEqual(b, before) {
		t.Fatalf("after the refused commands: %+v, was %+v", b, before)
	}
	if got, err := s.Voucher(ctx, v.Code); err != nil || got.Status != rewards.VoucherOpen {
		t.Fatalf("voucher after the refused commands: %+v %v", got, err)
	}
	if h, err := s.History(ctx, card); err != nil || len(h) != 2 {
		t.Fatalf("history after the refused commands: %+v %v", h, err)
	}

	// Dated 5 minutes ahead, inside the skew: taken. The lot's expiry
	// (10:02) and the voucher's lapse (10:03) fall before its date but after
	// the clock: the ledger records neither yet.
	res := mustPost(t, s, receipt("R3", card, "2026-11-05T10:05:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 250}))
	if res.Earned != 10 {
		t.Fatalf("receipt inside the skew: %+v", res)
	}
	h, err := s.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range h {
		if e.Kind == rewards.EntryExpire || e.Kind == rewards.EntryVoucherBack {
			t.Errorf("recorded %s of %d at %s, with the clock at %s", e.Kind, e.Points, e.At.Format(time.RFC3339), now)
		}
		if e.At.After(ts(now)) && e.Kind != rewards.EntryEarn {
			t.Errorf("recorded %s at %s, later than the clock (%s)", e.Kind, e.At.Format(time.RFC3339), now)
		}
	}
	// The voucher is open: claimed at the clock's time, it is used.
	got, err := s.ClaimVoucher(ctx, rewards.VoucherAction{Meta: rewards.Meta{At: ts(now)}, Code: v.Code})
	if err != nil || got.Status != rewards.VoucherClaimed {
		t.Fatalf("claim at the clock's time of a voucher valid until 10:03: %+v %v", got, err)
	}
	checkLedger(t, s)
	// Later, the log replays as it was recorded: what the clock held back
	// then is held back in the replay too.
	clk.set(ts("2026-11-05T10:10:00Z"))
	checkLedger(t, s)
}

// A balance or a card may be read at any moment, years ahead of the
// ledger's clock included: a preview is never refused, moves nothing and
// records nothing.
func previewFarAhead(t *testing.T, su suite) {
	s, clk := su.fixedStore(t, "bonus")
	const now = "2026-11-02T10:00:00Z"
	clk.set(ts(now))
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T10:00:00Z")}})
	mustPost(t, s, receipt("R1", card, now, rewards.Line{SKU: "a", Qty: 1, Amount: 1000, Bonus: 70}))
	hist, err := s.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	events, logged := eventCount(t, s)
	// Spendable from 17 Nov 2026, expiring on 17 Nov 2027.
	if b := balance(t, s, card, "2026-11-17T10:00:00Z"); b.Available != 70 || len(b.Expiring) != 1 ||
		!b.Expiring[0].ExpiresAt.Equal(ts("2027-11-17T10:00:00Z")) {
		t.Fatalf("a fortnight ahead: %+v", b)
	}
	const later = "2030-06-01T00:00:00Z"
	if b := balance(t, s, card, later); b.Available != 0 || len(b.Pending) != 0 || len(b.Expiring) != 0 || b.Status != rewards.CardActive {
		t.Fatalf("years ahead: %+v", b)
	}
	if c := cardAt(t, s, card, later); c.Status != rewards.CardActive {
		t.Fatalf("the card years ahead: %+v", c)
	}
	if !clk.now().Equal(ts(now)) {
		t.Fatalf("a preview moved the clock to %s", clk.now())
	}
	if n, _ := eventCount(t, s); logged && n != events {
		t.Fatalf("previews recorded %d events", n-events)
	}
	if h, err := s.History(ctx, card); err != nil || !reflect.DeepEqual(h, hist) {
		t.Fatalf("previews changed the history: %+v %v", h, err)
	}
	// The ledger still takes what is dated at its clock.
	mustPost(t, s, receipt("R2", card, now, rewards.Line{SKU: "b", Qty: 1, Amount: 1000, Bonus: 5}))
	checkLedger(t, s)
}
