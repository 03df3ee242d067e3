package sqlite_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
)

// FuzzApply feeds the store events as a kiosk's sync batch would bring them,
// well-formed or not: every one is applied or refused with an error, none
// panics, and the ledger checks out after (balances, and the replay of its
// own log).
func FuzzApply(f *testing.F) {
	card := "2900000000018"
	seed := func(kind string, body any) {
		b, _ := json.Marshal(body)
		f.Add(kind, "", string(b))
	}
	at := ts("2026-11-02T09:00:00Z")
	seed(rewards.EventReceipt, rewards.Receipt{ID: "R1", Store: "s1", Card: card, Time: at, Lines: []rewards.Line{{SKU: "a", Qty: 1, Amount: 500}}})
	seed(rewards.EventReturn, rewards.Return{ID: "X1", Receipt: "R0", Time: at, Lines: []rewards.ReturnLine{{SKU: "a", Qty: 1}}})
	seed(rewards.EventCardIssue, rewards.CardIssue{Meta: rewards.Meta{ID: "C1", At: at}, Number: "2900000000025", Handed: true, Name: "Ана", Details: rewards.Details{Consent: true}})
	seed(rewards.EventCardLink, rewards.CardLink{Meta: rewards.Meta{ID: "L1", At: at}, Card: "2900000000025", Holder: card, Pool: true})
	seed(rewards.EventCardReplace, rewards.CardReplace{Meta: rewards.Meta{ID: "P1", At: at}, Card: card})
	seed(rewards.EventRedeem, rewards.Redemption{Meta: rewards.Meta{ID: "V1", At: at}, Card: card, Reward: "mug"})
	seed(rewards.EventVoucherCancel, rewards.VoucherAction{Meta: rewards.Meta{ID: "K1", At: at}, Code: "K7QX-M2PA-9RTE"})
	seed(rewards.EventCoopAdd, rewards.CoopAdd{Meta: rewards.Meta{ID: "O1", At: at}, Coop: rewards.Coop{ID: "c2", Names: rewards.Names{BG: "Кооп"}}})
	seed(rewards.EventStoreAdd, rewards.StoreAdd{Meta: rewards.Meta{ID: "S1", At: at}, Store: rewards.Store{ID: "s2", Coop: "c", Names: rewards.Names{EN: "Two"}}})
	seed(rewards.EventRewardAdd, rewards.RewardAdd{Meta: rewards.Meta{ID: "A1", At: at}, Reward: rewards.Reward{ID: "pan", Coop: "c", Names: rewards.Names{EN: "Pan"}, Points: 5}})
	f.Add(rewards.EventReceipt, "", `{"id":"R2","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"a","qty":1}]}`)
	f.Add(rewards.EventReceipt, "", `{"id":"\ud800","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[]}`)
	f.Add("no.such.kind", "", `{}`)
	f.Add(rewards.EventProgram, "", `{"name":"x"}`)
	f.Fuzz(func(t *testing.T, kind, id, body string) { applyOne(t, kind, id, body) })
}

// applyOne applies one event from elsewhere to a small coop ledger.
func applyOne(t *testing.T, kind, id, body string) {
	card, at := "2900000000018", ts("2026-11-02T09:00:00Z")
	{
		s, clk := openStore(t, "coop")
		clk.set("2026-11-02T09:00:00Z")
		mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}, Number: card})
		rewardstest.MustPlaces(t, s, "c", "s1")
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: at}, Reward: rewards.Reward{ID: "mug", Coop: "c", Names: rewards.Names{EN: "Mug"}, Points: 1}}); err != nil {
			t.Fatal(err)
		}
		mustPost(t, s, receipt("R0", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 2, Amount: 1000}))
		e := rewards.Event{Kind: kind, ID: id, Device: "kiosk-1", At: at, Body: json.RawMessage(body)}
		var probe struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(e.Body, &probe) == nil && e.ID == "" {
			e.ID = rewards.EventID(kind, probe.ID)
		}
		if _, err := s.Apply(ctx, e); err != nil && rewards.ErrorCode(err) == rewards.EINTERNAL && json.Valid(e.Body) {
			// A body that is JSON gets a domain error, never a fault.
			var raw map[string]json.RawMessage
			if json.Unmarshal(e.Body, &raw) == nil {
				t.Fatalf("apply %s %s: an internal error: %v", kind, body, err)
			}
		}
		clk.t = clk.t.Add(time.Hour)
		checkLedger(t, s)
	}
}
