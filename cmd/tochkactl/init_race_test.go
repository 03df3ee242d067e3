package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Eight `tochkactl init` processes on one new file at once all succeed,
// and leave one version of the program.
func TestConcurrentInit(t *testing.T) {
	if db := os.Getenv("TOCHKA_TEST_INIT_DB"); db != "" {
		var out, errOut bytes.Buffer
		if code := run([]string{"--db", db, "init", "--program", "coop"}, strings.NewReader(""), &out, &errOut, os.Getenv); code != exitOK {
			t.Fatalf("init: exit %d: %s", code, errOut.String())
		}
		return
	}
	db := filepath.Join(t.TempDir(), "new.db")
	cmds := make([]*exec.Cmd, 8)
	outs := make([]bytes.Buffer, len(cmds))
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestConcurrentInit$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), "TOCHKA_TEST_INIT_DB="+db)
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("init %d: %v\n%s", i, err, outs[i].String())
		}
	}
	c := newCLI(t)
	c.db, c.env["TOCHKA_DB"] = db, db
	if out := c.ok("check"); !strings.Contains(out, "ledger ok") {
		t.Errorf("check after eight inits: %s", out)
	}
	if n := kinds(t, c)["program.install"]; n != 1 {
		t.Errorf("eight inits installed the program %d times", n)
	}
}
