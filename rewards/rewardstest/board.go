package rewardstest

import (
	"reflect"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// BoardReward: one item of the board is read by its id as the board lists
// it, its stock included (a voucher that lapsed unclaimed puts its reward
// back); an id the board has not, or no longer, is not found.
func boardReward(t *testing.T, su suite) {
	s, clk := su.store(t, "coop")
	MustPlaces(t, s, "c1", "s1")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	mustPost(t, s, receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "x", Qty: 1, Amount: 2500}))
	one := int64(1)
	for _, rw := range []rewards.Reward{
		{ID: "mug", Coop: "c1", Store: "s1", Names: rewards.Names{EN: "Mug"}, Points: 60, Stock: &one},
		{ID: "pan", Coop: "c1", Names: rewards.Names{EN: "Pan"}, Points: 90},
	} {
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rw}); err != nil {
			t.Fatal(err)
		}
	}
	// wantListed fails unless the item read by its id is the one the
	// board lists, with the stock given.
	wantListed := func(id string, stock int64) {
		t.Helper()
		got, err := s.Reward(ctx, id)
		if err != nil {
			t.Fatalf("reward %s: %v", id, err)
		}
		board, err := s.Rewards(ctx, "c1", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, listed := range board {
			if listed.ID == id {
				if !reflect.DeepEqual(got, listed) || got.Stock == nil || *got.Stock != stock {
					t.Fatalf("reward %s read by its id: %+v, listed %+v, want a stock of %d", id, got, listed, stock)
				}
				return
			}
		}
		t.Fatalf("reward %s is not on the board: %+v", id, board)
	}
	if pan, err := s.Reward(ctx, "pan"); err != nil || pan.ID != "pan" || pan.Coop != "c1" || pan.Store != "" || pan.Points != 90 || pan.Stock != nil {
		t.Fatalf("an unstocked reward: %+v %v", pan, err)
	}
	wantListed("mug", 1)
	_, err := s.Reward(ctx, "spoon")
	wantCode(t, err, rewards.ENOTFOUND, "a reward the board has not")

	clk.set(ts("2026-11-03T10:00:00Z"))
	if _, err := s.Redeem(ctx, rewards.Redemption{Card: card, Reward: "mug", Store: "s1"}); err != nil {
		t.Fatal(err)
	}
	wantListed("mug", 0)
	clk.set(ts("2026-12-04T10:00:00Z")) // the voucher lapsed on 3 Dec, unclaimed
	wantListed("mug", 1)

	if err := s.RemoveReward(ctx, rewards.RewardRemove{Reward: "mug"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Reward(ctx, "mug")
	wantCode(t, err, rewards.ENOTFOUND, "a reward taken off the board")
}
