package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
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

// twice runs a command that must succeed twice and wants the same answer
// from both: the second with the same --request-id changes nothing more.
func twice(c *cli, args ...string) string {
	c.t.Helper()
	first := c.ok(args...)
	if again := c.ok(args...); again != first {
		c.t.Errorf("tochkactl %s again: %q, first %q", strings.Join(args, " "), again, first)
	}
	return first
}

// Every command that changes the ledger, run again with the same
// --request-id and no --at (the time is now, another now the second time),
// answers as the first time and records one change.
func TestRequestIDRepeats(t *testing.T) {
	c := newVoucherCLI(t)
	before := kinds(t, c.cli)
	want := func(kind string, more int) {
		t.Helper()
		if got := kinds(t, c.cli)[kind]; got != before[kind]+more {
			t.Errorf("%d %s events, want %d", got, kind, before[kind]+more)
		}
	}

	holder := strings.TrimSpace(twice(c.cli, "card", "issue", "--name", "Иван", "--consent", "--request-id", "issue-1"))
	want("card.issue", 1)
	if !cardNumber.MatchString(holder) {
		t.Fatalf("card issue printed %q", holder)
	}
	// The same id with other contents is refused and changes nothing.
	c.refusedAs("conflict", "event.conflict", map[string]any{"what": nested("kind.card.issue", map[string]any{"id": "issue-1"})},
		"card", "issue", "--name", "Пётр", "--consent", "--request-id", "issue-1")
	// So is the same id with --at the second time but not the first: the
	// first left the time to the store.
	if msg := c.refused("card", "issue", "--name", "Иван", "--consent", "--request-id", "issue-1", "--at", time.Now().UTC().Format(time.RFC3339)); !strings.Contains(msg, "different contents") {
		t.Errorf("the same --request-id with --at added: %q", msg)
	}
	withAt := []string{"card", "issue", "--request-id", "issue-2", "--at", "2026-11-02T08:00:00Z"}
	family := strings.TrimSpace(twice(c.cli, withAt...))
	want("card.issue", 2)

	twice(c.cli, "card", "register", family, "--name", "Мила", "--consent", "--request-id", "register-1")
	twice(c.cli, "card", "link", family, "--to", holder, "--request-id", "link-1")
	twice(c.cli, "card", "member", holder, "--request-id", "member-1")
	twice(c.cli, "card", "block", family, "--request-id", "block-1")
	replaced := strings.TrimSpace(twice(c.cli, "card", "replace", family, "--request-id", "replace-1"))
	want("card.register", 1)
	want("card.link", 1)
	want("card.member", 1)
	want("card.block", 1)
	want("card.replace", 1)
	if replaced == family || !cardNumber.MatchString(replaced) {
		t.Errorf("card replace printed %q", replaced)
	}

	// A receipt's and a return's --request-id is their id, when the file
	// has none; one it has must be the same.
	now := time.Now().UTC().Format(time.RFC3339)
	receipt := c.file("noid.json", fmt.Sprintf(`{"store":"s1","card":%q,"time":%q,"lines":[{"sku":"A","qty":2,"amount":1000}]}`, c.card, now))
	if out := twice(c.cli, "receipt", "post", receipt, "--request-id", "R-77"); !strings.HasPrefix(out, "receipt R-77, card "+c.card+": earned") {
		t.Errorf("receipt post --request-id R-77 printed %q", out)
	}
	want("receipt", 1)
	if msg := c.refused("receipt", "post", c.file("id.json", fmt.Sprintf(`{"id":"R-78","store":"s1","card":%q,"time":%q,"lines":[{"sku":"A","qty":1,"amount":1000}]}`, c.card, now)),
		"--request-id", "R-79"); msg != `receipt id: "R-78" is not the --request-id "R-79" (give one, or the same)` {
		t.Errorf("a receipt whose id is not --request-id: %q", msg)
	}
	ret := c.file("ret.json", fmt.Sprintf(`{"receipt":"R-77","time":%q,"lines":[{"sku":"A","qty":1}]}`, now))
	if out := twice(c.cli, "receipt", "return", ret, "--request-id", "RET-1"); !strings.HasPrefix(out, "return RET-1 of receipt R-77") {
		t.Errorf("receipt return --request-id RET-1 printed %q", out)
	}
	want("return", 1)

	// coop add and store add: a record once.
	twice(c.cli, "coop", "add", "--id", "sofia", "--name-en", "Sofia", "--request-id", "coop-1")
	want("coop.add", 1)
	twice(c.cli, "store", "add", "--id", "s1", "--coop", "sofia", "--name-en", "Sofia 1", "--request-id", "store-1")
	want("store.add", 1)

	// board add --id stays the reward's id.
	twice(c.cli, "board", "add", "--id", "MUG", "--coop", "sofia", "--points", "10", "--name-en", "Mug", "--request-id", "add-1")
	want("reward.add", 1)
	if out := c.ok("board", "list"); !strings.Contains(out, "\nMUG ") || strings.Contains(out, "add-1") {
		t.Errorf("board list after board add --id MUG --request-id add-1:\n%s", out)
	}

	// One voucher, its points taken once.
	b := c.balance(c.card, now)
	code := strings.TrimSpace(twice(c.cli, "redeem", c.card, "MUG", "--request-id", "redeem-1"))
	want("voucher.redeem", 1)
	if after := c.balance(c.card, now); after.Available != b.Available-10 {
		t.Errorf("after redeeming twice with one --request-id: %d available, want %d", after.Available, b.Available-10)
	}
	twice(c.cli, "voucher", "claim", code, "--request-id", "claim-1")
	want("voucher.claim", 1)
	other := strings.TrimSpace(c.ok("redeem", c.card, "MUG"))
	twice(c.cli, "voucher", "cancel", other, "--request-id", "cancel-1")
	want("voucher.cancel", 1)
	twice(c.cli, "board", "remove", "MUG", "--request-id", "remove-1")
	want("reward.remove", 1)

	// A --request-id that the ledger cannot keep is bad usage.
	for _, id := range []string{" ", "a\tb", strings.Repeat("x", maxRequestID+1)} {
		if code, _, errOut := c.exec("", "card", "issue", "--request-id", id); code != 2 || !strings.Contains(errOut, "flag --request-id: ") {
			t.Errorf("--request-id %q: exit %d, %s", id, code, errOut)
		}
	}
	c.ok("check")
}

// The answer of card issue is lost (stdout is a closed pipe): exit 3, the
// number on stderr; the retry with the same --request-id gives the same
// card, and there is one.
func TestRetryAfterLostAnswer(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	code, errOut := c.execTo(&failingWriter{}, "card", "issue", "--name", "Мария", "--consent", "--request-id", "till-3/42")
	m := regexp.MustCompile(`^tochkactl: done, but not all of it reached you: card (\d{13}) was issued; then: write the answer: write /dev/stdout: broken pipe; the same command with --request-id till-3/42 answers again and changes nothing more\n$`).FindStringSubmatch(errOut)
	if code != exitPartial || m == nil {
		t.Fatalf("card issue into a closed pipe: exit %d\nstderr: %s", code, errOut)
	}
	if again := strings.TrimSpace(c.ok("card", "issue", "--name", "Мария", "--consent", "--request-id", "till-3/42")); again != m[1] {
		t.Errorf("the retry gave card %s, the first try %s", again, m[1])
	}
	if n := kinds(t, c)["card.issue"]; n != 1 {
		t.Errorf("%d cards issued, want 1", n)
	}
}

// init takes --request-id like every change: the same id and program
// answer the version first installed, even once another is in force; the
// same id with another program file is a conflict; a lost answer says how
// to get it again.
func TestInitRequestID(t *testing.T) {
	c := newCLI(t)
	first := twice(c, "init", "--program", "coop", "--request-id", "init-1")
	if first != "installed КООП: points program in EUR, Europe/Sofia, version 1\n" {
		t.Errorf("init --request-id init-1 printed %q", first)
	}
	mine := c.file("mine.toml", "name = \"Mine\"\nkind = \"points\"\ncurrency = \"EUR\"\ntimezone = \"Europe/Sofia\"\n")
	c.refusedAs("conflict", "event.conflict", map[string]any{"what": nested("kind.program.install", map[string]any{"id": "init-1"})},
		"init", "--program", mine, "--request-id", "init-1")
	if msg := c.refused("init", "--program", mine, "--request-id", "init-1"); msg != "There is already a record of program installation init-1 with different contents." {
		t.Errorf("the same --request-id with another program: %q", msg)
	}
	if n := kinds(t, c)["program.install"]; n != 1 {
		t.Errorf("%d program.install events, want 1", n)
	}

	// The answer of an init is lost: exit 3, with the way to ask again.
	code, errOut := c.execTo(&failingWriter{}, "init", "--program", mine, "--request-id", "init-2")
	if code != exitPartial || errOut != "tochkactl: done, but not all of it reached you: program Mine version 2 was installed; then: write the answer: write /dev/stdout: broken pipe; the same command with --request-id init-2 answers again and changes nothing more\n" {
		t.Errorf("init --request-id into a closed pipe: exit %d\nstderr: %s", code, errOut)
	}
	if out := c.ok("init", "--program", mine, "--request-id", "init-2"); !strings.Contains(out, "installed Mine: ") || !strings.HasSuffix(out, "version 2\n") {
		t.Errorf("the retry of init-2 printed %q", out)
	}
	// The first id still answers its own version, Mine in force meanwhile.
	if again := c.ok("init", "--program", "coop", "--request-id", "init-1"); again != first {
		t.Errorf("init-1 again, after init-2: %q, first %q", again, first)
	}
	var p struct {
		Name    string `json:"name"`
		Version int    `json:"version"`
	}
	c.jsonOf(&p, "init", "--program", mine)
	if p.Name != "Mine" || p.Version != 2 {
		t.Errorf("the program in force: %+v, want Mine version 2", p)
	}
	if n := kinds(t, c)["program.install"]; n != 2 {
		t.Errorf("%d program.install events, want 2", n)
	}
	c.ok("check")
}

// batchNumbers runs card batch and returns the numbers on stdout.
func batchNumbers(t *testing.T, c *cli, args ...string) []string {
	t.Helper()
	out := c.ok(append([]string{"card", "batch"}, args...)...)
	return strings.Fields(out)
}

// A batch whose output or printing fails midway, run again with the same
// --request-id, ends with exactly the cards asked for: the ones issued
// before the failure and the rest.
func TestCardBatchResumes(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	pdf := filepath.Join(c.dir, "batch.pdf")

	// stdout closes after the first sheet's 10 numbers: the batch stops
	// after the second sheet is issued and names all 20 cards on stderr.
	w := &failingWriter{n: 10 * 14}
	code, errOut := c.execTo(w, "card", "batch", "--count", "25", "--layout", "sheet", "--out", pdf, "--request-id", "B1")
	first := strings.Fields(w.got.String())
	m := regexp.MustCompile(`done, but not all of it reached you: 20 of the 25 cards of batch B1 were issued: ((?:\d{13} ?){20}); then: write the answer: write /dev/stdout: broken pipe; the same command with --request-id B1 gives the cards already issued and issues the rest\n$`).FindStringSubmatch(errOut)
	if code != exitPartial || m == nil || len(first) != 10 {
		t.Fatalf("card batch into a pipe closed after a sheet: exit %d\nstdout: %q\nstderr: %s", code, first, errOut)
	}
	if !slices.Equal(first, strings.Fields(m[1])[:10]) {
		t.Errorf("stderr names %s, stdout had %q", m[1], first)
	}
	noFile(t, pdf)

	all := batchNumbers(t, c, "--count", "25", "--layout", "sheet", "--out", pdf, "--request-id", "B1")
	if len(all) != 25 || !slices.Equal(all[:20], strings.Fields(m[1])) || len(slices.Compact(slices.Sorted(slices.Values(all)))) != 25 {
		t.Fatalf("the retry printed %q, want the 20 cards issued and 5 more", all)
	}
	if n := kinds(t, c)["card.issue"]; n != 25 {
		t.Errorf("%d cards issued, want 25", n)
	}
	if got := len(pages(t, pdf)); got != 6 {
		t.Errorf("25 cards on sheets: %d pages, want 6", got)
	}

	// Printing fails once every card is issued (the destination is a
	// directory): exit 3, the numbers on stdout; the retry prints the
	// same cards and issues none.
	dir := filepath.Join(c.dir, "a-directory")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut := c.exec("", "card", "batch", "--count", "3", "--out", dir, "--request-id", "B2")
	printed := strings.Fields(stdout)
	if code != exitPartial || len(printed) != 3 ||
		!strings.Contains(errOut, "done, but not all of it reached you: the 3 cards of batch B2 were issued (their numbers are on stdout); then: the cards were not printed: ") {
		t.Fatalf("card batch to a directory: exit %d\nstdout: %s\nstderr: %s", code, stdout, errOut)
	}
	again := batchNumbers(t, c, "--count", "3", "--out", pdf, "--request-id", "B2")
	if !slices.Equal(again, printed) {
		t.Errorf("the retry printed %q, the first try %q", again, printed)
	}
	if n := kinds(t, c)["card.issue"]; n != 28 {
		t.Errorf("%d cards issued, want 28", n)
	}

	// Without --request-id a batch has a new id, told on stderr, by which
	// it resumes.
	code, stdout, errOut = c.exec("", "card", "batch", "--count", "2", "--out", pdf)
	id := regexp.MustCompile(`^tochkactl: batch (\w+): `).FindStringSubmatch(errOut)
	if code != 0 || id == nil {
		t.Fatalf("card batch without --request-id: exit %d\nstderr: %s", code, errOut)
	}
	if again := batchNumbers(t, c, "--count", "2", "--out", pdf, "--request-id", id[1]); !slices.Equal(again, strings.Fields(stdout)) {
		t.Errorf("the batch again by its id printed %q, first %q", again, stdout)
	}
	if n := kinds(t, c)["card.issue"]; n != 30 {
		t.Errorf("%d cards issued, want 30", n)
	}
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

// jsonError decodes stderr as one error document: a key ("" for an error
// that has none in the catalog) and the arguments as an object.
func jsonError(t *testing.T, stderr string) errJSON {
	t.Helper()
	var e errJSON
	dec := json.NewDecoder(strings.NewReader(stderr))
	if err := dec.Decode(&e); err != nil || dec.More() || e.Error.Key == nil || !strings.HasPrefix(string(e.Error.Args), "{") ||
		(*e.Error.Key == "" && string(e.Error.Args) != "{}") {
		t.Fatalf("stderr is not one error document with a key and its args: %v\n%s", err, stderr)
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
	missing := rewards.WithCheckDigit("291234567890")
	if msg := c.refused("card", "block", missing); msg != "card "+missing+" not found" && !strings.Contains(msg, missing) {
		t.Errorf("refused: %q", msg)
	}
	code, out, errOut := c.exec("", "card", "block", missing, "--json")
	if e := jsonError(t, errOut); code != exitRefused || out != "" || e.Error.Code != "not_found" || *e.Error.Key != "card.unknown" ||
		string(e.Error.Args) != `{"card":"`+missing+`"}` || !strings.Contains(e.Error.Message, missing) {
		t.Errorf("refused --json: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	// A command that changes nothing and cannot write its answer is not
	// done: 1 as well.
	if code, errOut := c.execTo(&failingWriter{}, "balance", card); code != exitRefused || errOut != "tochkactl: write the answer: write /dev/stdout: broken pipe\n" {
		t.Errorf("balance into a closed pipe: exit %d\nstderr: %s", code, errOut)
	}

	// 2: bad usage.
	code, out, errOut = c.exec("", "card", "block", "--json")
	if e := jsonError(t, errOut); code != exitUsage || out != "" || e.Error.Code != "invalid" || *e.Error.Key != "cli.usage" ||
		e.Error.Message != "missing CARD (usage: tochkactl card block CARD [--at TIME] [--request-id ID])" {
		t.Errorf("bad usage --json: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	// 3: done, but the answer did not reach you; what was done is on
	// stderr. Without --request-id there is no way to ask again: the
	// message says what was done, and nothing else.
	code, errOut = c.execTo(&failingWriter{}, "init", "--program", "coop")
	if code != exitPartial || errOut != "tochkactl: done, but not all of it reached you: program КООП version 1 was installed; then: write the answer: write /dev/stdout: broken pipe\n" {
		t.Errorf("init into a closed pipe: exit %d\nstderr: %s", code, errOut)
	}
	buyer := issue(c, "--at", "2026-11-01T08:00:00Z")
	c.ok("receipt", "post", c.file("r.json", fmt.Sprintf(`{"id":"R1","store":"s1","card":%q,"time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":10000}]}`, buyer)))
	c.ok("coop", "add", "--id", "sofia", "--name-en", "Sofia", "--at", "2026-11-02T08:00:00Z")
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
