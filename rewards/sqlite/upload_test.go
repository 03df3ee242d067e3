package sqlite_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// uploadLedger is a central ledger of the coop program with an offline cap
// of 300 points, store a1 of cooperative c1 and its kiosk kiosk-1, a card
// with 400 points available from 3 Nov, a mug of 100 points (5 in stock)
// and a lamp of 200 (1 in stock). Its clock reads 3 Nov 2026 12:00 UTC.
func uploadLedger(t *testing.T) (s *sqlite.Store, clk *clock, kiosk rewards.Device, card string) {
	t.Helper()
	s, clk = openStore(t, "coop", `voucher_valid = "720h"`, "voucher_valid = \"720h\"\noffline_cap = 300")
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: "c1", Names: rewards.Names{EN: "C1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{ID: "a1", Coop: "c1", Names: rewards.Names{EN: "A1"}}}); err != nil {
		t.Fatal(err)
	}
	card = mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	clk.set("2026-11-03T12:00:00Z")
	mustPost(t, s, rewards.Receipt{ID: "R1", Store: "a1", Card: card, Time: ts("2026-11-03T09:00:00Z"),
		Lines: []rewards.Line{{SKU: "A", Qty: 1, Amount: 10000}}})
	for _, rw := range []rewards.Reward{
		{ID: "mug", Coop: "c1", Names: rewards.Names{EN: "Mug"}, Points: 100, Stock: new(int64(5))},
		{ID: "lamp", Coop: "c1", Names: rewards.Names{EN: "Lamp"}, Points: 200, Stock: new(int64(1))},
	} {
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rw}); err != nil {
			t.Fatal(err)
		}
	}
	if b := balance(t, s, card, "2026-11-03T12:00:00Z"); b.Available != 400 {
		t.Fatalf("the card has %d available, want 400", b.Available)
	}
	return s, clk, rewards.Device{Name: "kiosk-1", Role: rewards.RoleKiosk, Store: "a1", Coop: "c1"}, card
}

// kioskEvent is an event as a kiosk's outbox holds it: the command (id and
// time in its Meta) as its body, made in the staff member's session.
func kioskEvent(t *testing.T, kind, id string, at time.Time, staff string, cmd any) rewards.SyncEvent {
	t.Helper()
	body, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return rewards.SyncEvent{Event: rewards.Event{ID: rewards.EventID(kind, id), Kind: kind, Device: "kiosk-1", At: at, Body: body}, Staff: staff}
}

// offlineRedeem is a redemption made at an offline kiosk, its voucher's
// code drawn there.
func offlineRedeem(t *testing.T, id, card, reward, at string) (rewards.SyncEvent, string) {
	code := rewards.NewVoucherCode()
	r := rewards.Redemption{Meta: rewards.Meta{ID: id, At: ts(at)}, Card: card, Reward: reward, Store: "a1", Code: code}
	return kioskEvent(t, rewards.EventRedeem, id, ts(at), "", r), code
}

func upload(t *testing.T, s *sqlite.Store, d rewards.Device, may func(rewards.SyncEvent) error, events ...rewards.SyncEvent) []rewards.SyncResult {
	t.Helper()
	res, err := s.Upload(ctx, d, events, may)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(events) {
		t.Fatalf("%d results for %d events", len(res), len(events))
	}
	return res
}

// wantResult checks an upload's answer: its status and, for a rejection,
// its key and a conflict.
func wantResult(t *testing.T, r rewards.SyncResult, status, key string) {
	t.Helper()
	if r.Status != status || r.Key != key {
		t.Fatalf("result %+v, want %s %q", r, status, key)
	}
	if status == rewards.SyncRejected && (r.Conflict == 0 || r.Message == "" || r.Code == "") {
		t.Fatalf("rejection without conflict, code or message: %+v", r)
	}
}

// conflictByID finds a conflict among all of the ledger's.
func conflictByID(t *testing.T, s *sqlite.Store, id int64) rewards.Conflict {
	t.Helper()
	all, err := s.Conflicts(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no conflict %d among %+v", id, all)
	return rewards.Conflict{}
}

// An event uploaded again is a duplicate at the seq it was applied at,
// and changes nothing, whatever body comes under its id; a rejected event
// uploaded again is answered as before.
func TestUploadDuplicates(t *testing.T) {
	s, _, kiosk, card := uploadLedger(t)
	redeem, _ := offlineRedeem(t, "k1-r1", card, "mug", "2026-11-03T11:00:00Z")
	bad := kioskEvent(t, rewards.EventReceipt, "k1-x", ts("2026-11-03T11:00:00Z"), "", map[string]string{"id": "k1-x"})
	first := upload(t, s, kiosk, nil, redeem, bad)
	wantResult(t, first[0], rewards.SyncApplied, "")
	wantResult(t, first[1], rewards.SyncRejected, "sync.kind_refused")
	events := eventCount(t, s)
	again := upload(t, s, kiosk, nil, redeem, bad)
	wantResult(t, again[0], rewards.SyncDuplicate, "")
	if again[0].Seq != first[0].Seq || first[0].Seq == 0 {
		t.Errorf("duplicate at seq %d, applied at %d", again[0].Seq, first[0].Seq)
	}
	wantResult(t, again[1], rewards.SyncRejected, "sync.kind_refused")
	if again[1].Conflict != first[1].Conflict {
		t.Errorf("the rejection again is conflict %d, was %d", again[1].Conflict, first[1].Conflict)
	}
	if n := eventCount(t, s); n != events {
		t.Errorf("%d events after the repeat, %d before", n, events)
	}
	if b := balance(t, s, card, "2026-11-03T12:00:00Z"); b.Available != 300 {
		t.Errorf("available %d after one mug, want 300", b.Available)
	}
	// The id is the event: another body under it is the event the kiosk
	// did not hear answered, as applied (its personal data may since be
	// erased, its time redated), and changes nothing.
	other, _ := offlineRedeem(t, "k1-r1", card, "lamp", "2026-11-03T11:00:00Z")
	res := upload(t, s, kiosk, nil, other)
	wantResult(t, res[0], rewards.SyncDuplicate, "")
	if res[0].Seq != first[0].Seq {
		t.Errorf("another body under the id: seq %d, applied at %d", res[0].Seq, first[0].Seq)
	}
	if b := balance(t, s, card, "2026-11-03T12:00:00Z"); b.Available != 300 {
		t.Errorf("available %d after another body under the mug's id, want 300", b.Available)
	}
}

// Every refusal is a rejection with a conflict: the rights of the event's
// staff, a card blocked meanwhile, a reward out of stock, a card number
// leased to another kiosk; a refused redemption's voucher is void at the
// till.
func TestUploadRejections(t *testing.T) {
	s, _, kiosk, card := uploadLedger(t)
	if _, err := s.Redeem(ctx, rewards.Redemption{Card: card, Reward: "lamp", Store: "a1"}); err != nil {
		t.Fatal(err) // the last lamp, taken online
	}
	other := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	if _, err := s.BlockCard(ctx, rewards.CardAction{Card: other}); err != nil {
		t.Fatal(err)
	}
	leased, err := s.LeaseNumbers(ctx, rewards.Device{Name: "kiosk-2", Role: rewards.RoleKiosk, Store: "a1"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	at := ts("2026-11-03T11:00:00Z")
	noStock, noStockCode := offlineRedeem(t, "k1-r1", card, "lamp", "2026-11-03T11:00:00Z")
	blocked, blockedCode := offlineRedeem(t, "k1-r2", other, "mug", "2026-11-03T11:00:00Z")
	forbidden := kioskEvent(t, rewards.EventCardBlock, "k1-b1", at, "9999", rewards.CardAction{Meta: rewards.Meta{ID: "k1-b1", At: at}, Card: card})
	takenNumber := kioskEvent(t, rewards.EventCardIssue, "k1-i1", at, "", rewards.CardIssue{Meta: rewards.Meta{ID: "k1-i1", At: at}, Number: leased[0], Handed: true})
	may := func(e rewards.SyncEvent) error {
		if e.Staff == "9999" {
			return rewards.Fail(rewards.EFORBIDDEN, "sync.staff_unknown", map[string]any{"number": e.Staff, "id": e.ID})
		}
		return nil
	}
	res := upload(t, s, kiosk, may, noStock, blocked, forbidden, takenNumber)
	for i, key := range []string{"reward.out_of_stock", "card.blocked", "sync.staff_unknown", "sync.number_leased"} {
		wantResult(t, res[i], rewards.SyncRejected, key)
	}
	open, err := s.Conflicts(ctx, false)
	if err != nil || len(open) != 4 {
		t.Fatalf("open conflicts %+v %v", open, err)
	}
	if c := conflictByID(t, s, res[2].Conflict); c.Staff != "9999" || c.Kind != rewards.EventCardBlock || c.Key != "sync.staff_unknown" || !strings.Contains(c.Message, "9999") {
		t.Errorf("conflict %+v", c)
	}
	for _, code := range []string{noStockCode, blockedCode} {
		_, err := s.ClaimVoucher(ctx, rewards.VoucherAction{Code: code})
		wantRefused(t, err, rewards.EREFUSED, "void")
		if _, err := s.Voucher(ctx, code); rewards.ErrorCode(err) != rewards.EREFUSED {
			t.Errorf("voucher %s read: %v", code, err)
		}
	}
	if c, err := s.Card(ctx, card, ts("2026-11-03T12:00:00Z")); err != nil || c.BlockedAt != nil {
		t.Errorf("the card was blocked by a refused event: %+v %v", c, err)
	}
	checkLedger(t, s)
}

// Offline redemptions count against the cap per kiosk, card and business
// day: past it one is rejected and its voucher void; the next day, and at
// another kiosk, the count starts again.
func TestUploadOverCap(t *testing.T) {
	s, clk, kiosk, card := uploadLedger(t)
	r1, _ := offlineRedeem(t, "k1-r1", card, "mug", "2026-11-03T10:00:00Z")
	r2, _ := offlineRedeem(t, "k1-r2", card, "lamp", "2026-11-03T10:05:00Z")
	r3, code := offlineRedeem(t, "k1-r3", card, "mug", "2026-11-03T10:10:00Z") // 100+200+100 > 300
	res := upload(t, s, kiosk, nil, r1, r2, r3)
	wantResult(t, res[0], rewards.SyncApplied, "")
	wantResult(t, res[1], rewards.SyncApplied, "")
	wantResult(t, res[2], rewards.SyncRejected, "sync.over_cap")
	if !strings.Contains(res[2].Message, "300") {
		t.Errorf("over-cap message %q", res[2].Message)
	}
	_, err := s.ClaimVoucher(ctx, rewards.VoucherAction{Code: code})
	wantRefused(t, err, rewards.EREFUSED, "void")
	if b := balance(t, s, card, "2026-11-03T12:00:00Z"); b.Available != 100 {
		t.Errorf("available %d, want 100", b.Available)
	}
	kiosk2 := rewards.Device{Name: "kiosk-2", Role: rewards.RoleKiosk, Store: "a1", Coop: "c1"}
	r4, _ := offlineRedeem(t, "k2-r1", card, "mug", "2026-11-03T10:20:00Z")
	r4.Device = "kiosk-2"
	clk.set("2026-11-04T12:00:00Z")
	r5, _ := offlineRedeem(t, "k1-r5", card, "mug", "2026-11-04T09:00:00Z")
	wantResult(t, upload(t, s, kiosk2, nil, r4)[0], rewards.SyncApplied, "")
	wantResult(t, upload(t, s, kiosk, nil, r5)[0], rewards.SyncApplied, "")
	checkLedger(t, s)
}

// An offline redemption the balance no longer covers is applied, the
// shortfall owed, and recorded as a debt conflict; later points pay the
// debt first.
func TestUploadDebt(t *testing.T) {
	s, _, kiosk, card := uploadLedger(t)
	// Online meanwhile: the lamp (200) and a mug (100) leave 100.
	for _, rw := range []string{"lamp", "mug"} {
		if _, err := s.Redeem(ctx, rewards.Redemption{Card: card, Reward: rw, Store: "a1"}); err != nil {
			t.Fatal(err)
		}
	}
	r1, _ := offlineRedeem(t, "k1-r1", card, "mug", "2026-11-03T10:00:00Z")
	r2, code := offlineRedeem(t, "k1-r2", card, "mug", "2026-11-03T10:01:00Z")
	res := upload(t, s, kiosk, nil, r1, r2)
	wantResult(t, res[0], rewards.SyncApplied, "")
	if res[0].Conflict != 0 {
		t.Errorf("a covered redemption made conflict %d", res[0].Conflict)
	}
	wantResult(t, res[1], rewards.SyncApplied, "")
	c := conflictByID(t, s, res[1].Conflict)
	if c.Outcome != rewards.ConflictDebt || c.Key != "sync.debt" || !strings.Contains(c.Message, "100 points") || !strings.Contains(c.Message, code) {
		t.Errorf("debt conflict %+v", c)
	}
	if b := balance(t, s, card, "2026-11-03T12:00:00Z"); b.Available != -100 {
		t.Errorf("available %d, want -100", b.Available)
	}
	if _, err := s.ClaimVoucher(ctx, rewards.VoucherAction{Code: code}); err != nil {
		t.Errorf("the voucher applied as debt is refused at the till: %v", err)
	}
	mustPost(t, s, rewards.Receipt{ID: "R2", Store: "a1", Card: card, Time: ts("2026-11-03T11:30:00Z"),
		Lines: []rewards.Line{{SKU: "A", Qty: 1, Amount: 5000}}}) // 200 points
	if b := balance(t, s, card, "2026-11-03T12:00:00Z"); b.Available != 100 {
		t.Errorf("available %d after 200 earned, want 100", b.Available)
	}
	checkLedger(t, s)
}

// An event dated ahead of the server's clock past the skew is applied as
// of the clock and recorded as a conflict; uploaded again, it is a
// duplicate.
func TestUploadAhead(t *testing.T) {
	s, _, kiosk, _ := uploadLedger(t)
	leased, err := s.LeaseNumbers(ctx, kiosk, 1)
	if err != nil {
		t.Fatal(err)
	}
	at := ts("2026-11-03T15:00:00Z") // three hours ahead
	issue := kioskEvent(t, rewards.EventCardIssue, "k1-i1", at, "", rewards.CardIssue{Meta: rewards.Meta{ID: "k1-i1", At: at}, Number: leased[0], Handed: true})
	res := upload(t, s, kiosk, nil, issue)
	wantResult(t, res[0], rewards.SyncApplied, "")
	c := conflictByID(t, s, res[0].Conflict)
	if c.Outcome != rewards.ConflictAhead || !c.At.Equal(at) || !strings.Contains(c.Message, "clock") {
		t.Errorf("conflict %+v", c)
	}
	card, err := s.Card(ctx, leased[0], ts("2026-11-03T12:00:00Z"))
	if err != nil || !card.IssuedAt.Equal(ts("2026-11-03T12:00:00Z")) {
		t.Errorf("card %+v %v, want issued at the clock", card, err)
	}
	again := upload(t, s, kiosk, nil, issue)
	wantResult(t, again[0], rewards.SyncDuplicate, "")
	if again[0].Seq != res[0].Seq {
		t.Errorf("duplicate at %d, applied at %d", again[0].Seq, res[0].Seq)
	}
	checkLedger(t, s)
}

// An enrolment's personal data, uploaded beside its event, are kept in
// the server's record, not in its log; a body that claims a phone without
// them is rejected.
func TestUploadPersonal(t *testing.T) {
	s, _, kiosk, _ := uploadLedger(t)
	leased, err := s.LeaseNumbers(ctx, kiosk, 2)
	if err != nil {
		t.Fatal(err)
	}
	at := ts("2026-11-03T11:00:00Z")
	// As the kiosk's ledger recorded it: the data apart, the body
	// referring to its own record.
	issue := kioskEvent(t, rewards.EventCardIssue, "k1-i1", at, "4711", rewards.CardIssue{Meta: rewards.Meta{ID: "k1-i1", At: at},
		Number: leased[0], Handed: true, Person: "p-kiosk-1", WithPhone: true})
	issue.Personal = &rewards.Details{GivenName: "Мария", FamilyName: "Петрова", Phone: "+359888123456", Consent: true}
	bare := kioskEvent(t, rewards.EventCardIssue, "k1-i2", at, "", rewards.CardIssue{Meta: rewards.Meta{ID: "k1-i2", At: at},
		Number: leased[1], Handed: true, Person: "p-kiosk-2", WithPhone: true})
	res := upload(t, s, kiosk, nil, issue, bare)
	wantResult(t, res[0], rewards.SyncApplied, "")
	wantResult(t, res[1], rewards.SyncRejected, "invalid.field")
	exp, err := s.ExportCard(ctx, leased[0], at)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(exp)
	for _, want := range []string{"Петрова", "+359888123456"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the export has no %s: %s", want, data)
		}
	}
	evs, err := s.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	// The log holds the event as the kiosk made it, referring to the
	// record by the kiosk's id, and no personal data.
	if last.ID != issue.ID || strings.Contains(string(last.Body), "Петрова") || !strings.Contains(string(last.Body), `"person":"p-kiosk-1"`) {
		t.Errorf("the log holds %s %s", last.ID, last.Body)
	}
	var staff string
	if err := s.DB().QueryRow(`SELECT coalesce(staff, ''), device FROM events WHERE seq = ?`, res[0].Seq).Scan(&staff, new(string)); err != nil || staff != "4711" {
		t.Errorf("the event's staff %q %v", staff, err)
	}
	if again := upload(t, s, kiosk, nil, issue); again[0].Status != rewards.SyncDuplicate {
		t.Errorf("again: %+v", again[0])
	}
	checkLedger(t, s)
}

// Leased numbers are never drawn by the server nor leased twice; a card
// issued with one by its kiosk uses the lease up, by another kiosk it is
// refused.
func TestLeaseNumbers(t *testing.T) {
	s, _, kiosk, _ := uploadLedger(t)
	numbers := []string{"2900000000018", "2900000000025", "2900000000032", "2900000000049", "2900000000056"}
	next := 0
	s.SetCardNumbers(func(string) string {
		n := numbers[next%len(numbers)]
		next++
		return n
	})
	got, err := s.LeaseNumbers(ctx, kiosk, 2)
	if err != nil || strings.Join(got, ",") != numbers[0]+","+numbers[1] {
		t.Fatalf("leased %v %v", got, err)
	}
	kiosk2 := rewards.Device{Name: "kiosk-2", Role: rewards.RoleKiosk, Store: "a1", Coop: "c1"}
	next = 0
	got2, err := s.LeaseNumbers(ctx, kiosk2, 1)
	if err != nil || len(got2) != 1 || got2[0] != numbers[2] {
		t.Fatalf("kiosk-2 leased %v %v", got2, err)
	}
	next = 0
	c, err := s.IssueCard(ctx, rewards.CardIssue{Handed: true})
	if err != nil || c.Number != numbers[3] {
		t.Fatalf("the server drew %+v %v, want %s", c, err, numbers[3])
	}
	if _, err := s.IssueCard(ctx, rewards.CardIssue{Number: numbers[0], Handed: true}); rewards.ErrorCode(err) != rewards.ECONFLICT {
		t.Errorf("a card issued here with kiosk-1's number: %v", err)
	}
	at := ts("2026-11-03T11:00:00Z")
	issue := func(id, number string) rewards.SyncEvent {
		return kioskEvent(t, rewards.EventCardIssue, id, at, "", rewards.CardIssue{Meta: rewards.Meta{ID: id, At: at}, Number: number, Handed: true})
	}
	res := upload(t, s, kiosk, nil, issue("k1-i1", numbers[0]), issue("k1-i2", numbers[2]))
	wantResult(t, res[0], rewards.SyncApplied, "")
	wantResult(t, res[1], rewards.SyncRejected, "sync.number_leased")
	var leases int
	if err := s.DB().QueryRow(`SELECT count(*) FROM card_leases WHERE device = 'kiosk-1'`).Scan(&leases); err != nil || leases != 1 {
		t.Errorf("kiosk-1 holds %d leases (%v), want 1", leases, err)
	}
	if _, err := s.LeaseNumbers(ctx, kiosk, 0); rewards.ErrorCode(err) != rewards.EINVALID {
		t.Errorf("a lease of none: %v", err)
	}
}

// A batch of 1,000 events is one call and one commit.
func TestUploadBatch(t *testing.T) {
	s, _, kiosk, _ := uploadLedger(t)
	numbers, err := s.LeaseNumbers(ctx, kiosk, rewards.SyncMax)
	if err != nil {
		t.Fatal(err)
	}
	at := ts("2026-11-03T11:00:00Z")
	events := make([]rewards.SyncEvent, len(numbers))
	for i, n := range numbers {
		id := fmt.Sprintf("k1-i%d", i)
		events[i] = kioskEvent(t, rewards.EventCardIssue, id, at, "", rewards.CardIssue{Meta: rewards.Meta{ID: id, At: at}, Number: n})
	}
	commits := 0
	s.GroupCommitted = func(int) { commits++ }
	res := upload(t, s, kiosk, nil, events...)
	for _, r := range res {
		if r.Status != rewards.SyncApplied {
			t.Fatalf("result %+v", r)
		}
	}
	if commits != 1 {
		t.Errorf("%d commits for one upload", commits)
	}
	checkLedger(t, s)
}

// A conflict is closed once, with a note, by whom; the list of open ones
// leaves it out from then on.
func TestResolveConflict(t *testing.T) {
	s, clk, kiosk, card := uploadLedger(t)
	r, _ := offlineRedeem(t, "k1-r1", card, "nothing", "2026-11-03T10:00:00Z")
	res := upload(t, s, kiosk, nil, r)
	wantResult(t, res[0], rewards.SyncRejected, "reward.unknown")
	id := res[0].Conflict
	if _, err := s.ResolveConflict(ctx, id, "4711", "  "); rewards.ErrorCode(err) != rewards.EINVALID {
		t.Errorf("an empty note: %v", err)
	}
	if _, err := s.ResolveConflict(ctx, id+100, "4711", "done"); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Errorf("an unknown conflict: %v", err)
	}
	clk.set("2026-11-03T13:00:00Z")
	session := rewards.WithStaff(rewards.WithDevice(ctx, "kiosk-s1"), "4711")
	c, err := s.ResolveConflict(session, id, "4711", "told the customer")
	if err != nil || c.ResolvedAt == nil || !c.ResolvedAt.Equal(clk.t) || c.ResolvedBy != "4711" || c.Note != "told the customer" {
		t.Fatalf("resolved %+v %v", c, err)
	}
	if _, err := s.ResolveConflict(ctx, id, "4712", "again"); rewards.ErrorCode(err) != rewards.ECONFLICT {
		t.Errorf("resolved twice: %v", err)
	}
	// The resolution, no event, is in the audit trail once.
	trail, err := s.Audit(ctx, clk.t.Add(-time.Minute))
	if err != nil || len(trail) != 1 || trail[0] != (rewards.AuditEntry{At: clk.t, Kind: rewards.AuditConflictResolve,
		Device: "kiosk-s1", Staff: "4711", Subject: strconv.FormatInt(id, 10)}) {
		t.Errorf("the audit trail: %+v %v", trail, err)
	}
	open, err := s.Conflicts(ctx, false)
	if err != nil || len(open) != 0 {
		t.Errorf("open %+v %v", open, err)
	}
	if all, err := s.Conflicts(ctx, true); err != nil || len(all) != 1 || all[0].Note != "told the customer" {
		t.Errorf("all %+v %v", all, err)
	}
}
