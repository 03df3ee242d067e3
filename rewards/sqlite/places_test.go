package sqlite_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
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
