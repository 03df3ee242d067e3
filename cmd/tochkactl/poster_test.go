package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/printer/printertest"
)

// board print without --store prints the cooperative's shared rewards,
// the ones every store of it offers; --store adds that store's own (and
// finds the cooperative by the store when --coop is not given). The
// poster names the cooperative and the store by their recorded names in
// its language, marks an item out of stock, and leaves it off with
// --in-stock. It prints the same on a local ledger and through the server.
func TestBoardPrintPlaces(t *testing.T) {
	w := newServerWorld(t)
	const at = "--at=2026-11-02T08:00:00Z"
	w.same("store", "add", "--id", "s1", "--coop", "sofia", "--name-bg", "Магазин Център", "--name-en", "Centre shop", at)
	w.same("store", "add", "--id", "s2", "--coop", "sofia", "--name-bg", "Магазин Младост", "--name-en", "Mladost shop", at)
	w.same("board", "add", "--id", "OIL", "--coop", "sofia", "--points", "120", "--name-bg", "Олио", "--name-en", "Oil", at)
	w.same("board", "add", "--id", "SOAP", "--coop", "sofia", "--points", "40", "--stock", "0", "--name-bg", "Сапун", "--name-en", "Soap", at)
	w.same("board", "add", "--id", "CAKE", "--coop", "sofia", "--store", "s1", "--points", "1500", "--name-bg", "Торта", "--name-en", "Cake", at)
	w.same("board", "add", "--id", "MUG", "--coop", "sofia", "--store", "s2", "--points", "300", "--name-bg", "Чаша", "--name-en", "Mug", at)

	for _, tc := range []struct {
		args      []string
		items     int
		want, not []string
	}{
		{[]string{"--coop", "sofia"}, 2,
			[]string{"Награди за точки · Кооп София", "Сапун", "изчерпано", "Олио"}, []string{"Торта", "Чаша", "Магазин"}},
		{[]string{"--coop", "sofia", "--store", "s1"}, 3,
			[]string{"Кооп София · Магазин Център", "Сапун", "изчерпано", "Олио", "Торта"}, []string{"Чаша", "Младост"}},
		{[]string{"--store", "s1"}, 3,
			[]string{"Кооп София · Магазин Център", "Сапун", "Олио", "Торта"}, []string{"Чаша"}},
		{[]string{"--coop", "sofia", "--in-stock"}, 1,
			[]string{"Кооп София", "Олио"}, []string{"Сапун", "изчерпано", "Торта", "Чаша"}},
		{[]string{"--store", "s2", "--lang", "en"}, 3,
			[]string{"Rewards for points · Sofia Coop · Mladost shop", "Soap", "out of stock", "Oil", "Mug"}, []string{"Cake", "Centre"}},
	} {
		out := w.sameIn(func(dir string) []string {
			args := []string{"board", "print", "--lang", "bg", "--json", "--out", filepath.Join(dir, "board.pdf")}
			return append(args, tc.args...)
		})
		var r printJSON
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("board print %v --json: %v\n%s", tc.args, err, out)
		}
		if r.Items != tc.items {
			t.Errorf("board print %v: %d items, want %d", tc.args, r.Items, tc.items)
		}
		for _, c := range []*cli{w.local, w.remote} {
			words := printertest.Words(t, filepath.Join(c.dir, "board.pdf"))
			printertest.WantText(t, strings.Join(tc.args, " "), words, tc.want...)
			for _, n := range tc.not {
				if strings.Contains(words, n) {
					t.Errorf("board print %v: the poster shows %q:\n%s", tc.args, n, words)
				}
			}
		}
	}

	// A board with nothing in stock prints nothing with --in-stock.
	w.same("board", "remove", "OIL", at)
	for _, c := range []*cli{w.local, w.remote} {
		out := filepath.Join(c.dir, "none.pdf")
		if msg := c.refused("board", "print", "--coop", "sofia", "--in-stock", "--lang", "en", "--out", out); msg != "the board of coop sofia has no items in stock (1 item is out of stock): nothing was printed" {
			t.Errorf("board print --in-stock of a board out of stock: %q", msg)
		}
		noFile(t, out)
	}
}
