package sqlite_test

import (
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// A ledger whose batches were issued before migration 0015 recorded
// prints: its batch cards are kept as their batches' (found by their
// events' ids), as printed by no known job, so that no old batch is
// listed as unprinted; a print recorded later is their first known one.
// Cards of no batch (handed over, another id, a place with a leading zero)
// are not taken for batch cards.
func TestBatchCardsOfOlderLedger(t *testing.T) {
	s, _ := openStore(t, "coop")
	issue := func(id string, handed bool) string {
		t.Helper()
		c, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{ID: id}, Handed: handed})
		if err != nil {
			t.Fatal(err)
		}
		return c.Number
	}
	old := []string{issue("OLD/0", false), issue("OLD/1", false), issue("a/b/10", false)}
	for _, id := range []string{"OLD/2x", "OLD/01", "solo", "/3", "OLD/1234567890"} {
		issue(id, false)
	}
	issue("OLD/3", true)
	path := s.Path
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Back to the ledger as migration 0014 left it.
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE batch_cards`, `DELETE FROM schema_migrations WHERE name = 'migrations/0015_batch_prints.sql'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s = sqlite.NewStore(path)
	s.Now = (&clock{t: ts("2026-11-02T08:00:00Z")}).Now
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if list, err := s.UnprintedCards(ctx, ""); err != nil || len(list) != 0 {
		t.Fatalf("unprinted cards of an upgraded ledger: %+v, %v; want none", list, err)
	}
	printed, err := s.RecordPrint(ctx, rewards.CardPrint{Job: "CARDS-7", Cards: []string{old[1], old[2]}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, bc := range printed {
		got = append(got, bc.Batch+"#"+bc.Number+"@"+bc.Job)
	}
	if want := []string{"OLD#" + old[1] + "@CARDS-7", "a/b#" + old[2] + "@CARDS-7"}; !slices.Equal(got, want) || printed[0].Index != 1 || printed[1].Index != 10 {
		t.Errorf("the old batch cards printed: %q (%+v), want %q", got, printed, want)
	}
	// A new batch card of the old batch is listed, the old ones not.
	fresh, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{ID: "OLD/4"}})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := s.UnprintedCards(ctx, "OLD"); err != nil || len(list) != 1 || list[0].Number != fresh.Number || list[0].Index != 4 {
		t.Errorf("unprinted cards of batch OLD: %+v, %v; want the new card 4", list, err)
	}
}

// A batch card that another ledger's log brings, or a replay, is taken as
// printed by no known job: a print is no event, and a card printed long
// ago must not be listed to be printed again.
func TestReplayedBatchCardNotUnprinted(t *testing.T) {
	a, _ := openStore(t, "coop")
	c, err := a.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{ID: "B/0"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RecordPrint(ctx, rewards.CardPrint{Job: "CARDS-1", Cards: []string{c.Number}}); err != nil {
		t.Fatal(err)
	}
	evs, err := a.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := openStore(t, "coop")
	have, err := b.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs[len(have):] {
		if _, err := b.Replay(ctx, e); err != nil {
			t.Fatal(e.Kind, err)
		}
	}
	if _, err := b.Card(ctx, c.Number, time.Time{}); err != nil {
		t.Fatalf("the batch card did not come with the log: %v", err)
	}
	if l, err := b.UnprintedCards(ctx, ""); err != nil || len(l) != 0 {
		t.Errorf("the ledger the log was replayed into lists %+v (%v) as unprinted", l, err)
	}
}
