package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/docs/openapitest"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

var tokenRE = regexp.MustCompile(`tch_[A-Za-z0-9_-]{43}`)

// device add prints a token once (as text and with --json), and the same
// --request-id again prints the device without it; device list never
// shows a token; the token opens the API over the same ledger file until
// device revoke, after which the very next request is refused; no token
// or hash reaches the event log.
func TestDeviceCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
	c.env["TOCHKA_NOW"] = "2026-11-05T08:00:00Z"
	c.ok("coop", "add", "--id", "c1", "--name-en", "Coop One")
	c.ok("store", "add", "--id", "s1", "--coop", "c1", "--name-en", "Store One")

	if out := c.ok("device", "list"); out != "no devices are added\n" {
		t.Errorf("device list of none: %q", out)
	}
	out := c.ok("device", "add", "--name", "office", "--role", "admin", "--coop", "c1", "--request-id", "add-office")
	admin := tokenRE.FindString(out)
	if admin == "" || !strings.Contains(out, "office  admin  -      c1    5 Nov 2026 10:00  -\n") || !strings.Contains(out, "shown this once") {
		t.Fatalf("device add printed %q", out)
	}
	code, again, errOut := c.exec("", "device", "add", "--name", "office", "--role", "admin", "--coop", "c1", "--request-id", "add-office")
	if code != 0 || tokenRE.MatchString(again) || !strings.Contains(again, "office") || !strings.Contains(errOut, "its token was shown then") {
		t.Errorf("device add again with its request id: %d %q %q", code, again, errOut)
	}
	var till rewards.NewDevice
	c.jsonOf(&till, "device", "add", "--name", "till-1", "--role", "pos", "--store", "s1")
	if !tokenRE.MatchString(till.Token) || till.Store != "s1" || till.Coop != "c1" || till.Role != rewards.RolePOS || till.Token == admin {
		t.Fatalf("device add --json: %+v", till)
	}

	// Refusals: a taken name, an unrecorded place, no place or two, a
	// role that is none.
	if msg := c.refused("device", "add", "--name", "till-1", "--role", "kiosk", "--store", "s1"); !strings.Contains(msg, "already a device named till-1") {
		t.Errorf("a taken name: %q", msg)
	}
	if msg := c.refused("device", "add", "--name", "k", "--role", "kiosk", "--store", "s9"); !strings.Contains(msg, "s9") {
		t.Errorf("an unrecorded store: %q", msg)
	}
	for _, args := range [][]string{
		{"device", "add", "--name", "k", "--role", "kiosk"},
		{"device", "add", "--name", "k", "--role", "kiosk", "--store", "s1", "--coop", "c1"},
		{"device", "add", "--name", "k", "--role", "cashier", "--store", "s1"},
		{"device", "revoke"},
	} {
		if code, _, _ := c.exec("", args...); code != 2 {
			t.Errorf("tochkactl %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
	code, _, errOut = c.exec("", "device", "revoke", "nobody", "--json")
	var e errorJSON
	if code != 1 || json.Unmarshal([]byte(errOut), &e) != nil || e.Error.Code != rewards.ENOTFOUND || e.Error.Key != "device.unknown" {
		t.Errorf("revoke an unknown device: %d %s", code, errOut)
	}

	list := c.ok("device", "list")
	if tokenRE.MatchString(list) || !strings.Contains(list, "office") || !strings.Contains(list, "till-1") {
		t.Errorf("device list: %q", list)
	}
	raw := c.ok("device", "list", "--json")
	if strings.Contains(raw, "token") || strings.Contains(raw, rewards.TokenHash(till.Token)) {
		t.Errorf("device list --json shows a token: %s", raw)
	}

	// The till's token opens the API served over the same ledger file, by
	// another store, until device revoke; then its next request is refused.
	s := sqlite.NewStore(c.db)
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(openapitest.Handler(t, api.NewHandler(s, api.Options{Devices: s})))
	defer srv.Close()
	client := api.NewClient(srv.URL, srv.Client(), api.WithToken(till.Token))
	if _, err := client.Program(context.Background()); err != nil {
		t.Fatalf("the till's token: %v", err)
	}
	var revoked rewards.Device
	c.jsonOf(&revoked, "device", "revoke", "till-1", "--request-id", "revoke-till")
	if revoked.RevokedAt == nil || revoked.Name != "till-1" {
		t.Fatalf("device revoke --json: %+v", revoked)
	}
	if _, err := client.Program(context.Background()); rewards.ErrorCode(err) != rewards.EUNAUTHENTICATED {
		t.Fatalf("the revoked till's next request: %v", err)
	}
	if out := c.ok("device", "revoke", "till-1"); !strings.Contains(out, "till-1") {
		t.Errorf("revoke again: %q", out)
	}

	for _, ev := range events(t, c) {
		for _, secret := range []string{admin, till.Token, rewards.TokenHash(admin), rewards.TokenHash(till.Token)} {
			if strings.Contains(string(ev.Body), secret) {
				t.Fatalf("event %s holds a token: %s", ev.Kind, ev.Body)
			}
		}
	}
}
