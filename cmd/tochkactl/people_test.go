package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestPersonalData walks a customer's personal data: given on the form
// with consent, shared by the household's cards and refused to another,
// exported on request, forgotten with the points kept, and then nowhere in
// the ledger's files, its log or what check, history and export show.
func TestPersonalData(t *testing.T) {
	c := newCLI(t)
	for _, cmd := range []string{"issue", "register"} {
		help := c.ok("card", cmd, "--help")
		for _, want := range []string{"--given-name NAME", "--family-name NAME", "--phone PHONE", "--email EMAIL", "--consent", "--marketing",
			"split at the first space", "+359", "one household"} {
			if !strings.Contains(help, want) {
				t.Errorf("card %s --help does not say %q:\n%s", cmd, want, help)
			}
		}
	}
	if help := c.ok("card", "forget", "--help"); !strings.Contains(help, "usage: tochkactl card forget CARD") || !strings.Contains(help, "points") ||
		!strings.Contains(help, "forget each such card on its own") {
		t.Errorf("card forget --help:\n%s", help)
	}
	if help := c.ok("card", "export", "--help"); !strings.Contains(help, "usage: tochkactl card export CARD") || !strings.Contains(help, "JSON") {
		t.Errorf("card export --help:\n%s", help)
	}

	c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
	at := []string{"--at", "2026-11-02T08:00:00Z"}
	if msg := c.refused(append([]string{"card", "issue", "--given-name", "Мария"}, at...)...); !strings.Contains(msg, "consent") {
		t.Errorf("personal data without consent: %q", msg)
	}
	if msg := c.refused(append([]string{"card", "issue", "--phone", "12-34", "--consent"}, at...)...); !strings.Contains(msg, `"12-34" is not a phone number`) {
		t.Errorf("a phone that is not one: %q", msg)
	}
	if msg := c.refused(append([]string{"card", "issue", "--email", "maria", "--consent"}, at...)...); !strings.Contains(msg, "is not an e-mail address") {
		t.Errorf("an e-mail that is not one: %q", msg)
	}
	holder := issue(c, append([]string{"--given-name", "Мария", "--family-name", "Петрова-Тодорова", "--phone", "0888 123 456",
		"--email", "maria.petrova@example.bg", "--consent", "--marketing"}, at...)...)
	out := c.ok("card", "register", holder, "--at", "2026-11-02T08:00:00Z")
	if !strings.Contains(out, "phone +359888123456; name Мария Петрова-Тодорова; e-mail maria.petrova@example.bg") {
		t.Errorf("a card with personal data:\n%s", out)
	}
	// The family card may share the holder's phone; another household's
	// card may not, and is told which card holds it.
	family := issue(c, at...)
	other := issue(c, append([]string{"--name", "Иван Иванов", "--consent"}, at...)...)
	c.ok("card", "link", family, "--to", holder, "--at", "2026-11-02T08:00:00Z")
	c.ok("card", "register", family, "--phone", "+359 888 123 456", "--given-name", "Ели", "--consent", "--at", "2026-11-02T08:00:00Z")
	if msg := c.refused("card", "register", other, "--phone", "00359888123456", "--consent", "--at", "2026-11-02T08:00:00Z"); !strings.Contains(msg, "+359888123456 is already registered to card "+holder) {
		t.Errorf("another household's phone: %q", msg)
	}
	var named struct {
		GivenName  string `json:"given_name"`
		FamilyName string `json:"family_name"`
		Name       string `json:"name"`
	}
	c.jsonOf(&named, "card", "register", other, "--at", "2026-11-02T08:00:00Z")
	if named.GivenName != "Иван" || named.FamilyName != "Иванов" || named.Name != "Иван Иванов" {
		t.Errorf("--name split at the first space: %+v", named)
	}

	r := c.file("r1.json", fmt.Sprintf(`{"id":"R1","store":"s1","card":%q,"time":"2026-11-03T10:00:00Z","lines":[{"sku":"A","qty":1,"amount":2500}]}`, holder))
	c.ok("receipt", "post", r)
	c.ok("coop", "add", "--id", "sofia", "--name-en", "Sofia", "--at", "2026-11-03T10:00:00Z")
	c.ok("board", "add", "--id", "MUG", "--coop", "sofia", "--points", "20", "--name-en", "Mug", "--at", "2026-11-03T10:00:00Z")

	// The export is JSON without --json, with keys that stay.
	raw := json.RawMessage(c.ok("card", "export", holder, "--at", "2026-11-03T10:00:00Z"))
	wantKeys(t, "export", raw, "card", "cards", "account", "person", "balance", "history", "vouchers")
	wantKeys(t, "export person", mustField(t, raw, "person"), "id", "given_name", "family_name", "phone", "email", "consent_at", "marketing_at", "marketing_withdrawn_at")
	wantKeys(t, "export account", mustField(t, raw, "account"), "id", "member_since", "welcome_at", "debt", "purchase_total")
	var export struct {
		Person struct {
			Phone       string `json:"phone"`
			ConsentAt   string `json:"consent_at"`
			MarketingAt string `json:"marketing_at"`
		} `json:"person"`
		History []json.RawMessage `json:"history"`
		Balance struct {
			Available int64 `json:"available"`
		} `json:"balance"`
	}
	if err := json.Unmarshal(raw, &export); err != nil {
		t.Fatal(err)
	}
	if export.Person.Phone != "+359888123456" || export.Person.ConsentAt != "2026-11-02T08:00:00Z" ||
		export.Person.MarketingAt != "2026-11-02T08:00:00Z" || len(export.History) != 1 || export.Balance.Available != 100 {
		t.Errorf("export: %s", raw)
	}

	// --marketing=false withdraws the marketing consent and records when;
	// the rest of the record stays.
	c.ok("card", "register", holder, "--marketing=false", "--at", "2026-11-03T12:00:00Z")
	var withdrawn struct {
		Person struct {
			Phone       string  `json:"phone"`
			ConsentAt   string  `json:"consent_at"`
			MarketingAt *string `json:"marketing_at"`
			WithdrawnAt string  `json:"marketing_withdrawn_at"`
		} `json:"person"`
	}
	c.jsonOf(&withdrawn, "card", "export", holder, "--at", "2026-11-03T12:00:00Z")
	if p := withdrawn.Person; p.MarketingAt != nil || p.WithdrawnAt != "2026-11-03T12:00:00Z" || p.Phone != "+359888123456" || p.ConsentAt != "2026-11-02T08:00:00Z" {
		t.Errorf("export after --marketing=false: %+v", p)
	}

	// Forgotten, the card keeps its points, earns and redeems.
	out = c.ok("card", "forget", holder, "--at", "2026-11-04T10:00:00Z")
	if strings.Contains(out, "Мария") || strings.Contains(out, "phone") || !strings.HasPrefix(out, "card "+holder+": active") {
		t.Errorf("card forget printed %q", out)
	}
	if b := c.balance(holder, "2026-11-04T10:00:00Z"); b.Available != 100 {
		t.Errorf("after the forget: %d, want 100", b.Available)
	}
	r = c.file("r2.json", fmt.Sprintf(`{"id":"R2","store":"s1","card":%q,"time":"2026-11-04T10:00:00Z","lines":[{"sku":"A","qty":1,"amount":250}]}`, holder))
	if out := c.ok("receipt", "post", r); !strings.Contains(out, "earned 10 points") {
		t.Errorf("a forgotten card's receipt: %s", out)
	}
	c.ok("redeem", holder, "MUG", "--at", "2026-11-04T10:05:00Z")
	raw = json.RawMessage(c.ok("card", "export", holder, "--at", "2026-11-04T10:05:00Z"))
	if string(mustField(t, raw, "person")) != "null" {
		t.Errorf("export after the forget: %s", raw)
	}
	c.ok("card", "forget", family, "--at", "2026-11-04T10:10:00Z")
	c.ok("card", "forget", other, "--at", "2026-11-04T10:10:00Z")

	personal := []string{"Мария", "Петрова", "Тодорова", "Ели", "Иван", "888123456", "888 123 456", "maria.petrova"}
	shown := c.ok("check") + c.ok("history", holder) + c.ok("history", holder, "--json") + c.ok("card", "export", holder) +
		c.ok("card", "export", family) + c.ok("card", "export", other)
	for _, e := range events(t, c) {
		shown += string(e.Body)
	}
	var files []byte
	for _, p := range []string{c.db, c.db + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	for _, text := range personal {
		if strings.Contains(shown, text) {
			t.Errorf("after the forget, check, history, export or the log show %q", text)
		}
		if bytes.Contains(files, []byte(text)) {
			t.Errorf("after the forget, the ledger's files hold %q", text)
		}
	}
}
