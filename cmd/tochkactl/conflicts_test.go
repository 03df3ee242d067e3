package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// uploadRefused records the same two conflicts in a ledger: kiosk-1's
// upload of a receipt and a return, which no kiosk uploads.
func uploadRefused(t *testing.T, db string) {
	t.Helper()
	s := sqlite.NewStore(db)
	now, _ := time.Parse(time.RFC3339, serverNow)
	s.Now = func() time.Time { return now }
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var events []rewards.SyncEvent
	for _, kind := range []string{rewards.EventReceipt, rewards.EventReturn} {
		events = append(events, rewards.SyncEvent{Staff: "4711", Event: rewards.Event{ID: rewards.EventID(kind, "K1"), Kind: kind,
			At: now.Add(-time.Hour), Body: []byte(`{"id":"K1","card":"2900000000018"}`)}})
	}
	res, err := s.Upload(context.Background(), rewards.Device{Name: "kiosk-1", Role: rewards.RoleKiosk, Coop: "sofia"}, events, nil)
	if err != nil || len(res) != 2 || res[1].Conflict != 2 {
		t.Fatalf("upload: %+v %v", res, err)
	}
}

// A manager lists the conflicts and resolves one with a note, on the
// local ledger and through the server alike; the messages are in the
// reader's language; a conflict resolved twice, and one without a note,
// are refused.
func TestConflictCommands(t *testing.T) {
	w := newServerWorld(t)
	w.local.env["TOCHKA_DEVICE"] = "ops" // as the server's token names its device
	uploadRefused(t, w.local.db)
	uploadRefused(t, w.host.db)
	out := w.same("conflicts")
	for _, want := range []string{"ID  WHEN", "kiosk-1", "4711", "receipt", "2900000000018", "rejected", "a kiosk does not upload a receipt event"} {
		if !strings.Contains(out, want) {
			t.Errorf("conflicts: no %q in\n%s", want, out)
		}
	}
	out = w.same("conflicts", "resolve", "1", "--note", "the till posts receipts")
	if !strings.Contains(out, "resolved by ops") || !strings.Contains(out, "the till posts receipts") {
		t.Errorf("conflicts resolve:\n%s", out)
	}
	if out := w.same("conflicts"); strings.Contains(out, "receipt ") || !strings.Contains(out, "return") {
		t.Errorf("open conflicts after the resolve:\n%s", out)
	}
	if out := w.same("conflicts", "--all"); !strings.Contains(out, "rejected, resolved") || !strings.Contains(out, "return") {
		t.Errorf("conflicts --all:\n%s", out)
	}
	var list []rewards.Conflict
	w.remote.jsonOf(&list, "conflicts", "--all")
	if len(list) != 2 || list[0].Note != "the till posts receipts" || list[0].ResolvedBy != "ops" {
		t.Errorf("conflicts --all --json: %+v", list)
	}
	for _, c := range []*cli{w.local, w.remote} {
		if msg := c.refused("conflicts", "resolve", "1", "--note", "again"); !strings.Contains(msg, "resolved already") {
			t.Errorf("resolved twice: %s", msg)
		}
		if msg := c.refused("conflicts", "resolve", "7", "--note", "x"); !strings.Contains(msg, "no conflict 7") {
			t.Errorf("an unknown conflict: %s", msg)
		}
	}
	w.local.env["TOCHKA_LANG"] = "bg"
	if out := w.local.ok("conflicts"); !strings.Contains(out, "павилионът не качва") || !strings.Contains(out, "отказано") {
		t.Errorf("conflicts in Bulgarian:\n%s", out)
	}
	if code, _, _ := w.local.exec("", "conflicts", "resolve", "2"); code != 2 {
		t.Errorf("resolve without --note: exit %d", code)
	}
}
