package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
)

// What the writer's cache holds after receipts (in batches, alone and in
// groups, some paying with points, some refused) is what the ledger holds;
// any other write empties it.
func TestCacheHoldsTheLedger(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	s := NewStore(filepath.Join(t.TempDir(), "ledger.db"))
	s.Create = true
	s.Now = func() time.Time { return at.Add(60 * 24 * time.Hour) }
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: at}, Program: rewardstest.Program(t, "bonus")}); err != nil {
		t.Fatal(err)
	}
	var cards []string
	for i := range 6 {
		c, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: at}, Handed: true, Details: rewards.Details{Phone: fmt.Sprintf("+7916123456%d", i), Consent: true}})
		if err != nil {
			t.Fatal(err)
		}
		cards = append(cards, c.Number)
	}
	receipt := func(n int, card string, days int) rewards.Receipt {
		r := rewards.Receipt{ID: fmt.Sprintf("R%d", n), Store: "s1", Card: card, Time: at.Add(time.Duration(days) * 24 * time.Hour),
			Lines: []rewards.Line{{SKU: "a", Qty: 1, Amount: 50000, Bonus: 100}}}
		if n%3 == 0 {
			r.PayWithPoints = 300
		}
		return r
	}
	n := 0
	for day := 1; day <= 40; day += 3 {
		var batch []rewards.Receipt
		for _, c := range cards {
			n++
			batch = append(batch, receipt(n, c, day))
		}
		batch = append(batch, rewards.Receipt{ID: "bad", Store: "s1", Card: "2990000000000", Time: batch[0].Time, Lines: batch[0].Lines})
		if _, err := s.PostReceipts(ctx, batch); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, c := range cards {
			n++
			wg.Add(1)
			go func(r rewards.Receipt) {
				defer wg.Done()
				if _, err := s.PostReceipt(ctx, r); err != nil {
					t.Error(err)
				}
			}(receipt(n, c, day+1))
		}
		wg.Wait()
		compareCache(t, s)
	}
	s.mu.Lock()
	held := s.cache != nil && len(s.cache.accounts) > 0
	s.mu.Unlock()
	if !held {
		t.Fatal("after receipts alone the cache holds nothing")
	}
	if _, err := s.BlockCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: at.Add(50 * 24 * time.Hour)}, Card: cards[0]}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache != nil {
		t.Errorf("after a card was blocked the cache still holds %d cards", len(s.cache.cards))
	}
}

// compareCache reads every card and account the cache holds from the
// ledger and compares.
func compareCache(t *testing.T, s *Store) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil {
		return
	}
	err := s.read(context.Background(), func(tx *txn) error {
		for n, c := range s.cache.cards {
			got, err := tx.card(n)
			if err != nil {
				return err
			}
			if *got != c {
				t.Errorf("card %s: cached %+v, ledger %+v", n, c, *got)
			}
		}
		for id, a := range s.cache.accounts {
			got, err := tx.account(id)
			if err != nil {
				return err
			}
			a.dirty = false
			if *got != a {
				t.Errorf("account %d: cached %+v, ledger %+v", id, a, *got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A write of a group that is not a receipt's leaves the cache unused by
// the writes after it in the group: a holder's card replaced moves its
// household's cards in one statement, which the cache does not see, and a
// family card read from it would be written back with the old holder.
func TestCacheUnusedAfterOtherWrites(t *testing.T) {
	s := newLedger(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	h, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: at}, Handed: true})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: at}, Handed: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkCard(ctx, rewards.CardLink{Meta: rewards.Meta{At: at}, Card: g.Number, Holder: h.Number}); err != nil {
		t.Fatal(err)
	}
	var replacement string
	errs := groupAfter(t, s,
		func() error { // receipts alone: the cache keeps g, with h its holder
			out, err := s.PostReceipts(ctx, []rewards.Receipt{{ID: "R1", Store: "s1", Card: g.Number, Time: at.Add(time.Hour),
				Lines: []rewards.Line{{SKU: "a", Qty: 1, Amount: 1000, Bonus: 10}}}})
			if err == nil && out[0].Err != nil {
				err = out[0].Err
			}
			return err
		},
		func() error {
			c, err := s.ReplaceCard(ctx, rewards.CardReplace{Meta: rewards.Meta{At: at.Add(2 * time.Hour)}, Card: h.Number})
			replacement = c.Number
			return err
		},
		func() error {
			_, err := s.BlockCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: at.Add(3 * time.Hour)}, Card: g.Number})
			return err
		})
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	c, err := s.Card(ctx, g.Number, at.Add(4*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.Holder != replacement {
		t.Errorf("the family card's holder is %s after its holder's card %s was replaced by %s", c.Holder, h.Number, replacement)
	}
	if r, err := s.Check(ctx); err != nil || len(r.Problems) > 0 {
		t.Errorf("check: %+v %v", r, err)
	}
}
