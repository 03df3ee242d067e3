package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// brokenPipe is what writing to a closed pipe gives once SIGPIPE is ignored.
var brokenPipe = &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}

// failingWriter is a stdout that takes n bytes, then fails as a closed pipe
// does: an answer that never reaches the operator.
type failingWriter struct {
	n   int
	got strings.Builder
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.got.Write(p[:k])
		w.n = 0
		return k, brokenPipe
	}
	w.n -= len(p)
	w.got.Write(p)
	return len(p), nil
}

// execTo runs one command line with stdout going to w.
func (c *cli) execTo(w io.Writer, args ...string) (code int, stderr string) {
	c.t.Helper()
	var errOut strings.Builder
	code = run(args, strings.NewReader(""), w, &errOut, func(k string) string { return c.env[k] })
	return code, errOut.String()
}

// kinds counts the ledger's events by kind.
func kinds(t *testing.T, c *cli) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, e := range events(t, c) {
		n[e.Kind]++
	}
	return n
}

// errJSON is an error as --json prints it on stderr.
type errJSON struct {
	Error struct {
		Code    string          `json:"code"`
		Key     *string         `json:"key"`
		Args    json.RawMessage `json:"args"`
		Message string          `json:"message"`
	} `json:"error"`
}

// jsonError decodes stderr as one error document.
func jsonError(t *testing.T, stderr string) errJSON {
	t.Helper()
	var e errJSON
	dec := json.NewDecoder(strings.NewReader(stderr))
	if err := dec.Decode(&e); err != nil || dec.More() || e.Error.Key == nil || *e.Error.Key != "" || string(e.Error.Args) != "{}" {
		t.Fatalf("stderr is not one error document with key \"\" and args {}: %v\n%s", err, stderr)
	}
	return e
}

// Each exit status, as a person and as a program with --json read it.
func TestExitStatuses(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	card := issue(c, "--at", "2026-11-02T08:00:00Z")

	// 0: done.
	if code, out, errOut := c.exec("", "card", "block", card, "--at", "2026-11-03T08:00:00Z"); code != exitOK || errOut != "" || !strings.HasPrefix(out, "card "+card+": blocked") {
		t.Errorf("done: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	// 1: refused, nothing changed.
	missing := cardWithCheckDigit("291234567890")
	if msg := c.refused("card", "block", missing); msg != "card "+missing+" not found" && !strings.Contains(msg, missing) {
		t.Errorf("refused: %q", msg)
	}
	code, out, errOut := c.exec("", "card", "block", missing, "--json")
	if e := jsonError(t, errOut); code != exitRefused || out != "" || e.Error.Code != "not_found" || !strings.Contains(e.Error.Message, missing) {
		t.Errorf("refused --json: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	// A command that changes nothing and cannot write its answer is not
	// done: 1 as well.
	if code, errOut := c.execTo(&failingWriter{}, "balance", card); code != exitRefused || errOut != "tochkactl: write the answer: write /dev/stdout: broken pipe\n" {
		t.Errorf("balance into a closed pipe: exit %d\nstderr: %s", code, errOut)
	}

	// 2: bad usage.
	code, out, errOut = c.exec("", "card", "block", "--json")
	if e := jsonError(t, errOut); code != exitUsage || out != "" || e.Error.Code != "invalid" ||
		e.Error.Message != "missing CARD (usage: tochkactl card block CARD [--at TIME])" {
		t.Errorf("bad usage --json: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	// 3: done, but the answer did not reach you; what was done is on
	// stderr.
	code, errOut = c.execTo(&failingWriter{}, "init", "--program", "coop")
	if code != exitPartial || errOut != "tochkactl: done, but not all of it reached you: program КООП version 2 was installed; then: write the answer: write /dev/stdout: broken pipe\n" {
		t.Errorf("init into a closed pipe: exit %d\nstderr: %s", code, errOut)
	}
	buyer := issue(c, "--at", "2026-11-01T08:00:00Z")
	c.ok("receipt", "post", c.file("r.json", fmt.Sprintf(`{"id":"R1","store":"s1","card":%q,"time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":10000}]}`, buyer)))
	c.ok("board", "add", "--id", "MUG", "--coop", "sofia", "--points", "10", "--name-en", "Mug", "--at", "2026-11-02T08:00:00Z")
	code, errOut = c.execTo(&failingWriter{}, "redeem", buyer, "MUG", "--at", "2026-11-03T08:00:00Z", "--json")
	e := jsonError(t, errOut)
	if code != exitPartial || e.Error.Code != "internal" ||
		!regexp.MustCompile(`^done, but not all of it reached you: voucher [0-9A-Z-]+ was made: 10 points of card \d{13} for MUG; then: write the answer: write /dev/stdout: broken pipe$`).MatchString(e.Error.Message) {
		t.Errorf("redeem --json into a closed pipe: exit %d\nstderr: %s", code, errOut)
	}
	if n := kinds(t, c)["voucher.redeem"]; n != 1 {
		t.Errorf("%d vouchers, want 1", n)
	}
}
