package replica_test

import (
	"strings"
	"database/sql"
	"fmt"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards/sqlite"
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

func TestDbgWeek(t *testing.T) {
	w := newWorld(t, 3, offlineCap...)
	w.seed(40)
	k := w.kiosk("a1")
	k.link.set(true)
	end := w.clk.now().Add(7 * 24 * time.Hour)
	for w.clk.now().Before(end) {
		w.clk.add(time.Duration(1+w.rng.IntN(3)) * time.Minute)
		if w.rng.IntN(4) == 0 {
			w.kioskStep(k)
		} else {
			w.serverStep()
		}
	}
	w.syncAll()
	now := w.clk.now()
	for _, card := range w.cards {
		want, _ := readCard(w.srv, card, now)
		got, _ := readCard(k.ledger, card, now)
		if want.Card.PurchaseTotal != got.Card.PurchaseTotal {
			for _, l := range []*sqlite.Store{w.srv, k.ledger} {
				db, _ := sql.Open("sqlite3", "file:"+l.Path+"?mode=ro")
				var acct, pt int64
				db.QueryRow(`SELECT c.account_id, a.purchase_total FROM cards c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.number = ?`, card).Scan(&acct, &pt)
				var n, amt int64
				db.QueryRow(`SELECT count(*), coalesce(sum(amount),0) FROM lots WHERE account_id = ?`, acct).Scan(&n, &amt)
				t.Logf("%s card %s account %d pt %d lots %d amount %d", l.Path[len(l.Path)-12:], card, acct, pt, n, amt)
				db.Close()
			}
			evs, _ := w.srv.Events(ctx, 0, 100000)
			for _, e := range evs {
				if strings.Contains(string(e.Body), card) && e.Kind != "receipt" {
					t.Logf("event %d %s %s %s", e.Seq, e.Kind, e.Device, e.Body)
				}
			}
			break
		}
	}
	r, _ := k.ledger.Check(ctx)
	for _, p := range r.Problems {
		id := p.Args["account"]
		t.Logf("problem %v", p)
		for _, l := range []*sqlite.Store{w.srv, k.ledger} {
			db, _ := sql.Open("sqlite3", "file:"+l.Path+"?mode=ro")
			var debt int64
			db.QueryRow(`SELECT debt FROM accounts WHERE id = ?`, id).Scan(&debt)
			var lots, rem, ents int64
			db.QueryRow(`SELECT coalesce(sum(points),0), coalesce(sum(remaining),0) FROM lots WHERE account_id = ?`, id).Scan(&lots, &rem)
			db.QueryRow(`SELECT coalesce(sum(points),0) FROM entries WHERE account_id = ?`, id).Scan(&ents)
			rows, _ := db.Query(`SELECT id, kind, points, ref FROM entries WHERE account_id = ? ORDER BY id DESC LIMIT 6`, id)
			var es []string
			for rows.Next() {
				var eid, pts int64
				var kind, ref string
				rows.Scan(&eid, &kind, &pts, &ref)
				es = append(es, fmt.Sprintf("%d/%s/%d/%s", eid, kind, pts, ref))
			}
			rows.Close()
			t.Logf("%s: debt %d lots %d rem %d entries %d last %v", l.Path[len(l.Path)-12:], debt, lots, rem, ents, es)
			rows, _ = db.Query(`SELECT l.id, l.points, l.remaining, coalesce((SELECT group_concat(a.entry_id || ':' || a.points) FROM allocations a WHERE a.lot_id = l.id), '') FROM lots l WHERE account_id = ? ORDER BY id`, id)
			var ls []string
			for rows.Next() {
				var lid, pts, rem int64
				var al string
				rows.Scan(&lid, &pts, &rem, &al)
				ls = append(ls, fmt.Sprintf("%d:%d/%d[%s]", lid, rem, pts, al))
			}
			rows.Close()
			t.Logf("lots %v", ls)
			db.Close()
		}
		break
	}
}
