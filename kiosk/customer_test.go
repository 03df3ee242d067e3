package kiosk_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

var ctx = context.Background()

// shop is a ledger of the coop program (points expiring 40 days after
// they are earned) with cooperative c1 of stores s1 and s2 and a board.
func shop(t *testing.T) (*sqlite.Store, time.Time) {
	t.Helper()
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	s := sqlite.NewStore(filepath.Join(t.TempDir(), "ledger.db"))
	s.Create, s.Now = true, func() time.Time { return start.Add(60 * 24 * time.Hour) }
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: start}, Program: rewardstest.Program(t, "coop", `after = "never"`, `after = "40d"`)}); err != nil {
		t.Fatal(err)
	}
	rewardstest.MustPlaces(t, s, "c1", "s1", "s2")
	none := int64(0)
	for _, rw := range []rewards.Reward{
		{ID: "pot", Coop: "c1", Names: rewards.Names{BG: "Тенджера", EN: "Pot"}, Points: 900},
		{ID: "mug", Coop: "c1", Names: rewards.Names{BG: "Чаша", EN: "Mug"}, Points: 40},
		{ID: "oil", Coop: "c1", Names: rewards.Names{BG: "Олио", EN: "Oil"}, Points: 90},
		{ID: "gone", Coop: "c1", Names: rewards.Names{EN: "Gone"}, Points: 10, Stock: &none},
		{ID: "s2-only", Coop: "c1", Store: "s2", Names: rewards.Names{EN: "Elsewhere"}, Points: 10},
	} {
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: start}, Reward: rw}); err != nil {
			t.Fatal(err)
		}
	}
	return s, start
}

// The customer screen of a card with twelve receipts: the given name
// only, the balance, the points that expire within 30 days, the last ten
// movements newest first, and the board split into what the balance
// affords and what each other reward still needs (in stock, offered in
// this store, by points).
func TestLoadCustomer(t *testing.T) {
	s, start := shop(t)
	c, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: start}, Handed: true,
		Details: rewards.Details{GivenName: "Мария", FamilyName: "Петрова", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		at := start.Add(time.Duration(2+i*4) * 24 * time.Hour)
		if _, err := s.PostReceipt(ctx, rewards.Receipt{ID: fmt.Sprintf("R%d", i), Store: "s1", Card: c.Number, Time: at,
			Lines: []rewards.Line{{SKU: "bread", Qty: 1, Amount: 250}}}); err != nil {
			t.Fatal(err)
		}
	}
	now := start.Add(48 * 24 * time.Hour)
	cu, err := kiosk.LoadCustomer(ctx, s, c.Number, now, "c1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	bal, err := s.Balance(ctx, c.Number, now)
	if err != nil {
		t.Fatal(err)
	}
	// Ten receipts of 10 points each are alive, of which seven expire
	// within 30 days.
	if cu.GivenName != "Мария" || cu.Available != bal.Available || cu.Available != 100 {
		t.Fatalf("customer %+v, balance %+v", cu, bal)
	}
	if len(cu.Recent) != kiosk.RecentMovements || !cu.Recent[0].At.After(cu.Recent[9].At) {
		t.Fatalf("recent movements %+v", cu.Recent)
	}
	for _, e := range cu.Expiring {
		if !e.ExpiresAt.Before(now.Add(kiosk.ExpiringWithin)) {
			t.Errorf("%+v expires later than 30 days", e)
		}
	}
	if len(cu.Expiring) != 7 || len(bal.Expiring) != 10 {
		t.Errorf("expiring %+v of %+v", cu.Expiring, bal.Expiring)
	}
	if len(cu.Affordable) != 2 || cu.Affordable[0].ID != "mug" || cu.Affordable[1].ID != "oil" {
		t.Errorf("affordable %+v", cu.Affordable)
	}
	if len(cu.Later) != 1 || cu.Later[0].Reward.ID != "pot" || cu.Later[0].More != 800 {
		t.Errorf("later %+v", cu.Later)
	}
	if _, err := s.BlockCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: now}, Card: c.Number}); err != nil {
		t.Fatal(err)
	}
	if _, err := kiosk.LoadCustomer(ctx, s, c.Number, now, "c1", "s1"); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("a blocked card's screen: %v", err)
	}
}
