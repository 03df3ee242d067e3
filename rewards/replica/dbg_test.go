package replica_test

import (
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

func (w *world) dumpConflicts() {
	cs, _ := w.srv.Conflicts(ctx, true)
	for _, c := range cs {
		w.t.Logf("conflict %d %s %s %s card=%s %s: %s", c.ID, c.Device, c.Kind, c.Outcome, c.Card, c.Key, c.Message)
	}
}

func TestDbgConv(t *testing.T) {
	w := newWorld(t, 0, offlineCap...)
	w.seed(12)
	w.kiosk("a1")
	w.kiosk("a2")
	downFor := map[*kiosk]int{}
	for range 300 {
		w.clk.add(0)
		_ = downFor
		break
	}
	w.dumpConflicts()
}

func (w *world) dumpIssues(k *kiosk) {
	evs, _ := w.srv.Events(ctx, 0, 100000)
	known := map[string]bool{}
	for _, c := range w.cards {
		known[c] = true
	}
	for _, e := range evs {
		if e.Kind == "card.issue" && e.Device == k.name {
			w.t.Logf("issue %d %s %s", e.Seq, e.ID, string(e.Body)[:120])
		}
	}
}

func (w *world) dumpConflictBodies() {
	cs, _ := w.srv.Conflicts(ctx, true)
	evs, _ := w.srv.Events(ctx, 0, 100000)
	for _, c := range cs {
		w.t.Logf("conflict %s body %s", c.Event, c.Body)
		for _, e := range evs {
			if e.ID == c.Event {
				w.t.Logf("stored %d %s dev=%s body %s", e.Seq, e.Kind, e.Device, e.Body)
			}
		}
	}
}

func TestDbgDup(t *testing.T) {
	w := newWorld(t, 1, offlineCap...)
	w.seed(3)
	k := w.kiosk("a1")
	k.link.set(true)
	w.kioskStep(k)
	w.kioskStep(k)
	w.kioskStep(k)
	evs, err := k.ledger.Outbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	d := rewards.Device{Name: "kiosk-a1", Role: rewards.RoleKiosk, Store: "a1", Coop: "c1"}
	for i := 0; i < 2; i++ {
		res, err := w.srv.Upload(ctx, d, evs, nil)
		t.Logf("%v %+v", err, res)
	}
}

func TestDbgDup2(t *testing.T) {
	w := newWorld(t, 1, offlineCap...)
	w.seed(3)
	k := w.kiosk("a1")
	k.link.set(true)
	c, err := k.ledger.IssueCard(staffCtx(), rewards.CardIssue{Meta: w.meta(), Handed: true,
		Details: rewards.Details{GivenName: "Kio", FamilyName: "Offlinova", Phone: "+359877000001", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.ledger.RegisterCard(staffCtx(), rewards.CardRegister{Meta: w.meta(), Card: c.Number, Details: rewards.Details{GivenName: "Reg", Consent: true}}); err != nil {
		t.Fatal(err)
	}
	evs, err := k.ledger.Outbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		t.Logf("%s %s %+v", e.Kind, e.Body, e.Personal)
	}
	d := rewards.Device{Name: "kiosk-a1", Role: rewards.RoleKiosk, Store: "a1", Coop: "c1"}
	for i := 0; i < 2; i++ {
		res, err := w.srv.Upload(ctx, d, evs, nil)
		t.Logf("%v %+v", err, res)
	}
}

func TestDbgDup3(t *testing.T) {
	w := newWorld(t, 1, offlineCap...)
	w.seed(3)
	k := w.kiosk("a1")
	k.link.set(true)
	if _, err := k.ledger.RegisterCard(staffCtx(), rewards.CardRegister{Meta: w.meta(), Card: w.cards[0], Details: rewards.Details{GivenName: "Reg", Consent: true}}); err != nil {
		t.Fatal(err)
	}
	w.clk.add(time.Hour)
	if _, err := k.ledger.IssueCard(staffCtx(), rewards.CardIssue{Meta: w.meta(), Handed: true,
		Details: rewards.Details{GivenName: "Kio", FamilyName: "Offlinova", Phone: "+359877000001", Consent: true}}); err != nil {
		t.Fatal(err)
	}
	evs, err := k.ledger.Outbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	k.link.set(false)
	for i := 0; i < 3; i++ {
		res, err := k.client.Upload(ctx, evs)
		t.Logf("%v %+v", err, res)
	}
	w.dumpConflictBodies()
}
