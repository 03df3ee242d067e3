package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// coop add and store add record places, updated by adding an id again;
// the board takes only recorded places; receipts from a store that is not
// recorded are taken and named by check, which passes; the printed
// voucher and history name the store.
func TestPlaces(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
	c.env["TOCHKA_NOW"] = "2026-11-05T08:00:00Z"

	if out := c.ok("coop", "list"); out != "no cooperatives are recorded\n" {
		t.Errorf("coop list of none: %q", out)
	}
	if msg := c.refused("store", "add", "--id", "sofia-1", "--coop", "coop-sofia", "--name-en", "Sofia 1"); msg != "Cooperative coop-sofia is not recorded: record it first." {
		t.Errorf("a store of a cooperative not recorded: %q", msg)
	}
	if msg := c.refused("coop", "add", "--id", "coop-sofia"); !strings.Contains(msg, "needs a name") {
		t.Errorf("a cooperative without a name: %q", msg)
	}
	if out := c.ok("coop", "add", "--id", "coop-sofia", "--name-bg", "Кооп София", "--name-ru", "Кооп София", "--name-en", "Coop Sofia"); out != "ID          NAME\ncoop-sofia  Кооп София / Кооп София / Coop Sofia\n" {
		t.Errorf("coop add printed %q", out)
	}
	c.ok("store", "add", "--id", "sofia-1", "--coop", "coop-sofia", "--name-bg", "София 1", "--name-en", "Sofia One")
	// Adding the id again updates the record.
	c.ok("store", "add", "--id", "sofia-1", "--coop", "coop-sofia", "--name-bg", "София 1", "--name-en", "Sofia 1", "--address", "1 Vitosha Blvd")
	if out := c.ok("store", "list"); out != "ID       COOP        NAME               ADDRESS\nsofia-1  coop-sofia  София 1 / Sofia 1  1 Vitosha Blvd\n" {
		t.Errorf("store list: %q", out)
	}
	var stores []rewards.Store
	c.jsonOf(&stores, "store", "list")
	if len(stores) != 1 || stores[0].Names.EN != "Sofia 1" || stores[0].Address != "1 Vitosha Blvd" {
		t.Errorf("store list --json = %+v", stores)
	}
	var coops []rewards.Coop
	c.jsonOf(&coops, "coop", "list")
	if len(coops) != 1 || coops[0].ID != "coop-sofia" || coops[0].Names.RU != "Кооп София" {
		t.Errorf("coop list --json = %+v", coops)
	}

	if msg := c.refused("board", "add", "--id", "OIL", "--coop", "coop-plovdiv", "--points", "40", "--name-en", "Oil"); msg != "Cooperative coop-plovdiv is not recorded: record it first." {
		t.Errorf("a reward of a cooperative not recorded: %q", msg)
	}
	if msg := c.refused("board", "add", "--id", "OIL", "--coop", "coop-sofia", "--store", "sofia-2", "--points", "40", "--name-en", "Oil"); msg != "Store sofia-2 is not recorded: record it first." {
		t.Errorf("a reward of a store not recorded: %q", msg)
	}
	c.ok("board", "add", "--id", "OIL", "--coop", "coop-sofia", "--points", "40", "--name-bg", "Олио", "--name-en", "Oil")

	card := issue(c, "--at", "2026-11-01T08:00:00Z")
	for i, store := range []string{"sofia-1", "varna-9"} {
		c.ok("receipt", "post", c.file(fmt.Sprintf("r%d.json", i), fmt.Sprintf(`{"id":"R%d","store":%q,"card":%q,"time":"2026-11-03T0%d:00:00Z",
			"lines":[{"sku":"A","qty":1,"amount":2500}]}`, i, store, card, 8+i)))
	}
	if out := c.ok("check"); !strings.HasPrefix(out, "notice: receipts name stores that are not recorded: varna-9\nledger ok: ") {
		t.Errorf("check: %q", out)
	}
	var rep rewards.CheckReport
	c.jsonOf(&rep, "check")
	if len(rep.UnrecordedStores) != 1 || rep.UnrecordedStores[0] != "varna-9" || len(rep.Problems) != 0 {
		t.Errorf("check --json = %+v", rep)
	}

	code := strings.TrimSpace(c.ok("redeem", card, "OIL", "--store", "sofia-1", "--at", "2026-11-04T08:00:00Z"))
	hist := c.ok("history", card)
	lines := strings.Split(strings.TrimSpace(hist), "\n")
	for i, want := range [][2]string{{"R0", "Sofia 1"}, {"R1", "varna-9"}, {code, "Sofia 1"}} {
		if i >= len(lines) || !strings.HasSuffix(lines[i], want[1]) || !strings.Contains(lines[i], "  "+want[0]+" ") {
			t.Errorf("history line %d: want %s in %s:\n%s", i+1, want[0], want[1], hist)
		}
	}
	pdf := filepath.Join(c.dir, "voucher.pdf")
	c.ok("voucher", "print", code, "--lang", "bg", "--out", pdf)
	wantWords(t, pdf, "ВАУЧЕР", "Олио", "София 1")
	if got := c.ok("voucher", "print", code, "--lang", "en", "--out", pdf); got == "" {
		t.Fatal("voucher print --lang en printed nothing")
	}
	wantWords(t, pdf, "Oil", "Sofia 1")

	// board add --help says what the stock counts.
	if out := c.ok("board", "add", "--help"); !strings.Contains(out, "one counter for the whole cooperative") {
		t.Errorf("board add --help:\n%s", out)
	}
}
