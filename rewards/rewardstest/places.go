package rewardstest

import (
	"slices"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Places: cooperatives and stores are records, updated by adding their id
// again; a reward must name recorded places, a store of its own
// cooperative; a receipt from a store that is not recorded is accepted and
// named by the check, which still passes; history carries the store of
// each receipt.
func places(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	at := rewards.Meta{At: ts("2026-11-01T08:00:00Z")}

	_, err := s.AddCoop(ctx, rewards.CoopAdd{Meta: at, Coop: rewards.Coop{ID: "coop-sofia"}})
	wantCode(t, err, rewards.EINVALID, "a cooperative without a name")
	_, err = s.AddCoop(ctx, rewards.CoopAdd{Meta: at, Coop: rewards.Coop{ID: "a\u200bb", Names: rewards.Names{EN: "Sofia"}}})
	wantCode(t, err, rewards.EINVALID, "a cooperative id with an invisible character")
	_, err = s.AddStore(ctx, rewards.StoreAdd{Meta: at, Store: rewards.Store{ID: "sofia-1", Coop: "coop-sofia", Names: rewards.Names{EN: "Sofia 1"}}})
	wantCode(t, err, rewards.ENOTFOUND, "a store of a cooperative not recorded")
	_, err = s.AddReward(ctx, rewards.RewardAdd{Meta: at, Reward: rewards.Reward{ID: "mug", Coop: "coop-sofia", Names: rewards.Names{EN: "Mug"}, Points: 10}})
	wantCode(t, err, rewards.ENOTFOUND, "a reward of a cooperative not recorded")
	if n, ok := eventCount(t, s); ok && n != 1 {
		t.Fatalf("refused records left %d events, want the program's 1", n)
	}

	add := rewards.CoopAdd{Meta: rewards.Meta{ID: "coop-1", At: at.At}, Coop: rewards.Coop{ID: "coop-sofia", Names: rewards.Names{BG: "Кооп София", EN: "Coop Sofia"}}}
	if _, err := s.AddCoop(ctx, add); err != nil {
		t.Fatal(err)
	}
	n, _ := eventCount(t, s)
	if again, err := s.AddCoop(ctx, add); err != nil || again.ID != "coop-sofia" {
		t.Fatalf("the same record again: %+v %v", again, err)
	}
	if m, ok := eventCount(t, s); ok && m != n {
		t.Fatalf("a repeated coop add recorded %d events more", m-n)
	}
	other := add
	other.Coop.Names.EN = "Other"
	_, err = s.AddCoop(ctx, other)
	wantCode(t, err, rewards.ECONFLICT, "another record under the same request id")
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Meta: at, Coop: rewards.Coop{ID: "coop-plovdiv", Names: rewards.Names{BG: "Кооп Пловдив"}}}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []rewards.Store{
		{ID: "sofia-1", Coop: "coop-sofia", Names: rewards.Names{BG: "София 1"}, Address: "ул. Витоша 1"},
		{ID: "plovdiv-1", Coop: "coop-plovdiv", Names: rewards.Names{BG: "Пловдив 1"}},
	} {
		if _, err := s.AddStore(ctx, rewards.StoreAdd{Meta: at, Store: st}); err != nil {
			t.Fatal(err)
		}
	}
	// Adding an id again updates its record.
	if _, err := s.AddStore(ctx, rewards.StoreAdd{Meta: at, Store: rewards.Store{ID: "sofia-1", Coop: "coop-sofia",
		Names: rewards.Names{BG: "София 1", EN: "Sofia 1"}, Address: "1 Vitosha Blvd"}}); err != nil {
		t.Fatal(err)
	}
	coops, err := s.Coops(ctx)
	if err != nil || len(coops) != 2 || coops[0].ID != "coop-plovdiv" || coops[1].Names.In("bg") != "Кооп София" {
		t.Fatalf("coops: %+v %v", coops, err)
	}
	stores, err := s.Stores(ctx)
	if err != nil || len(stores) != 2 || stores[1].ID != "sofia-1" || stores[1].Names.EN != "Sofia 1" ||
		stores[1].Address != "1 Vitosha Blvd" || stores[1].Coop != "coop-sofia" {
		t.Fatalf("stores: %+v %v", stores, err)
	}

	_, err = s.AddReward(ctx, rewards.RewardAdd{Meta: at, Reward: rewards.Reward{ID: "mug", Coop: "coop-sofia", Store: "sofia-2", Names: rewards.Names{EN: "Mug"}, Points: 10}})
	wantCode(t, err, rewards.ENOTFOUND, "a reward of a store not recorded")
	_, err = s.AddReward(ctx, rewards.RewardAdd{Meta: at, Reward: rewards.Reward{ID: "mug", Coop: "coop-sofia", Store: "plovdiv-1", Names: rewards.Names{EN: "Mug"}, Points: 10}})
	wantCode(t, err, rewards.EINVALID, "a reward of another cooperative's store")
	if board, err := s.Rewards(ctx, "", ""); err != nil || len(board) != 0 {
		t.Fatalf("refused rewards are on the board: %+v %v", board, err)
	}
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: at, Reward: rewards.Reward{ID: "mug", Coop: "coop-sofia", Store: "sofia-1", Names: rewards.Names{EN: "Mug"}, Points: 10}}); err != nil {
		t.Fatal(err)
	}

	// Tills are not ours to stop: a receipt from a store not recorded is
	// taken, and the check names the store without failing.
	card := mustCard(t, s, rewards.CardIssue{Meta: at})
	r := receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 1000})
	r.Store = "varna-9"
	mustPost(t, s, r)
	r = receipt("R2", card, "2026-11-02T10:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 1000})
	r.Store = "sofia-1"
	mustPost(t, s, r)
	rep, err := s.Check(ctx)
	if err != nil || len(rep.Problems) > 0 || !slices.Equal(rep.UnrecordedStores, []string{"varna-9"}) {
		t.Fatalf("check: %+v %v", rep, err)
	}
	h, err := s.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range h {
		if e.Kind == rewards.EntryEarn {
			seen = append(seen, e.Store)
		}
	}
	if !slices.Equal(seen, []string{"varna-9", "sofia-1"}) {
		t.Fatalf("the stores of the history's earnings: %v (%+v)", seen, h)
	}
	checkLedger(t, s)
}
