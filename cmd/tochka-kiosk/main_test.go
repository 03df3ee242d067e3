package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// Bad usage is exit status 2, naming what is wrong; a ledger that is no
// kiosk's replica is refused (exit 1), saying how to make one; neither
// opens a window.
func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	ledger := filepath.Join(dir, "server.db")
	s := sqlite.NewStore(ledger)
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InstallProgram(context.Background(), rewards.ProgramInstall{Program: rewardstest.Program(t, "coop")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{nil, 2, "--db is required"},
		{[]string{"--db", ledger, "--lang", "de"}, 2, `--lang "de" is not one of bg, ru, en`},
		{[]string{"--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"--db", ledger}, 1, "sync init"},
		{[]string{"--db", filepath.Join(dir, "none.db")}, 1, "none.db"},
	} {
		var stderr strings.Builder
		if code := run(c.args, &stderr); code != c.code || !strings.Contains(stderr.String(), c.says) {
			t.Errorf("tochka-kiosk %s: exit %d, %q; want exit %d saying %q", strings.Join(c.args, " "), code, stderr.String(), c.code, c.says)
		}
	}
}
