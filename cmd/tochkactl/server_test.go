package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/docs/openapitest"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// serverNow is the clock of both the local ledger and the server's.
const serverNow = "2026-11-10T12:00:00Z"

// serverWorld is two equal ledgers: one the CLI opens itself (local), one
// behind an in-process server that the CLI calls with an admin's token
// (remote).
type serverWorld struct {
	local, remote *cli
	host          *cli         // the server's ledger, opened by the CLI itself
	handler       http.Handler // the server's API, for servers that misbehave around it; checked against docs/openapi.json
	srv           *httptest.Server
	token         string
}

// newServerWorld installs the coop program and records cooperative sofia
// in both ledgers, adds an admin device to the server's, and serves it.
func newServerWorld(t *testing.T) *serverWorld {
	t.Helper()
	w := &serverWorld{local: newCLI(t)}
	w.local.env["TOCHKA_NOW"] = serverNow
	host := newCLI(t) // the server's host, where its ledger and devices are made
	host.env["TOCHKA_NOW"] = serverNow
	for _, c := range []*cli{w.local, host} {
		c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
		c.ok("coop", "add", "--id", "sofia", "--name-bg", "Кооп София", "--name-en", "Sofia Coop", "--at", "2026-11-01T08:00:00Z")
	}
	var nd struct {
		Token string `json:"token"`
	}
	host.jsonOf(&nd, "device", "add", "--name", "ops", "--role", "admin", "--coop", "sofia")
	w.token = nd.Token
	w.host = host

	now, _ := time.Parse(time.RFC3339, serverNow)
	clock := func() time.Time { return now }
	s := sqlite.NewStore(host.db)
	s.Now = clock
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w.handler = openapitest.Handler(t, api.NewHandler(s, api.Options{Now: clock, Devices: s}))
	w.srv = httptest.NewServer(w.handler)
	t.Cleanup(w.srv.Close)

	dir := t.TempDir()
	w.remote = &cli{t: t, dir: dir, env: map[string]string{"HOME": dir, "TOCHKA_LANG": "en",
		"TOCHKA_SERVER": w.srv.URL, "TOCHKA_TOKEN": w.token}}
	return w
}

// same runs a command line on both ledgers and wants the same exit
// status, stdout and stderr; it returns the stdout.
func (w *serverWorld) same(args ...string) string {
	w.local.t.Helper()
	lcode, lout, lerr := w.local.exec("", args...)
	rcode, rout, rerr := w.remote.exec("", args...)
	if lcode != rcode || lout != rout || lerr != rerr {
		w.local.t.Fatalf("tochkactl %s:\nlocal:  exit %d\n%s%s\nserver: exit %d\n%s%s", strings.Join(args, " "),
			lcode, lout, lerr, rcode, rout, rerr)
	}
	return lout
}

func TestThroughTheServer(t *testing.T) {
	w := newServerWorld(t)
	w.same("store", "add", "--id", "s1", "--coop", "sofia", "--name-bg", "Магазин 1", "--name-en", "Shop 1", "--at", "2026-11-02T08:00:00Z")
	w.same("coop", "list")
	w.same("store", "list")
	// Card numbers are drawn at random: the server's card takes the
	// local one's number.
	card := issue(w.local, "--member", "--at", "2026-11-02T08:00:00Z")
	if got := issue(w.remote, "--member", "--number", card, "--at", "2026-11-02T08:00:00Z"); got != card {
		t.Fatalf("card issue --number %s through the server printed %s", card, got)
	}
	receipt := `{"id":"R1","store":"s1","card":"` + card + `","time":"2026-11-03T09:00:00Z","lines":[
		{"sku":"BREAD","qty":1,"amount":1000},{"sku":"KOOP-OIL","qty":1,"amount":500,"own_brand":true}]}`
	for _, c := range []*cli{w.local, w.remote} {
		c.file("r1.json", receipt)
	}
	// The receipt's file is in each one's own directory.
	lcode, lout, _ := w.local.exec("", "receipt", "post", filepath.Join(w.local.dir, "r1.json"))
	rcode, rout, rerr := w.remote.exec("", "receipt", "post", filepath.Join(w.remote.dir, "r1.json"))
	if lcode != 0 || rcode != 0 || lout != rout {
		t.Fatalf("receipt post: local exit %d\n%s\nserver exit %d\n%s%s", lcode, lout, rcode, rout, rerr)
	}
	if !strings.Contains(rout, "earned 160 points") {
		t.Errorf("receipt post through the server:\n%s", rout)
	}
	w.same("balance", card, "--at", "2026-11-05T08:00:00Z")
	w.same("history", card)
	w.same("balance", card, "--at", "2026-11-05T08:00:00Z", "--json")
	w.same("history", card, "--json")
	w.same("board", "add", "--id", "oil", "--coop", "sofia", "--points", "100", "--name-en", "Olive oil", "--name-bg", "Зехтин", "--at", "2026-11-04T08:00:00Z")
	w.same("board", "list")
	w.same("board", "list", "--json")
	// A refusal is the same message and exit status 1.
	w.same("redeem", card, "nothing", "--store", "s1", "--at", "2026-11-05T08:00:00Z")
	w.same("--lang", "bg", "balance", "0000000000000")
	w.same("--json", "redeem", card, "nothing", "--store", "s1", "--at", "2026-11-05T08:00:00Z")
	for _, args := range [][]string{{"redeem", card, "nothing", "--store", "s1"}, {"--lang", "bg", "balance", "0000000000000"}} {
		if msg := w.remote.refused(args...); msg == "" {
			t.Errorf("tochkactl %s through the server: refused without a reason", strings.Join(args, " "))
		}
	}

	// Vouchers' codes differ between the ledgers: each one claims its own.
	for _, c := range []*cli{w.local, w.remote} {
		code := strings.TrimSpace(c.ok("redeem", card, "oil", "--store", "s1", "--at", "2026-11-05T08:00:00Z"))
		out := c.ok("voucher", "claim", code, "--at", "2026-11-05T09:00:00Z")
		if !strings.Contains(out, code) {
			t.Errorf("voucher claim %s:\n%s", code, out)
		}
	}
	w.same("balance", card, "--at", "2026-11-05T10:00:00Z")
	// 60 points left, the oil takes 100: refused alike, its numbers too.
	w.same("--json", "redeem", card, "oil", "--store", "s1", "--at", "2026-11-05T10:00:00Z")
	w.same("redeem", card, "oil", "--store", "s1", "--at", "2026-11-05T10:00:00Z")
	w.same("report", "liability")
	w.same("report", "liability", "--by", "coop", "--csv")
	w.same("check")

	// With no language given, the program's, read from the server.
	delete(w.local.env, "TOCHKA_LANG")
	delete(w.remote.env, "TOCHKA_LANG")
	if out := w.same("balance", card, "--at", "2026-11-05T10:00:00Z"); !strings.Contains(out, "налични: 60 точки") {
		t.Errorf("balance in the program's language through the server:\n%s", out)
	}
	w.same("balance", "0000000000000")
	w.remote.env["TOCHKA_LANG"] = "en"

	// The flags say as much as the environment does.
	delete(w.remote.env, "TOCHKA_SERVER")
	delete(w.remote.env, "TOCHKA_TOKEN")
	if out := w.remote.ok("--server", w.srv.URL, "--token", w.token, "balance", card, "--at", "2026-11-05T10:00:00Z"); !strings.Contains(out, "available: 60 points") {
		t.Errorf("balance with --server:\n%s", out)
	}
	if code, _, errOut := w.remote.exec("", "--server", w.srv.URL, "--token", "wrong", "balance", card); code != exitRefused || !strings.Contains(errOut, "tochkactl: ") {
		t.Errorf("a wrong token: exit %d, %s", code, errOut)
	}
}

func TestServerBadUsage(t *testing.T) {
	c := newCLI(t)
	c.env["TOCHKA_NOW"] = serverNow
	c.ok("init", "--program", "coop")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--server", "http://127.0.0.1:1", "--token", "t", "--device", "d", "balance", "2900000000001"}, "--device does not go with --server"},
		{[]string{"--server", "http://127.0.0.1:1", "--token", "t", "--db", c.db, "balance", "2900000000001"}, "--db does not go with --server"},
		{[]string{"--server", "http://127.0.0.1:1", "balance", "2900000000001"}, "--server needs --token"},
		{[]string{"--server", "127.0.0.1:1", "--token", "t", "balance", "2900000000001"}, "is not a server's address"},
		{[]string{"--server", "http://127.0.0.1:1", "--token", "t", "init", "--program", "coop"}, "init does not go with --server: it makes a local ledger file"},
		{[]string{"--server", "http://127.0.0.1:1", "--token", "t", "backup", "--to", "x.db"}, "backup does not go with --server"},
		{[]string{"--server", "http://127.0.0.1:1", "--token", "t", "device", "list"}, "devices are managed on the ledger's own host"},
		{[]string{"--server", "http://127.0.0.1:1", "--token", "t", "scanner", "list"}, "scanner list does not go with --server: it uses no ledger"},
	} {
		code, out, errOut := c.exec("", tc.args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("tochkactl %s: exit %d, stdout %q, stderr %q; want exit 2 saying %q", strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}
	if code, _, errOut := c.exec("", "--token", "t", "balance", "2900000000001"); code != exitUsage || !strings.Contains(errOut, "--token goes with --server") {
		t.Errorf("--token without a server: exit %d, %s", code, errOut)
	}
	// $TOCHKA_SERVER beside a command that opens no ledger is not used,
	// nor beside a --db flag.
	c.env["TOCHKA_SERVER"] = "http://127.0.0.1:1"
	if code, out, errOut := c.exec("", "--db", c.db, "device", "list"); code != exitOK {
		t.Errorf("device list --db beside $TOCHKA_SERVER: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := c.exec("", "device", "list"); code != exitUsage || !strings.Contains(errOut, "device list does not go with --server") {
		t.Errorf("device list beside $TOCHKA_SERVER: exit %d, %s", code, errOut)
	}
	if code, _, errOut := c.exec("", "scanner", "decode", "-"); code == exitUsage && strings.Contains(errOut, "server") {
		t.Errorf("scanner decode beside $TOCHKA_SERVER: %s", errOut)
	}
	c.env["TOCHKA_TOKEN"] = "t"
	// Nothing listens there: the read is refused, not an unknown outcome.
	if code, _, errOut := c.exec("", "balance", "2900000000001"); code != exitRefused {
		t.Errorf("balance with no server listening: exit %d, %s", code, errOut)
	}
	// A change that never went out is refused too.
	if code, _, errOut := c.exec("", "card", "issue"); code != exitRefused {
		t.Errorf("card issue with no server listening: exit %d, %s", code, errOut)
	}
}

// dropper serves the API's reads, and drops the connection of every
// change, after the API has done it when done is true.
func dropper(t *testing.T, api http.Handler, done bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			api.ServeHTTP(rw, r)
			return
		}
		if done {
			api.ServeHTTP(httptest.NewRecorder(), r)
		} else {
			io.Copy(io.Discard, r.Body)
		}
		conn, buf, err := rw.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		buf.Flush()
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestServerOutcomeUnknown(t *testing.T) {
	w := newServerWorld(t)
	w.remote.ok("store", "add", "--id", "s1", "--coop", "sofia", "--name-en", "Shop 1", "--at", "2026-11-02T08:00:00Z")
	card := strings.TrimSpace(w.remote.ok("card", "issue", "--at", "2026-11-02T08:00:00Z"))

	lost := dropper(t, w.handler, true)
	w.remote.env["TOCHKA_SERVER"] = lost.URL
	// A change whose answer is lost: exit 4, and how to run it again.
	code, out, errOut := w.remote.exec("", "card", "issue", "--request-id", "lost-1", "--at", "2026-11-02T08:00:00Z")
	if code != exitUnknown || out != "" || !strings.Contains(errOut, "outcome is unknown") || !strings.Contains(errOut, "--request-id lost-1") {
		t.Fatalf("card issue with its answer lost: exit %d\n%s%s", code, out, errOut)
	}
	// Without --request-id the command makes one, and names it.
	code, _, errOut = w.remote.exec("", "store", "add", "--id", "s2", "--coop", "sofia", "--name-en", "Shop 2")
	if code != exitUnknown || !strings.Contains(errOut, "--request-id ") {
		t.Errorf("store add with its answer lost: exit %d\n%s", code, errOut)
	}
	// A receipt's own id is the retry's.
	w.remote.file("r1.json", `{"id":"R1","store":"s1","card":"`+card+`","time":"2026-11-03T09:00:00Z","lines":[{"sku":"BREAD","qty":1,"amount":1000}]}`)
	code, _, errOut = w.remote.exec("", "receipt", "post", filepath.Join(w.remote.dir, "r1.json"))
	if code != exitUnknown || !strings.Contains(errOut, "the same receipt or return, with its own id") {
		t.Errorf("receipt post with its answer lost: exit %d\n%s", code, errOut)
	}
	// With --json the error is one document, its retry among the args.
	code, _, errOut = w.remote.exec("", "--json", "card", "block", card, "--request-id", "lost-2")
	var e errorJSON
	if code != exitUnknown || json.Unmarshal([]byte(errOut), &e) != nil || e.Error.Key != "servercli.unknown" {
		t.Errorf("card block --json with its answer lost: exit %d\n%s", code, errOut)
	}
	// A read that fails so is a plain failure: it changed nothing.
	if code, _, errOut := w.remote.exec("", "--lang", "en", "balance", card); code != exitOK {
		t.Errorf("balance through the dropper (its reads are served): exit %d %s", code, errOut)
	}

	// The retry on the real server answers as the first try did, and
	// changes nothing more.
	w.remote.env["TOCHKA_SERVER"] = w.srv.URL
	first := strings.TrimSpace(w.remote.ok("card", "issue", "--request-id", "lost-1", "--at", "2026-11-02T08:00:00Z"))
	again := strings.TrimSpace(w.remote.ok("card", "issue", "--request-id", "lost-1", "--at", "2026-11-02T08:00:00Z"))
	if !cardNumber.MatchString(first) || first != again || first == card {
		t.Errorf("card issue retried: %q then %q (the first card %s)", first, again, card)
	}
	out = w.remote.ok("receipt", "post", filepath.Join(w.remote.dir, "r1.json"))
	if !strings.Contains(out, "receipt R1") {
		t.Errorf("receipt post retried:\n%s", out)
	}
	if out := w.remote.ok("history", card); strings.Count(out, "R1") != 1 {
		t.Errorf("history after the retried receipt: want R1 once:\n%s", out)
	}
	w.remote.ok("check")

	// A server that drops a change before doing it: the same exit 4.
	never := dropper(t, w.handler, false)
	w.remote.env["TOCHKA_SERVER"] = never.URL
	if code, _, errOut := w.remote.exec("", "card", "issue", "--request-id", "lost-3"); code != exitUnknown {
		t.Errorf("card issue dropped before it was done: exit %d\n%s", code, errOut)
	}
	// A read whose connection drops is exit 1.
	readDrop := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		conn, _, err := rw.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer readDrop.Close()
	w.remote.env["TOCHKA_SERVER"] = readDrop.URL
	if code, _, errOut := w.remote.exec("", "balance", card); code != exitRefused {
		t.Errorf("balance with its connection dropped: exit %d\n%s", code, errOut)
	}

	// A proxy that gave up waiting for the server: the outcome is unknown.
	gateway := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, "upstream timed out", http.StatusGatewayTimeout)
	}))
	defer gateway.Close()
	w.remote.env["TOCHKA_SERVER"] = gateway.URL
	if code, _, errOut := w.remote.exec("", "--lang", "en", "card", "block", card, "--request-id", "gw-1"); code != exitUnknown || !strings.Contains(errOut, "--request-id gw-1") {
		t.Errorf("card block answered 504 by a proxy: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := w.remote.exec("", "--lang", "en", "balance", card); code != exitRefused {
		t.Errorf("balance answered 504 by a proxy: exit %d\n%s", code, errOut)
	}
}

func TestServerTimeout(t *testing.T) {
	w := newServerWorld(t)
	card := issue(w.remote)
	defer func(d time.Duration) { serverTimeout = d }(serverTimeout)
	serverTimeout = 300 * time.Millisecond
	// A server that takes the change and never answers.
	slow := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer slow.Close()
	w.remote.env["TOCHKA_SERVER"] = slow.URL
	code, out, errOut := w.remote.exec("", "card", "block", card, "--request-id", "slow-1")
	if code != exitUnknown || out != "" || !strings.Contains(errOut, "--request-id slow-1") {
		t.Errorf("card block timed out: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := w.remote.exec("", "balance", card); code != exitRefused {
		t.Errorf("balance timed out: exit %d\n%s", code, errOut)
	}
}

// sameIn runs a command line on both ledgers, each with the files in its
// own directory (args gets it), and wants the same exit status, stdout and
// stderr, the directory written DIR; it returns the stdout.
func (w *serverWorld) sameIn(args func(dir string) []string) string {
	w.local.t.Helper()
	var outs [2][2]string
	var codes [2]int
	for i, c := range []*cli{w.local, w.remote} {
		code, out, errOut := c.exec("", args(c.dir)...)
		codes[i], outs[i] = code, [2]string{strings.ReplaceAll(out, c.dir, "DIR"), strings.ReplaceAll(errOut, c.dir, "DIR")}
	}
	if codes[0] != codes[1] || outs[0] != outs[1] {
		w.local.t.Fatalf("tochkactl %s:\nlocal:  exit %d\n%s%s\nserver: exit %d\n%s%s", strings.Join(args("DIR"), " "),
			codes[0], outs[0][0], outs[0][1], codes[1], outs[1][0], outs[1][1])
	}
	if codes[0] != exitOK {
		w.local.t.Fatalf("tochkactl %s: exit %d\n%s", strings.Join(args("DIR"), " "), codes[0], outs[0][1])
	}
	return outs[0][0]
}

// TestThroughTheServerCards runs the card, receipt, board and print
// commands through the server and on a local ledger, with the same
// output.
func TestThroughTheServerCards(t *testing.T) {
	w := newServerWorld(t)
	w.same("store", "add", "--id", "s1", "--coop", "sofia", "--name-en", "Shop 1", "--at", "2026-11-02T08:00:00Z")
	holder := issue(w.local, "--at", "2026-11-02T08:00:00Z")
	issue(w.remote, "--number", holder, "--at", "2026-11-02T08:00:00Z")
	fam := issue(w.local, "--at", "2026-11-02T08:00:00Z")
	issue(w.remote, "--number", fam, "--at", "2026-11-02T08:00:00Z")
	w.same("card", "register", fam, "--given-name", "Ivan", "--phone", "+359888123456", "--consent", "--at", "2026-11-02T09:00:00Z")
	w.same("card", "member", holder, "--at", "2026-11-02T09:00:00Z")
	w.same("card", "link", fam, "--to", holder, "--pool", "--at", "2026-11-02T09:00:00Z")
	for _, c := range []*cli{w.local, w.remote} {
		c.file("r1.json", `{"id":"R1","store":"s1","card":"`+fam+`","time":"2026-11-03T09:00:00Z","lines":[
			{"sku":"BREAD","qty":2,"amount":2000},{"sku":"KOOP-OIL","qty":1,"amount":500,"own_brand":true}]}`)
		c.file("ret1.json", `{"id":"RET1","receipt":"R1","time":"2026-11-03T10:00:00Z","lines":[{"sku":"BREAD","qty":1}]}`)
		writePNG(t, filepath.Join(c.dir, "oil.png"))
	}
	w.sameIn(func(dir string) []string { return []string{"receipt", "quote", filepath.Join(dir, "r1.json")} })
	w.sameIn(func(dir string) []string { return []string{"receipt", "post", filepath.Join(dir, "r1.json")} })
	w.sameIn(func(dir string) []string { return []string{"receipt", "return", filepath.Join(dir, "ret1.json")} })
	w.same("balance", holder, "--at", "2026-11-04T08:00:00Z")
	w.same("history", fam)
	w.same("card", "export", fam, "--at", "2026-11-04T08:00:00Z")
	w.sameIn(func(dir string) []string {
		return []string{"board", "add", "--id", "oil", "--coop", "sofia", "--points", "20", "--name-en", "Olive oil",
			"--picture", filepath.Join(dir, "oil.png"), "--at", "2026-11-03T08:00:00Z"}
	})
	w.sameIn(func(dir string) []string {
		return []string{"board", "print", "--coop", "sofia", "--out", filepath.Join(dir, "board.pdf")}
	})
	w.sameIn(func(dir string) []string {
		return []string{"card", "print", holder, fam, "--out", filepath.Join(dir, "cards.pdf")}
	})
	for _, c := range []*cli{w.local, w.remote} {
		code := strings.TrimSpace(c.ok("redeem", holder, "oil", "--store", "s1", "--at", "2026-11-04T08:00:00Z"))
		pdf := filepath.Join(c.dir, "voucher.pdf")
		if out := c.ok("voucher", "print", code, "--out", pdf); !strings.Contains(out, pdf) {
			t.Errorf("voucher print %s:\n%s", code, out)
		}
		if out := c.ok("voucher", "cancel", code, "--at", "2026-11-04T09:00:00Z"); !strings.Contains(out, code) {
			t.Errorf("voucher cancel %s:\n%s", code, out)
		}
	}
	w.same("balance", holder, "--at", "2026-11-04T10:00:00Z")
	w.same("board", "remove", "oil", "--at", "2026-11-04T10:00:00Z")
	w.same("card", "block", fam, "--at", "2026-11-04T10:00:00Z")
	w.same("card", "forget", fam, "--at", "2026-11-04T10:00:00Z")

	// A batch through the server: its cards are the server's.
	code, out, errOut := w.remote.exec("", "card", "batch", "--count", "2", "--out", filepath.Join(w.remote.dir, "batch.pdf"), "--request-id", "B1")
	numbers := strings.Fields(out)
	if code != exitOK || len(numbers) != 2 {
		t.Fatalf("card batch through the server: exit %d\n%s%s", code, out, errOut)
	}
	if again := strings.Fields(w.remote.ok("card", "batch", "--count", "2", "--out", filepath.Join(w.remote.dir, "batch.pdf"), "--request-id", "B1")); !slices.Equal(again, numbers) {
		t.Errorf("card batch B1 again: %v, first %v", again, numbers)
	}
	// A batch whose print fails once its cards are issued (the file is a
	// directory): its cards are the server's unprinted ones, found and
	// printed through it.
	code, out, errOut = w.remote.exec("", "card", "batch", "--count", "2", "--out", w.remote.dir, "--request-id", "B2")
	stranded := strings.Fields(out)
	if code != exitPartial || len(stranded) != 2 || !strings.Contains(errOut, "card list --unprinted --batch B2 lists the cards") {
		t.Fatalf("card batch through the server into a directory: exit %d\n%s%s", code, out, errOut)
	}
	// A file written is no print: batch B1's cards, written to a PDF, are
	// listed with B2's until a printer's queue takes them.
	var unprinted []struct{ Card, Batch string }
	w.remote.jsonOf(&unprinted, "card", "list", "--unprinted")
	if len(unprinted) != 4 || unprinted[0].Card != numbers[0] || unprinted[1].Card != numbers[1] || unprinted[0].Batch != "B1" ||
		unprinted[2].Card != stranded[0] || unprinted[3].Card != stranded[1] || unprinted[2].Batch != "B2" {
		t.Errorf("card list --unprinted through the server: %+v, want batch B1's %v and B2's %v", unprinted, numbers, stranded)
	}
	var r printJSON
	w.remote.jsonOf(&r, "card", "print", "--unprinted", "--batch", "B2", "--out", filepath.Join(w.remote.dir, "b2.pdf"))
	if !slices.Equal(r.Cards, stranded) {
		t.Errorf("card print --unprinted --batch B2 through the server printed %v, want %v", r.Cards, stranded)
	}
	var still []struct{ Card, Batch string }
	if w.remote.jsonOf(&still, "card", "list", "--unprinted", "--batch", "B2"); len(still) != 2 {
		t.Errorf("card list --unprinted --batch B2 after a PDF of it was written: %+v, want its 2 cards still", still)
	}

	w.remote.ok("card", "register", numbers[0])
	newCard := strings.TrimSpace(w.remote.ok("card", "replace", holder))
	if !cardNumber.MatchString(newCard) || newCard == holder {
		t.Errorf("card replace %s through the server printed %q", holder, newCard)
	}
	if out := w.remote.ok("balance", holder); !strings.Contains(out, newCard) {
		t.Errorf("balance of the replaced card through the server does not name %s:\n%s", newCard, out)
	}
	w.remote.ok("check")
	w.local.ok("check")
}

// TestBackupWhileTheServerRuns copies the server's ledger while cards are
// issued through the API, and checks the copy.
func TestBackupWhileTheServerRuns(t *testing.T) {
	w := newServerWorld(t)
	client := api.NewClient(w.srv.URL, nil, api.WithToken(w.token))
	stop, first := make(chan struct{}), make(chan struct{})
	issued := make(chan int)
	go func() {
		n := 0
		defer func() { issued <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := client.IssueCard(t.Context(), rewards.CardIssue{Handed: true}); err != nil {
				t.Error(err)
				close(first)
				return
			}
			if n++; n == 1 {
				close(first)
			}
		}
	}()
	// A card before the copy, and more while it is made.
	<-first
	copyPath := filepath.Join(w.host.dir, "copy.db")
	out := w.host.ok("backup", "--to", copyPath)
	close(stop)
	n := <-issued
	if out != "the ledger was copied to "+copyPath+"\n" {
		t.Errorf("backup printed %q", out)
	}
	var accounts int
	restored := w.host.ok("--db", copyPath, "check")
	if _, err := fmt.Sscanf(restored, "ledger ok: %d accounts", &accounts); err != nil || accounts < 1 || accounts > n {
		t.Errorf("check of the copy made while %d cards were issued through the server:\n%s", n, restored)
	}
	if out := w.host.ok("check"); !strings.HasPrefix(out, fmt.Sprintf("ledger ok: %d accounts", n)) {
		t.Errorf("check of the ledger after %d cards:\n%s", n, out)
	}
}
