package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// txn is one transaction: the SQL transaction, the program it runs under,
// the accounts and cards it has read (a command changes them in place and
// the accounts are written back before the commit), and the last event
// seq, which the next event follows.
type txn struct {
	s    *Store
	ctx  context.Context
	tx   *sql.Tx
	prog *rewards.Program

	lastSeq   int64
	fresh     map[string]bool // client ids of a batch's events known not to be recorded yet
	accounts  map[int64]*account
	cards     map[string]*cardRow
	onCommit  []func()
	until     time.Time   // the host's clock as a write began; zero in a read
	replaying bool        // applying the log again: what it holds was accepted once
	buf       *rowBuffers // a batch's rows held back (rows.go); nil: each row is written at once

	// cache is the writer's cards and accounts (cache.go); nil: none to
	// use, as once a write of the group posted no receipts or was undone.
	cache    *writeCache
	receipts bool // the write running posts receipts
}

// write runs fn in a write transaction and commits it when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(t *txn) error) error {
	return s.writeAs(ctx, s.Now(), false, fn)
}

// pendingWrite is a write waiting for the group commit it joins.
type pendingWrite struct {
	ctx       context.Context
	until     time.Time
	replaying bool
	fn        func(t *txn) error
	err       error
	lead      bool          // woken to commit the writes queued after it
	wake      chan struct{} // closed when done, or when it is to lead
}

// writeAs is write with the host's clock given, for a replay of the log,
// which checks nothing the log holds again.
//
// Writes are committed in groups: a write begins at once when no group is
// running; the writes that arrive while a group runs join it, until it
// commits, and those that arrive while it commits wait and then make the
// next group. One commit (one fsync) serves them all. No write waits for a
// timer, and each gets its own answer: a write that joined runs in a
// savepoint of its own, and when it is refused, fails or panics it is
// rolled back to it while the others commit without it (runWrite says how
// a write alone and a cancelled one are treated). A write waiting for its
// turn is not stopped by its caller giving up; it is skipped when its turn
// comes.
func (s *Store) writeAs(ctx context.Context, until time.Time, replaying bool, fn func(t *txn) error) error {
	if s.db == nil {
		return errors.New("store is not open")
	}
	if s.ReadOnly {
		return rewards.Fail(rewards.EINVALID, "ledger.read_only", lang.Args{"path": s.Path})
	}
	w := &pendingWrite{ctx: ctx, until: until, replaying: replaying, fn: fn, wake: make(chan struct{})}
	s.qmu.Lock()
	s.queue = append(s.queue, w)
	lead := !s.committing
	s.committing = true
	s.qmu.Unlock()
	if !lead {
		<-w.wake
		if !w.lead {
			return w.err
		}
	}
	group := s.join(nil)
	// Whatever happens to this group, even a panic in one of its writes
	// (which an HTTP server recovers from), the writes that wait are
	// answered and the next group is led: the store never stops writing.
	committed := false
	defer func() {
		if !committed {
			for _, o := range group {
				if o.err == nil {
					o.err = errGroupFault
				}
			}
		}
		s.handOver(group, w)
	}()
	s.commitGroup(&group)
	committed = true
	return w.err
}

// maxGroup bounds the writes one commit serves, so that the first of a
// group under a steady stream of writes still gets its answer.
const maxGroup = 256

// join adds the writes waiting now to group, up to maxGroup.
func (s *Store) join(group []*pendingWrite) []*pendingWrite {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	n := min(len(s.queue), maxGroup-len(group))
	group = append(group, s.queue[:n]...)
	s.queue = s.queue[n:]
	return group
}

// errGroupFault answers the writes of a group that a fault in one of them
// stopped before they were answered: whether they committed is not known,
// and the same command again (by its id) answers as the first time did.
var errGroupFault = errors.New("commit: a fault in a write of the group stopped it before its answer: send the same command again")

// handOver gives the lead of the writes that came meanwhile to the first
// of them, so that this one answers now rather than after every later
// group, and wakes the other writes of the group done.
func (s *Store) handOver(group []*pendingWrite, w *pendingWrite) {
	s.qmu.Lock()
	if len(s.queue) > 0 {
		s.queue[0].lead = true
		close(s.queue[0].wake)
	} else {
		s.committing = false
	}
	s.qmu.Unlock()
	for _, o := range group {
		if o != w {
			close(o.wake)
		}
	}
}

// commitGroup runs the writes of a group in one transaction, and those
// that join it meanwhile, and commits it, setting each write's error.
func (s *Store) commitGroup(group *[]*pendingWrite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.beginGroup()
	if err != nil {
		failAll(*group, err)
		return
	}
	done := false
	defer func() {
		t.closeCache(done) // a rollback or a panic empties the cache
		t.tx.Rollback()    // after a commit, nothing; after a panic, the connection is free again
	}()
	committed := 0
	for i := 0; ; i++ {
		if i == len(*group) {
			if *group = s.join(*group); i == len(*group) {
				break
			}
		}
		ok, whole := t.runWrite((*group)[i], len(*group) == 1)
		if !whole {
			return // a write alone failed: the transaction is rolled back
		}
		if ok {
			committed++
		}
	}
	if committed == 0 {
		return
	}
	if w := (*group)[0]; len(*group) == 1 && w.ctx.Err() != nil {
		// A write alone whose caller gave up before its commit is
		// rolled back, as a cancelled transaction is.
		w.err = w.ctx.Err()
		return
	}
	if s.beforeCommit != nil {
		s.beforeCommit(len(*group))
	}
	if err := t.tx.Commit(); err != nil {
		failAll(*group, fmt.Errorf("commit: %w", err))
		return
	}
	done = true
	for _, f := range t.onCommit {
		f()
	}
	if s.GroupCommitted != nil {
		s.GroupCommitted(committed)
	}
}

// failAll gives the writes of a group that have no answer yet err.
func failAll(group []*pendingWrite, err error) {
	for _, w := range group {
		if w.err == nil {
			w.err = err
		}
	}
}

// beginGroup begins the transaction of a group of writes. It outlives any
// one request: a write's cancellation stops its own statements, not the
// group's commit.
func (s *Store) beginGroup() (*txn, error) {
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	t := &txn{s: s, ctx: context.Background(), tx: tx}
	if err := t.reset(); err != nil {
		tx.Rollback()
		return nil, err
	}
	if err := t.openCache(); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("read the data version: %w", err)
	}
	return t, nil
}

// runWrite runs one write of a group and sets its error; ok when it
// stands. A write alone (none had joined it when it began) runs under its
// own context without a savepoint, as it always did: its cancellation stops
// it mid-way, and its failure rolls the transaction back (whole is false).
// A write of a group runs in a savepoint of its own, to its end once begun:
// SQLite answers an interrupted INSERT, UPDATE or DELETE by rolling back
// the whole transaction, the group's other writes with it. A write whose
// caller gave up before its turn is not run.
func (t *txn) runWrite(w *pendingWrite, alone bool) (ok, whole bool) {
	if w.err = w.ctx.Err(); w.err != nil {
		return false, true
	}
	t.ctx, t.until, t.replaying, t.fresh, t.receipts = w.ctx, w.until, w.replaying, nil, false
	defer func() {
		// After any other write, what the cache holds may be older than
		// what that write left (a replacement moves a household's cards
		// in one statement): the group's later writes read the ledger.
		if !t.receipts {
			t.cache = nil
		}
	}()
	if alone {
		if w.err = w.fn(t); w.err == nil {
			w.err = t.saveAccounts()
		}
		return w.err == nil, w.err == nil
	}
	t.ctx = context.WithoutCancel(w.ctx)
	w.err = t.inSavepoint(w.fn)
	return w.err == nil, true
}

// reset starts the transaction's view afresh: the program in force, no
// account or card read, and the last event's seq.
func (t *txn) reset() error {
	t.prog, t.accounts, t.cards, t.buf = t.s.inForce(), map[int64]*account{}, map[string]*cardRow{}, nil
	// After a write was undone, what the cache holds may be older than
	// what this transaction's earlier writes left: it is not used again.
	t.cache = nil
	// A replica's outbox and its offline redemptions keep the seqs of
	// events whose rows the server's effects replaced: a new event is
	// numbered after them too.
	last := `SELECT coalesce(max(seq), 0) FROM events`
	if t.s.replica {
		last = `SELECT max((SELECT coalesce(max(seq), 0) FROM events), (SELECT coalesce(max(seq), 0) FROM outbox),
			(SELECT coalesce(max(seq), 0) FROM offline_redemptions))`
	}
	if err := t.queryRow(last).Scan(&t.lastSeq); err != nil {
		return fmt.Errorf("read the last event: %w", err)
	}
	t.lastSeq = t.localFloor(t.lastSeq)
	return nil
}

// inSavepoint runs one write of a group: what it did is kept, or, when it
// fails or panics, undone to where it began, and the transaction's view is
// read afresh (the accounts it changed in memory, the events it counted),
// but for the program in force, which an earlier write of the group may
// have installed. A panic is that write's internal error alone: the others
// of the group go on.
func (t *txn) inSavepoint(fn func(t *txn) error) error {
	if _, err := t.tx.ExecContext(context.Background(), `SAVEPOINT write`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	kept, prog := len(t.onCommit), t.prog
	err := t.guarded(fn)
	if err == nil {
		err = t.saveAccounts()
	}
	if err == nil {
		if _, err := t.tx.ExecContext(context.Background(), `RELEASE write`); err != nil {
			return fmt.Errorf("release the savepoint: %w", err)
		}
		return nil
	}
	ctx := context.Background()
	if _, rerr := t.tx.ExecContext(ctx, `ROLLBACK TO write`); rerr != nil {
		return errors.Join(err, fmt.Errorf("roll back to the savepoint: %w", rerr))
	}
	if _, rerr := t.tx.ExecContext(ctx, `RELEASE write`); rerr != nil {
		return errors.Join(err, fmt.Errorf("release the savepoint: %w", rerr))
	}
	t.onCommit = t.onCommit[:kept]
	t.ctx = ctx
	if rerr := t.reset(); rerr != nil {
		return errors.Join(err, rerr)
	}
	t.prog = prog
	return err
}

// guarded runs a write of a group, turning a panic in it into its error,
// logged with the stack.
func (t *txn) guarded(fn func(t *txn) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			t.s.Logger.Error("a write panicked", "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("a fault in the write: %v", v)
		}
	}()
	return fn(t)
}

// read runs fn against a consistent snapshot. It takes no lock of the
// store's: in WAL mode a reader never waits for the writer.
func (s *Store) read(ctx context.Context, fn func(t *txn) error) error {
	if s.db == nil {
		return errors.New("store is not open")
	}
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	t := &txn{s: s, ctx: ctx, tx: tx, prog: s.inForce(), accounts: map[int64]*account{}, cards: map[string]*cardRow{}}
	return fn(t)
}

// saveAccounts writes back the accounts a command changed.
func (t *txn) saveAccounts() error {
	for _, a := range t.accounts {
		if !a.dirty {
			continue
		}
		if _, err := t.exec(`UPDATE accounts SET debt = ?, purchase_total = ?, sweep_at = ? WHERE id = ?`,
			a.debt, a.purchaseTotal, nullMS(a.sweepAt), a.id); err != nil {
			return fmt.Errorf("update account %d: %w", a.id, err)
		}
		a.dirty = false
	}
	return nil
}

func errNoProgram() error {
	return rewards.Fail(rewards.ENOTFOUND, "program.none", nil)
}

// at is a command's business time: the time it names, or the host's
// clock as the transaction began.
func (t *txn) at(at time.Time) time.Time {
	if at.IsZero() {
		return t.until
	}
	return at
}

func (t *txn) program() (*rewards.Program, error) {
	if t.prog == nil {
		return nil, errNoProgram()
	}
	return t.prog, nil
}

// eventRec is an event being applied: its place in the log and time.
type eventRec struct {
	seq     int64
	kind    string
	device  string
	at      time.Time
	applied []byte // facts a later command needs (JSON), set by the command

	key, id string // its idempotency key, and its UUID where it is stored
	request []byte // the command as it came (JSON)
	written []byte // the applied facts as the row was written; nil: not written
	// typed, in a replica, is the personal data the command typed
	// (keepPerson), which its outbox row keeps to upload with it.
	typed *rewards.Details
}

// eventKey names an event: its kind, the client's id, the UUID of an event
// applied from elsewhere and the device that made it.
type eventKey struct {
	kind, clientID, uuid, device string
}

// run applies one command as one event: it refuses a repeated id whose
// request differs, returns the first result to a repeat, and otherwise calls
// apply and records the event with its body (nil: the request as it came)
// and result.
func run[R any](t *txn, k eventKey, at time.Time, request any, apply func(ev *eventRec) (body any, result R, err error)) (R, error) {
	var zero R
	if t.s.replica && rewards.SyncRoute(k.kind) == "" {
		// A replica makes only what a kiosk uploads; the rest is the
		// server's (replica.Service sends it there).
		return zero, errServerOnly()
	}
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
	reqJSON, err := json.Marshal(request)
	if err != nil {
		return zero, fmt.Errorf("encode %s: %w", k.kind, err)
	}
	if stored, found, err := t.repeat(k, key, reqJSON); err != nil {
		return zero, err
	} else if found {
		return storedResult[R](t, k.kind, key, stored)
	}
	if err := t.notAhead(k, at); err != nil {
		return zero, err
	}
	// An event applied from elsewhere keeps its device; a command is the
	// device's that the caller names (an API request's), else the store's.
	device := k.device
	if device == "" {
		device = t.madeBy()
	}
	ev := &eventRec{seq: t.lastSeq + 1, kind: k.kind, device: device, at: at.UTC(), key: key, id: id, request: reqJSON}
	body, result, err := apply(ev)
	if err != nil {
		t.namePlaces(err)
		if ev.written != nil && rewards.ErrorCode(err) != rewards.EINTERNAL {
			// A rule refused the command after it wrote its event: the
			// refusal came before any row that refers to the event, and a
			// batch goes on without it.
			if _, derr := t.exec(`DELETE FROM events WHERE seq = ?`, ev.seq); derr != nil {
				return zero, errors.Join(err, fmt.Errorf("forget the refused %s: %w", ev.kind, derr))
			}
			t.lastSeq--
		}
		return zero, err
	}
	return result, t.complete(ev, body, result)
}

// madeBy is the device a change is made by: the one the caller names (an
// API request's), else the store's own.
func (t *txn) madeBy() string {
	if d := rewards.DeviceIn(t.ctx); d != "" {
		return d
	}
	return t.s.Device
}

// namePlaces puts the records of the stores and cooperatives a refusal
// names by id into its arguments, so that it reads with their names in the
// reader's language; an id without a record stays as it is.
func (t *txn) namePlaces(err error) {
	var e *rewards.Error
	if !errors.As(err, &e) || e.Key == "" {
		return
	}
	named := false
	for key, v := range e.Args {
		id, ok := v.(string)
		if !ok || id == "" {
			continue
		}
		switch key {
		case "store":
			if st, _ := t.store(id); st != nil {
				e.Args[key], named = *st, true
			}
		case "coop":
			if co, _ := t.coop(id); co != nil {
				e.Args[key], named = *co, true
			}
		}
	}
	if named {
		e.Message = lang.Text(lang.EN, e.Key, e.Args)
	}
}

// repeat looks the event up by its key: found, a repeat of it, when the
// same command was recorded before, and a conflict when another one was.
func (t *txn) repeat(k eventKey, key string, reqJSON []byte) (stored storedEvent, found bool, err error) {
	if t.fresh[key] && k.uuid == "" {
		delete(t.fresh, key) // known new, once: a second copy in the batch is a repeat
		return stored, false, nil
	}
	if k.clientID == "" && k.uuid == "" {
		return stored, false, nil // a random UUID made just now is new
	}
	stored, err = t.lookupEvent(k.kind, key)
	if errors.Is(err, sql.ErrNoRows) {
		return stored, false, nil
	} else if err != nil {
		return stored, false, fmt.Errorf("look up event: %w", err)
	}
	// A caller's retry matches the request it sent; an event applied again
	// (sync, replay) matches the body as first applied, generated card
	// numbers and voucher codes included.
	// An event applied again whose body the command changed (it kept
	// personal data apart) matches the request it first came with.
	same := bytes.Equal(stored.body, reqJSON)
	if stored.request != nil {
		sum := sha256.Sum256(reqJSON)
		same = bytes.Equal(stored.request, sum[:]) || (k.uuid != "" && same)
	}
	if !same {
		id := k.clientID
		if id == "" {
			id = k.uuid
		}
		return stored, false, rewards.Fail(rewards.ECONFLICT, "event.conflict", lang.Args{"what": rewards.Command(k.kind, id)})
	}
	return stored, true, nil
}

// notAhead refuses a command dated ahead of the host's clock by more than
// the program allows: a sale from a till whose clock runs fast would
// mature, expire and lapse what it touches early.
func (t *txn) notAhead(k eventKey, at time.Time) error {
	if t.prog == nil || t.replaying {
		return nil
	}
	return t.prog.CheckNotAhead(k.kind, k.clientID, at, t.until)
}

// record writes a command's event row, once, before the first row that
// refers to it (SQLite checks a deferred foreign key by scanning the child
// table when its parent row comes after): its body is the request as it
// came, with the facts the command has set so far. An event dated ahead of
// the host's clock keeps that clock.
func (t *txn) record(ev *eventRec) error {
	if ev.written != nil {
		return nil
	}
	uuid := nullText(ev.id)
	var applied, clock any
	if ev.applied != nil {
		applied = string(ev.applied)
	}
	if !t.until.IsZero() && ev.at.After(t.until) {
		clock = ms(t.until)
	}
	// A change made in a staff session records who (the audit trail).
	if _, err := t.insert(eventsTable, ev.seq, uuid, ev.kind, ev.key, ev.device, ms(ev.at), ev.request, applied, clock, nullText(rewards.StaffIn(t.ctx))); err != nil {
		return fmt.Errorf("record %s: %w", ev.kind, err)
	}
	ev.written = append([]byte{}, ev.applied...)
	t.lastSeq = ev.seq
	return nil
}

// complete finishes an applied command's event: its body where the command
// filled something in (a card number, a voucher code; the request is then
// kept, as a hash), its result unless it is rebuilt from the body and the
// applied facts, and those facts.
func (t *txn) complete(ev *eventRec, body, result any) error {
	if err := t.record(ev); err != nil {
		return err
	}
	var bodyJSON, reqHash, resJSON []byte
	if body != nil {
		var err error
		if bodyJSON, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encode %s: %w", ev.kind, err)
		}
		if bytes.Equal(bodyJSON, ev.request) {
			bodyJSON = nil
		} else {
			sum := sha256.Sum256(ev.request)
			reqHash = sum[:]
		}
	}
	if ev.applied == nil || !rebuilds[ev.kind] {
		var err error
		if resJSON, err = json.Marshal(result); err != nil {
			return fmt.Errorf("encode %s result: %w", ev.kind, err)
		}
	}
	if t.s.replica {
		// A replica's own event waits in its outbox for the server.
		id := ev.id
		if id == "" {
			id = rewards.EventID(ev.kind, ev.key)
		}
		var typed any
		if ev.typed != nil {
			data, err := json.Marshal(ev.typed)
			if err != nil {
				return fmt.Errorf("encode the personal data of %s: %w", ev.kind, err)
			}
			typed = string(data)
		}
		if _, err := t.exec(`INSERT INTO outbox (seq, staff, event, personal) VALUES (?, ?, ?, ?)`, ev.seq, nullText(rewards.StaffIn(t.ctx)), id, typed); err != nil {
			return fmt.Errorf("record %s in the outbox: %w", ev.kind, err)
		}
	}
	if bodyJSON == nil && resJSON == nil && bytes.Equal(ev.applied, ev.written) {
		return nil
	}
	var applied any
	if ev.applied != nil {
		applied = string(ev.applied)
	}
	if _, err := t.exec(`UPDATE events SET body = coalesce(?, body), request = ?, result = coalesce(?, result), applied = ?
		WHERE seq = ?`, bodyJSON, reqHash, resJSON, applied, ev.seq); err != nil {
		return fmt.Errorf("record %s: %w", ev.kind, err)
	}
	return nil
}

// rebuilds lists the kinds of event whose result is not stored but rebuilt
// from the body and the applied facts: receipts, most of the log, whose
// result would otherwise take as much room again as the receipt.
var rebuilds = map[string]bool{rewards.EventReceipt: true}

// storedResult is the first result of an event recorded earlier, decoded or
// rebuilt.
func storedResult[R any](t *txn, kind, key string, e storedEvent) (R, error) {
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

// knowFresh notes which of a batch's client ids of kind are not recorded
// yet, in one query, so that run need not look each of them up.
func (t *txn) knowFresh(kind string, ids []string) error {
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	t.fresh = make(map[string]bool, len(ids))
	for _, id := range ids {
		t.fresh[id] = true
	}
	rows, err := t.query(`SELECT key FROM events WHERE kind = ? AND key IN (SELECT value FROM json_each(?))`, kind, string(list))
	if err != nil {
		return fmt.Errorf("look up events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return fmt.Errorf("look up events: %w", err)
		}
		delete(t.fresh, key)
	}
	return rows.Err()
}

// storedEvent is an event recorded earlier: its request hash, body, result
// (empty: rebuilt) and applied facts.
type storedEvent struct{ request, body, result, applied []byte }

// lookupEvent reads a recorded event as a repeat needs it.
func (t *txn) lookupEvent(kind, key string) (storedEvent, error) {
	var e storedEvent
	err := t.queryRow(`SELECT request, body, result, applied FROM events WHERE kind = ? AND key = ?`, kind, key).
		Scan(&e.request, &e.body, &e.result, &e.applied)
	return e, err
}

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
