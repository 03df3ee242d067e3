// Package sqlite keeps the Tochka ledger in a SQLite file: the kiosk's local
// replica and the central server's embedded default.
//
// Migrations are embedded and applied on Open. The database runs in WAL mode
// with foreign keys on and synchronous=FULL, since every commit is one a
// person or a till waits on. Balances are derived from lots and entries;
// Check recomputes them and verifies the ledger's invariants.
package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
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

	memory bool // a ledger in memory, named by Path: the replay of a check

	db       *sql.DB    // writes: BEGIN IMMEDIATE, so a writer never meets a busy upgrade
	rdb      *sql.DB    // reads: deferred and query-only, so they never lock out another process's writer
	mu       sync.Mutex // one writer at a time, and the program cache
	programs map[int]*rewards.Program
	current  *rewards.Program
	cache    *rowCache // cards and accounts between receipt batches; nil: empty
}

// NewStore returns a store for the database file at path; call Open.
func NewStore(path string) *Store {
	return &Store{Path: path, Device: "local", Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
}

// Open opens the ledger and applies the migrations it lacks. A file that is
// not a Tochka ledger is refused and left as it was; with Create, a missing
// or empty file becomes a new ledger.
func (s *Store) Open() error {
	dsn := "file:" + s.Path + "?_foreign_keys=on&_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_stmt_cache_size=64"
	mode := "rw"
	if s.memory {
		dsn = "file:" + s.Path + "?_foreign_keys=on&_busy_timeout=10000&_stmt_cache_size=64&cache=shared"
		mode = "memory"
	} else if fresh, err := s.probe(); err != nil {
		return err
	} else if fresh {
		mode = "rwc"
	}
	db, err := sql.Open("sqlite3", dsn+"&mode="+mode+"&_txlock=immediate")
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
	if mode != "memory" {
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
	fi, err := os.Stat(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		if s.Create {
			return true, nil
		}
		return false, rewards.Errorf(rewards.ENOTFOUND, "no ledger at %s: `tochkactl init` makes one", s.Path)
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
	db, err := sql.Open("sqlite3", "file:"+s.Path+"?mode=ro&_busy_timeout=10000")
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
		return false, nil
	case tables == 0 && s.Create:
		return true, nil // made by another init a moment ago, or an empty database
	}
	return false, notLedger(s.Path)
}

func notLedger(path string) error {
	return rewards.Errorf(rewards.EINVALID, "%s is not a Tochka ledger: give the path of one, or `tochkactl init` a new file", path)
}

// open finishes Open once the writer is there: migrations, the reader, the
// program in force.
func (s *Store) open(dsn string) error {
	if err := s.migrate(); err != nil {
		return err
	}
	rdb, err := sql.Open("sqlite3", dsn+"&_txlock=deferred&_query_only=1")
	if err != nil {
		return fmt.Errorf("open %s: %w", s.Path, err)
	}
	rdb.SetMaxOpenConns(1)
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

// DB returns the underlying database, for tests and benchmarks of this
// package's callers that must look below the interfaces.
func (s *Store) DB() *sql.DB { return s.db }

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
	s.current = p
	s.programs[p.Version] = p
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

// programVersion returns an installed version of the program.
func (t *txn) programVersion(v int) (*rewards.Program, error) {
	if p := t.s.programs[v]; p != nil {
		return p, nil
	}
	var body string
	if err := t.tx.QueryRowContext(t.ctx, `SELECT body FROM programs WHERE version = ?`, v).Scan(&body); err != nil {
		return nil, fmt.Errorf("load program version %d: %w", v, err)
	}
	p, err := decodeProgram(body)
	if err != nil {
		return nil, err
	}
	t.s.programs[v] = p
	return p, nil
}

// Program returns the program in force.
func (s *Store) Program(ctx context.Context) (*rewards.Program, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		return nil, errNoProgram()
	}
	return s.current, nil
}

// InstallProgram installs p as the next version of the program. A database
// runs one program: its kind cannot change.
func (s *Store) InstallProgram(ctx context.Context, p *rewards.Program, at time.Time) (*rewards.Program, error) {
	var out *rewards.Program
	err := s.write(ctx, func(t *txn) error {
		// Another process may have installed a version since this store
		// opened; installing the program in force again changes nothing.
		cur, err := t.latestProgram()
		if err != nil {
			return err
		}
		if t.prog = cur; cur != nil && sameProgram(cur, p) {
			out = cur
			t.onCommit = append(t.onCommit, func() { t.s.current = cur; t.s.programs[cur.Version] = cur })
			return nil
		}
		_, err = run(t, eventKey{kind: rewards.EventProgram}, at, p, func(ev *eventRec) (any, struct{ Version int }, error) {
			np, err := t.installProgram(ev, *p)
			if err != nil {
				return nil, struct{ Version int }{}, err
			}
			out = np
			return np, struct{ Version int }{np.Version}, nil
		})
		return err
	})
	return out, err
}

// latestProgram reads the program in force as the transaction sees it.
func (t *txn) latestProgram() (*rewards.Program, error) {
	var body string
	err := t.tx.QueryRowContext(t.ctx, `SELECT body FROM programs ORDER BY version DESC LIMIT 1`).Scan(&body)
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
		return nil, rewards.Errorf(rewards.EINVALID, "this database runs a %s program (%s); it cannot switch to a %s program", cur.Kind, cur.Name, p.Kind)
	}
	var v int
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(version), 0) + 1 FROM programs`).Scan(&v); err != nil {
		return nil, fmt.Errorf("install program: %w", err)
	}
	p.Version = v
	body, _ := json.Marshal(p)
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO programs (version, body, installed_at) VALUES (?, ?, ?)`, v, string(body), ms(ev.at)); err != nil {
		return nil, fmt.Errorf("install program: %w", err)
	}
	np := p
	t.prog = &np
	t.onCommit = append(t.onCommit, func() { t.s.current = &np; t.s.programs[v] = &np })
	return &np, nil
}

// txn is one write transaction: the SQL transaction, the ids it hands out,
// the inserts it holds back to send as multi-row statements, and the
// accounts and cards it has read.
type txn struct {
	s    *Store
	ctx  context.Context
	tx   *sql.Tx
	prog *rewards.Program

	nextSeq, nextEntry int64
	pending            map[string]*rowBuf
	accounts           map[int64]*account
	cards              map[string]*cardRow
	seen               map[seenKey]seenEvent
	absent             map[seenKey]bool // events known not to be stored
	onCommit           []func()
	cache              *rowCache // committed cards and accounts; nil in a read
	until              time.Time // the host's clock as a write began; zero in a read
	keepsCache         bool      // only receipts: the cache may take this transaction's rows
}

// write runs fn in one write transaction and commits it when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(t *txn) error) error {
	if s.db == nil {
		return errors.New("store is not open")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &txn{s: s, ctx: ctx, tx: tx, prog: s.current, pending: map[string]*rowBuf{},
		accounts: map[int64]*account{}, cards: map[string]*cardRow{}, seen: map[seenKey]seenEvent{}, until: s.Now()}
	err = tx.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(seq), 0) FROM events), (SELECT coalesce(max(id), 0) FROM entries)`).
		Scan(&t.nextSeq, &t.nextEntry)
	if err == nil {
		s.validateCache(t)
	}
	if err == nil {
		err = fn(t)
	}
	if err == nil {
		err = t.flush()
	}
	if err != nil {
		tx.Rollback()
		s.settleCache(t, false)
		return err
	}
	if err := tx.Commit(); err != nil {
		s.settleCache(t, false)
		return fmt.Errorf("commit: %w", err)
	}
	s.settleCache(t, true)
	for _, f := range t.onCommit {
		f()
	}
	return nil
}

// read runs fn against a consistent snapshot.
func (s *Store) read(ctx context.Context, fn func(t *txn) error) error {
	if s.db == nil {
		return errors.New("store is not open")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	t := &txn{s: s, ctx: ctx, tx: tx, prog: s.current, pending: map[string]*rowBuf{},
		accounts: map[int64]*account{}, cards: map[string]*cardRow{}}
	return fn(t)
}

func errNoProgram() error {
	return rewards.Errorf(rewards.ENOTFOUND, "no program is installed: run `tochkactl init --program FILE` first")
}

// at is a command's business time: the time it names, or now.
func (s *Store) at(t time.Time) time.Time {
	if t.IsZero() {
		return s.Now()
	}
	return t
}

func (t *txn) program() (*rewards.Program, error) {
	if t.prog == nil {
		return nil, errNoProgram()
	}
	return t.prog, nil
}

// rowBuf holds rows for one table until flush sends them as multi-row
// INSERTs: a batch of receipts costs a few statements, not a few per receipt.
type rowBuf struct {
	cols []string
	args []any
}

// flushOrder lists held-back tables parents first, for the foreign keys. A
// name with a slash is a shape of the table before it: events/short is an
// event that leaves its UUID, request hash and result to the columns'
// defaults, as most receipts do, and binds three values fewer.
var flushOrder = []string{"events", "events/short", "lots", "entries", "allocations"}

var tableCols = map[string][]string{
	"events":       {"seq", "id", "kind", "key", "device", "at", "request", "body", "result", "applied"},
	"events/short": {"seq", "kind", "key", "device", "at", "body", "applied"},
	"lots":         {"id", "account_id", "points", "remaining", "available_from", "expires_at", "card", "amount"},
	"entries":      {"id", "account_id", "card", "event_seq", "kind", "points", "at", "ref", "reverses"},
	"allocations":  {"entry_id", "lot_id", "points"},
}

// reserve makes room for a batch of n commands, each writing a row to each
// of tables, so that buffers and maps do not grow step by step.
func (t *txn) reserve(n int, tables ...string) {
	for _, table := range tables {
		b := t.pending[table]
		if b == nil {
			b = &rowBuf{cols: tableCols[table]}
			t.pending[table] = b
		}
		b.args = slices.Grow(b.args, n*len(b.cols))
	}
	if len(t.seen) == 0 {
		t.seen = make(map[seenKey]seenEvent, n)
	}
	if len(t.cards) == 0 {
		t.cards = make(map[string]*cardRow, n)
	}
	if len(t.accounts) == 0 {
		t.accounts = make(map[int64]*account, n)
	}
}

func (t *txn) insert(table string, vals ...any) {
	b := t.pending[table]
	if b == nil {
		b = &rowBuf{cols: tableCols[table]}
		t.pending[table] = b
	}
	if len(vals) != len(b.cols) {
		panic(fmt.Sprintf("insert %s: %d values for %d columns", table, len(vals), len(b.cols)))
	}
	b.args = append(b.args, vals...)
}

// maxVars stays under SQLite's default limit of host parameters.
const maxVars = 32000

// flush sends every held-back row, and every changed account.
func (t *txn) flush() error {
	for _, table := range flushOrder {
		b := t.pending[table]
		if b == nil || len(b.args) == 0 {
			continue
		}
		if err := InsertRows(t.ctx, t.tx, strings.Split(table, "/")[0], b.cols, b.args); err != nil {
			return err
		}
		b.args = b.args[:0]
	}
	// The accounts a batch touched, in one statement per few thousand.
	var args []any
	for _, a := range t.accounts {
		if a.dirty {
			args = append(args, a.id, a.debt, a.purchaseTotal, nullMS(a.sweepAt))
			a.dirty = false
		}
	}
	for len(args) > 0 {
		n := 4 * stmtSize(len(args)/4)
		q := `UPDATE accounts SET debt = v.column2, purchase_total = v.column3, sweep_at = v.column4
			FROM (VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?,?,?),", n/4), ",") + `) AS v WHERE accounts.id = v.column1`
		if _, err := t.tx.ExecContext(t.ctx, q, args[:n]...); err != nil {
			return fmt.Errorf("update accounts: %w", err)
		}
		args = args[n:]
	}
	return nil
}

// Execer is what InsertRows needs of a transaction.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// InsertRows inserts rows (len(args)/len(cols) of them) into table with as
// few multi-row INSERT statements as SQLite's parameter limit allows.
func InsertRows(ctx context.Context, tx Execer, table string, cols []string, args []any) error {
	per := maxVars / len(cols) * len(cols)
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ",") + ") VALUES "
	for len(args) > 0 {
		n := min(per, len(args))
		q := head + strings.TrimSuffix(strings.Repeat(row+",", n/len(cols)), ",")
		if _, err := tx.ExecContext(ctx, q, args[:n]...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		args = args[n:]
	}
	return nil
}

// eventRec is an event being applied: its place in the log and time.
type eventRec struct {
	seq     int64
	kind    string
	device  string
	at      time.Time
	applied []byte // facts a later command needs (JSON), set by the command
}

// eventKey names an event: its kind, the client's id, the UUID of an event
// applied from elsewhere and the device that made it.
type eventKey struct {
	kind, clientID, uuid, device string
}

// seenKey is how a transaction remembers an event: its kind and idempotency
// key (the client's id, or the UUID when there is none).
type seenKey struct{ kind, key string }

// run applies one command as one event: it refuses a repeated id whose
// request differs, returns the first result to a repeat, and otherwise calls
// apply and records the event with its body (nil: the request as it came)
// and result.
func run[R any](t *txn, k eventKey, at time.Time, request any, apply func(ev *eventRec) (body any, result R, err error)) (R, error) {
	var zero R
	// An event with a client id is keyed by it, and its UUID follows from
	// it (rewards.EventID), so it is not stored; one without is keyed by
	// its UUID: the one it came with, or a random one.
	key, id := k.clientID, ""
	if key == "" {
		if id = k.uuid; id == "" {
			id = rewards.EventID(k.kind, "")
		}
		key = id
	}
	sk := seenKey{k.kind, key}
	reqJSON, err := encodeJSON(request)
	if err != nil {
		return zero, fmt.Errorf("encode %s: %w", k.kind, err)
	}
	stored, ok := t.seen[sk]
	switch {
	case ok:
	case t.absent[sk] || (k.clientID == "" && k.uuid == ""):
		// Known to be new, or keyed by a UUID made just now.
		err = sql.ErrNoRows
	default:
		stored, err = t.lookupEvent(k.kind, key)
	}
	switch {
	case err == nil:
		// A caller's retry matches the request it sent; an event applied
		// again (sync, replay) matches the body as first applied, generated
		// card numbers and voucher codes included.
		var same bool
		if k.uuid != "" || stored.request == nil {
			same = sameBody(stored.body, reqJSON, request)
		} else {
			sum := sha256.Sum256(reqJSON)
			same = string(stored.request) == string(sum[:])
		}
		if !same {
			return zero, rewards.Errorf(rewards.ECONFLICT, "%s %s was already recorded with different contents", k.kind, k.clientID)
		}
		return storedResult[R](t, k.kind, key, stored)
	case !errors.Is(err, sql.ErrNoRows):
		return zero, fmt.Errorf("look up event: %w", err)
	}
	// Nothing is recorded with a business time ahead of the host's clock
	// by more than the program allows: a sale from a till whose clock runs
	// fast would mature, expire and lapse what it touches early.
	if t.prog != nil {
		what := k.kind
		if k.clientID != "" {
			what += " " + k.clientID
		}
		if err := t.prog.CheckNotAhead(what, at, t.until); err != nil {
			return zero, err
		}
	}
	device := k.device
	if device == "" {
		device = t.s.Device
	}
	ev := &eventRec{seq: t.nextSeq + 1, kind: k.kind, device: device, at: at.UTC()}
	body, result, err := apply(ev)
	if err != nil {
		return zero, err
	}
	t.nextSeq++
	// The body is the request unless apply filled something in (a card
	// number, a voucher code); only then is the request kept, as a hash.
	bodyJSON, reqHash := reqJSON, []byte(nil)
	if body != nil {
		if bodyJSON, err = encodeJSON(body); err != nil {
			return zero, fmt.Errorf("encode %s: %w", k.kind, err)
		}
		if string(bodyJSON) != string(reqJSON) {
			sum := sha256.Sum256(reqJSON)
			reqHash = sum[:]
		}
	}
	var applied any
	resJSON := []byte{} // rebuilt from the body and the applied facts
	if ev.applied != nil {
		applied = ev.applied
	}
	if ev.applied == nil || !rebuilds[k.kind] {
		if resJSON, err = encodeJSON(result); err != nil {
			return zero, fmt.Errorf("encode %s result: %w", k.kind, err)
		}
	}
	t.seen[sk] = seenEvent{request: reqHash, body: bodyJSON, result: resJSON, applied: ev.applied}
	if id == "" && reqHash == nil && len(resJSON) == 0 && applied != nil {
		t.insert("events/short", ev.seq, ev.kind, key, ev.device, ms(ev.at), bodyJSON, applied)
		return result, nil
	}
	var uuid any
	if id != "" {
		uuid = id
	}
	t.insert("events", ev.seq, uuid, ev.kind, key, ev.device, ms(ev.at), reqHash, bodyJSON, resJSON, applied)
	return result, nil
}

// sameBody reports whether a stored body records the same command as a
// request: the same bytes, or, when an earlier version wrote the body in
// another form (fields in another order, zero values written out), the
// same command once decoded and written again.
func sameBody(stored, reqJSON []byte, request any) bool {
	if string(stored) == string(reqJSON) {
		return true
	}
	v := reflect.New(reflect.TypeOf(request))
	if json.Unmarshal(stored, v.Interface()) != nil {
		return false
	}
	again, err := encodeJSON(v.Elem().Interface())
	return err == nil && string(again) == string(reqJSON)
}

// rebuilds lists the kinds of event whose result is not stored but rebuilt
// from the body and the applied facts: receipts, most of the log, whose
// result would otherwise take as much room again as the receipt.
var rebuilds = map[string]bool{rewards.EventReceipt: true}

// storedResult is the first result of an event recorded earlier, decoded or
// rebuilt.
func storedResult[R any](t *txn, kind, key string, e seenEvent) (R, error) {
	var r R
	if len(e.result) == 0 && rebuilds[kind] {
		v, err := t.rebuildResult(kind, e.body, e.applied)
		if err != nil {
			return r, fmt.Errorf("rebuild the result of %s %s: %w", kind, key, err)
		}
		r, ok := v.(R)
		if !ok {
			return r, fmt.Errorf("rebuild the result of %s %s: a %T, not a %T", kind, key, v, r)
		}
		return r, nil
	}
	if err := json.Unmarshal(e.result, &r); err != nil {
		return r, fmt.Errorf("decode the stored result of %s %s: %w", kind, key, err)
	}
	return r, nil
}

// prefetchEvents looks the events of a batch (one kind, by their client
// ids) up in a few queries, so that run need not ask once per event.
func (t *txn) prefetchEvents(kind string, keys []string) error {
	t.absent = map[seenKey]bool{}
	for _, key := range keys {
		t.absent[seenKey{kind, key}] = true
	}
	return inChunks(keys, func(chunk []any, marks string) error {
		rows, err := t.tx.QueryContext(t.ctx, `SELECT key, request, body, result, applied FROM events WHERE kind = ? AND key IN (`+marks+`)`,
			append([]any{kind}, chunk...)...)
		if err != nil {
			return fmt.Errorf("look up events: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			var e seenEvent
			if err := rows.Scan(&key, &e.request, &e.body, &e.result, &e.applied); err != nil {
				return fmt.Errorf("look up events: %w", err)
			}
			t.seen[seenKey{kind, key}] = e
			delete(t.absent, seenKey{kind, key})
		}
		return rows.Err()
	})
}

// stmtSizes are the numbers of rows a statement whose size follows its
// batch is written for: a few texts, each prepared once and then taken from
// the statement cache, instead of a new text (and a new prepare) for every
// batch size.
var stmtSizes = []int{512, 128, 32, 8, 2, 1}

// stmtSize is the largest of stmtSizes that n rows fill.
func stmtSize(n int) int {
	for _, size := range stmtSizes {
		if size <= n {
			return size
		}
	}
	return 1
}

// stmtRoom is the smallest of stmtSizes that holds n rows (n at most the
// largest).
func stmtRoom(n int) int {
	room := stmtSizes[0]
	for _, size := range stmtSizes {
		if size >= n {
			room = size
		}
	}
	return room
}

// inChunks calls fn with the keys in chunks for one IN list each, and the
// list's question marks. A short chunk repeats its first key up to one of
// stmtSizes, so that the statement's text is one seen before.
func inChunks(keys []string, fn func(chunk []any, marks string) error) error {
	for len(keys) > 0 {
		n := min(stmtSizes[0], len(keys))
		size := stmtRoom(n)
		args := make([]any, size)
		for i := range args {
			args[i] = keys[0]
		}
		for i, k := range keys[:n] {
			args[i] = k
		}
		if err := fn(args, strings.TrimSuffix(strings.Repeat("?,", size), ",")); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// lookupEvent reads a recorded event as a repeat needs it.
func (t *txn) lookupEvent(kind, key string) (seenEvent, error) {
	var e seenEvent
	err := t.tx.QueryRowContext(t.ctx, `SELECT request, body, result, applied FROM events WHERE kind = ? AND key = ?`, kind, key).
		Scan(&e.request, &e.body, &e.result, &e.applied)
	return e, err
}

// seenEvent is an event recorded earlier: its request hash, body, result
// (empty: rebuilt) and applied facts.
type seenEvent struct{ request, body, result, applied []byte }

// isUnique reports a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrConstraint &&
		(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
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
