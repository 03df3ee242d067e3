package sqlite_test

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// openReadOnly opens the ledger at path for reading, its clock at now.
func openReadOnly(t *testing.T, path, now string) (*sqlite.Store, error) {
	t.Helper()
	s := sqlite.NewStore(path)
	s.Now = (&clock{t: ts(now)}).Now
	s.ReadOnly = true
	if err := s.Open(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.Close() })
	return s, nil
}

// execSQL runs statements on a ledger file behind the store's back.
func execSQL(t *testing.T, path, q string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// A ledger made by a newer Tochka is refused for writing, but opens
// ReadOnly: it answers balances, history and a check (which replays the
// log into memory), refuses every change, and is left as it was.
func TestReadOnlyNewerLedger(t *testing.T) {
	s, clk := openStore(t, "coop")
	clk.set("2026-11-02T10:00:00Z")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	mustPost(t, s, receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500}))
	want := balance(t, s, card, "2026-11-02T10:00:00Z")
	s.Close()
	execSQL(t, s.Path, `INSERT INTO schema_migrations (name, checksum) VALUES ('migrations/9999_later.sql', 'f00d')`)
	before, _ := os.ReadFile(s.Path)

	if _, err := openPath(t, s.Path, "2026-11-02T10:00:00Z"); err == nil || !strings.Contains(err.Error(), "made by a newer Tochka") {
		t.Fatalf("opened for writing: want it refused as a newer Tochka's, got %v", err)
	}
	r, err := openReadOnly(t, s.Path, "2026-11-02T10:00:00Z")
	if err != nil {
		t.Fatalf("read-only: %v", err)
	}
	if got := balance(t, r, card, "2026-11-02T10:00:00Z"); got.Available != want.Available || got.Available != 100 {
		t.Fatalf("balance read-only: %+v, want %+v", got, want)
	}
	if h, err := r.History(ctx, card); err != nil || len(h) != 1 {
		t.Fatalf("history read-only: %+v %v", h, err)
	}
	checkLedger(t, r)

	p, err := r.Program(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := rewards.Meta{At: ts("2026-11-02T10:00:00Z")}
	evs, err := r.Events(ctx, 0, 10)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events: %d, %v", len(evs), err)
	}
	for what, write := range map[string]func() error{
		"card issue": func() error { _, err := r.IssueCard(ctx, rewards.CardIssue{Meta: at}); return err },
		"receipt": func() error {
			_, err := r.PostReceipt(ctx, receipt("R2", card, "2026-11-02T10:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500}))
			return err
		},
		"receipt batch": func() error {
			_, err := r.PostReceipts(ctx, []rewards.Receipt{receipt("R3", card, "2026-11-02T10:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500})})
			return err
		},
		"program": func() error {
			_, err := r.InstallProgram(ctx, rewards.ProgramInstall{Meta: at, Program: p})
			return err
		},
		"reward add": func() error {
			_, err := r.AddReward(ctx, rewards.RewardAdd{Meta: at, Reward: rewards.Reward{ID: "mug", Coop: "c", Points: 10, Names: rewards.Names{EN: "Mug"}}})
			return err
		},
		"apply": func() error { _, err := r.Apply(ctx, evs[0]); return err },
	} {
		t.Run(what, func(t *testing.T) { wantRefused(t, write(), rewards.EINVALID, "open for reading only") })
	}
	r.Close()
	if after, _ := os.ReadFile(s.Path); !bytes.Equal(before, after) {
		t.Fatal("the read-only store changed the ledger file")
	}
	// SQLite's readers of a WAL ledger share its -wal and -shm files, and
	// a read-only one cannot remove them: the log stays empty.
	if fi, err := os.Stat(s.Path + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("the read-only store wrote %d bytes to the log", fi.Size())
	}
}

// A read-only store reads what a writer, open at the same time, commits.
func TestReadOnlySeesWriter(t *testing.T) {
	s, clk := openStore(t, "coop")
	clk.set("2026-11-02T10:00:00Z")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	r, err := openReadOnly(t, s.Path, "2026-11-02T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if b := balance(t, r, card, "2026-11-02T10:00:00Z"); b.Available != 0 {
		t.Fatalf("before the receipt: %+v", b)
	}
	mustPost(t, s, receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500}))
	if b := balance(t, r, card, "2026-11-02T10:00:00Z"); b.Available != 100 {
		t.Fatalf("after the receipt: %+v", b)
	}
	checkLedger(t, r)
}

// An older ledger opened ReadOnly is refused, its schema not the one the
// queries read, and left as it was; opened once for writing, it is
// upgraded and then opens ReadOnly. A development build's is refused as
// it is for writing.
func TestReadOnlyOlderLedger(t *testing.T) {
	path := copyLedger(t, "v0.1.0-coop.db")
	before, _ := os.ReadFile(path)
	_, err := openReadOnly(t, path, "2026-11-10T10:00:00Z")
	if !errors.Is(err, sqlite.ErrUpgrade) || rewards.ErrorCode(err) != rewards.EINVALID ||
		!strings.Contains(err.Error(), "made by an older Tochka (it lacks migrations 0006_drop_uploaded.sql, 0007_event_clock.sql, ") ||
		!strings.Contains(err.Error(), "open it once for writing") {
		t.Fatalf("an older ledger read-only: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the refused ledger was changed")
	}
	w, err := openPath(t, path, "2026-11-10T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	r, err := openReadOnly(t, path, "2026-11-10T10:00:00Z")
	if err != nil {
		t.Fatalf("read-only after an upgrade: %v", err)
	}
	if b := balance(t, r, "2900000000018", "2026-11-10T10:00:00Z"); b.Available <= 0 {
		t.Fatalf("balance read-only after an upgrade: %+v", b)
	}
	checkLedger(t, r)

	dev := copyLedger(t, "dev-2be0aa7-coop.db")
	if _, err := openReadOnly(t, dev, "2026-11-10T10:00:00Z"); err == nil || errors.Is(err, sqlite.ErrUpgrade) ||
		!strings.Contains(err.Error(), "made by a development build before v0.1.0") {
		t.Fatalf("a development build's ledger read-only: %v", err)
	}
}

// A read-only store makes no ledger.
func TestReadOnlyMakesNoLedger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	if _, err := openReadOnly(t, path, "2026-11-10T10:00:00Z"); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Fatalf("a missing file read-only: %v", err)
	}
	s := sqlite.NewStore(path)
	s.ReadOnly, s.Create = true, true
	if err := s.Open(); err == nil {
		s.Close()
		t.Fatal("ReadOnly with Create opened")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a read-only store made %s", path)
	}
}
