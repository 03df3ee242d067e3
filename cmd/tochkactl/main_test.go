package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// cli runs tochkactl in-process against one database in a temp dir.
type cli struct {
	t   *testing.T
	dir string
	db  string
	env map[string]string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "tochka.db")
	return &cli{t: t, dir: dir, db: db, env: map[string]string{"TOCHKA_DB": db, "HOME": dir, "TOCHKA_LANG": "en"}}
}

// exec runs one command line with stdin and returns the exit status and
// what was written.
func (c *cli) exec(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut strings.Builder
	code = run(args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return c.env[k] })
	return code, out.String(), errOut.String()
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.exec("", args...)
	if code != 0 {
		c.t.Fatalf("tochkactl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// refused runs a command that the rules must refuse: exit 1, the message on
// stderr, nothing on stdout. It returns the message.
func (c *cli) refused(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.exec("", args...)
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "tochkactl: ") {
		c.t.Fatalf("tochkactl %s: want a refusal (exit 1, message on stderr), got exit %d\nstdout: %s\nstderr: %s",
			strings.Join(args, " "), code, out, errOut)
	}
	return strings.TrimSpace(strings.TrimPrefix(errOut, "tochkactl: "))
}

// jsonOf runs a command with --json and decodes its one document.
func (c *cli) jsonOf(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "--json")...)
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(v); err != nil {
		c.t.Fatalf("tochkactl %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
	if dec.More() {
		c.t.Fatalf("tochkactl %s --json: more than one JSON document:\n%s", strings.Join(args, " "), out)
	}
}

// file writes a receipt or return into the temp dir and returns its path.
func (c *cli) file(name, body string) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// balanceJSON is a balance as printed with --json.
type balanceJSON struct {
	Card       string  `json:"card"`
	Status     string  `json:"status"`
	ActiveFrom *string `json:"active_from"`
	Available  int64   `json:"available"`
	Pending    []struct {
		Points        int64  `json:"points"`
		AvailableFrom string `json:"available_from"`
	} `json:"pending"`
	Expiring []struct {
		Points    int64  `json:"points"`
		ExpiresAt string `json:"expires_at"`
	} `json:"expiring"`
	AsOf string `json:"as_of"`
}

func (c *cli) balance(card, at string) balanceJSON {
	c.t.Helper()
	var b balanceJSON
	c.jsonOf(&b, "balance", card, "--at", at)
	return b
}

// keys returns the sorted keys of a JSON object.
func keys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, raw)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func wantKeys(t *testing.T, what string, raw json.RawMessage, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := keys(t, raw); !reflect.DeepEqual(got, want) {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

var cardNumber = regexp.MustCompile(`^\d{13}$`)

func issue(c *cli, args ...string) string {
	c.t.Helper()
	n := strings.TrimSpace(c.ok(append([]string{"card", "issue"}, args...)...))
	if !cardNumber.MatchString(n) {
		c.t.Fatalf("card issue printed %q, want a 13-digit card number", n)
	}
	return n
}

func TestHelpNeverOpensTheDatabase(t *testing.T) {
	c := newCLI(t)
	db := filepath.Join(c.dir, "missing", "tochka.db")
	for _, args := range [][]string{
		{"--help", "--db", db},
		{"-h"},
		{"help"},
		{"balance", "--db", db, "--help"},
		{"card", "-h", "--db=" + db},
		{"card", "issue", "--help"},
	} {
		code, out, errOut := c.exec("", args...)
		if code != 0 || errOut != "" || !strings.Contains(out, "usage: tochkactl") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	_, out, _ := c.exec("", "--help")
	for _, cmd := range commands {
		if !strings.Contains(out, "tochkactl "+cmd.name) {
			t.Errorf("--help does not show %q", cmd.name)
		}
	}
	for _, p := range []string{filepath.Dir(db), c.db} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("help created %s", p)
		}
	}
}

func TestBadUsageExits2(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	card := issue(c, "--at", "2026-11-02T08:00:00Z")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{nil, "no command given"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"card"}, "card needs a subcommand"},
		{[]string{"card", "lose", card}, `unknown command "card lose"`},
		{[]string{"balance"}, "missing CARD"},
		{[]string{"balance", card, card}, "unexpected argument"},
		{[]string{"balance", card, "--at", "2026-11-03"}, "is not a time such as 2026-11-02T09:00:00Z"},
		{[]string{"balance", card, "--at", "tomorrow"}, "is not a time such as 2026-11-02T09:00:00Z"},
		{[]string{"balance", card, "--at"}, "needs a value"},
		{[]string{"balance", card, "--frob"}, "unknown flag --frob"},
		{[]string{"--at", "2026-11-03T00:00:00Z", "balance", card}, "unknown flag --at"},
		{[]string{"init"}, "missing --program FILE"},
		{[]string{"card", "link", card}, "missing --to HOLDER"},
		{[]string{"board", "add", "--id", "X", "--coop", "c", "--points", "many"}, "takes a whole number"},
		{[]string{"card", "issue", "--member=perhaps"}, "takes true or false"},
		{[]string{"redeem", card}, "missing REWARD"},
	} {
		code, out, errOut := c.exec("", tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.msg) || !strings.Contains(errOut, "usage: tochkactl") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 with %q and a usage line", tc.args, code, out, errOut, tc.msg)
		}
	}
	// Bad usage changed nothing: the card is as issued.
	if b := c.balance(card, "2026-11-04T00:00:00Z"); b.Available != 0 || b.Status != "active" {
		t.Errorf("balance after bad usage = %+v", b)
	}
}

func TestDatabaseLocation(t *testing.T) {
	c := newCLI(t)
	delete(c.env, "TOCHKA_DB")

	c.env["XDG_DATA_HOME"] = filepath.Join(c.dir, "xdg")
	c.ok("init", "--program", "bonus")
	if _, err := os.Stat(filepath.Join(c.dir, "xdg", "tochka", "tochka.db")); err != nil {
		t.Errorf("init with XDG_DATA_HOME: %v", err)
	}

	delete(c.env, "XDG_DATA_HOME")
	c.ok("init", "--program", "bonus")
	if _, err := os.Stat(filepath.Join(c.dir, ".local", "share", "tochka", "tochka.db")); err != nil {
		t.Errorf("init under HOME: %v", err)
	}

	explicit := filepath.Join(c.dir, "explicit.db")
	c.ok("--db", explicit, "init", "--program", "coop")
	c.ok("init", "--program=coop", "--db="+explicit)
	var p struct {
		Name    string `json:"name"`
		Version int    `json:"version"`
	}
	c.jsonOf(&p, "init", "--db", explicit, "--program", "coop")
	if p.Name != "КООП" || p.Version != 1 {
		t.Errorf("third init of the same program = %+v, want КООП version 1 (installing the program in force changes nothing)", p)
	}

	// A refused init leaves no file behind; a file that is not a ledger
	// is refused by init too, and left as it was.
	for _, prog := range []string{"nosuch", "bonus"} {
		fresh := filepath.Join(c.dir, "refused-"+prog+".db")
		if prog == "bonus" {
			fresh = explicit
		}
		c.refused("--db", fresh, "init", "--program", prog)
		if prog == "nosuch" {
			if matches, _ := filepath.Glob(fresh + "*"); len(matches) > 0 {
				t.Errorf("a refused init left %v behind", matches)
			}
		}
	}
	notes := filepath.Join(c.dir, "notes.txt")
	os.WriteFile(notes, []byte("a shopping list, not a ledger, long enough to look like a file\n"), 0o644)
	if msg := c.refused("--db", notes, "init", "--program", "coop"); !strings.Contains(msg, "is not a Tochka ledger") {
		t.Errorf("init on a text file: %q", msg)
	}
	if data, _ := os.ReadFile(notes); !strings.HasPrefix(string(data), "a shopping list") {
		t.Errorf("init changed a file that is not a ledger: %q", data)
	}

	// Other commands do not create a database where there is none.
	missing := filepath.Join(c.dir, "typo.db")
	msg := c.refused("--db", missing, "check")
	if !strings.Contains(msg, "no database at "+missing) {
		t.Errorf("check on a missing database: %q", msg)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("check created %s", missing)
	}
}

func TestInit(t *testing.T) {
	c := newCLI(t)
	out := c.ok("init", "--program", "coop")
	if want := "installed КООП: points program in EUR, Europe/Sofia, version 1\n"; out != want {
		t.Errorf("init coop printed %q, want %q", out, want)
	}
	// A file path wins over the bundled name.
	file := c.file("my.toml", "name = \"Mine\"\nkind = \"points\"\ncurrency = \"EUR\"\ntimezone = \"Europe/Sofia\"\n")
	if out := c.ok("init", "--program", file); !strings.Contains(out, "installed Mine: points program") || !strings.Contains(out, "version 2") {
		t.Errorf("init with a file printed %q", out)
	}
	if msg := c.refused("init", "--program", "bonus"); !strings.Contains(msg, "cannot switch to a bonus program") {
		t.Errorf("switching kinds: %q", msg)
	}
	if msg := c.refused("init", "--program", "nosuch"); !strings.Contains(msg, "no bundled program") || !strings.Contains(msg, "bonus, coop") {
		t.Errorf("unknown program: %q", msg)
	}
	bad := c.file("bad.toml", "name = \"X\"\nkind = \"points\"\ncurrency = \"EUR\"\ntimezone = \"Europe/Sofia\"\n[earn]\nstep = -1\n")
	if msg := c.refused("init", "--program", bad); !strings.Contains(msg, "earn.step") {
		t.Errorf("bad program file: %q", msg)
	}
}

// TestCoop walks the points program: 1 point per 0.25 EUR step, 2 for own
// brand, members twice; a card works 24 h after it is handed over.
func TestCoop(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	c.ok("coop", "add", "--id", "sofia", "--name-bg", "Кооп София", "--at", "2026-11-02T08:00:00Z")
	for _, st := range [][]string{{"s1", "Магазин 1", "Shop 1"}, {"s2", "Магазин 2", "Shop 2"}} {
		c.ok("store", "add", "--id", st[0], "--coop", "sofia", "--name-bg", st[1], "--name-en", st[2], "--at", "2026-11-02T08:00:00Z")
	}
	member := issue(c, "--member", "--at", "2026-11-02T08:00:00Z", "--name", "Мария", "--consent")
	plain := issue(c, "--at", "2026-11-02T08:00:00Z")
	if member[:2] != "29" || member == plain {
		t.Fatalf("card numbers %s, %s: want two different numbers with the program's prefix 29", member, plain)
	}

	basket := func(id, card, at string) string {
		return c.file(id+".json", fmt.Sprintf(`{"id":%q,"store":"s1","card":%q,"time":%q,"lines":[
			{"sku":"BREAD","qty":1,"amount":1000},
			{"sku":"KOOP-OIL","qty":1,"amount":500,"own_brand":true}]}`, id, card, at))
	}

	// Before 24 h the card is refused, with the moment it activates in
	// Sofia time, and nothing is recorded.
	before := c.balance(member, "2026-11-03T07:59:59Z")
	if before.Status != "issued" || before.Available != 0 || *before.ActiveFrom != "2026-11-03T08:00:00Z" {
		t.Errorf("balance before activation = %+v", before)
	}
	msg := c.refused("receipt", "post", basket("EARLY", member, "2026-11-03T07:59:59Z"))
	if want := "Card " + member + " activates on 3 Nov 2026 10:00."; msg != want {
		t.Errorf("early receipt: %q, want %q", msg, want)
	}
	if after := c.balance(member, "2026-11-03T07:59:59Z"); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused receipt changed the balance: %+v, was %+v", after, before)
	}
	if h := c.ok("history", member); h != "no entries yet\n" {
		t.Errorf("history after a refused receipt: %q", h)
	}

	// From 24 h on it works. 10.00 EUR ordinary + 5.00 EUR own brand:
	// (1000×1 + 500×2) / 25 = 80 points, a member twice that: 160.
	var res struct {
		Receipt  string `json:"receipt"`
		Card     string `json:"card"`
		Earned   int64  `json:"earned"`
		Spent    int64  `json:"spent"`
		Discount int64  `json:"discount"`
		Lines    []struct {
			SKU      string `json:"sku"`
			Earned   int64  `json:"earned"`
			Discount int64  `json:"discount"`
		} `json:"lines"`
		Balance balanceJSON `json:"balance"`
	}
	c.jsonOf(&res, "receipt", "post", basket("M1", member, "2026-11-03T08:00:00Z"))
	if res.Receipt != "M1" || res.Card != member || res.Earned != 160 || res.Spent != 0 || res.Discount != 0 ||
		len(res.Lines) != 2 || res.Lines[0].Earned != 80 || res.Lines[1].Earned != 80 || res.Lines[1].SKU != "KOOP-OIL" ||
		res.Balance.Available != 160 || res.Balance.Status != "active" {
		t.Errorf("member receipt = %+v", res)
	}
	out := c.ok("receipt", "post", basket("P1", plain, "2026-11-03T09:00:00Z"))
	for _, want := range []string{"receipt P1, card " + plain + ": earned 80 points", "BREAD     40", "KOOP-OIL  40", "balance: 80 points available"} {
		if !strings.Contains(out, want) {
			t.Errorf("plain receipt output lacks %q:\n%s", want, out)
		}
	}

	// The same receipt again: the same result, nothing added.
	first := c.ok("receipt", "post", basket("P1", plain, "2026-11-03T09:00:00Z"), "--json")
	again := c.ok("--json", "receipt", "post", basket("P1", plain, "2026-11-03T09:00:00Z"))
	if first != again {
		t.Errorf("posting P1 again printed\n%s\nthe first time\n%s", again, first)
	}
	if b := c.balance(plain, "2026-11-03T10:00:00Z"); b.Available != 80 {
		t.Errorf("after posting P1 three times: available %d, want 80", b.Available)
	}
	// The same id with another body is a conflict.
	if e := c.refusedAs("conflict", "event.conflict", map[string]any{"what": nested("kind.receipt", map[string]any{"id": "P1"})},
		"receipt", "post", basket("P1", plain, "2026-11-03T09:30:00Z")); e.Error.Message != "There is already a record of receipt P1 with different contents." {
		t.Errorf("conflicting receipt: %q", e.Error.Message)
	}

	// A quote changes nothing.
	var q struct {
		Earned   int64 `json:"earned"`
		MaxSpend int64 `json:"max_spend"`
		Lines    []struct {
			SKU         string `json:"sku"`
			Earned      int64  `json:"earned"`
			MaxDiscount int64  `json:"max_discount"`
		} `json:"lines"`
	}
	c.jsonOf(&q, "receipt", "quote", basket("Q1", member, "2026-11-03T10:00:00Z"))
	if q.Earned != 160 || q.MaxSpend != 0 || len(q.Lines) != 2 || q.Lines[0].Earned != 80 {
		t.Errorf("quote = %+v", q)
	}
	if out := c.ok("receipt", "quote", basket("Q1", member, "2026-11-03T10:00:00Z")); !strings.HasPrefix(out, "would earn 160 points\n") {
		t.Errorf("quote output: %q", out)
	}

	// The board, a redemption and its voucher.
	c.ok("board", "add", "--id", "OIL", "--coop", "sofia", "--points", "40", "--name-bg", "Олио 1 л",
		"--name-en", "Sunflower oil 1 l", "--stock", "2", "--at", "2026-11-03T10:00:00Z")
	c.ok("board", "add", "--id=CAKE", "--coop=sofia", "--store=s2", "--points=500", "--name-en=Cake",
		"--from=2026-12-01T00:00:00Z", "--to", "2027-01-01T00:00:00Z")
	var board []struct {
		ID     string `json:"id"`
		Points int64  `json:"points"`
		Stock  *int64 `json:"stock"`
		Store  string `json:"store"`
	}
	c.jsonOf(&board, "board", "list", "--coop", "sofia", "--store", "s1")
	if len(board) != 1 || board[0].ID != "OIL" || board[0].Points != 40 || *board[0].Stock != 2 {
		t.Errorf("board of store s1 = %+v", board)
	}
	if out := c.ok("board", "list"); !strings.Contains(out, "OIL   40      Олио 1 л / Sunflower oil 1 l  2          sofia     always") ||
		!strings.Contains(out, "CAKE  500") || !strings.Contains(out, "sofia/s2") {
		t.Errorf("board list:\n%s", out)
	}

	code := strings.TrimSpace(c.ok("redeem", plain, "OIL", "--store", "s1", "--at", "2026-11-03T11:00:00Z"))
	if !regexp.MustCompile(`^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$`).MatchString(code) {
		t.Fatalf("redeem printed %q, want a voucher code", code)
	}
	if b := c.balance(plain, "2026-11-03T11:00:00Z"); b.Available != 40 {
		t.Errorf("after redeeming 40 of 80: available %d", b.Available)
	}
	// 40 points left: the cake (500) is refused and changes nothing.
	c.ok("board", "add", "--id", "CAKE", "--coop", "sofia", "--points", "500", "--name-en", "Cake")
	c.refusedAs("refused", "redeem.short", map[string]any{"card": plain,
		"available": nested("unit.points", map[string]any{"count": 40}), "points": nested("unit.points", map[string]any{"count": 500})},
		"redeem", plain, "CAKE", "--at", "2026-11-03T11:30:00Z")
	if msg := c.refused("redeem", plain, "CAKE", "--at", "2026-11-03T11:30:00Z"); msg != "Card "+plain+" has 40 points available; Cake needs 500 points." {
		t.Errorf("redeeming too much: %q", msg)
	}
	if b := c.balance(plain, "2026-11-03T11:30:00Z"); b.Available != 40 {
		t.Errorf("after a refused redemption: available %d, want 40", b.Available)
	}

	var v struct {
		Code   string `json:"code"`
		Card   string `json:"card"`
		Status string `json:"status"`
		Points int64  `json:"points"`
	}
	c.jsonOf(&v, "voucher", "claim", strings.ToLower(code), "--at", "2026-11-03T12:00:00Z")
	if v.Code != code || v.Card != plain || v.Status != "claimed" || v.Points != 40 {
		t.Errorf("claimed voucher = %+v", v)
	}
	// The time it was claimed in Sofia's zone.
	if msg := c.refused("voucher", "claim", code, "--at", "2026-11-03T12:05:00Z"); msg != "Voucher "+code+" was already claimed on 3 Nov 2026 14:00." {
		t.Errorf("claiming twice: %q", msg)
	}
	c.refusedAs("refused", "voucher.claimed", map[string]any{"code": code}, "voucher", "cancel", code, "--at", "2026-11-03T12:05:00Z")
	if b := c.balance(plain, "2026-11-03T12:05:00Z"); b.Available != 40 {
		t.Errorf("after refused voucher operations: available %d, want 40", b.Available)
	}

	// A second voucher, cancelled: its points come back.
	code2 := strings.TrimSpace(c.ok("redeem", member, "OIL", "--at", "2026-11-03T13:00:00Z"))
	if b := c.balance(member, "2026-11-03T13:00:00Z"); b.Available != 120 {
		t.Errorf("member after redeeming 40 of 160: %d", b.Available)
	}
	if out := c.ok("voucher", "cancel", code2, "--at", "2026-11-03T14:00:00Z"); out != "voucher "+code2+" cancelled: 40 points back on card "+member+"\n" {
		t.Errorf("cancel printed %q", out)
	}
	if b := c.balance(member, "2026-11-03T14:00:00Z"); b.Available != 160 {
		t.Errorf("member after cancelling: %d, want 160", b.Available)
	}

	// A return of the own-brand line: the member's receipt would have earned
	// 1000×1×2/25 = 80 without it, so 80 come back off the balance.
	ret := c.file("ret.json", `{"id":"RET1","receipt":"M1","time":"2026-11-04T09:00:00Z","lines":[{"sku":"KOOP-OIL","qty":1}]}`)
	if out := c.ok("receipt", "return", ret); !strings.HasPrefix(out, "return RET1 of receipt M1, card "+member+": 80 points taken back, 0 points given back\nbalance: 80 points available") {
		t.Errorf("return printed %q", out)
	}

	hist := c.ok("history", member)
	for _, want := range []string{
		"3 Nov 2026 10:00  earn          +160  " + member + "  M1              Shop 1",
		"3 Nov 2026 15:00  redeem         -40  " + member + "  " + code2,
		"3 Nov 2026 16:00  voucher-back   +40  " + member + "  " + code2,
		"4 Nov 2026 11:00  return         -80  " + member + "  RET1",
	} {
		if !strings.Contains(hist, want+"\n") {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	var entries []struct {
		Kind   string `json:"kind"`
		Points int64  `json:"points"`
	}
	c.jsonOf(&entries, "history", member)
	if len(entries) != 4 || entries[3].Kind != "return" || entries[3].Points != -80 {
		t.Errorf("history --json = %+v", entries)
	}

	if out := c.ok("check"); !strings.HasPrefix(out, "ledger ok: 2 accounts") {
		t.Errorf("check: %q", out)
	}
	c.ok("board", "remove", "CAKE", "--at", "2026-11-05T00:00:00Z")
	c.refusedAs("not_found", "reward.unknown", map[string]any{"reward": "CAKE"}, "board", "remove", "CAKE")
}

// TestBonus walks the bonus program: a welcome 500 spendable from the next
// Moscow midnight, ranked positions, bonuses pending 15 days, paying at most
// half of each line, a return.
func TestBonus(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "bonus")
	// 15:00 in Moscow: the welcome bonus matures at midnight, 21:00 UTC.
	card := issue(c, "--phone", "+7 900 123-45-67", "--consent", "--at", "2026-11-02T12:00:00Z", "--name", "Иван")
	if card[:2] != "27" {
		t.Errorf("card %s: want the bonus program's prefix 27", card)
	}

	b := c.balance(card, "2026-11-02T20:59:59Z")
	if b.Status != "active" || b.Available != 0 || len(b.Pending) != 1 || b.Pending[0].Points != 500 ||
		b.Pending[0].AvailableFrom != "2026-11-02T21:00:00Z" ||
		len(b.Expiring) != 1 || b.Expiring[0].ExpiresAt != "2027-11-02T21:00:00Z" {
		t.Errorf("balance before midnight = %+v", b)
	}
	if out := c.ok("balance", card, "--at", "2026-11-02T20:59:59Z"); !strings.Contains(out, "available: 0 bonuses\npending:   500 from 3 Nov 2026 00:00\nexpiring:  500 on 3 Nov 2027 00:00\n") {
		t.Errorf("balance before midnight:\n%s", out)
	}
	if b := c.balance(card, "2026-11-02T21:00:00Z"); b.Available != 500 || len(b.Pending) != 0 {
		t.Errorf("balance at midnight = %+v", b)
	}
	// A second registration of the phone grants nothing more.
	c.ok("card", "register", card, "--phone", "+79001234567", "--consent", "--at", "2026-11-02T22:00:00Z")
	if b := c.balance(card, "2026-11-02T22:00:00Z"); b.Available != 500 {
		t.Errorf("after registering again: %d, want 500", b.Available)
	}

	receipt := c.file("b1.json", fmt.Sprintf(`{"id":"B1","store":"m1","card":%q,"time":"2026-11-03T10:00:00Z","lines":[
		{"sku":"PHONE","qty":1,"amount":2000000,"bonus":1000},
		{"sku":"CASE","qty":2,"amount":200000,"bonus":50},
		{"sku":"SETUP","qty":1,"amount":50000,"bonus":30,"service":true},
		{"sku":"TRANSFER","qty":1,"amount":30000,"bonus":20,"service":true}],
		"pay_with_points":300}`, card))

	// Positions ranked by bonus: PHONE 1000 × 100 % = 1000; CASE 2 × 50 ×
	// 150 % = 150; the services together (30 + 20) × 200 % = 100: 1250.
	// At most 50 % of each line: 11400 bonuses; 500 available.
	var q struct {
		Earned   int64 `json:"earned"`
		MaxSpend int64 `json:"max_spend"`
		Lines    []struct {
			SKU         string `json:"sku"`
			Earned      int64  `json:"earned"`
			MaxDiscount int64  `json:"max_discount"`
		} `json:"lines"`
	}
	var raw json.RawMessage
	c.jsonOf(&raw, "receipt", "quote", receipt)
	wantKeys(t, "quote", raw, "earned", "max_spend", "lines")
	json.Unmarshal(raw, &q)
	if q.Earned != 1250 || q.MaxSpend != 500 || len(q.Lines) != 4 ||
		q.Lines[0].Earned != 1000 || q.Lines[1].Earned != 150 || q.Lines[2].Earned != 60 || q.Lines[3].Earned != 40 ||
		q.Lines[0].MaxDiscount != 1000000 || q.Lines[3].MaxDiscount != 15000 {
		t.Errorf("quote = %+v", q)
	}
	var lines []json.RawMessage
	json.Unmarshal(mustField(t, raw, "lines"), &lines)
	wantKeys(t, "quote line", lines[0], "sku", "earned", "max_discount")

	// Paying 300: 30000 kopecks spread by amount (2280000 in all), largest
	// remainder: 26316 + 2631 + 658 + 395.
	code, out, errOut := c.exec("", "receipt", "post", "-", "--json")
	if code != 1 || out != "" || !strings.Contains(errOut, "receipt: empty input") {
		t.Errorf("empty stdin: exit %d, %q, %q", code, out, errOut)
	}
	body, _ := os.ReadFile(receipt)
	code, out, errOut = c.exec(string(body), "--json", "receipt", "post", "-")
	if code != 0 {
		t.Fatalf("receipt from stdin: exit %d: %s", code, errOut)
	}
	wantKeys(t, "receipt result", json.RawMessage(out), "receipt", "card", "earned", "spent", "discount", "lines", "balance")
	json.Unmarshal(mustField(t, json.RawMessage(out), "lines"), &lines)
	wantKeys(t, "receipt line", lines[0], "sku", "earned", "discount")
	wantKeys(t, "receipt balance", mustField(t, json.RawMessage(out), "balance"),
		"card", "status", "active_from", "available", "pending", "expiring", "as_of")
	var res struct {
		Earned, Spent, Discount int64
		Lines                   []struct{ Earned, Discount int64 }
		Balance                 balanceJSON
	}
	json.Unmarshal([]byte(out), &res)
	var discounts []int64
	for _, l := range res.Lines {
		discounts = append(discounts, l.Discount)
	}
	if res.Earned != 1250 || res.Spent != 300 || res.Discount != 30000 || !slices.Equal(discounts, []int64{26316, 2631, 658, 395}) {
		t.Errorf("receipt = %+v", res)
	}
	if res.Balance.Available != 200 || len(res.Balance.Pending) != 1 || res.Balance.Pending[0].Points != 1250 ||
		res.Balance.Pending[0].AvailableFrom != "2026-11-18T10:00:00Z" {
		t.Errorf("balance after the receipt = %+v", res.Balance)
	}
	human := c.ok("receipt", "post", receipt) // the same receipt: the first result
	for _, want := range []string{"earned 1,250 bonuses", "PHONE     1000    263.16 RUB", "TRANSFER  40      3.95 RUB",
		"paid with 300 bonuses: discount 300.00 RUB", "balance: 200 bonuses available, 1,250 pending from 18 Nov 2026 13:00"} {
		if !strings.Contains(human, want) {
			t.Errorf("receipt output lacks %q:\n%s", want, human)
		}
	}

	// 15 days: pending until 10:00 UTC on 18 Nov, then available.
	if b := c.balance(card, "2026-11-18T09:59:59Z"); b.Available != 200 || len(b.Pending) != 1 {
		t.Errorf("a second before 15 days = %+v", b)
	}
	b = c.balance(card, "2026-11-18T10:00:00Z")
	if b.Available != 1450 || len(b.Pending) != 0 || len(b.Expiring) != 2 ||
		b.Expiring[0].Points != 200 || b.Expiring[1].Points != 1250 || b.Expiring[1].ExpiresAt != "2027-11-18T10:00:00Z" {
		t.Errorf("after 15 days = %+v", b)
	}

	// Returning one case: the receipt then earns 1000 + 50×150 % + 100 =
	// 1175, so 75 of the pending bonuses are cancelled; the case's discount
	// 2631 × 1/2 kopecks = 13 bonuses come back to the welcome lot.
	var rr map[string]json.RawMessage
	c.jsonOf(&rr, "receipt", "return", c.file("ret.json", `{"id":"RET1","receipt":"B1","time":"2026-11-05T10:00:00Z","lines":[{"sku":"CASE","qty":1}]}`))
	if string(rr["taken_back"]) != "75" || string(rr["refunded"]) != "13" {
		t.Errorf("return = taken back %s, refunded %s; want 75, 13", rr["taken_back"], rr["refunded"])
	}
	if b := c.balance(card, "2026-11-05T10:00:00Z"); b.Available != 213 || b.Pending[0].Points != 1175 {
		t.Errorf("after the return = %+v", b)
	}
	if b := c.balance(card, "2026-11-18T10:00:00Z"); b.Available != 1388 {
		t.Errorf("after the return, 15 days on: %d, want 1388", b.Available)
	}
	// Returning more cases than were bought is refused and changes nothing.
	c.refusedAs("refused", "return.too_many", map[string]any{"left": 1, "sku": "CASE", "receipt": "B1"},
		"receipt", "return", c.file("ret2.json", `{"id":"RET2","receipt":"B1","time":"2026-11-06T10:00:00Z","lines":[{"sku":"CASE","qty":2}]}`))
	if b := c.balance(card, "2026-11-18T10:00:00Z"); b.Available != 1388 {
		t.Errorf("after a refused return: %d, want 1388", b.Available)
	}

	// A lost card: blocked, replaced; the balance moves to the new number.
	newCard := strings.TrimSpace(c.ok("card", "replace", card, "--at", "2026-11-20T10:00:00Z"))
	if !cardNumber.MatchString(newCard) || newCard == card {
		t.Fatalf("replace printed %q", newCard)
	}
	if b := c.balance(card, "2026-11-20T10:00:00Z"); b.Status != "replaced" || b.Available != 0 {
		t.Errorf("old card = %+v", b)
	}
	if out := c.ok("balance", card, "--at", "2026-11-20T10:00:00Z"); !strings.HasPrefix(out, "card "+card+": replaced by card "+newCard+"\n") {
		t.Errorf("old card's balance: %q", out)
	}
	if b := c.balance(newCard, "2026-11-20T10:00:00Z"); b.Status != "active" || b.Available != 1388 {
		t.Errorf("new card = %+v", b)
	}
	c.refusedAs("refused", "card.replaced", map[string]any{"card": card, "new": newCard},
		"receipt", "post", c.file("b2.json", fmt.Sprintf(`{"id":"B2","store":"m1","card":%q,"time":"2026-11-21T10:00:00Z","lines":[{"sku":"X","qty":1,"amount":100}]}`, card)))
	if h := c.ok("history", newCard); !strings.Contains(h, "welcome") || !strings.Contains(h, "RET1") {
		t.Errorf("the new card's history lacks the old card's entries:\n%s", h)
	}

	var report struct {
		Accounts int               `json:"accounts"`
		Total    int64             `json:"total"`
		Problems []rewards.Problem `json:"problems"`
	}
	c.jsonOf(&report, "check")
	if report.Accounts != 1 || report.Total != 1388 || len(report.Problems) != 0 {
		t.Errorf("check = %+v", report)
	}
}

func mustField(t *testing.T, raw json.RawMessage, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return m[key]
}

// TestFlagsAnywhere: flags before or after the arguments, = or a separate
// value, --json anywhere; all give the same.
func TestFlagsAnywhere(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "bonus")
	card := issue(c, "--at", "2026-11-02T12:00:00Z", "--phone", "89001234567", "--consent")
	want := c.ok("balance", card, "--at", "2026-11-02T20:00:00Z", "--json")
	var raw json.RawMessage
	c.jsonOf(&raw, "balance", card, "--at", "2026-11-02T20:00:00Z")
	wantKeys(t, "balance", raw, "card", "status", "active_from", "available", "pending", "expiring", "as_of")
	for _, args := range [][]string{
		{"balance", "--at", "2026-11-02T20:00:00Z", card, "--json"},
		{"--json", "balance", card, "--at=2026-11-02T20:00:00Z"},
		{"balance", "--json", "--at=2026-11-02T20:00:00Z", card},
		{"balance", card, "--json=true", "--at", "2026-11-02T23:00:00+03:00"},
		{"--db", c.db, "balance", "--json", "--at", "2026-11-02T20:00:00Z", "--", card},
		{"balance", card, "--at", "2026-11-02T20:00:00Z", "--json", "--db=" + c.db},
		{"-json", "balance", card, "-at", "2026-11-02T20:00:00Z"},
	} {
		if got := c.ok(args...); got != want {
			t.Errorf("%v printed\n%s\nwant\n%s", args, got, want)
		}
	}
	// Empty lists are [] and an unhanded card has active_from null: every key
	// is there.
	plain := issue(c, "--at", "2026-11-02T12:00:00Z")
	c.jsonOf(&raw, "balance", plain, "--at", "2026-11-02T12:00:00Z")
	if !strings.Contains(string(raw), `"pending": []`) || !strings.Contains(string(raw), `"expiring": []`) {
		t.Errorf("balance with nothing pending: %s", raw)
	}
	if got := c.ok("balance", plain, "--at", "2026-11-02T12:00:00Z", "--json=false"); strings.HasPrefix(got, "{") {
		t.Errorf("--json=false printed JSON: %s", got)
	}
}

func TestCards(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	holder := issue(c, "--at", "2026-11-01T08:00:00Z")
	family := issue(c, "--at", "2026-11-01T08:00:00Z")
	for i, card := range []string{holder, family} {
		r := c.file(fmt.Sprintf("r%d.json", i), fmt.Sprintf(`{"id":"R%d","store":"s1","card":%q,"time":"2026-11-02T10:00:00Z","lines":[{"sku":"A","qty":1,"amount":250}]}`, i, card))
		c.ok("receipt", "post", r)
	}
	// Pooling moves the family card's 10 points to the holder's account.
	var fc struct {
		Card   string `json:"card"`
		Holder string `json:"holder"`
		Pooled bool   `json:"pooled"`
	}
	c.jsonOf(&fc, "card", "link", family, "--to", holder, "--pool", "--at", "2026-11-03T10:00:00Z")
	if fc.Card != family || fc.Holder != holder || !fc.Pooled {
		t.Errorf("linked card = %+v", fc)
	}
	if b := c.balance(holder, "2026-11-03T10:00:00Z"); b.Available != 20 {
		t.Errorf("holder after pooling: %d, want 20", b.Available)
	}
	// Membership from its time on: 2.50 EUR earns 10, a member 20.
	if out := c.ok("card", "member", holder, "--at", "2026-11-04T10:00:00Z"); out != "card "+holder+": active since 2 Nov 2026 10:00\n  member; purchases 5.00 EUR\n" {
		t.Errorf("card member printed %q", out)
	}
	r := c.file("r9.json", fmt.Sprintf(`{"id":"R9","store":"s1","card":%q,"time":"2026-11-04T10:00:00Z","lines":[{"sku":"A","qty":1,"amount":250}]}`, family))
	if out := c.ok("receipt", "post", r); !strings.Contains(out, "earned 20 points") || !strings.Contains(out, "balance: 40 points available") {
		t.Errorf("family receipt after membership: %s", out)
	}
	if msg := c.refused("card", "member", family, "--at", "2026-11-05T10:00:00Z"); !strings.Contains(msg, "already a member's") {
		t.Errorf("member twice: %q", msg)
	}
	// Blocking refuses the card from then on.
	if out := c.ok("card", "block", family, "--at", "2026-11-05T10:00:00Z"); !strings.HasPrefix(out, "card "+family+": blocked since 5 Nov 2026 12:00\n") {
		t.Errorf("card block printed %q", out)
	}
	r = c.file("r10.json", fmt.Sprintf(`{"id":"R10","store":"s1","card":%q,"time":"2026-11-05T11:00:00Z","lines":[{"sku":"A","qty":1,"amount":250}]}`, family))
	c.refusedAs("refused", "card.blocked", map[string]any{"card": family}, "receipt", "post", r)
	if b := c.balance(holder, "2026-11-05T11:00:00Z"); b.Available != 40 {
		t.Errorf("holder after the refused receipt: %d, want 40", b.Available)
	}
	if msg := c.refused("balance", "1234567890123"); !strings.Contains(msg, "fails its check digit") {
		t.Errorf("a mistyped card: %q", msg)
	}
	c.ok("check")
}

// TestDevice: the device recorded on events is --device, else
// $TOCHKA_DEVICE, else tochkactl@HOST.
func TestDevice(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop", "--device", "till-3")
	c.env["TOCHKA_DEVICE"] = "kiosk-7"
	issue(c)
	delete(c.env, "TOCHKA_DEVICE")
	issue(c)
	host, _ := os.Hostname()
	if devices, want := eventDevices(t, c), []string{"till-3", "kiosk-7", "tochkactl@" + host}; !slices.Equal(devices, want) {
		t.Errorf("devices = %v, want %v", devices, want)
	}
}

// events returns the ledger's event log, read with the store itself.
func events(t *testing.T, c *cli) []rewards.Event {
	t.Helper()
	s := sqlite.NewStore(c.db)
	s.ReadOnly = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var all []rewards.Event
	for after := int64(0); ; after = all[len(all)-1].Seq {
		evs, err := s.Events(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return all
		}
		all = append(all, evs...)
	}
}

// eventDevices returns the device recorded on each event, in order.
func eventDevices(t *testing.T, c *cli) []string {
	t.Helper()
	var devices []string
	for _, e := range events(t, c) {
		devices = append(devices, e.Device)
	}
	return devices
}

// --db and $TOCHKA_DB take the ledger's URL, sqlite:PATH, as tochkad does,
// or a plain path; another kind of database is refused, naming it.
func TestDatabaseURL(t *testing.T) {
	c := newCLI(t)
	c.ok("--db", "sqlite:"+c.db, "init", "--program", "coop")
	if out := c.ok("--db", c.db, "check"); !strings.HasPrefix(out, "ledger ok: ") {
		t.Errorf("the ledger made through sqlite:PATH, opened by its path: %q", out)
	}
	c.env["TOCHKA_DB"] = "sqlite://" + c.db
	c.ok("check")
	if msg := c.refused("--db", "postgres://db/tochka", "check"); !strings.Contains(msg, "postgres") {
		t.Errorf("a PostgreSQL URL: %q", msg)
	}
}

// backup writes a copy that opens and checks as a ledger, and never over
// an existing file.
func TestBackup(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	issue(c, "--at", "2026-11-02T08:00:00Z")
	copyPath := filepath.Join(c.dir, "copy.db")
	if out := c.ok("backup", "--to", copyPath); out != "the ledger was copied to "+copyPath+"\n" {
		t.Errorf("backup printed %q", out)
	}
	if out := c.ok("--db", copyPath, "check"); !strings.HasPrefix(out, "ledger ok: 1 accounts") {
		t.Errorf("check of the copy: %q", out)
	}
	if msg := c.refused("backup", "--to", copyPath); !strings.Contains(msg, "exists already") {
		t.Errorf("a backup over the copy: %q", msg)
	}
}
