package rewardstest

import (
	"slices"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// BatchPrints: the cards issued not handed over with a batch card's id
// (rewards.BatchCardID) are their batch's, listed by UnprintedCards by
// batch and place until a print job is recorded for them; a card issued
// handed over, or with another id, is no batch card. A print records its
// first job only, names no card it does not know (and then records
// nothing) and records no event; a card blocked or handed over no longer
// waits to be printed.
func batchPrints(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	issue := func(id string, handed bool) string {
		t.Helper()
		c, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{ID: id, At: ts("2026-11-01T09:00:00Z")}, Handed: handed})
		if err != nil {
			t.Fatal(err)
		}
		return c.Number
	}
	b := []string{issue(rewards.BatchCardID("B", 0), false), issue(rewards.BatchCardID("B", 1), false), issue(rewards.BatchCardID("B", 2), false)}
	issue(rewards.BatchCardID("B", 3), true) // handed over at once: no batch card
	solo := issue("solo", false)
	c0 := issue(rewards.BatchCardID("A/2026", 0), false)

	wantUnprinted := func(batch string, want ...string) []rewards.BatchCard {
		t.Helper()
		got, err := s.UnprintedCards(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		var numbers []string
		for _, bc := range got {
			numbers = append(numbers, bc.Number)
			if bc.Job != "" || bc.PrintedAt != nil || bc.IssuedAt.IsZero() {
				t.Errorf("unprinted card %+v", bc)
			}
		}
		if !slices.Equal(numbers, want) {
			t.Fatalf("unprinted cards of batch %q: %q, want %q", batch, numbers, want)
		}
		return got
	}
	listed := wantUnprinted("B", b...)
	for i, bc := range listed {
		if bc.Batch != "B" || bc.Index != i {
			t.Errorf("card %d of batch B listed as %+v", i, bc)
		}
	}
	wantUnprinted("", append([]string{c0}, b...)...) // by batch: "A/2026" before "B"
	wantUnprinted("C")

	before, logged := eventCount(t, s)
	printed, err := s.RecordPrint(ctx, rewards.CardPrint{Job: "CARDS-12", Cards: []string{b[0], solo, b[0]}, At: ts("2026-11-01T10:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	if len(printed) != 1 || printed[0].Number != b[0] || printed[0].Job != "CARDS-12" || printed[0].PrintedAt == nil ||
		!printed[0].PrintedAt.Equal(ts("2026-11-01T10:00:00Z")) {
		t.Fatalf("the print of a batch card and a card of no batch recorded %+v", printed)
	}
	again, err := s.RecordPrint(ctx, rewards.CardPrint{Job: "CARDS-13", Cards: []string{b[0]}})
	if err != nil || len(again) != 1 || again[0].Job != "CARDS-12" {
		t.Errorf("a second print of the card: %+v, %v; want its first job kept", again, err)
	}
	wantUnprinted("B", b[1:]...)
	if after, _ := eventCount(t, s); logged && after != before {
		t.Errorf("recording prints made %d events, want none", after-before)
	}

	// Refused, recording nothing.
	_, err = s.RecordPrint(ctx, rewards.CardPrint{Job: "CARDS-14", Cards: []string{c0, rewards.WithCheckDigit("290000000042")}})
	wantCode(t, err, rewards.ENOTFOUND, "a print naming an unknown card")
	_, err = s.RecordPrint(ctx, rewards.CardPrint{Cards: []string{c0}})
	wantCode(t, err, rewards.EINVALID, "a print without its job")
	_, err = s.RecordPrint(ctx, rewards.CardPrint{Job: "CARDS-14"})
	wantCode(t, err, rewards.EINVALID, "a print of no card")
	_, err = s.UnprintedCards(ctx, "B\u200b")
	wantCode(t, err, rewards.EINVALID, "a batch id with an invisible character")
	wantUnprinted("A/2026", c0)

	// A blocked card, and one handed to a customer, no longer wait.
	if _, err := s.BlockCard(ctx, rewards.CardAction{Card: b[1]}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterCard(ctx, rewards.CardRegister{Card: b[2]}); err != nil {
		t.Fatal(err)
	}
	wantUnprinted("B")
}
