package sqlite_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/picture"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// copyLedger copies a ledger file of testdata/ledgers into a temp dir.
func copyLedger(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "ledgers", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func openPath(t *testing.T, path string, now string) (*sqlite.Store, error) {
	t.Helper()
	s := sqlite.NewStore(path)
	s.Now = (&clock{t: ts(now)}).Now
	s.ImportPicture = picture.ReadFile
	if err := s.Open(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.Close() })
	return s, nil
}

// Ledgers written by v0.1.0 (testdata/ledgers/make.sh) open, upgrade, keep
// every balance, and take receipts, returns and redemptions after.
func TestUpgradeFromV010Coop(t *testing.T) {
	// The ledger's clock reads the last command's time: nothing here reads now.
	s, err := openPath(t, copyLedger(t, "v0.1.0-coop.db"), "2026-11-10T10:15:00Z")
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, s)
	const holder, family, plain = "2900000000018", "2900000000025", "2900000000032"
	before := balance(t, s, holder, "2026-11-10T10:00:00Z")
	if before.Available <= 0 {
		t.Fatalf("holder's balance after the upgrade: %+v", before)
	}
	// The pooled family card earns into the holder's account.
	res := mustPost(t, s, receipt("U-1", family, "2026-11-10T10:00:00Z", rewards.Line{SKU: "tea", Qty: 1, Amount: 1000}))
	if res.Earned == 0 {
		t.Fatalf("a receipt after the upgrade earned nothing: %+v", res)
	}
	if b := balance(t, s, holder, "2026-11-10T10:00:00Z"); b.Available != before.Available+res.Earned {
		t.Fatalf("holder has %d, want %d + %d", b.Available, before.Available, res.Earned)
	}
	if _, err := s.PostReturn(ctx, rewards.Return{ID: "U-R1", Receipt: "C-3", Time: ts("2026-11-10T10:05:00Z"),
		Lines: []rewards.ReturnLine{{SKU: "milk", Qty: 1}}}); err != nil {
		t.Fatalf("return of a v0.1.0 receipt: %v", err)
	}
	if _, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-10T10:10:00Z")}, Card: plain, Reward: "oil-1l", Store: "sofia-1"}); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("redeem with too few points: want refused, got %v", err)
	}
	v, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-10T10:10:00Z")}, Card: holder, Reward: "mug", Store: "sofia-1"})
	if err != nil {
		t.Fatalf("redeem after the upgrade: %v", err)
	}
	if _, err := s.ClaimVoucher(ctx, rewards.VoucherAction{Meta: rewards.Meta{At: ts("2026-11-10T10:15:00Z")}, Code: v.Code}); err != nil {
		t.Fatal(err)
	}
	checkLedger(t, s)
}

func TestUpgradeFromV010Bonus(t *testing.T) {
	s, err := openPath(t, copyLedger(t, "v0.1.0-bonus.db"), "2026-12-01T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, s)
	const ivan = "2700000000014"
	before := balance(t, s, ivan, "2026-12-01T10:00:00Z")
	r := receipt("U-1", ivan, "2026-12-01T10:00:00Z", rewards.Line{SKU: "tablet", Qty: 1, Amount: 3999000, Bonus: 500})
	r.PayWithPoints = 100
	res := mustPost(t, s, r)
	if res.Spent != 100 || res.Earned != 500 {
		t.Fatalf("receipt after the upgrade: %+v", res)
	}
	if b := balance(t, s, ivan, "2026-12-01T10:00:00Z"); b.Available != before.Available-100 {
		t.Fatalf("after paying 100: %d, want %d", b.Available, before.Available-100)
	}
	if _, err := s.PostReturn(ctx, rewards.Return{ID: "U-R1", Receipt: "M-2", Time: ts("2026-12-01T10:05:00Z"),
		Lines: []rewards.ReturnLine{{SKU: "tv-55", Qty: 1}}}); err != nil {
		t.Fatalf("return of a v0.1.0 receipt: %v", err)
	}
	// The replaced card's successor carries the debt a return left; a
	// receipt on it pays the debt first.
	cards, err := s.Card(ctx, "2700000000021", ts("2026-12-01T10:00:00Z"))
	if err != nil || cards.ReplacedBy == "" {
		t.Fatalf("replaced card: %+v %v", cards, err)
	}
	mustPost(t, s, receipt("U-2", cards.ReplacedBy, "2026-12-01T10:00:00Z", rewards.Line{SKU: "cable", Qty: 1, Amount: 99000, Bonus: 300}))
	checkLedger(t, s)
}

// A ledger made by a development build whose migrations were edited before
// the release is refused, and left as it was.
func TestDevelopmentLedgerRefused(t *testing.T) {
	path := copyLedger(t, "dev-2be0aa7-coop.db")
	before, _ := os.ReadFile(path)
	_, err := openPath(t, path, "2026-11-10T10:00:00Z")
	if err == nil || !strings.Contains(err.Error(), "made by a development build before v0.1.0") {
		t.Fatalf("want a development build refused, got %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the refused ledger was changed")
	}
}

// A migration whose text changed after a ledger applied it is refused by
// its checksum; one this build does not know means a newer Tochka.
func TestAppliedMigrationsChecked(t *testing.T) {
	for _, tc := range []struct{ name, sql, want string }{
		{"edited", `UPDATE schema_migrations SET checksum = 'x' WHERE name LIKE '%0002%'`, "development build before v0.1.0"},
		{"newer", `INSERT INTO schema_migrations (name, checksum) VALUES ('migrations/9999_later.sql', 'x')`, "made by a newer Tochka"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openStore(t, "coop")
			s.Close()
			db, err := sql.Open("sqlite3", s.Path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if _, err := openPath(t, s.Path, "2026-11-10T10:00:00Z"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want %q, got %v", tc.want, err)
			}
		})
	}
}

// A file that is not a Tochka ledger gets no tables, with or without
// Create; only a missing or empty file becomes a new ledger, and only with
// Create.
func TestNotALedger(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite3", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a database at all, but long enough to be read as one\n"), 0o644)
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)

	for _, path := range []string{other, text, empty} {
		for _, create := range []bool{false, true} {
			if create && path == empty {
				continue
			}
			before, _ := os.ReadFile(path)
			s := sqlite.NewStore(path)
			s.Create = create
			err := s.Open()
			if err == nil {
				s.Close()
				t.Fatalf("%s (create %v) opened", filepath.Base(path), create)
			}
			if !strings.Contains(err.Error(), "is not a Tochka ledger") {
				t.Errorf("%s (create %v): %v", filepath.Base(path), create, err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Errorf("%s (create %v) was changed", filepath.Base(path), create)
			}
			for _, side := range []string{"-wal", "-shm"} {
				if _, err := os.Stat(path + side); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s (create %v) left %s behind", filepath.Base(path), create, side)
				}
			}
		}
	}
	missing := filepath.Join(dir, "missing.db")
	if err := sqlite.NewStore(missing).Open(); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Errorf("missing file: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Error("opening a missing file without Create made it")
	}
	s := sqlite.NewStore(empty)
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatalf("an empty file with Create: %v", err)
	}
	s.Close()
}

// Eight processes making the same new ledger at once all succeed, and the
// program they all install is installed once.
func TestConcurrentCreate(t *testing.T) {
	if path := os.Getenv("TOCHKA_TEST_CREATE"); path != "" {
		createAndInstall(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "new.db")
	cmds := make([]*exec.Cmd, 8)
	outs := make([]bytes.Buffer, len(cmds))
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestConcurrentCreate$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), "TOCHKA_TEST_CREATE="+path)
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i].String())
		}
	}
	s, err := openPath(t, path, "2026-11-10T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Program(ctx)
	if err != nil || p.Version != 1 {
		t.Fatalf("program after eight inits: %+v, %v", p, err)
	}
	evs, err := s.Events(ctx, 0, 100)
	if err != nil || len(evs) != 1 {
		t.Fatalf("eight inits recorded %d events (%v)", len(evs), err)
	}
}

func createAndInstall(t *testing.T, path string) {
	p := rewardstest.Program(t, "coop")
	s := sqlite.NewStore(path)
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}, Program: p}); err != nil {
		t.Fatal(err)
	}
}

// A retry of a receipt that v0.1.0 recorded compares its body byte for
// byte: every receipt body v0.1.0 wrote is what encoding/json writes today,
// and a retry gets the first result back without a second event.
func TestRetryOfV010Receipts(t *testing.T) {
	for _, name := range []string{"v0.1.0-coop.db", "v0.1.0-bonus.db"} {
		s, err := openPath(t, copyLedger(t, name), "2026-12-01T10:00:00Z")
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		receipts := 0
		for _, e := range evs {
			if e.Kind != rewards.EventReceipt {
				continue
			}
			receipts++
			var r rewards.Receipt
			if err := json.Unmarshal(e.Body, &r); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if again, _ := json.Marshal(r); !bytes.Equal(again, e.Body) {
				t.Fatalf("%s: receipt %s was recorded as\n%s\nand encodes today as\n%s", name, r.ID, e.Body, again)
			}
			if _, err := s.PostReceipt(ctx, r); err != nil {
				t.Fatalf("%s: retry of %s: %v", name, r.ID, err)
			}
		}
		if n := eventCount(t, s); receipts == 0 || n != len(evs) {
			t.Fatalf("%s: %d receipts retried, %d events after, %d before", name, receipts, n, len(evs))
		}
	}
}

// A program.install event recorded by v0.1.0 holds the bare program; one
// recorded since holds the installation, under its id. A check replays
// both as recorded, and a ledger elsewhere applies both.
func TestProgramEventShapes(t *testing.T) {
	s, err := openPath(t, copyLedger(t, "v0.1.0-coop.db"), "2026-11-10T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := s.Program(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p2 := *cur
	p2.Earn.Points = 2
	c := rewards.ProgramInstall{Meta: rewards.Meta{ID: "prog-2", At: ts("2026-11-10T09:00:00Z")}, Program: &p2}
	np, err := s.InstallProgram(ctx, c)
	if err != nil || np.Version != 2 {
		t.Fatalf("install on a v0.1.0 ledger: %+v %v", np, err)
	}
	n := eventCount(t, s)
	if again, err := s.InstallProgram(ctx, c); err != nil || again.Version != 2 || eventCount(t, s) != n {
		t.Fatalf("retry: %+v %v, %d events after, %d before", again, err, eventCount(t, s), n)
	}
	evs, err := s.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var installs []rewards.Event
	for _, e := range evs {
		if e.Kind == rewards.EventProgram {
			installs = append(installs, e)
		}
	}
	if len(installs) != 2 {
		t.Fatalf("%d program.install events, want 2", len(installs))
	}
	var old map[string]json.RawMessage
	if err := json.Unmarshal(installs[0].Body, &old); err != nil || old["program"] != nil || string(old["version"]) != "1" {
		t.Fatalf("v0.1.0's program.install body: %s", installs[0].Body)
	}
	var body struct {
		ID      string          `json:"id"`
		At      string          `json:"at"`
		Program rewards.Program `json:"program"`
	}
	e := installs[1]
	if err := json.Unmarshal(e.Body, &body); err != nil || body.ID != "prog-2" || body.At != "2026-11-10T09:00:00Z" ||
		body.Program.Version != 2 || body.Program.Earn.Points != 2 || e.ID != rewards.EventID(rewards.EventProgram, "prog-2") {
		t.Fatalf("the new program.install event: %s %s", e.ID, e.Body)
	}
	checkLedger(t, s)

	// Another ledger applies the log, both shapes, once.
	fresh := sqlite.NewStore(filepath.Join(t.TempDir(), "elsewhere.db"))
	fresh.Now, fresh.Create = s.Now, true
	if err := fresh.Open(); err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	// The program installs come as events from elsewhere; the rest of the
	// log is a copy of this ledger's own, whose card issues refer to
	// personal records that are not in it.
	for _, e := range append(evs, installs...) {
		apply := fresh.Replay
		if e.Kind == rewards.EventProgram {
			apply = fresh.Apply
		}
		if _, err := apply(ctx, e); err != nil {
			t.Fatalf("apply event %d (%s): %v", e.Seq, e.Kind, err)
		}
	}
	if p, err := fresh.Program(ctx); err != nil || p.Version != 2 || p.Earn.Points != 2 || eventCount(t, fresh) != len(evs) {
		t.Fatalf("the program elsewhere: %+v %v, %d events of %d", p, err, eventCount(t, fresh), len(evs))
	}
	checkLedger(t, fresh)
}

// Ledgers written by the builds that landed migrations 0017 and 0019 as
// first written (s16) and as amended after (s17: 0019 also made what 0020
// makes, and 0017's comment read otherwise; the files hold these texts)
// open writable: the first gets this build's checksums and 0020 applied,
// the second has 0020 recorded as done (read-only, each names what it
// lacks); both end with a new ledger's checksums and schema, take a
// redemption and check.
func TestUpgradeFromAmendedMigrations(t *testing.T) {
	fresh := newLedgerSchema(t)
	for _, name := range []string{"s16-39f146a-coop.db", "s17-f7f8d39-coop.db"} {
		path := copyLedger(t, name)
		// Both lack 0021 (read-only, they must be upgraded first); the
		// first lacks 0020 too, the second has what it makes.
		if err := readOnlyOpen(path); !errors.Is(err, sqlite.ErrUpgrade) || !strings.Contains(err.Error(), "0021_audit_changes.sql") ||
			strings.Contains(err.Error(), "0020_") != (name == "s16-39f146a-coop.db") {
			t.Fatalf("%s read-only: %v", name, err)
		}
		s, err := openPath(t, path, "2026-11-10T10:15:00Z")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkLedger(t, s)
		if _, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: ts("2026-11-10T10:10:00Z")}, Card: "2900000000018", Reward: "mug", Store: "sofia-1"}); err != nil {
			t.Fatalf("%s: redeem after the upgrade: %v", name, err)
		}
		s.Close()
		if got := schemaOf(t, path); got != fresh {
			t.Errorf("%s: the upgraded ledger's migrations and schema differ from a new ledger's:\n%s\n---\n%s", name, got, fresh)
		}
	}
}

// newLedgerSchema is schemaOf a ledger this build makes.
func newLedgerSchema(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "new.db")
	s := sqlite.NewStore(path)
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	schema := schemaOf(t, path)
	if !strings.Contains(schema, "replica_resync") || !strings.Contains(schema, "behind") || !strings.Contains(schema, "0020_replica_resync.sql") {
		t.Fatalf("a new ledger lacks replica_resync, replica.behind or 0020 recorded:\n%s", schema)
	}
	return schema
}

// readOnlyOpen opens the ledger at path read-only, closes it, and returns
// what Open answered.
func readOnlyOpen(path string) error {
	ro := sqlite.NewStore(path)
	ro.ReadOnly = true
	err := ro.Open()
	if err == nil {
		ro.Close()
	}
	return err
}

// schemaOf is what the ledger at path has applied (each migration with its
// checksum) and its schema, as text to compare.
func schemaOf(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out strings.Builder
	for _, q := range []string{`SELECT name || ' ' || checksum FROM schema_migrations ORDER BY name`,
		`SELECT coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out.WriteString(line + "\n")
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

// Ledgers written by the last build before migration 0021 (s18) name it
// as what they lack when opened read-only, and opened for writing end with
// the schema of a new ledger; the staff member added there logs in by PIN
// and by staff card, and a new PIN is in the audit trail; they check, and
// take a receipt after.
func TestUpgradeFromS18(t *testing.T) {
	fresh := newLedgerSchema(t)
	for _, program := range []string{"coop", "bonus"} {
		name := "s18-4492a75-" + program + ".db"
		path := copyLedger(t, name)
		if err := readOnlyOpen(path); !errors.Is(err, sqlite.ErrUpgrade) || !strings.Contains(err.Error(), "0021_audit_changes.sql") || strings.Contains(err.Error(), "0020_") {
			t.Fatalf("%s read-only: %v", name, err)
		}
		s, err := openPath(t, path, "2026-11-25T10:00:00Z")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkLedger(t, s)
		card, at := "2900000000018", "2026-11-25T09:00:00Z"
		if program == "bonus" {
			card = "2700000000014"
		}
		if _, err := s.PostReceipt(ctx, rewards.Receipt{ID: "after-" + program, Store: "sofia-1", Card: card, Time: ts(at),
			Lines: []rewards.Line{{SKU: "bread", Qty: 1, Amount: 300}}}); err != nil {
			t.Fatalf("%s: a receipt after the upgrade: %v", name, err)
		}
		if program == "coop" {
			kiosk := rewards.Device{Name: "kiosk-1", Role: rewards.RoleKiosk, Store: "sofia-1", Coop: "koop-sofia"}
			for _, login := range []rewards.StaffLogin{{Number: "4711", PIN: "482913"}, {Card: "2100000047116", PIN: "482913"}} {
				if _, err := s.LoginStaff(ctx, login, kiosk); err != nil {
					t.Fatalf("%s: the staff member's login %+v: %v", name, login, err)
				}
			}
			if _, err := s.SetStaffPIN(rewards.WithDevice(ctx, "kiosk-1"), rewards.StaffPINSet{Number: "4711", PIN: "593014"}); err != nil {
				t.Fatal(err)
			}
			trail, err := s.Audit(ctx, ts("2026-11-24T00:00:00Z"))
			if err != nil || len(trail) == 0 || trail[len(trail)-1].Kind != rewards.AuditStaffPIN || trail[len(trail)-1].Subject != "4711" {
				t.Fatalf("%s: the audit trail after a new PIN: %+v %v", name, trail, err)
			}
		}
		checkLedger(t, s)
		s.Close()
		if got := schemaOf(t, path); got != fresh {
			t.Errorf("%s: the upgraded ledger's migrations and schema differ from a new ledger's:\n%s\n---\n%s", name, got, fresh)
		}
	}
}
