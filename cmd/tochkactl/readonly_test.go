package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command that changes nothing opens the ledger read-only, and only
// those do.
func TestReadCommandsOpenReadOnly(t *testing.T) {
	for _, cmd := range commands {
		if cmd.db == dbNone {
			continue
		}
		if (cmd.db == dbRead) == cmd.changes {
			t.Errorf("%s: db mode %d, changes %v: a command that changes nothing opens the ledger read-only, and only such a command", cmd.name, cmd.db, cmd.changes)
		}
	}
}

// A ledger made by a newer Tochka is read: balance, history, the board and
// a check work. A change is refused, naming the newer Tochka, and changes
// nothing.
func TestNewerLedgerRead(t *testing.T) {
	c := newCLI(t)
	c.env["TOCHKA_NOW"] = "2026-11-03T10:00:00Z"
	c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
	card := issue(c, "--at", "2026-11-01T08:00:00Z")
	c.ok("receipt", "post", c.file("r.json", fmt.Sprintf(`{"id":"R1","store":"s1","card":%q,"time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":2500}]}`, card)))
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (name, checksum) VALUES ('migrations/9999_later.sql', 'f00d')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if b := c.balance(card, "2026-11-03T10:00:00Z"); b.Available != 100 {
		t.Errorf("balance of a newer Tochka's ledger: %+v", b)
	}
	if out := c.ok("history", card); !strings.Contains(out, "R1") {
		t.Errorf("history of a newer Tochka's ledger:\n%s", out)
	}
	c.ok("board", "list")
	c.ok("check")
	for _, args := range [][]string{
		{"card", "issue"},
		{"card", "block", card},
		{"init", "--program", "coop"},
	} {
		if msg := c.refused(args...); !strings.Contains(msg, "made by a newer Tochka (it has migrations 9999_later.sql that this build does not know)") {
			t.Errorf("%s on a newer Tochka's ledger: %q", strings.Join(args, " "), msg)
		}
	}
	if n := len(events(t, c)); n != 3 {
		t.Errorf("%d events after the refusals, want 3", n)
	}
}

// A ledger an older Tochka made is upgraded by a command that only reads,
// as by any other, and then read.
func TestOlderLedgerRead(t *testing.T) {
	c := newCLI(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "rewards", "sqlite", "testdata", "ledgers", "v0.1.0-coop.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.db, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c.env["TOCHKA_NOW"] = "2026-11-10T10:00:00Z"
	if b := c.balance("2900000000018", "2026-11-10T10:00:00Z"); b.Available <= 0 {
		t.Errorf("balance of a v0.1.0 ledger: %+v", b)
	}
	// Upgraded: it opens read-only now.
	if len(events(t, c)) == 0 {
		t.Error("no events")
	}
	c.ok("check")
}
