package sqlite_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// syncWorld is a central ledger under random activity, and the kiosks'
// replicas that follow it.
type syncWorld struct {
	t        *testing.T
	s        *sqlite.Store
	clk      *clock
	rng      *rand.Rand
	cards    []string
	receipts []rewards.Receipt
	vouchers []string
	n        int
	done     map[string]int
	personal []string // phones, e-mails and family names given
}

// newSyncWorld opens a central ledger of the coop program with a board of
// stocked rewards.
func newSyncWorld(t *testing.T, seed uint64) *syncWorld {
	// A kiosk may redeem offline (the cap is the upload's to enforce).
	s, clk := openStore(t, "coop", `voucher_valid = "720h"`, "voucher_valid = \"96h\"\noffline_cap = 1000")
	w := &syncWorld{t: t, s: s, clk: clk, rng: rand.New(rand.NewPCG(seed, 7)), done: map[string]int{}}
	rewardstest.MustPlaces(t, s, "c1", "s1")
	for i, pts := range []int64{20, 60, 150} {
		stock := int64(5 + i*10)
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: fmt.Sprintf("item%d", i), Coop: "c1",
			Names: rewards.Names{EN: fmt.Sprintf("Item %d", i)}, Points: pts, Stock: &stock}}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *syncWorld) card() string {
	if len(w.cards) == 0 {
		return "2900000000018"
	}
	return w.cards[w.rng.IntN(len(w.cards))]
}

func (w *syncWorld) meta() rewards.Meta { return rewards.Meta{At: w.clk.t} }

// details are a customer's personal data, remembered to be looked for in
// replicas' files.
func (w *syncWorld) details() rewards.Details {
	w.n++
	d := rewards.Details{GivenName: fmt.Sprintf("Given%d", w.n), FamilyName: fmt.Sprintf("Familyname%05dx", w.n),
		Phone: fmt.Sprintf("+359888%06d", w.n), Email: fmt.Sprintf("person%05d@example.org", w.n), Consent: true}
	w.personal = append(w.personal, d.Phone, d.FamilyName, d.Email)
	return d
}

// steps does n random operations on the central ledger.
func (w *syncWorld) steps(n int) {
	for range n {
		w.step()
	}
}

func (w *syncWorld) step() {
	w.n++
	w.clk.t = w.clk.t.Add(time.Duration(w.rng.IntN(30*60)) * time.Minute)
	s := w.s
	var err error
	var name string
	switch k := w.rng.IntN(100); {
	case k < 10 || len(w.cards) < 4:
		name = "issue"
		issue := rewards.CardIssue{Meta: w.meta(), Handed: w.rng.IntN(4) > 0, Member: w.rng.IntN(4) == 0}
		if w.rng.IntN(2) == 0 {
			issue.Details = w.details()
		}
		var c rewards.Card
		if c, err = s.IssueCard(ctx, issue); err == nil {
			w.cards = append(w.cards, c.Number)
		}
	case k < 14:
		name = "register"
		_, err = s.RegisterCard(ctx, rewards.CardRegister{Meta: w.meta(), Card: w.card(), Details: w.details()})
	case k < 50:
		name = "receipt"
		r := rewards.Receipt{ID: fmt.Sprintf("R%d", w.n), Store: "s1", Card: w.card(), Time: w.clk.t}
		for j := w.rng.IntN(3); j >= 0; j-- {
			r.Lines = append(r.Lines, rewards.Line{SKU: fmt.Sprintf("sku%d", w.rng.IntN(6)), Qty: 1 + int64(w.rng.IntN(3)),
				Amount: int64(w.rng.IntN(30000)), OwnBrand: w.rng.IntN(3) == 0, Bonus: int64(w.rng.IntN(200))})
		}
		if _, err = s.PostReceipt(ctx, r); err == nil {
			w.receipts = append(w.receipts, r)
		}
	case k < 58:
		name = "return"
		if len(w.receipts) == 0 {
			return
		}
		r := w.receipts[w.rng.IntN(len(w.receipts))]
		l := r.Lines[w.rng.IntN(len(r.Lines))]
		_, err = s.PostReturn(ctx, rewards.Return{ID: fmt.Sprintf("X%d", w.n), Receipt: r.ID, Time: w.clk.t,
			Lines: []rewards.ReturnLine{{SKU: l.SKU, Qty: 1 + int64(w.rng.IntN(int(l.Qty)))}}})
	case k < 70:
		name = "redeem"
		var v rewards.Voucher
		if v, err = s.Redeem(ctx, rewards.Redemption{Meta: w.meta(), Card: w.card(), Reward: fmt.Sprintf("item%d", w.rng.IntN(3))}); err == nil {
			w.vouchers = append(w.vouchers, v.Code)
		}
	case k < 78:
		name = "voucher"
		if len(w.vouchers) == 0 {
			return
		}
		act := rewards.VoucherAction{Meta: w.meta(), Code: w.vouchers[w.rng.IntN(len(w.vouchers))]}
		if w.rng.IntN(2) == 0 {
			_, err = s.ClaimVoucher(ctx, act)
		} else {
			_, err = s.CancelVoucher(ctx, act)
		}
	case k < 81:
		name = "block"
		_, err = s.BlockCard(ctx, rewards.CardAction{Meta: w.meta(), Card: w.card()})
	case k < 86:
		name = "replace"
		var c rewards.Card
		if c, err = s.ReplaceCard(ctx, rewards.CardReplace{Meta: w.meta(), Card: w.card()}); err == nil {
			w.cards = append(w.cards, c.Number)
		}
	case k < 92:
		name = "link"
		_, err = s.LinkCard(ctx, rewards.CardLink{Meta: w.meta(), Card: w.card(), Holder: w.card(), Pool: w.rng.IntN(3) > 0})
	case k < 94:
		name = "forget"
		_, err = s.ForgetCard(ctx, rewards.CardAction{Meta: w.meta(), Card: w.card()})
	case k < 96:
		name = "member"
		_, err = s.MakeMember(ctx, rewards.CardAction{Meta: w.meta(), Card: w.card()})
	default:
		name = "board"
		if w.rng.IntN(3) == 0 {
			err = s.RemoveReward(ctx, rewards.RewardRemove{Meta: w.meta(), Reward: fmt.Sprintf("item%d", w.rng.IntN(3))})
		} else {
			stock := int64(w.rng.IntN(20))
			_, err = s.AddReward(ctx, rewards.RewardAdd{Meta: w.meta(), Reward: rewards.Reward{ID: fmt.Sprintf("item%d", w.rng.IntN(3)), Coop: "c1",
				Names: rewards.Names{EN: fmt.Sprintf("Item %d", w.n)}, Points: 10 + int64(w.rng.IntN(100)), Stock: &stock}})
		}
	}
	if err != nil {
		if rewards.ErrorCode(err) == rewards.EINTERNAL {
			w.t.Fatalf("operation %d (%s): %v", w.n, name, err)
		}
		return
	}
	w.done[name]++
}

// bootstrap makes a replica of the scope from a snapshot of the central
// ledger, with the world's clock.
func (w *syncWorld) bootstrap(scope rewards.SyncScope) *sqlite.Store {
	w.t.Helper()
	var buf bytes.Buffer
	cursor, err := w.s.Snapshot(ctx, scope, &buf)
	if err != nil {
		w.t.Fatal(err)
	}
	path := filepath.Join(w.t.TempDir(), "kiosk.db")
	if err := sqlite.InstallSnapshot(path, &buf, "http://127.0.0.1:1", "token", "kiosk1", "", ""); err != nil {
		w.t.Fatal(err)
	}
	r := sqlite.NewStore(path)
	r.Now = w.clk.Now
	r.Device = "kiosk1"
	if err := r.Open(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { r.Close() })
	if !r.IsReplica() {
		w.t.Fatal("an installed snapshot does not open as a replica")
	}
	info, err := r.ReplicaInfo(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	if info.Cursor != cursor || info.Upstream != "http://127.0.0.1:1" || info.Device != "kiosk1" || (scope.Coop != "" && info.Coop != scope.Coop) || info.Store != scope.Store {
		w.t.Fatalf("replica row %+v, cursor %s", info, cursor)
	}
	return r
}

// pull applies the change feed to the replica, limit changes a page,
// until it has caught up, and returns how many changes it applied.
func (w *syncWorld) pull(r *sqlite.Store, scope rewards.SyncScope, limit int) int {
	w.t.Helper()
	n := 0
	for {
		info, err := r.ReplicaInfo(ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		page, err := w.s.Changes(ctx, scope, info.Cursor, limit, info.StaffDigest)
		if err != nil {
			w.t.Fatal(err)
		}
		if len(page.Changes) > limit {
			w.t.Fatalf("a page of %d changes for a limit of %d", len(page.Changes), limit)
		}
		if err := r.ApplyChanges(ctx, info.Cursor, page); err != nil {
			w.t.Fatal(err)
		}
		n += len(page.Changes)
		if !page.More {
			return n
		}
	}
}

// dumpTable reads every row of a query as text.
func dumpTable(t *testing.T, s *sqlite.Store, q string) []string {
	t.Helper()
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	return out
}

// sameLedgers expects the replica to hold what the central ledger holds:
// every account, card and lot, every card's balance, its history's
// latest entries, the open vouchers, the scope's board; and both checks
// to pass.
func sameLedgers(t *testing.T, server, replica *sqlite.Store, cards []string, now time.Time) {
	t.Helper()
	for _, q := range []string{
		`SELECT id, member_since, welcome_at, debt, purchase_total FROM accounts WHERE id IN (SELECT account_id FROM cards) ORDER BY id`,
		`SELECT number, account_id, issued_at, handed_at, active_from, blocked_at, replaced_by, holder, pooled FROM cards ORDER BY number`,
		`SELECT id, account_id, points, remaining, available_from, expires_at, card, amount FROM lots ORDER BY id`,
		`SELECT code, account_id, card, reward_id, points, status, valid_until, closed_at, entry_id FROM vouchers WHERE status = 'open' ORDER BY code`,
		`SELECT id, coop, store, body FROM rewards ORDER BY id`,
		`SELECT account_id, given_name FROM people WHERE account_id IN (SELECT account_id FROM cards) ORDER BY account_id`,
	} {
		a, b := dumpTable(t, server, q), dumpTable(t, replica, q)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s:\nserver  %v\nreplica %v", q, diffRows(a, b), diffRows(b, a))
		}
	}
	for _, c := range cards {
		for _, at := range []time.Time{now, now.Add(30 * 24 * time.Hour)} {
			b1, err1 := server.Balance(ctx, c, at)
			b2, err2 := replica.Balance(ctx, c, at)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(b1, b2) {
				t.Fatalf("card %s at %v: server %+v (%v), replica %+v (%v)", c, at, b1, err1, b2, err2)
			}
		}
		h1, err1 := server.History(ctx, c)
		h2, err2 := replica.History(ctx, c)
		if err1 != nil || err2 != nil {
			t.Fatalf("history of %s: %v, %v", c, err1, err2)
		}
		k := min(len(h2), 50)
		if len(h2) < min(len(h1), 50) || !reflect.DeepEqual(h1[len(h1)-k:], h2[len(h2)-k:]) {
			t.Fatalf("history of %s:\nserver  %+v\nreplica %+v", c, h1, h2)
		}
	}
	for _, s := range []*sqlite.Store{server, replica} {
		r, err := s.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Problems) > 0 {
			t.Fatalf("check (replica %v): %v", r.Replica, r.Problems)
		}
		if r.Replica != s.IsReplica() {
			t.Fatalf("check says replica %v of a store that is %v", r.Replica, s.IsReplica())
		}
	}
}

// diffRows lists the rows of a that b lacks.
func diffRows(a, b []string) []string {
	in := map[string]bool{}
	for _, r := range b {
		in[r] = true
	}
	var out []string
	for _, r := range a {
		if !in[r] {
			out = append(out, r)
		}
	}
	return out
}

// noPersonalData expects none of the phones, e-mails and family names
// given to be anywhere in the replica's files, free pages included.
func noPersonalData(t *testing.T, path string, personal []string) {
	t.Helper()
	if len(personal) == 0 {
		t.Fatal("no personal data were given")
	}
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		for _, s := range personal {
			if bytes.Contains(b, []byte(s)) {
				t.Fatalf("%s holds %q", p, s)
			}
		}
	}
}

// TestReplicaFollowsLedger bootstraps a replica from a snapshot of a
// ledger under random activity, lets the activity go on and pulls the
// change feed a few changes a page: every account then stands in the
// replica as in the ledger.
func TestReplicaFollowsLedger(t *testing.T) {
	scope := rewards.SyncScope{Coop: "c1"}
	w := newSyncWorld(t, 20261201)
	w.steps(300)
	r := w.bootstrap(scope)
	sameLedgers(t, w.s, r, w.cards, w.clk.t)
	noPersonalData(t, r.Path, w.personal)
	for round := range 4 {
		w.steps(150)
		if n := w.pull(r, scope, 7); n == 0 {
			t.Fatal("no changes pulled")
		}
		sameLedgers(t, w.s, r, w.cards, w.clk.t)
		t.Logf("round %d: %v", round, w.done)
	}
	noPersonalData(t, r.Path, w.personal)
	for _, k := range []string{"issue", "register", "receipt", "return", "redeem", "voucher", "replace", "link", "forget", "board"} {
		if w.done[k] == 0 {
			t.Fatalf("the mix missed %s: %v", k, w.done)
		}
	}
	// A replica from the start of the log gets there too.
	r2 := w.bootstrap(scope)
	if _, err := r2.DB().Exec(`UPDATE replica SET cursor = ''`); err != nil {
		t.Fatal(err)
	}
	w.pull(r2, scope, 50)
	sameLedgers(t, w.s, r2, w.cards, w.clk.t)
}

// TestReplicaOwnEvents makes changes at a replica (an enrolment with
// personal data, a redemption), uploads them as its outbox gives them and
// pulls the server's effects of them: these replace the kiosk's, nothing
// counts twice, and the personal data leave the kiosk. A refused
// redemption is undone.
func TestReplicaOwnEvents(t *testing.T) {
	scope := rewards.SyncScope{Coop: "c1"}
	w := newSyncWorld(t, 7)
	w.steps(200)
	r := w.bootstrap(scope)

	// A card with points enough for item0.
	var rich string
	for _, c := range w.cards {
		b, err := r.Balance(ctx, c, w.clk.t)
		if err == nil && b.Status == rewards.CardActive && b.Available >= 40 {
			rich = c
			break
		}
	}
	if rich == "" {
		t.Fatal("no card with points")
	}
	before, _ := r.Balance(ctx, rich, w.clk.t)
	v, err := r.Redeem(ctx, rewards.Redemption{Meta: w.meta(), Card: rich, Reward: "item0"})
	if err != nil {
		t.Fatal(err)
	}
	d := w.details()
	numbers, err := w.s.LeaseNumbers(ctx, rewards.Device{Name: r.Device, Role: rewards.RoleKiosk}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AddNumbers(ctx, numbers); err != nil {
		t.Fatal(err)
	}
	issued, err := r.IssueCard(ctx, rewards.CardIssue{Meta: w.meta(), Handed: true, Details: d})
	if err != nil {
		t.Fatal(err)
	}
	// The kiosk's card keeps the given name; what was typed waits in the
	// outbox (below), not in the kiosk's records.
	if issued.Phone != "" || issued.FamilyName != "" || issued.GivenName != d.GivenName {
		t.Fatalf("the kiosk's records of an enrolment hold %+v", issued)
	}
	// A registration with personal data of a card the server issued.
	var plain string
	for _, c := range w.cards {
		if c != rich {
			if cd, err := r.Card(ctx, c, w.clk.t); err == nil && cd.Status == rewards.CardActive && cd.Phone == "" {
				plain = c
				break
			}
		}
	}
	d2 := w.details()
	if _, err := r.RegisterCard(ctx, rewards.CardRegister{Meta: w.meta(), Card: plain, Details: d2}); err != nil {
		t.Fatal(err)
	}
	// The server goes on, the card that redeemed at the kiosk earning
	// there: pulled before the kiosk uploads, the server's rows keep the
	// kiosk's redemption.
	w.clk.t = w.clk.t.Add(time.Minute)
	if _, err := w.s.PostReceipt(ctx, rewards.Receipt{ID: "while-offline", Store: "s1", Card: rich, Time: w.clk.t,
		Lines: []rewards.Line{{SKU: "a", Qty: 1, Amount: 9000, Bonus: 50}}}); err != nil {
		t.Fatal(err)
	}
	w.pull(r, scope, 7)
	sb, _ := w.s.Balance(ctx, rich, w.clk.t)
	if rb, _ := r.Balance(ctx, rich, w.clk.t); rb.Available != sb.Available-v.Points {
		t.Fatalf("after a pull the kiosk shows %d, the server %d and the kiosk's redemption of %d waits", rb.Available, sb.Available, v.Points)
	}
	out, err := r.Outbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].Kind != rewards.EventRedeem || out[1].Kind != rewards.EventCardIssue || out[1].Personal == nil || out[1].Personal.Phone != d.Phone ||
		out[2].Personal == nil || out[2].Personal.FamilyName != d2.FamilyName {
		t.Fatalf("outbox %+v", out)
	}
	info, _ := r.ReplicaInfo(ctx)
	if info.Outbox != 3 {
		t.Fatalf("outbox count %d", info.Outbox)
	}
	// The server applies them as an upload would, the personal data back
	// in the enrolment's body; the answer to the first is lost, so the
	// pull comes before it.
	var results []rewards.SyncResult
	for _, e := range out {
		if _, err := w.s.Apply(ctx, withPersonal(t, e)); err != nil {
			t.Fatal(err)
		}
		results = append(results, rewards.SyncResult{ID: e.ID, Status: rewards.SyncApplied})
	}
	if err := r.Answered(ctx, results[1:]); err != nil {
		t.Fatal(err)
	}
	// A second uploader of the same file (the kiosk's loop and a
	// `sync run`) hears the same answers: nothing more happens.
	if err := r.Answered(ctx, results[1:]); err != nil {
		t.Fatal(err)
	}
	w.steps(50)
	w.pull(r, scope, 7)
	if err := r.Answered(ctx, results[:1]); err != nil {
		t.Fatal(err)
	}
	cards := append(w.cards, issued.Number)
	sameLedgers(t, w.s, r, cards, w.clk.t)
	after, _ := r.Balance(ctx, rich, w.clk.t)
	sv, err := w.s.Voucher(ctx, v.Code)
	if err != nil || sv.Points != v.Points {
		t.Fatalf("the server's voucher %+v (%v), the kiosk's %+v", sv, err, v)
	}
	t.Logf("balance of %s: %d before, %d after", rich, before.Available, after.Available)
	if info, _ := r.ReplicaInfo(ctx); info.Outbox != 0 {
		t.Fatalf("outbox count %d after all were answered", info.Outbox)
	}
	if n := dumpTable(t, r, `SELECT count(*) FROM outbox`); n[0] != "0" {
		t.Fatalf("outbox rows left: %v", n)
	}
	if n := dumpTable(t, r, `SELECT count(*) FROM events`); n[0] != "0" {
		t.Fatalf("events left: %v", n)
	}
	if err := r.SetSyncState(ctx, sqlite.SyncState{}); err != nil { // offline: the checkpoint empties the log
		t.Fatal(err)
	}
	if _, err := r.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	noPersonalData(t, r.Path, []string{d.Phone, d.FamilyName, d.Email, d2.Phone, d2.FamilyName, d2.Email})

	// A redemption the server refuses is undone at the kiosk.
	before, _ = r.Balance(ctx, rich, w.clk.t)
	stock := dumpTable(t, r, `SELECT body FROM rewards WHERE id = 'item0'`)
	v2, err := r.Redeem(ctx, rewards.Redemption{Meta: w.meta(), Card: rich, Reward: "item0"})
	if err != nil {
		t.Fatalf("no second redemption: %v", err)
	}
	if mid, _ := r.Balance(ctx, rich, w.clk.t); mid.Available != before.Available-v2.Points {
		t.Fatalf("balance %d after a redemption of %d from %d", mid.Available, v2.Points, before.Available)
	}
	out, _ = r.Outbox(ctx, 100)
	if err := r.Answered(ctx, []rewards.SyncResult{{ID: out[0].ID, Status: rewards.SyncRejected, Code: rewards.EREFUSED}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := r.Balance(ctx, rich, w.clk.t); !reflect.DeepEqual(b, before) {
		t.Fatalf("balance after a refused redemption %+v, before it %+v", b, before)
	}
	if _, err := r.Voucher(ctx, v2.Code); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Fatalf("the refused redemption's voucher: %v", err)
	}
	if got := dumpTable(t, r, `SELECT body FROM rewards WHERE id = 'item0'`); !reflect.DeepEqual(got, stock) {
		t.Fatalf("stock after a refusal %v, before %v", got, stock)
	}
	sameLedgers(t, w.s, r, cards, w.clk.t)
}

// withPersonal is an outbox event as the server applies it: the personal
// data typed at the kiosk back in its body.
func withPersonal(t *testing.T, e rewards.SyncEvent) rewards.Event {
	t.Helper()
	if e.Personal == nil {
		return e.Event
	}
	var body map[string]any
	if err := json.Unmarshal(e.Body, &body); err != nil {
		t.Fatal(err)
	}
	d, _ := json.Marshal(e.Personal)
	var fields map[string]any
	json.Unmarshal(d, &fields)
	for k, v := range fields {
		body[k] = v
	}
	delete(body, "person")
	delete(body, "with_phone")
	b, _ := json.Marshal(body)
	out := e.Event
	out.Body = b
	return out
}

// TestSnapshotHoldsNoPersonalData looks through a snapshot's bytes for the
// phones, e-mails and family names of the ledger's customers.
func TestSnapshotHoldsNoPersonalData(t *testing.T) {
	w := newSyncWorld(t, 3)
	for range 20 {
		w.n++
		if _, err := w.s.IssueCard(ctx, rewards.CardIssue{Meta: w.meta(), Handed: true, Details: w.details()}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.s.Snapshot(ctx, rewards.SyncScope{Store: "s1"}, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "SQLite format 3\x00") {
		t.Fatal("a snapshot is no SQLite file")
	}
	for _, s := range w.personal {
		if bytes.Contains(buf.Bytes(), []byte(s)) {
			t.Fatalf("the snapshot holds %q", s)
		}
	}
	if !bytes.Contains(buf.Bytes(), []byte("Given1")) {
		t.Fatal("the snapshot holds no given name")
	}
}

// A replica makes only what a kiosk uploads: the board, places, the
// program, receipts and the server's credentials are refused on it, and
// nothing is written to its outbox for them.
func TestReplicaRefusesServerWork(t *testing.T) {
	w := newSyncWorld(t, 3)
	r := w.bootstrap(rewards.SyncScope{Store: "s1"})
	_, err := r.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "lamp", Coop: "c1", Names: rewards.Names{EN: "Lamp"}, Points: 10}})
	if rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("a board edit on a replica: %v", err)
	}
	if _, err := r.AddStaff(ctx, rewards.StaffAdd{PIN: "123456", Staff: rewards.StaffMember{Number: "7", Name: "Ana", Role: rewards.StaffRoleStaff, Coop: "c1"}}); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("a staff member added on a replica: %v", err)
	}
	if info, _ := r.ReplicaInfo(ctx); info.Outbox != 0 {
		t.Fatalf("the outbox holds %d events", info.Outbox)
	}
}

// A page applies only from the cursor it was read after: two pulls at
// once (a kiosk's loop and a redemption's, or two processes) apply each
// page once, and the cursor never goes back.
func TestReplicaAppliesAPageOnce(t *testing.T) {
	w := newSyncWorld(t, 5)
	scope := rewards.SyncScope{Store: "s1"}
	r := w.bootstrap(scope)
	w.steps(40)
	info, err := r.ReplicaInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	page, err := w.s.Changes(ctx, scope, info.Cursor, 5, info.StaffDigest)
	if err != nil || len(page.Changes) == 0 {
		t.Fatalf("a page of %d changes: %v", len(page.Changes), err)
	}
	if err := r.ApplyChanges(ctx, info.Cursor, page); err != nil {
		t.Fatal(err)
	}
	if err := r.ApplyChanges(ctx, info.Cursor, page); !errors.Is(err, sqlite.ErrPulled) {
		t.Fatalf("the same page again: %v", err)
	}
	if after, _ := r.ReplicaInfo(ctx); after.Cursor != page.Next {
		t.Fatalf("the cursor is %s, want %s", after.Cursor, page.Next)
	}
	// Rows come as they stand at the server: between pages the accounts
	// need not add up, and check says the replica is catching up.
	if rep, err := r.Check(ctx); err != nil || len(rep.Problems) > 0 || rep.CatchingUp != page.More {
		t.Fatalf("check: %v, catching up %v, more %v: %v", rep.Problems, rep.CatchingUp, page.More, err)
	}
}
