// Package sqlite keeps the Tochka ledger in a SQLite file: the kiosk's local
// replica and the central server's embedded default.
//
// It decides nothing: a command reads an account's values, calls the rule
// in package rewards and writes what the rule returns, with the command's
// event, in one transaction. Migrations are embedded, applied on Open in one
// transaction (but for a store opened ReadOnly) and checked by checksum. The
// database runs in WAL mode with foreign keys on and synchronous=FULL, since
// every commit is one a person or a till waits on; one writer at a time, and
// readers beside it that never wait. Balances are derived from lots and
// entries; Check recomputes them and replays the event log to compare.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

var (
	_ rewards.Programs = (*Store)(nil)
	_ rewards.Cards    = (*Store)(nil)
	_ rewards.Ledger   = (*Store)(nil)
	_ rewards.Vouchers = (*Store)(nil)
	_ rewards.Board    = (*Store)(nil)
	_ rewards.EventLog = (*Store)(nil)
)

// readers is how many read connections a store keeps: balance look-ups
// from a kiosk's screens and a server's requests run side by side.
const readers = 8

// Store is the ledger in one SQLite file.
type Store struct {
	Path   string
	Device string           // recorded on every event this store makes
	Now    func() time.Time // business time when a command gives none
	Logger *slog.Logger
	// Create lets Open make a new ledger where the file is missing or
	// empty; without it Open refuses anything but a Tochka ledger. Only
	// `tochkactl init` (and a kiosk's or server's first start) sets it.
	Create bool
	// ReadOnly opens the ledger for reading: Open applies no migration
	// and changes nothing in the file (its journal mode included), both
	// connections are read-only, and every change is refused. A ledger
	// made by a newer Tochka, which this build must not write to, opens
	// this way, to be read as far as its schema is still the one this
	// build reads. A ledger that lacks migrations this build has is
	// refused (its error wraps ErrUpgrade): opened once for writing, it is
	// upgraded. The -wal and -shm files SQLite keeps beside a WAL ledger
	// for its readers stay after a read-only store closes (only a writer
	// removes them), the log empty.
	ReadOnly bool

	// ImportPicture reads the picture file at path and returns it as the
	// board keeps it (scaled and re-encoded, named by its hash): the
	// upgrade of a ledger whose rewards name their pictures by file path
	// imports them with it. Without it, that upgrade drops those paths
	// from their rewards with a warning naming each reward. The store
	// keeps bytes and reads no image; the program that opens it gives the
	// reader (package picture's ReadFile).
	ImportPicture func(path string) (rewards.Picture, error)

	// Warnings are what Open had to tell that is no error, as messages of
	// the catalog for the reader's language (they are logged too, in
	// English): the pictures an upgrade of a v0.1.0 ledger could not
	// import, naming their rewards.
	Warnings []lang.Msg

	// Progress, when set, is told how far Check's replay of the event log
	// has come: done of total events.
	Progress func(done, total int)

	// GroupCommitted, when set, is told how many writes each commit
	// committed (a server's metrics).
	GroupCommitted func(writes int)

	memory bool // a ledger in memory, named by Path: the replay of a check
	// replica: the ledger is a kiosk's replica (it has a row in table
	// replica, replica.go). Its foreign keys are off, for it holds rows
	// whose events it does not have, and its own ids start at
	// rewards.LocalIDs.
	replica bool

	db  *sql.DB    // writes: BEGIN IMMEDIATE, so a writer never meets a busy upgrade
	rdb *sql.DB    // reads: deferred and query-only, so they never lock out another process's writer
	mu  sync.Mutex // one writer at a time; readers never take it

	qmu          sync.Mutex       // the writes waiting for a commit
	queue        []*pendingWrite  // in the order they came
	committing   bool             // a write is leading a group commit
	beforeCommit func(writes int) // tests: called as a group commits
	cache        *writeCache      // the writer's cards and accounts (cache.go), under mu
	pmu          sync.Mutex       // the program cache: current and programs
	programs     map[int]*rewards.Program
	current      *rewards.Program

	// pinMatches, when set, checks a login's PIN in place of
	// rewards.PINMatches: a test watches which hash each login checks.
	pinMatches func(pin, hash string) bool
	// cardNumbers, when set, draws new card numbers in place of
	// rewards.NewCardNumber: a test decides what each draw finds.
	cardNumbers func(prefix string) string
}

// NewStore returns a store for the database file at path; call Open.
func NewStore(path string) *Store {
	return &Store{Path: path, Device: "local", Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
}

// PathOf reads where a ledger is from its database URL: "sqlite:PATH" or a
// plain path. Any other scheme ("postgres://...") is refused, naming it:
// this store keeps SQLite files only.
func PathOf(url string) (string, error) {
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		path = strings.TrimPrefix(path, "//") // sqlite:///var/lib/tochka.db
		if path == "" {
			return "", rewards.Fail(rewards.EINVALID, "ledger.url_empty", lang.Args{"url": url})
		}
		return path, nil
	}
	if scheme, _, ok := strings.Cut(url, "://"); ok && scheme != "" && !strings.ContainsAny(scheme, `/\.`) {
		return "", rewards.Fail(rewards.EINVALID, "ledger.url_scheme", lang.Args{"url": url, "scheme": scheme})
	}
	if url == "" {
		return "", rewards.Fail(rewards.EINVALID, "ledger.url_empty", lang.Args{"url": url})
	}
	return url, nil
}

// ErrUpgrade is wrapped by the error Open returns for a ReadOnly store on a
// ledger that lacks migrations this build has: an Open for writing
// upgrades it, after which it opens read-only.
var ErrUpgrade = errors.New("the ledger needs an upgrade")

// Open opens the ledger and applies the migrations it lacks (ReadOnly:
// refuses it when it lacks any). A file that is not a Tochka ledger is
// refused and left as it was; with Create, a missing or empty file becomes
// a new ledger.
func (s *Store) Open() error {
	// Processes opening one new file at once meet SQLite's locks while one
	// of them sets the journal mode or migrates; a lock that SQLite will
	// not wait for (it would deadlock) is tried again a little later.
	var err error
	for range 100 {
		if err = s.open1(); !isBusy(err) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// isBusy reports SQLite's "database is locked".
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// open1 is one try of Open.
func (s *Store) open1() error {
	if s.ReadOnly && (s.Create || s.memory) {
		return fmt.Errorf("open %s: a read-only store makes no ledger", s.Path)
	}
	mode, txlock := "rw", "immediate"
	if s.memory {
		mode = "memory"
	} else if fresh, err := s.probe(); err != nil {
		return err
	} else if fresh {
		mode = "rwc"
	}
	// secure_delete: what a change deletes or overwrites is zeroed in the
	// file, so that a forgotten customer's personal data are not left in
	// a free page (Store.ForgetCard).
	fk := "on"
	if s.replica {
		fk = "off"
	}
	dsn := uri(s.Path) + "?_foreign_keys=" + fk + "&_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_stmt_cache_size=64&_secure_delete=on"
	if s.memory {
		dsn = uri(s.Path) + "?_foreign_keys=on&_busy_timeout=10000&_stmt_cache_size=64&cache=shared"
	}
	if s.ReadOnly {
		// No journal mode: setting it writes to the file.
		dsn = uri(s.Path) + "?_foreign_keys=" + fk + "&_busy_timeout=10000&_stmt_cache_size=64"
		mode, txlock = "ro", "deferred"
	}
	db, err := sql.Open("sqlite3", dsn+"&mode="+mode+"&_txlock="+txlock)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.Path, err)
	}
	// One connection: SQLite has a single writer, and a kiosk or the CLI has
	// no use for parallel readers that would only wait on it.
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return fmt.Errorf("open %s: %w", s.Path, err)
	}
	s.db = db
	if mode == "rwc" {
		mode = "rw"
	}
	if err := s.open(dsn + "&mode=" + mode); err != nil {
		s.Close()
		s.db, s.rdb = nil, nil
		return err
	}
	return nil
}

// probe looks at the file before anything writes to it (opening it in WAL
// mode would already change another program's file): it reports whether
// the ledger is to be made (Create, and a missing or empty file), and
// refuses a file that is neither that nor a Tochka ledger.
func (s *Store) probe() (fresh bool, err error) {
	s.replica = false
	fi, err := os.Stat(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		if s.Create {
			return true, nil
		}
		return false, rewards.Fail(rewards.ENOTFOUND, "ledger.missing", lang.Args{"path": s.Path})
	} else if err != nil {
		return false, fmt.Errorf("open %s: %w", s.Path, err)
	}
	if fi.IsDir() {
		return false, notLedger(s.Path)
	}
	if fi.Size() == 0 {
		if s.Create {
			return true, nil
		}
		return false, notLedger(s.Path)
	}
	db, err := sql.Open("sqlite3", uri(s.Path)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return false, fmt.Errorf("open %s: %w", s.Path, err)
	}
	defer db.Close()
	var tables, ledger int
	err = db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE name = 'schema_migrations') FROM sqlite_master WHERE type = 'table'`).
		Scan(&tables, &ledger)
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
		return false, notLedger(s.Path)
	} else if err != nil {
		return false, fmt.Errorf("open %s: %w", s.Path, err)
	}
	switch {
	case ledger == 1:
		// A replica opens with its foreign keys off (Store.replica), its
		// migrations included.
		s.replica = false
		var tables int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'replica'`).Scan(&tables); err != nil {
			return false, fmt.Errorf("open %s: %w", s.Path, err)
		}
		if tables == 1 {
			if err := db.QueryRow(`SELECT EXISTS (SELECT 1 FROM replica)`).Scan(&s.replica); err != nil {
				return false, fmt.Errorf("open %s: %w", s.Path, err)
			}
		}
		return false, nil
	case tables == 0 && s.Create:
		return true, nil // made by another init a moment ago, or an empty database
	}
	return false, notLedger(s.Path)
}

// uri is the SQLite URI of the file at path: a '?' or '#' in a path (a
// test's temporary folder, a user's folder name) would otherwise end the
// file name there, and the store would open another file.
func uri(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

func notLedger(path string) error {
	return rewards.Fail(rewards.EINVALID, "ledger.not_ledger", lang.Args{"path": path})
}

// open finishes Open once the writer is there: migrations (ReadOnly: a
// look at them), the reader, the program in force.
func (s *Store) open(dsn string) error {
	migrate := s.migrate
	if s.ReadOnly {
		migrate = s.readable
	}
	if err := migrate(); err != nil {
		return err
	}
	rdb, err := sql.Open("sqlite3", dsn+"&_txlock=deferred&_query_only=1")
	if err != nil {
		return fmt.Errorf("open %s: %w", s.Path, err)
	}
	// Readers run side by side and never wait for the writer: in WAL mode
	// each reads the snapshot it began with.
	rdb.SetMaxOpenConns(readers)
	rdb.SetMaxIdleConns(readers)
	s.rdb = rdb
	s.programs = map[int]*rewards.Program{}
	return s.loadProgram(context.Background())
}

// Close closes the database.
func (s *Store) Close() error {
	var errs []error
	for _, db := range []*sql.DB{s.rdb, s.db} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

func (s *Store) loadProgram(ctx context.Context) error {
	var body string
	err := s.db.QueryRowContext(ctx, `SELECT body FROM programs ORDER BY version DESC LIMIT 1`).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("load program: %w", err)
	}
	p, err := decodeProgram(body)
	if err != nil {
		return err
	}
	s.remember(p, true)
	return nil
}

func decodeProgram(body string) (*rewards.Program, error) {
	p := rewards.DefaultProgram()
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		return nil, fmt.Errorf("decode stored program: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("stored program: %w", err)
	}
	return &p, nil
}

// remember keeps an installed program in the cache, and as the one in
// force when current.
func (s *Store) remember(p *rewards.Program, current bool) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	s.programs[p.Version] = p
	if current {
		s.current = p
	}
}

// inForce is the program in force as this store last knew it (nil: none).
func (s *Store) inForce() *rewards.Program {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	return s.current
}

// programVersion returns an installed version of the program.
func (t *txn) programVersion(v int) (*rewards.Program, error) {
	t.s.pmu.Lock()
	p := t.s.programs[v]
	t.s.pmu.Unlock()
	if p != nil {
		return p, nil
	}
	var body string
	if err := t.queryRow(`SELECT body FROM programs WHERE version = ?`, v).Scan(&body); err != nil {
		return nil, fmt.Errorf("load program version %d: %w", v, err)
	}
	p, err := decodeProgram(body)
	if err != nil {
		return nil, err
	}
	t.s.remember(p, false)
	return p, nil
}

// Program returns the program in force.
func (s *Store) Program(ctx context.Context) (*rewards.Program, error) {
	p := s.inForce()
	if p == nil {
		return nil, errNoProgram()
	}
	return p, nil
}

// InstallProgram installs the command's program as the next version of the
// program. A database runs one program: its kind cannot change. Installing
// the program in force again changes nothing and records no event; the same
// id again answers as the first time, whatever has been installed since.
func (s *Store) InstallProgram(ctx context.Context, c rewards.ProgramInstall) (*rewards.Program, error) {
	if c.Program != nil {
		p := *c.Program // Validate loads its zone: not into the caller's program
		c.Program = &p
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out *rewards.Program
	err := s.write(ctx, func(t *txn) error {
		// Another process may have installed a version since this store
		// opened: what is in force is what the transaction sees.
		cur, err := t.latestProgram()
		if err != nil {
			return err
		}
		t.prog = cur
		// A retry of an installation recorded under its id is run's to
		// answer (or to refuse, with another program), even when the
		// program it installed is the one in force.
		recorded := false
		if c.ID != "" {
			_, err := t.lookupEvent(rewards.EventProgram, c.ID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("look up event: %w", err)
			}
			recorded = err == nil
		}
		// Installing the program in force again changes nothing: a second
		// init, or several processes making one new ledger at once.
		if !recorded && cur != nil && sameProgram(cur, c.Program) {
			out = cur
			t.onCommit = append(t.onCommit, func() { t.s.remember(cur, true) })
			return nil
		}
		res, err := run(t, eventKey{kind: rewards.EventProgram, clientID: c.ID}, t.at(c.At), c, func(ev *eventRec) (any, programResult, error) {
			np, err := t.installProgram(ev, *c.Program)
			if err != nil {
				return nil, programResult{}, err
			}
			out = np
			// The body is the program as installed, its version included.
			body := c
			body.Program = np
			return body, programResult{np.Version}, nil
		})
		if err != nil || out != nil {
			return err
		}
		out, err = t.programVersion(res.Version) // a retry: the version it installed
		return err
	})
	return out, err
}

// programResult is what installing a program answers, as recorded with its
// event.
type programResult struct{ Version int }

// latestProgram reads the program in force as the transaction sees it.
func (t *txn) latestProgram() (*rewards.Program, error) {
	var body string
	err := t.queryRow(`SELECT body FROM programs ORDER BY version DESC LIMIT 1`).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("load program: %w", err)
	}
	return decodeProgram(body)
}

// sameProgram reports whether p, installed, would be cur again.
func sameProgram(cur, p *rewards.Program) bool {
	q := *p
	q.Version = cur.Version
	a, err1 := json.Marshal(cur)
	b, err2 := json.Marshal(&q)
	return err1 == nil && err2 == nil && string(a) == string(b)
}

func (t *txn) installProgram(ev *eventRec, p rewards.Program) (*rewards.Program, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if cur := t.prog; cur != nil && cur.Kind != p.Kind {
		return nil, rewards.Fail(rewards.EINVALID, "program.switch_kind", lang.Args{"kind": lang.M("program.kind."+cur.Kind, nil), "program": cur.Name, "new": lang.M("program.kind."+p.Kind, nil)})
	}
	var v int
	if err := t.queryRow(`SELECT coalesce(max(version), 0) + 1 FROM programs`).Scan(&v); err != nil {
		return nil, fmt.Errorf("install program: %w", err)
	}
	p.Version = v
	body, _ := json.Marshal(p)
	if _, err := t.exec(`INSERT INTO programs (version, body, installed_at) VALUES (?, ?, ?)`, v, string(body), ms(ev.at)); err != nil {
		return nil, fmt.Errorf("install program: %w", err)
	}
	np := p
	t.prog = &np
	t.onCommit = append(t.onCommit, func() { t.s.remember(&np, true) })
	return &np, nil
}

// maxDraws bounds the tries for a free random value: with ten billion card
// numbers and 31^12 voucher codes, a hundred taken in a row means something
// other than chance is wrong.
const maxDraws = 100

// draw returns a value from next that taken says is free: a new card
// number or voucher code. It gives up after maxDraws tries, and returns
// the first error taken or the transaction's context gives.
func (t *txn) draw(what string, next func() string, taken func(string) (bool, error)) (string, error) {
	for range maxDraws {
		if err := t.ctx.Err(); err != nil {
			return "", err
		}
		v := next()
		used, err := taken(v)
		if err != nil {
			return "", err
		}
		if !used {
			return v, nil
		}
	}
	return "", fmt.Errorf("draw a free %s: %d tries found none", what, maxDraws)
}
