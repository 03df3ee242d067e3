package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
)

// syncEventOf is an event of kiosk@a1's outbox: the command as its body,
// made in the session of the staff member numbered staff ("": none).
func syncEventOf(t *testing.T, kind, id, staff string, cmd any) rewards.SyncEvent {
	t.Helper()
	body, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return rewards.SyncEvent{Event: rewards.Event{ID: rewards.EventID(kind, id), Kind: kind, Device: "kiosk@a1", At: walkNow, Body: body}, Staff: staff}
}

// Each uploaded event is checked as its staff member's session at the
// uploading kiosk would be: a member of this store blocks a card; a
// member of another store, one no one is, and the kiosk alone do not; a
// redemption for another store is refused by its place before the offline
// cap (0 here) refuses one for the kiosk's own. Each refusal is a
// conflict, listed for a manager, who resolves it.
func TestUploadRights(t *testing.T) {
	w := newRightsWorld(t)
	w.addStaff("201", rewards.StaffRoleStaff, "a1", "")
	w.addStaff("202", rewards.StaffRoleStaff, "a2", "")
	block := func(id, staff string) rewards.SyncEvent {
		return syncEventOf(t, rewards.EventCardBlock, id, staff, rewards.CardAction{Meta: rewards.Meta{ID: id, At: walkNow}, Card: w.card()})
	}
	redeem := func(id, store string) rewards.SyncEvent {
		return syncEventOf(t, rewards.EventRedeem, id, "201", rewards.Redemption{Meta: rewards.Meta{ID: id, At: walkNow}, Card: w.card(),
			Reward: w.reward("c1", ""), Store: store, Code: rewards.NewVoucherCode()})
	}
	kiosk := api.NewClient(w.srv.URL, w.srv.Client(), api.WithToken(w.tokens["kiosk@a1"]))
	events := []rewards.SyncEvent{block("b1", "201"), block("b2", "202"), block("b3", "999"), block("b4", ""), redeem("r1", "a2"), redeem("r2", "a1")}
	res, err := kiosk.Upload(ctx, events)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ status, key string }{
		{rewards.SyncApplied, ""},
		{rewards.SyncRejected, "staff.device_elsewhere"},
		{rewards.SyncRejected, "sync.staff_unknown"},
		{rewards.SyncRejected, "rights.route"},
		{rewards.SyncRejected, "rights.store"},
		{rewards.SyncRejected, "sync.over_cap"},
	}
	if len(res) != len(want) {
		t.Fatalf("results %+v", res)
	}
	for i, wr := range want {
		if res[i].ID != events[i].ID || res[i].Status != wr.status || res[i].Key != wr.key || (wr.status == rewards.SyncRejected && res[i].Conflict == 0) {
			t.Errorf("event %d: %+v, want %s %s", i, res[i], wr.status, wr.key)
		}
	}
	// The conflicts, to a manager, through the client.
	manager := api.NewClient(w.srv.URL, w.srv.Client(), api.WithToken(w.tokens["manager@a1"]), api.WithLanguage("bg"))
	open, err := manager.Conflicts(ctx, false)
	if err != nil || len(open) != 5 {
		t.Fatalf("conflicts %+v %v", open, err)
	}
	if c := open[1]; c.Staff != "999" || c.Device != "kiosk@a1" || c.Key != "sync.staff_unknown" || c.Outcome != rewards.ConflictRejected {
		t.Errorf("conflict %+v", c)
	}
	c, err := manager.ResolveConflict(ctx, open[0].ID, "the member works in a2")
	if err != nil || c.ResolvedBy != "manager@a1" || c.Note != "the member works in a2" || c.ResolvedAt == nil {
		t.Fatalf("resolved %+v %v", c, err)
	}
	if trail, err := w.s.Audit(ctx, time.Time{}); err != nil || !slices.ContainsFunc(trail, func(e rewards.AuditEntry) bool {
		return e.Kind == rewards.AuditConflictResolve && e.Device == "manager@a1" && e.Subject == strconv.FormatInt(c.ID, 10)
	}) {
		t.Errorf("the resolution is not in the audit trail: %+v %v", trail, err)
	}
	_, err = manager.ResolveConflict(ctx, open[0].ID, "again")
	var de *rewards.Error
	if rewards.ErrorCode(err) != rewards.ECONFLICT || !errors.As(err, &de) || !strings.Contains(de.Message, "вече е решен") {
		t.Errorf("resolved twice: %v", err)
	}
	if _, err := manager.ResolveConflict(ctx, 9999, "x"); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Errorf("an unknown conflict: %v", err)
	}
	if all, err := manager.Conflicts(ctx, true); err != nil || len(all) != 5 || all[0].ResolvedAt == nil {
		t.Errorf("all conflicts: %d %v", len(all), err)
	}
	if open, err := manager.Conflicts(ctx, false); err != nil || len(open) != 4 {
		t.Errorf("open conflicts: %d %v", len(open), err)
	}
	// The same events again: answered as before, nothing recorded twice.
	again, err := kiosk.Upload(ctx, events)
	if err != nil || again[0].Status != rewards.SyncDuplicate || again[0].Seq != res[0].Seq || again[1].Conflict != res[1].Conflict {
		t.Errorf("again: %+v %v", again, err)
	}
}

// An upload holds at most 1,000 events and a lease 1 to 1,000 numbers;
// the numbers leased come back through the client, none twice.
func TestUploadLimits(t *testing.T) {
	w := newRightsWorld(t)
	token := w.tokens["kiosk@a1"]
	events := make([]rewards.SyncEvent, rewards.SyncMax+1)
	for i := range events {
		id := fmt.Sprintf("k%d", i)
		events[i] = syncEventOf(t, rewards.EventCardBlock, id, "", rewards.CardAction{Meta: rewards.Meta{ID: id}, Card: "2900000000018"})
	}
	body, err := json.Marshal(api.SyncUpload{Events: events})
	if err != nil {
		t.Fatal(err)
	}
	if code, answer := w.call(token, "POST", "/v1/sync/events", body); code != http.StatusRequestEntityTooLarge || !strings.Contains(string(answer), "sync.too_many") {
		t.Errorf("1,001 events: %d %s", code, answer)
	}
	for _, count := range []int{0, rewards.LeaseMax + 1} {
		if code, answer := w.call(token, "POST", "/v1/sync/numbers", fmt.Appendf(nil, `{"count":%d}`, count)); code != http.StatusBadRequest || !strings.Contains(string(answer), "sync.count_bad") {
			t.Errorf("a lease of %d: %d %s", count, code, answer)
		}
	}
	if code, answer := w.call(token, "POST", "/v1/sync/events", []byte(`{"events":[],"more":1}`)); code != http.StatusBadRequest {
		t.Errorf("an unknown field: %d %s", code, answer)
	}
	kiosk := api.NewClient(w.srv.URL, w.srv.Client(), api.WithToken(token))
	a, err := kiosk.LeaseNumbers(ctx, 3)
	if err != nil || len(a) != 3 {
		t.Fatalf("leased %v %v", a, err)
	}
	b, err := kiosk.LeaseNumbers(ctx, 3)
	if err != nil || len(b) != 3 {
		t.Fatalf("leased %v %v", b, err)
	}
	seen := map[string]bool{}
	for _, n := range append(a, b...) {
		if seen[n] || rewards.ValidateCardNumber(n) != nil {
			t.Errorf("number %s leased twice or not a card number", n)
		}
		seen[n] = true
	}
	if _, err := w.s.IssueCard(ctx, rewards.CardIssue{Number: a[0], Handed: true}); rewards.ErrorCode(err) != rewards.ECONFLICT {
		t.Errorf("the server issued a leased number: %v", err)
	}
}
