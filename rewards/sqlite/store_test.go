package sqlite_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

var ctx = context.Background()

// The contract suite's helpers serve this package's own tests too.
var (
	mustCard    = rewardstest.MustCard
	checkLedger = rewardstest.CheckLedger
)

// clock is the injected time of a test: it moves only when told. It is the
// ledger host's clock, which a command may be dated at most the program's
// [ledger] max_clock_skew ahead of.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// set moves the clock to a time written in RFC 3339.
func (c *clock) set(s string) { c.t = ts(s) }

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// openStore opens a fresh database file with the bundled program name
// ("coop", "bonus"), edited by the replacements old→new given in pairs. Its
// clock reads 1 Nov 2026 08:00 UTC, when the program is installed: a test
// moves it on before commands dated later.
func openStore(t testing.TB, program string, edits ...string) (*sqlite.Store, *clock) {
	t.Helper()
	p := rewardstest.Program(t, program, edits...)
	s := sqlite.NewStore(filepath.Join(t.TempDir(), "ledger.db"))
	c := &clock{t: ts("2026-11-01T08:00:00Z")}
	s.Now = c.Now
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: c.t}, Program: p}); err != nil {
		t.Fatal(err)
	}
	return s, c
}

func balance(t testing.TB, s *sqlite.Store, card string, at string) rewards.Balance {
	t.Helper()
	b, err := s.Balance(ctx, card, ts(at))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A store sees what another process writes to the same file, and what its
// own other commands write: a card blocked elsewhere is refused at once, and
// balances stay exact while receipts and other commands alternate.
func TestOtherWritersSeen(t *testing.T) {
	a, clk := openStore(t, "bonus")
	clk.set("2026-11-03T15:00:00Z") // the last command's time: nothing here reads now
	card := mustCard(t, a, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}, Details: rewards.Details{Phone: "+79161234567", Consent: true}})
	mustPost(t, a, receipt("R1", card, "2026-11-03T09:00:00Z", rewards.Line{SKU: "A", Qty: 1, Amount: 100000, Bonus: 100}))

	// Another process opens the same file and blocks the card.
	b := otherProcess(t, a)
	if _, err := b.BlockCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: card}); err != nil {
		t.Fatal(err)
	}
	_, err := a.PostReceipt(ctx, receipt("R2", card, "2026-11-03T11:00:00Z", rewards.Line{SKU: "A", Qty: 1, Amount: 1000, Bonus: 10}))
	wantRefused(t, err, rewards.EREFUSED, "blocked")

	// Its own replacement moves the account to a new card; receipts on the
	// new card then earn into the same balance.
	nc, err := a.ReplaceCard(ctx, rewards.CardReplace{Meta: rewards.Meta{At: ts("2026-11-03T12:00:00Z")}, Card: card})
	if err != nil {
		t.Fatal(err)
	}
	mustPost(t, a, receipt("R3", nc.Number, "2026-11-03T13:00:00Z", rewards.Line{SKU: "B", Qty: 1, Amount: 2000, Bonus: 20}))
	if got := balance(t, a, nc.Number, "2026-11-19T00:00:00Z"); got.Available != 500+100+20 {
		t.Fatalf("balance after replacement: %+v", got)
	}
	// The other process sees the same ledger, and posts on it too.
	mustPost(t, b, receipt("R4", nc.Number, "2026-11-03T14:00:00Z", rewards.Line{SKU: "C", Qty: 1, Amount: 3000, Bonus: 30}))
	mustPost(t, a, receipt("R5", nc.Number, "2026-11-03T15:00:00Z", rewards.Line{SKU: "D", Qty: 1, Amount: 4000, Bonus: 40}))
	if got := balance(t, a, nc.Number, "2026-11-19T00:00:00Z"); got.Available != 500+100+20+30+40 {
		t.Fatalf("balance after both processes posted: %+v", got)
	}
	checkLedger(t, a)
}

// database/sql replaces a connection after driver.ErrBadConn or a write
// transaction whose context was cancelled (a till hanging up); a card
// blocked by another process meanwhile is refused on the new one.
func TestOtherWritersSeenAfterConnectionReplaced(t *testing.T) {
	a, clk := openStore(t, "bonus")
	clk.set("2026-11-03T11:00:00Z") // the last command's time: nothing here reads now
	card := mustCard(t, a, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}, Details: rewards.Details{Phone: "+79161234567", Consent: true}})
	mustPost(t, a, receipt("R1", card, "2026-11-03T09:00:00Z", rewards.Line{SKU: "A", Qty: 1, Amount: 100000, Bonus: 100}))

	// The writer connection goes away (as after a cancelled receipt batch).
	dropWriter(t, a)

	// Another process blocks the card.
	b := otherProcess(t, a)
	if _, err := b.BlockCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: card}); err != nil {
		t.Fatal(err)
	}
	_, err := a.PostReceipt(ctx, receipt("R2", card, "2026-11-03T11:00:00Z", rewards.Line{SKU: "A", Qty: 1, Amount: 1000, Bonus: 10}))
	if err == nil {
		t.Fatalf("a receipt on card %s, blocked by another process, was accepted from a stale read", card)
	}
	wantRefused(t, err, rewards.EREFUSED, "blocked")
}

// An account row must not be written back over another process's change:
// its return leaves a debt, and the next receipt here that touches the
// account row must keep it, or the points the return took back would be
// handed out again.
func TestDebtWrittenElsewhereKept(t *testing.T) {
	a, clk := openStore(t, "bonus")
	clk.set("2026-11-20T11:00:00Z") // the last command's time: nothing here reads now
	card := mustCard(t, a, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	mustPost(t, a, receipt("R1", card, "2026-11-03T09:00:00Z", rewards.Line{SKU: "A", Qty: 1, Amount: 100000, Bonus: 100}))
	// Spend the earnings once they mature, so that a return leaves a debt.
	spend := receipt("R2", card, "2026-11-20T09:00:00Z", rewards.Line{SKU: "B", Qty: 1, Amount: 1000000, Bonus: 1})
	spend.PayWithPoints = 100
	mustPost(t, a, spend)

	dropWriter(t, a)

	b := otherProcess(t, a)
	if _, err := b.PostReturn(ctx, rewards.Return{ID: "RET1", Receipt: "R1", Time: ts("2026-11-20T10:00:00Z"),
		Lines: []rewards.ReturnLine{{SKU: "A", Qty: 1}}}); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, a, card, "2026-11-20T10:30:00Z"); b.Available != -100 {
		t.Fatalf("after the return: %+v", b)
	}
	// A purchase that earns nothing changes the account row (its purchase
	// total), which is written whole.
	mustPost(t, a, receipt("R3", card, "2026-11-20T11:00:00Z", rewards.Line{SKU: "C", Qty: 1, Amount: 1000}))
	if b := balance(t, a, card, "2026-12-20T11:00:00Z"); b.Available != 1-100 {
		t.Errorf("a month later the card has %d available, want -99 (R2's 1 bonus less the debt of 100 the return left)", b.Available)
	}
	checkLedger(t, a)
}

// otherProcess opens a second store on a's file, as another process on the
// same host would: with the same clock.
func otherProcess(t *testing.T, a *sqlite.Store) *sqlite.Store {
	t.Helper()
	b := sqlite.NewStore(a.Path)
	b.Now = a.Now
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// dropWriter makes database/sql throw away s's writer connection, as it
// does after driver.ErrBadConn or a cancelled write transaction.
func dropWriter(t *testing.T, s *sqlite.Store) {
	t.Helper()
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}

// A ledger's database URL is sqlite:PATH or a plain path; other schemes are
// refused, naming them.
func TestPathOf(t *testing.T) {
	for _, tc := range []struct{ url, path, err string }{
		{"sqlite:/var/lib/tochka/coop.db", "/var/lib/tochka/coop.db", ""},
		{"sqlite:///var/lib/tochka/coop.db", "/var/lib/tochka/coop.db", ""},
		{"sqlite:coop.db", "coop.db", ""},
		{"/tmp/a.db", "/tmp/a.db", ""},
		{"C:\\ledgers\\a.db", "C:\\ledgers\\a.db", ""},
		{"./weird://name.db", "./weird://name.db", ""},
		{"postgres://db/tochka", "", "ledger.url_scheme"},
		{"sqlite:", "", "ledger.url_empty"},
		{"", "", "ledger.url_empty"},
	} {
		path, err := sqlite.PathOf(tc.url)
		var e *rewards.Error
		switch {
		case tc.err == "" && (err != nil || path != tc.path):
			t.Errorf("PathOf(%q) = %q, %v; want %q", tc.url, path, err, tc.path)
		case tc.err != "" && (!errors.As(err, &e) || e.Key != tc.err || e.Code != rewards.EINVALID):
			t.Errorf("PathOf(%q) = %q, %v; want the refusal %s", tc.url, path, err, tc.err)
		}
	}
}

// Ping answers on an open ledger and fails on a closed one.
func TestPing(t *testing.T) {
	s, _ := openStore(t, "coop")
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("an open ledger: %v", err)
	}
	s.Close()
	if err := s.Ping(ctx); err == nil {
		t.Fatal("a closed ledger answers")
	}
}
