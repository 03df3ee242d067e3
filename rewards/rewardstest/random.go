package rewardstest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// randomOperations runs thousands of random operations (receipts, returns,
// redemptions, expiries, replacements, links) against a store, checks the
// ledger's invariants after every one, then, for a store with an event log,
// replays the whole log into a fresh store and expects the same balances
// and histories.
func randomOperations(t *testing.T, su suite) {
	ops := 1500
	if testing.Short() {
		ops = 300
	}
	for _, prog := range []struct {
		name  string
		edits []string
	}{
		{"coop", []string{`after = "never"`, `after = "20d"`, `voucher_valid = "720h"`, `voucher_valid = "96h"`}},
		{"bonus", []string{`after = "365d"`, `after = "25d"`, `maturation = "15d"`, `maturation = "3d"`}},
	} {
		t.Run(prog.name, func(t *testing.T) {
			seed := uint64(20261126)
			s, clk := su.store(t, prog.name, prog.edits...)
			w := &world{t: t, s: s, clk: clk, rng: rand.New(rand.NewPCG(seed, uint64(len(prog.name)))), bonus: prog.name == "bonus"}
			w.setup()
			for i := 0; i < ops; i++ {
				op := w.step()
				// A check replays the whole log: every so often, and at the end.
				if i%100 != 99 && i != ops-1 {
					continue
				}
				r, err := s.Check(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Problems) > 0 {
					t.Fatalf("after operation %d (%s): %v", i, op, r.Problems)
				}
			}
			t.Logf("%s: %d operations, %d refused, kinds %v", prog.name, ops, w.refused, w.done)
			if w.done["receipt"] == 0 || w.done["return"] == 0 || w.done["replace"] == 0 || w.done["link"] == 0 {
				t.Fatalf("the mix missed an operation: %v", w.done)
			}
			replayMatches(t, su, s, w.cards, clk.now())
		})
	}
}

type world struct {
	t        *testing.T
	s        Store
	clk      *clock
	rng      *rand.Rand
	bonus    bool
	cards    []string
	receipts []rewards.Receipt
	vouchers []string
	n        int
	refused  int
	done     map[string]int
}

func (w *world) setup() {
	w.done = map[string]int{}
	if !w.bonus {
		MustPlaces(w.t, w.s, "c1")
		for i, pts := range []int64{20, 60, 150} {
			stock := int64(5 + i*10)
			if _, err := w.s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: fmt.Sprintf("item%d", i), Coop: "c1",
				Names: rewards.Names{EN: fmt.Sprintf("Item %d", i)}, Points: pts, Stock: &stock}}); err != nil {
				w.t.Fatal(err)
			}
		}
	}
}

func (w *world) card() string {
	if len(w.cards) == 0 {
		return "2900000000018"
	}
	return w.cards[w.rng.IntN(len(w.cards))]
}

func (w *world) meta() rewards.Meta { return rewards.Meta{At: w.clk.now()} }

// step does one random operation and returns its name.
func (w *world) step() string {
	w.n++
	// Time moves on by up to two days, so lots mature, expire and lapse.
	w.clk.add(time.Duration(w.rng.IntN(48*60)) * time.Minute)
	var err error
	var name string
	switch k := w.rng.IntN(100); {
	case k < 12 || len(w.cards) < 3:
		name = "issue"
		var c rewards.Card
		issue := rewards.CardIssue{Meta: w.meta(), Handed: w.rng.IntN(5) > 0, Member: w.rng.IntN(4) == 0}
		if w.rng.IntN(2) == 0 {
			issue.Phone, issue.Consent = fmt.Sprintf("+7900%07d", w.n), true
		}
		if c, err = w.s.IssueCard(ctx, issue); err == nil {
			w.cards = append(w.cards, c.Number)
		}
	case k < 16:
		name = "register"
		_, err = w.s.RegisterCard(ctx, rewards.CardRegister{Meta: w.meta(), Card: w.card(), Details: rewards.Details{Phone: fmt.Sprintf("+359888%06d", w.n), Consent: true}})
	case k < 55:
		name = "receipt"
		r := rewards.Receipt{ID: fmt.Sprintf("R%d", w.n), Store: "s1", Card: w.card(), Time: w.clk.now()}
		for j := w.rng.IntN(4); j >= 0; j-- {
			r.Lines = append(r.Lines, rewards.Line{SKU: fmt.Sprintf("sku%d", w.rng.IntN(6)), Qty: 1 + int64(w.rng.IntN(3)),
				Amount: int64(w.rng.IntN(30000)), OwnBrand: w.rng.IntN(3) == 0, Service: w.rng.IntN(5) == 0, Bonus: int64(w.rng.IntN(200))})
		}
		if w.bonus && w.rng.IntN(2) == 0 {
			r.PayWithPoints = int64(w.rng.IntN(400))
		}
		if w.rng.IntN(10) == 0 {
			// A batch of two, the second a repeat of the first.
			res, berr := w.s.PostReceipts(ctx, []rewards.Receipt{r, r})
			err = berr
			if err == nil {
				err = res[0].Err
			}
		} else {
			_, err = w.s.PostReceipt(ctx, r)
		}
		if err == nil {
			w.receipts = append(w.receipts, r)
		}
	case k < 67:
		name = "return"
		if len(w.receipts) == 0 {
			return name
		}
		r := w.receipts[w.rng.IntN(len(w.receipts))]
		l := r.Lines[w.rng.IntN(len(r.Lines))]
		_, err = w.s.PostReturn(ctx, rewards.Return{ID: fmt.Sprintf("X%d", w.n), Receipt: r.ID, Time: w.clk.now(),
			Lines: []rewards.ReturnLine{{SKU: l.SKU, Qty: 1 + int64(w.rng.IntN(int(l.Qty)))}}})
	case k < 77:
		name = "redeem"
		var v rewards.Voucher
		v, err = w.s.Redeem(ctx, rewards.Redemption{Meta: w.meta(), Card: w.card(), Reward: fmt.Sprintf("item%d", w.rng.IntN(3))})
		if err == nil {
			w.vouchers = append(w.vouchers, v.Code)
		}
	case k < 85:
		name = "voucher"
		if len(w.vouchers) == 0 {
			return name
		}
		act := rewards.VoucherAction{Meta: w.meta(), Code: w.vouchers[w.rng.IntN(len(w.vouchers))]}
		if w.rng.IntN(2) == 0 {
			_, err = w.s.ClaimVoucher(ctx, act)
		} else {
			_, err = w.s.CancelVoucher(ctx, act)
		}
	case k < 89:
		name = "block"
		_, err = w.s.BlockCard(ctx, rewards.CardAction{Meta: w.meta(), Card: w.card()})
	case k < 93:
		name = "replace"
		var c rewards.Card
		if c, err = w.s.ReplaceCard(ctx, rewards.CardReplace{Meta: w.meta(), Card: w.card()}); err == nil {
			w.cards = append(w.cards, c.Number)
		}
	case k < 97:
		name = "link"
		_, err = w.s.LinkCard(ctx, rewards.CardLink{Meta: w.meta(), Card: w.card(), Holder: w.card(), Pool: w.rng.IntN(3) > 0})
	default:
		name = "member"
		_, err = w.s.MakeMember(ctx, rewards.CardAction{Meta: w.meta(), Card: w.card()})
	}
	if err != nil {
		if code := rewards.ErrorCode(err); code == rewards.EINTERNAL {
			w.t.Fatalf("operation %d (%s): %v", w.n, name, err)
		}
		w.refused++
	} else {
		w.done[name]++
	}
	return name
}

// logReplayer is a store that builds a ledger again from a copy of its
// log (sqlite.Store's Replay).
type logReplayer interface {
	Replay(ctx context.Context, e rewards.Event) (json.RawMessage, error)
}

// replayMatches applies every event of s, in order, to a fresh store and
// compares every card's balance and history. A store without an event log
// has nothing to replay.
func replayMatches(t *testing.T, su suite, s Store, cards []string, at time.Time) {
	t.Helper()
	log, ok := eventLog(s)
	if !ok {
		t.Logf("%T keeps no event log: replay not checked", s)
		return
	}
	fresh := su.open(t, func() time.Time { return at })
	freshLog, ok := fresh.(rewards.EventLog)
	if !ok {
		t.Fatalf("%T keeps an event log, but the fresh store to replay it into, a %T, does not", s, fresh)
	}
	// A copy of a log is applied as that ledger's own where the store can
	// (what the ledger set in place of personal data is taken as it
	// stands), else as events from elsewhere.
	replay := freshLog.Apply
	if r, ok := fresh.(logReplayer); ok {
		replay = r.Replay
	}
	var after int64
	for {
		evs, err := log.Events(ctx, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if _, err := replay(ctx, e); err != nil {
				t.Fatalf("replay event %d (%s): %v", e.Seq, e.Kind, err)
			}
			after = e.Seq
		}
	}
	// Applying an event again changes nothing.
	evs, _ := log.Events(ctx, 0, 5)
	for _, e := range evs {
		if _, err := replay(ctx, e); err != nil {
			t.Fatalf("re-apply event %d: %v", e.Seq, err)
		}
	}
	for _, c := range cards {
		for _, when := range []time.Time{at, at.Add(40 * 24 * time.Hour)} {
			a, err1 := s.Balance(ctx, c, when)
			b, err2 := fresh.Balance(ctx, c, when)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("card %s at %s: balance %+v (%v) after replay %+v (%v)", c, when, a, err1, b, err2)
			}
		}
		h1, _ := s.History(ctx, c)
		h2, _ := fresh.History(ctx, c)
		if !reflect.DeepEqual(h1, h2) {
			t.Fatalf("card %s: history differs after replay:\n%v\n%v", c, h1, h2)
		}
	}
	r1, _ := s.Check(ctx)
	r2, _ := fresh.Check(ctx)
	if r1.Total != r2.Total || r1.Entries != r2.Entries || len(r2.Problems) > 0 {
		t.Fatalf("check before replay %+v, after %+v", r1, r2)
	}
}
