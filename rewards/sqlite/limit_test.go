package sqlite_test

import (
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// An account seeded near MaxBalance takes an accrual that stays within it
// and refuses, changing nothing, one that would pass it; pooling into it is
// refused the same way.
func TestBalanceLimit(t *testing.T) {
	s, clk := openStore(t, "coop")
	clk.set("2026-11-03T12:00:00Z")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	other := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	mustPost(t, s, receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 100}))
	mustPost(t, s, receipt("R2", other, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 100}))
	// Seed: the first lot holds all but 10 of the most a card may hold.
	if _, err := s.DB().Exec(`UPDATE lots SET points = ?, remaining = ? WHERE card = ?`,
		rewards.MaxBalance-10, rewards.MaxBalance-10, card); err != nil {
		t.Fatal(err)
	}
	before := balance(t, s, card, "2026-11-03T09:00:00Z")
	_, err := s.PostReceipt(ctx, receipt("R3", card, "2026-11-03T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500})) // 20
	if rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("an accrual past the limit: %v", err)
	}
	if b := balance(t, s, card, "2026-11-03T09:00:00Z"); b.Available != before.Available {
		t.Fatalf("the refused accrual changed the balance: %d, was %d", b.Available, before.Available)
	}
	mustPost(t, s, receipt("R4", card, "2026-11-03T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 250})) // 10
	if b := balance(t, s, card, "2026-11-03T09:00:00Z"); b.Available != rewards.MaxBalance {
		t.Fatalf("at the limit: %d", b.Available)
	}
	_, err = s.LinkCard(ctx, rewards.CardLink{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: other, Holder: card, Pool: true})
	if rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("pooling past the limit: %v", err)
	}
}
