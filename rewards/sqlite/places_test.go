package sqlite_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
)

// A v0.1.0 ledger, whose board names cooperatives and stores that were
// never recorded, upgrades with its board whole; its log replays and its
// check passes, listing the stores of its receipts; a reward it already
// has is replaced only once its cooperative is recorded.
func TestPlacesOnAnOlderLedger(t *testing.T) {
	s, err := openPath(t, copyLedger(t, "v0.1.0-coop.db"), "2026-11-10T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	board, err := s.Rewards(ctx, "", "")
	if err != nil || len(board) == 0 {
		t.Fatalf("the board after the upgrade: %+v %v", board, err)
	}
	rep, err := s.Check(ctx)
	if err != nil || len(rep.Problems) > 0 || len(rep.UnrecordedStores) == 0 {
		t.Fatalf("check of the upgraded ledger: %+v %v", rep, err)
	}
	rw := board[0]
	_, err = s.AddReward(ctx, rewards.RewardAdd{Reward: rw})
	if rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Fatalf("replacing %s of the cooperative %s, not recorded: %v", rw.ID, rw.Coop, err)
	}
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: rw.Coop, Names: rewards.Names{BG: "Кооп"}}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range rep.UnrecordedStores {
		if _, err := s.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{ID: id, Coop: rw.Coop, Names: rewards.Names{BG: id}}}); err != nil {
			t.Fatal(err)
		}
	}
	rw.Store = ""
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rw}); err != nil {
		t.Fatal(err)
	}
	after, err := s.Check(ctx)
	if err != nil || len(after.Problems) > 0 || len(after.UnrecordedStores) != 0 {
		t.Fatalf("check with every store recorded: %+v %v", after, err)
	}
	stores, err := s.Stores(ctx)
	if err != nil || len(stores) != len(rep.UnrecordedStores) || !slices.IsSortedFunc(stores, func(a, b rewards.Store) int {
		return strings.Compare(a.ID, b.ID)
	}) {
		t.Fatalf("stores: %+v %v", stores, err)
	}
}

// A refusal that names a recorded store or cooperative carries its record,
// so that it reads with the store's name in the reader's language, not its
// id.
func TestRefusalNamesTheStore(t *testing.T) {
	s, clk := openStore(t, "coop")
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: "c1", Names: rewards.Names{BG: "Кооп София", EN: "Coop Sofia"}}}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []rewards.Store{{ID: "s1", Coop: "c1", Names: rewards.Names{BG: "Магазин Център", EN: "Centre shop"}}, {ID: "s2", Coop: "c1", Names: rewards.Names{EN: "Other shop"}}} {
		if _, err := s.AddStore(ctx, rewards.StoreAdd{Store: st}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "MUG", Coop: "c1", Store: "s1", Points: 10, Names: rewards.Names{BG: "Чаша"}}}); err != nil {
		t.Fatal(err)
	}
	card := rewardstest.MustCard(t, s, rewards.CardIssue{})
	clk.set("2026-11-05T08:00:00Z")
	_, err := s.Redeem(ctx, rewards.Redemption{Card: card, Reward: "MUG", Store: "s2"})
	var e *rewards.Error
	if !errors.As(err, &e) || e.Key != "reward.other_store" {
		t.Fatalf("redeeming a store's own reward in another store: %v", err)
	}
	if got := e.In(lang.BG); !strings.Contains(got, "Магазин Център") || strings.Contains(got, "s1") {
		t.Errorf("in Bulgarian: %q", got)
	}
	if !strings.Contains(e.Message, "Centre shop") {
		t.Errorf("in English: %q", e.Message)
	}
}
