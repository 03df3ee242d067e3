package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/docs/openapitest"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// staffCall makes a request of a tochkad process with the device's token
// and, when given, a staff session, in English; the request and its
// answer are checked against docs/openapi.json.
func staffCall(t *testing.T, addr, token, session, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en")
	if session != "" {
		req.Header.Set(api.StaffSessionHeader, session)
	}
	resp, err := openapitest.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// Two tochkad processes on one ledger file agree on a staff member's
// wrong PINs: three through one and two through the other lock the member
// out on both, the right PIN included, until five minutes later by the
// ledger's clock; a session opened through one serves through the other,
// and what it changes is in the audit trail under the staff member.
func TestStaffAcrossProcesses(t *testing.T) {
	db := newLedger(t)
	_, kiosk, manager := devices(t, db)
	s := sqlite.NewStore(db)
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStaff(ctx, rewards.StaffAdd{PIN: "482913", Staff: rewards.StaffMember{Number: "4711", Name: "Ivana", Role: rewards.StaffRoleStaff, Store: "s1"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	env := []string{"TOCHKA_DB=sqlite:" + db, "TOCHKA_NOW=2026-11-05T10:00:00Z"}
	a := startProcess(t, env, "--listen", "127.0.0.1:0")
	b := startProcess(t, env, "--listen", "127.0.0.1:0")
	login := func(p *process, pin string) (int, string) {
		return staffCall(t, p.addr, kiosk, "", "POST", "/v1/staff/login", `{"number":"4711","pin":"`+pin+`"}`)
	}
	for i, p := range []*process{a, b, a, b} {
		if code, body := login(p, "000000"); code != 401 || !strings.Contains(body, "staff.pin_wrong") {
			t.Fatalf("wrong PIN %d: %d %s", i+1, code, body)
		}
	}
	if code, body := login(a, "000000"); code != 422 || !strings.Contains(body, "staff.locked") {
		t.Fatalf("the fifth wrong PIN: %d %s", code, body)
	}
	for _, p := range []*process{b, a} {
		if code, body := login(p, "482913"); code != 422 || !strings.Contains(body, "staff.locked") {
			t.Fatalf("the right PIN while locked: %d %s", code, body)
		}
	}
	// Five minutes later, by the ledger's clock of two new processes.
	later := []string{"TOCHKA_DB=sqlite:" + db, "TOCHKA_NOW=2026-11-05T10:05:00Z"}
	a.cmd.Process.Kill()
	b.cmd.Process.Kill()
	a = startProcess(t, later, "--listen", "127.0.0.1:0")
	b = startProcess(t, later, "--listen", "127.0.0.1:0")
	code, body := login(a, "482913")
	if code != 200 {
		t.Fatalf("the right PIN after the lock: %d %s", code, body)
	}
	var ns rewards.NewStaffSession
	if err := json.Unmarshal([]byte(body), &ns); err != nil {
		t.Fatal(err)
	}
	if code, body := staffCall(t, b.addr, kiosk, ns.Token, "POST", "/v1/cards", `{"handed":true}`); code != 200 {
		t.Fatalf("a card issued in the session through the other process: %d %s", code, body)
	}
	code, body = staffCall(t, b.addr, manager, "", "GET", "/v1/audit?since="+time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC).Format(time.RFC3339), "")
	var entries []rewards.AuditEntry
	// The member's addition (no event) and the card the session issued.
	if code != 200 || json.Unmarshal([]byte(body), &entries) != nil || len(entries) != 2 || entries[0].Kind != rewards.AuditStaffAdd ||
		entries[0].Subject != "4711" || entries[1].Kind != rewards.EventCardIssue || entries[1].Staff != "4711" || entries[1].Device != "kiosk-1" {
		t.Fatalf("the audit trail: %d %s", code, body)
	}
}

// A staff member logs in at a kiosk through a started tochkad with the
// staff card scanned: the session serves the kiosk; wrong PINs by card and
// by number count toward one lock-out; an unknown card, and a loyalty
// card, are refused as an unknown number is.
func TestStaffCardLogin(t *testing.T) {
	db := newLedger(t)
	_, kiosk, _ := devices(t, db)
	card := rewards.WithCheckDigit("210000004711")
	s := sqlite.NewStore(db)
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStaff(ctx, rewards.StaffAdd{PIN: "482913", Staff: rewards.StaffMember{Number: "4711", Name: "Ivana", Role: rewards.StaffRoleStaff, Store: "s1", Card: card}}); err != nil {
		t.Fatal(err)
	}
	loyalty, err := s.IssueCard(ctx, rewards.CardIssue{Handed: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	p := startProcess(t, []string{"TOCHKA_DB=sqlite:" + db, "TOCHKA_NOW=2026-11-05T10:00:00Z"}, "--listen", "127.0.0.1:0")
	login := func(body string) (int, string) {
		return staffCall(t, p.addr, kiosk, "", "POST", "/v1/staff/login", body)
	}
	code, answer := login(`{"card":"` + card + `","pin":"482913"}`)
	var ns rewards.NewStaffSession
	if code != 200 || json.Unmarshal([]byte(answer), &ns) != nil || ns.Staff.Number != "4711" || ns.Staff.Card != card {
		t.Fatalf("login by staff card: %d %s", code, answer)
	}
	if code, answer := staffCall(t, p.addr, kiosk, ns.Token, "POST", "/v1/cards/"+loyalty.Number+"/block", ""); code != 200 {
		t.Fatalf("a block in the session: %d %s", code, answer)
	}
	_, unknown := login(`{"number":"9999","pin":"482913"}`)
	for _, other := range []string{rewards.WithCheckDigit("210000009999"), loyalty.Number} {
		code, answer := login(`{"card":"` + other + `","pin":"482913"}`)
		if code != 401 || !strings.Contains(answer, `"key":"staff.unknown"`) || !strings.Contains(unknown, `"key":"staff.unknown"`) {
			t.Errorf("the unknown card %s: %d %s (an unknown number: %s)", other, code, answer, unknown)
		}
	}
	for i, b := range []string{`{"card":"` + card + `","pin":"000000"}`, `{"number":"4711","pin":"000000"}`, `{"card":"` + card + `","pin":"000000"}`, `{"number":"4711","pin":"000000"}`} {
		if code, answer := login(b); code != 401 || !strings.Contains(answer, "staff.pin_wrong") {
			t.Fatalf("wrong PIN %d: %d %s", i+1, code, answer)
		}
	}
	if code, answer := login(`{"card":"` + card + `","pin":"000000"}`); code != 422 || !strings.Contains(answer, "staff.locked") {
		t.Fatalf("the fifth wrong PIN, by card: %d %s", code, answer)
	}
	if code, answer := login(`{"number":"4711","card":"` + card + `","pin":"482913"}`); code != 400 || !strings.Contains(answer, "staff.login_one") {
		t.Errorf("a login by number and card: %d %s", code, answer)
	}
}
