package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/docs/openapitest"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// staff add reads the PIN from a file or stdin, never from the command
// line, and keeps it only as a hash; staff list shows none; a member logs
// in through a kiosk of the API served over the same ledger file, and
// audit lists what the session changed under the member's number.
func TestStaffCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
	c.env["TOCHKA_NOW"] = "2026-11-05T08:00:00Z"
	c.ok("coop", "add", "--id", "c1", "--name-en", "Coop One")
	c.ok("store", "add", "--id", "s1", "--coop", "c1", "--name-en", "Store One")
	var kiosk rewards.NewDevice
	c.jsonOf(&kiosk, "device", "add", "--name", "kiosk-1", "--role", "kiosk", "--store", "s1")

	if out := c.ok("staff", "list"); out != "no staff members are added\n" {
		t.Errorf("staff list of none: %q", out)
	}
	pinFile := c.file("pin", "482913\n")
	out := c.ok("staff", "add", "--name", "Ivana Petrova", "--number", "4711", "--store", "s1", "--role", "staff", "--pin-file", pinFile)
	if !strings.Contains(out, "4711    Ivana Petrova  staff  s1     c1") {
		t.Errorf("staff add printed %q", out)
	}
	if code, _, errOut := c.exec("90817263\n", "staff", "add", "--name", "Boris", "--number", "4712", "--coop", "c1", "--role", "manager", "--pin-file", "-"); code != 0 {
		t.Fatalf("staff add with the PIN on stdin: %d %s", code, errOut)
	}
	for _, args := range [][]string{
		{"staff", "add", "--name", "X", "--number", "1", "--store", "s1", "--role", "staff"},
		{"staff", "add", "--name", "X", "--number", "1", "--store", "s1", "--role", "staff", "--pin", "482913"},
		{"staff", "add", "--name", "X", "--number", "1", "--store", "s1", "--role", "boss", "--pin-file", pinFile},
		{"staff", "add", "--name", "X", "--number", "1", "--role", "staff", "--pin-file", pinFile},
	} {
		if code, _, _ := c.exec("", args...); code != 2 {
			t.Errorf("tochkactl %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
	if msg := c.refused("staff", "add", "--name", "X", "--number", "5", "--store", "s1", "--role", "staff", "--pin-file", c.file("short", "12345")); !strings.Contains(msg, "6 digits or more") {
		t.Errorf("a short PIN: %q", msg)
	}
	if msg := c.refused("staff", "add", "--name", "X", "--number", "4711", "--store", "s1", "--role", "staff", "--pin-file", pinFile); !strings.Contains(msg, "already a staff member numbered 4711") {
		t.Errorf("a taken number: %q", msg)
	}
	if msg := c.refused("staff", "add", "--name", "X", "--number", "6", "--store", "s1", "--role", "staff", "--pin-file", c.dir+"/none"); !strings.Contains(msg, "none") {
		t.Errorf("no PIN file: %q", msg)
	}
	raw := c.ok("staff", "list", "--json")
	var list []rewards.StaffMember
	if err := json.Unmarshal([]byte(raw), &list); err != nil || len(list) != 2 || list[1].Coop != "c1" {
		t.Fatalf("staff list --json: %s %v", raw, err)
	}
	if strings.Contains(raw, "argon2") || strings.Contains(raw, "482913") || strings.Contains(raw, "pin") {
		t.Errorf("staff list --json shows a PIN or its hash: %s", raw)
	}

	// A session at the kiosk, through the API over the same file, blocks a card.
	card := issue(c)
	s := sqlite.NewStore(c.db)
	s.Now = func() time.Time { return time.Date(2026, 11, 5, 8, 0, 0, 0, time.UTC) }
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(openapitest.Handler(t, api.NewHandler(s, api.Options{Devices: s, Staff: s})))
	defer srv.Close()
	post := func(session, path, body string) (int, []byte) {
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer "+kiosk.Token)
		if session != "" {
			req.Header.Set(api.StaffSessionHeader, session)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, data
	}
	code, body := post("", "/v1/staff/login", `{"number":"4711","pin":"482913"}`)
	var ns rewards.NewStaffSession
	if code != 200 || json.Unmarshal(body, &ns) != nil {
		t.Fatalf("login: %d %s", code, body)
	}
	if code, body := post(ns.Token, "/v1/cards/"+card+"/block", ""); code != 200 {
		t.Fatalf("block in the session: %d %s", code, body)
	}
	out = c.ok("audit", "--since", "2026-11-05T00:00:00Z")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	// The members added are no events, but the trail lists them, with
	// whom each change was made to.
	if len(lines) != 7 || !strings.HasPrefix(lines[0], "TIME") || !strings.HasSuffix(lines[3], "staff.add   tochkactl@vm  -      4711") ||
		!strings.HasSuffix(lines[4], "staff.add   tochkactl@vm  -      4712") || !strings.HasSuffix(lines[5], "card.issue  tochkactl@vm  -      -") ||
		!strings.HasSuffix(last, "card.block  kiosk-1       4711   -") {
		t.Errorf("audit:\n%s", out)
	}
	var entries []rewards.AuditEntry
	c.jsonOf(&entries, "audit")
	if len(entries) < 7 || entries[len(entries)-1].Staff != "4711" || entries[len(entries)-3] != (rewards.AuditEntry{
		At: time.Date(2026, 11, 5, 8, 0, 0, 0, time.UTC), Kind: rewards.AuditStaffAdd, Device: "tochkactl@vm", Subject: "4712"}) {
		t.Errorf("audit --json: %+v", entries)
	}
	for _, ev := range events(t, c) {
		for _, secret := range []string{"482913", "90817263", ns.Token, rewards.TokenHash(ns.Token), "argon2"} {
			if strings.Contains(string(ev.Body), secret) {
				t.Fatalf("event %s holds a secret: %s", ev.Kind, ev.Body)
			}
		}
	}
}

// staff add --card gives the member a staff card, which staff list shows;
// staff card replaces it, or takes it away with --remove; a loyalty card,
// another member's card and a misread one are refused; --card and
// --remove are one choice; like staff add, it works on a local ledger
// only.
func TestStaffCardCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
	c.env["TOCHKA_NOW"] = "2026-11-05T08:00:00Z"
	c.ok("coop", "add", "--id", "c1", "--name-en", "Coop One")
	c.ok("store", "add", "--id", "s1", "--coop", "c1", "--name-en", "Store One")
	pin := c.file("pin", "482913\n")
	card, spare := rewards.WithCheckDigit("210000004711"), rewards.WithCheckDigit("210000009999")
	add := func(number, card string) []string {
		return []string{"staff", "add", "--name", "N" + number, "--number", number, "--store", "s1", "--role", "staff", "--pin-file", pin, "--card", card}
	}
	if out := c.ok(add("4711", card)...); !strings.Contains(out, "s1     c1    "+card) {
		t.Errorf("staff add --card printed %q", out)
	}
	loyalty := issue(c)
	for _, tc := range []struct{ card, says string }{
		{card, "already another staff member's"},
		{loyalty, "is a loyalty card"},
		{card[:12] + string(rune('0'+(card[12]-'0'+1)%10)), "check digit"},
		{"21-47", "is not a staff card"},
	} {
		if msg := c.refused(add("4712", tc.card)...); !strings.Contains(msg, tc.says) {
			t.Errorf("staff add --card %s: %q, want it to say %q", tc.card, msg, tc.says)
		}
	}
	wantCard := func(want string) {
		t.Helper()
		var list []rewards.StaffMember
		c.jsonOf(&list, "staff", "list")
		if len(list) != 1 || list[0].Card != want {
			t.Fatalf("staff list --json: %+v, want card %q", list, want)
		}
	}
	wantCard(card)
	if out := c.ok("staff", "card", "--number", "4711", "--card", spare); !strings.Contains(out, "s1     c1    "+spare) {
		t.Errorf("staff card --card printed %q", out)
	}
	wantCard(spare)
	if msg := c.refused("staff", "card", "--number", "4711", "--card", loyalty); !strings.Contains(msg, "is a loyalty card") {
		t.Errorf("staff card --card LOYALTY: %q", msg)
	}
	if msg := c.refused("staff", "card", "--number", "9999", "--card", card); !strings.Contains(msg, "no staff member") {
		t.Errorf("staff card for no member: %q", msg)
	}
	if out := c.ok("staff", "card", "--number", "4711", "--remove"); !strings.Contains(out, "s1     c1    -") {
		t.Errorf("staff card --remove printed %q", out)
	}
	wantCard("")
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"staff", "card", "--number", "4711"}, "missing the card choice: --card NUMBER or --remove"},
		{[]string{"staff", "card", "--number", "4711", "--card", spare, "--remove"}, "give one card choice only, not --card and --remove"},
		{[]string{"staff", "card", "--number", "4711", "--card", spare, "--server", "http://127.0.0.1:1"}, "ledger's own host"},
	} {
		if code, _, errOut := c.exec("", tc.args...); code != 2 || !strings.Contains(errOut, tc.says) {
			t.Errorf("tochkactl %s: exit %d %s, want 2 saying %q", strings.Join(tc.args, " "), code, errOut, tc.says)
		}
	}
	if out := c.ok("staff", "card", "--help"); !strings.Contains(out, "usage: tochkactl staff card --number NNNN (--card NUMBER | --remove)") {
		t.Errorf("staff card --help:\n%s", out)
	}
}
