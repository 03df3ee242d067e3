package main

import (
	"strings"
	"testing"
)

// `check` on a long log shows how far its replay has come: off a terminal,
// a line at every tenth; a short log shows nothing.
func TestCheckProgress(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
	for range 9 {
		issue(c, "--at", "2026-11-01T08:00:00Z")
	}
	if code, _, errOut := c.exec("", "check"); code != 0 || errOut != "" {
		t.Fatalf("check of a short log: exit %d, stderr %q", code, errOut)
	}
	defer func(n int) { checkProgressFrom = n }(checkProgressFrom)
	checkProgressFrom = 5
	code, out, errOut := c.exec("", "check")
	if code != 0 || !strings.Contains(out, "ledger ok") {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	if !strings.Contains(errOut, "replaying the event log: 1 of 10 (10 %)") || !strings.Contains(errOut, "replaying the event log: 10 of 10 (100 %)") {
		t.Fatalf("progress of the replay: %q", errOut)
	}
}
