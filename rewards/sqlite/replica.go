package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// A kiosk's replica is a ledger of this package with a row in table
// replica (migration 0016). It holds the central ledger's rows with their
// ids and none of its events; its own events, and the rows they write,
// are numbered from rewards.LocalIDs on, and each waits in its outbox for
// the server. The server's effects of such an event replace what the
// kiosk computed when they arrive (ApplyChanges). Until then the kiosk's
// own points are lifted off the lots they took while the server's rows
// are written, and put back after, so that a row the server gives as it
// stands does not lose them.

// IsReplica says whether the ledger is a kiosk's replica.
func (s *Store) IsReplica() bool { return s.replica }

// localFloor is the last id a replica's own rows are numbered after: its
// own events, entries and accounts begin at rewards.LocalIDs, above every
// id of the central ledger's it holds.
func (t *txn) localFloor(last int64) int64 {
	if t.s.replica && last < rewards.LocalIDs-1 {
		return rewards.LocalIDs - 1
	}
	return last
}

// nextID is the id of a new row of table in a replica (accounts, entries);
// nil elsewhere, where SQLite numbers it.
func (t *txn) nextID(table string) (any, error) {
	if !t.s.replica {
		return nil, nil
	}
	var id int64
	if err := t.queryRow(`SELECT max(coalesce(max(id), 0) + 1, ?) FROM `+table, rewards.LocalIDs).Scan(&id); err != nil {
		return nil, err
	}
	return id, nil
}

// errServerOnly refuses on a replica what only the server does: its
// credentials (staff, devices) and what needs personal data it does not
// hold (finding cards by phone).
func errServerOnly() error { return rewards.Fail(rewards.EREFUSED, "sync.server_only", nil) }

// notReplica refuses a replica's command on a ledger that is none.
func (s *Store) notReplica() error {
	if s.replica {
		return nil
	}
	return rewards.Fail(rewards.EINVALID, "sync_feed.not_replica", lang.Args{"path": s.Path})
}

// InstallSnapshot makes the replica at path from a snapshot (Snapshot)
// read from r, recording the server it syncs with (its API's base URL),
// the kiosk's device token and name, and its store or cooperative (empty:
// as the snapshot says). An existing file that is not empty is refused.
// The snapshot is written beside path under another name, synced, and
// then renamed, so that path is a whole replica or nothing; it is opened
// once to check that it is a ledger.
func InstallSnapshot(path string, r io.Reader, upstream, token, device, store, coop string) error {
	if fi, err := os.Stat(path); err == nil && (fi.IsDir() || fi.Size() > 0) {
		return rewards.Fail(rewards.ECONFLICT, "sync_feed.replica_exists", lang.Args{"path": path})
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".install-")
	if err != nil {
		return fmt.Errorf("install the snapshot: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.Remove(tmp.Name())
		}
	}()
	_, err = io.Copy(tmp, r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("install the snapshot: %w", err)
	}
	if err := recordReplica(tmp.Name(), upstream, token, device, store, coop); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("install the snapshot: %w", err)
	}
	done = true
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	st := NewStore(path)
	if err := st.Open(); err != nil {
		return err
	}
	defer st.Close()
	if !st.replica {
		return rewards.Fail(rewards.EINVALID, "sync_feed.not_snapshot", lang.Args{"path": path})
	}
	return nil
}

// recordReplica writes the kiosk's side into the replica row of a
// snapshot's file.
func recordReplica(path, upstream, token, device, store, coop string) error {
	db, err := sql.Open("sqlite3", uri(path)+"?_foreign_keys=off&_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("install the snapshot: %w", err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE replica SET upstream = ?, token = ?, device = ?,
		store = CASE WHEN ?4 = '' THEN store ELSE ?4 END, coop = CASE WHEN ?5 = '' THEN coop ELSE ?5 END WHERE id = 1`,
		upstream, token, device, store, coop)
	if err != nil {
		return rewards.Fail(rewards.EINVALID, "sync_feed.not_snapshot", lang.Args{"path": path})
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return rewards.Fail(rewards.EINVALID, "sync_feed.not_snapshot", lang.Args{"path": path})
	}
	return nil
}

// ReplicaInfo is a replica's state: where it syncs, how far, and how
// fresh it is.
type ReplicaInfo struct {
	Upstream    string     `json:"upstream"`
	Token       string     `json:"-"`
	Device      string     `json:"device"`
	Store       string     `json:"store,omitempty"`
	Coop        string     `json:"coop,omitempty"`
	Cursor      string     `json:"cursor"`
	StaffDigest string     `json:"staff_digest"`
	PulledAt    *time.Time `json:"pulled_at,omitempty"` // when the feed was last caught up
	PushedAt    *time.Time `json:"pushed_at,omitempty"` // the last successful upload
	Online      bool       `json:"online"`              // the last call reached the server
	Conflicts   int        `json:"conflicts"`           // open, as the server last said
	LastError   string     `json:"last_error,omitempty"`
	Outbox      int        `json:"outbox"` // events waiting for the server
}

// ReplicaInfo reads the replica's state.
func (s *Store) ReplicaInfo(ctx context.Context) (ReplicaInfo, error) {
	var out ReplicaInfo
	if err := s.notReplica(); err != nil {
		return out, err
	}
	err := s.read(ctx, func(t *txn) error {
		var pulled, pushed sql.NullInt64
		if err := t.queryRow(`SELECT upstream, token, device, store, coop, cursor, staff_digest, pulled_at, pushed_at, online, conflicts, last_error,
				(SELECT count(*) FROM outbox WHERE state = 'waiting')
			FROM replica WHERE id = 1`).Scan(&out.Upstream, &out.Token, &out.Device, &out.Store, &out.Coop, &out.Cursor, &out.StaffDigest,
			&pulled, &pushed, &out.Online, &out.Conflicts, &out.LastError, &out.Outbox); err != nil {
			return fmt.Errorf("read the replica's state: %w", err)
		}
		out.PulledAt, out.PushedAt = timePtr(pulled), timePtr(pushed)
		return nil
	})
	return out, err
}

// SyncState is what a sync loop tells of its last call to the server.
type SyncState struct {
	Online    bool      // the call reached the server
	LastError string    // what went wrong; "" after a success
	PushedAt  time.Time // an upload was answered then; zero: none
}

// SetSyncState records how the last call to the server went.
func (s *Store) SetSyncState(ctx context.Context, st SyncState) error {
	if err := s.notReplica(); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		var pushed any
		if !st.PushedAt.IsZero() {
			pushed = ms(st.PushedAt)
		}
		_, err := t.exec(`UPDATE replica SET online = ?, last_error = ?, pushed_at = coalesce(?, pushed_at) WHERE id = 1`,
			st.Online, st.LastError, pushed)
		if err != nil {
			return fmt.Errorf("record the sync state: %w", err)
		}
		return nil
	})
}

// Outbox returns up to limit of the replica's events that wait for the
// server, in the order they were made, as they are uploaded: each with the
// staff member whose session made it and, for an enrolment that named a
// person, the personal data typed at the kiosk.
func (s *Store) Outbox(ctx context.Context, limit int) ([]rewards.SyncEvent, error) {
	if err := s.notReplica(); err != nil {
		return nil, err
	}
	out := []rewards.SyncEvent{}
	err := s.read(ctx, func(t *txn) error {
		rows, err := t.query(`SELECT e.seq, e.id, e.kind, e.key, e.device, e.at, e.body, coalesce(o.staff, ''), o.personal
			FROM outbox o JOIN events e ON e.seq = o.seq WHERE o.state = 'waiting' ORDER BY o.seq LIMIT ?`, limit)
		if err != nil {
			return fmt.Errorf("read the outbox: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var se rewards.SyncEvent
			var staff string
			var personal sql.NullString
			if se.Event, err = scanEvent(rows, &staff, &personal); err != nil {
				return fmt.Errorf("read the outbox: %w", err)
			}
			se.Staff = staff
			if personal.Valid {
				se.Personal = &rewards.Details{}
				if err := json.Unmarshal([]byte(personal.String), se.Personal); err != nil {
					return fmt.Errorf("read the personal data of event %s: %w", se.ID, err)
				}
			}
			out = append(out, se)
		}
		return rows.Err()
	})
	return out, err
}

// Answered records the server's answers to uploaded events, in one
// transaction: an event applied (or applied before) leaves the outbox
// with the personal data it typed, its row in events staying until the
// server's effects of it replace the kiosk's (ApplyChanges); an event
// refused is undone, what the kiosk computed for it with it, and its
// cards wait to be resynced (ResyncCards). An event whose effects the
// server's replaced already (and so left the outbox) is skipped.
func (s *Store) Answered(ctx context.Context, results []rewards.SyncResult) error {
	if err := s.notReplica(); err != nil {
		return err
	}
	erased := false
	err := s.write(ctx, func(t *txn) error {
		var typed int
		if err := t.queryRow(`SELECT count(*) FROM outbox WHERE personal IS NOT NULL`).Scan(&typed); err != nil {
			return fmt.Errorf("read the outbox: %w", err)
		}
		defer func() {
			var left int
			if t.queryRow(`SELECT count(*) FROM outbox WHERE personal IS NOT NULL`).Scan(&left) == nil {
				erased = left < typed
			}
		}()
		ids := make([]string, len(results))
		for i, r := range results {
			ids[i] = r.ID
		}
		own, err := t.ownEvents(ids)
		if err != nil {
			return err
		}
		lifted := false
		for _, r := range results {
			var seq int64
			var state string
			err := t.queryRow(`SELECT seq, state FROM outbox WHERE event = ?`, r.ID).Scan(&seq, &state)
			if errors.Is(err, sql.ErrNoRows) {
				continue // answered before
			} else if err != nil {
				return fmt.Errorf("answer event %s: %w", r.ID, err)
			}
			ev, held := own[r.ID]
			switch {
			case state != "waiting":
				continue // answered before (another upload of it): its effects still to come
			case !held:
				_, err = t.exec(`DELETE FROM outbox WHERE seq = ?`, seq)
			case r.Status == rewards.SyncApplied || r.Status == rewards.SyncDuplicate:
				_, err = t.exec(`UPDATE outbox SET state = 'applied', personal = NULL WHERE seq = ?`, seq)
			case r.Status == rewards.SyncRejected:
				if !lifted {
					if err := t.lift(); err != nil {
						return err
					}
					lifted = true
				}
				if err = t.resyncLater(ev.body); err == nil {
					err = t.undoLocal(ev, nil)
				}
				if err == nil {
					_, err = t.exec(`DELETE FROM outbox WHERE seq = ?`, seq)
				}
			}
			if err != nil {
				return fmt.Errorf("answer event %s: %w", r.ID, err)
			}
		}
		if !lifted {
			return nil
		}
		if err := t.dropLocalAccounts(); err != nil {
			return err
		}
		return t.drop()
	})
	if err == nil && erased {
		// The personal data the server now holds leave the kiosk's
		// write-ahead log too.
		err = s.checkpoint(ctx)
	}
	return err
}

// localEvent is one of a replica's own events.
type localEvent struct {
	seq             int64
	id, kind, state string
	body            []byte
}

// ownEvents maps those of the ids that are the replica's own events, by
// id: each has its outbox row (waiting, or applied and waiting for the
// server's effects) as long as it has its events row.
func (t *txn) ownEvents(ids []string) (map[string]localEvent, error) {
	rows, err := t.query(`SELECT e.seq, o.event, e.kind, e.body, o.state
		FROM outbox o JOIN events e ON e.seq = o.seq WHERE o.event IN (SELECT value FROM json_each(?))`, jsonList(ids))
	if err != nil {
		return nil, fmt.Errorf("read the replica's events: %w", err)
	}
	defer rows.Close()
	out := map[string]localEvent{}
	for rows.Next() {
		var e localEvent
		if err := rows.Scan(&e.seq, &e.id, &e.kind, &e.body, &e.state); err != nil {
			return nil, fmt.Errorf("read the replica's events: %w", err)
		}
		out[e.id] = e
	}
	return out, rows.Err()
}

// localAllocs sums, per lot, what the replica's own entries took from it
// (given back: negative).
var localAllocs = `SELECT a.lot_id, sum(a.points) AS points FROM allocations a WHERE a.entry_id >= ` + localIDsText + ` GROUP BY a.lot_id`

// localIDsText is rewards.LocalIDs in SQL.
var localIDsText = fmt.Sprint(rewards.LocalIDs)

// lift gives the lots back what the replica's own entries took from them,
// so that they hold what the server last said (or, a lot of its own, what
// it was made with) while the server's rows are written or an event of its
// own is undone; drop takes it again after. A lot whose taking drop held
// at nothing gets back what it held before (replica_lots), not what was
// taken.
func (t *txn) lift() error {
	for _, q := range []string{
		`UPDATE lots SET remaining = r.remaining FROM replica_lots r WHERE lots.id = r.lot_id`,
		`UPDATE lots SET remaining = min(lots.points, max(0, lots.remaining + x.points))
			FROM (` + localAllocs + `) x WHERE lots.id = x.lot_id AND lots.id NOT IN (SELECT lot_id FROM replica_lots)`,
		`DELETE FROM replica_lots`,
	} {
		if _, err := t.exec(q); err != nil {
			return fmt.Errorf("lift the kiosk's own points: %w", err)
		}
	}
	return nil
}

// drop takes from the lots what the replica's own entries took (lift's
// reverse), noting what each held before. A lot whose row the server
// gave after it counted one of these entries (the server applied the
// event, whose own change has not come yet) would be taken twice: it is
// held at nothing until that change comes and replaces the entry.
func (t *txn) drop() error {
	for _, q := range []string{
		`INSERT INTO replica_lots (lot_id, remaining) SELECT lots.id, lots.remaining FROM lots JOIN (` + localAllocs + `) x ON lots.id = x.lot_id`,
		`UPDATE lots SET remaining = min(lots.points, max(0, lots.remaining - x.points))
			FROM (` + localAllocs + `) x WHERE lots.id = x.lot_id`,
	} {
		if _, err := t.exec(q); err != nil {
			return fmt.Errorf("take the kiosk's own points again: %w", err)
		}
	}
	return nil
}

// undoLocal removes what the kiosk computed for one of its own events
// (its lots lifted): its allocations and entries, the lot it made, a
// voucher it made unless keep names it, a local account left without
// cards, and its events row.
func (t *txn) undoLocal(ev localEvent, keep map[string]bool) error {
	entries := `SELECT id FROM entries WHERE event_seq = ?`
	codes, err := t.textColumn("vouchers", `SELECT code FROM vouchers WHERE entry_id IN (`+entries+`)`, ev.seq)
	if err != nil {
		return err
	}
	for _, code := range codes {
		if keep[code] {
			continue
		}
		var reward string
		if err := t.queryRow(`DELETE FROM vouchers WHERE code = ? RETURNING reward_id`, code).Scan(&reward); err != nil {
			return fmt.Errorf("undo event %s: %w", ev.id, err)
		}
		if keep == nil {
			// Refused: the stock it took is back (the server's own
			// change gives the stock as it stands).
			if err := t.restock(reward); err != nil {
				return err
			}
		}
	}
	for _, q := range []string{
		`DELETE FROM allocations WHERE entry_id IN (` + entries + `)`,
		`DELETE FROM entries WHERE event_seq = ?`,
		`DELETE FROM lots WHERE id = ?`,
		`DELETE FROM events WHERE seq = ?`,
	} {
		if _, err := t.exec(q, ev.seq); err != nil {
			return fmt.Errorf("undo event %s: %w", ev.id, err)
		}
	}
	if keep == nil && ev.kind == rewards.EventCardIssue {
		// A card issued here that the server refused is no card.
		if _, err := t.exec(`DELETE FROM cards WHERE account_id >= ? AND number = json_extract(CAST(? AS TEXT), '$.number')`,
			rewards.LocalIDs, ev.body); err != nil {
			return fmt.Errorf("undo event %s: %w", ev.id, err)
		}
	}
	return nil
}

// dropLocalAccounts deletes the accounts the kiosk made that have no card
// left: the server's rows moved their cards to its own accounts, or a
// refusal took them away. Their personal records go with them.
func (t *txn) dropLocalAccounts() error {
	for _, q := range []string{
		`DELETE FROM allocations WHERE entry_id IN (SELECT id FROM entries WHERE account_id >= ?1 AND account_id NOT IN (SELECT account_id FROM cards))`,
		`DELETE FROM entries WHERE account_id >= ?1 AND account_id NOT IN (SELECT account_id FROM cards)`,
		`DELETE FROM vouchers WHERE account_id >= ?1 AND account_id NOT IN (SELECT account_id FROM cards)`,
		`DELETE FROM lots WHERE account_id >= ?1 AND account_id NOT IN (SELECT account_id FROM cards)`,
		`DELETE FROM people WHERE account_id >= ?1 AND account_id NOT IN (SELECT account_id FROM cards)`,
		`DELETE FROM replica_trimmed WHERE account_id >= ?1 AND account_id NOT IN (SELECT account_id FROM cards)`,
		`DELETE FROM accounts WHERE id >= ?1 AND id NOT IN (SELECT account_id FROM cards)`,
	} {
		if _, err := t.exec(q, rewards.LocalIDs); err != nil {
			return fmt.Errorf("drop the kiosk's accounts: %w", err)
		}
	}
	return nil
}

// ApplyChanges applies a page of the change feed in one write transaction
// and moves the cursor from from, where the page was read after, to the
// page's Next in it (ErrPulled when the cursor is no longer from). An
// event of the replica's own is first undone (what the kiosk computed for
// it), its events and outbox rows deleted: the server applied it, and an
// answer for it still on its way finds nothing to do. Then the change's
// rows are written as the server gives them; accounts given whole replace
// what the replica holds of them. Each account keeps its latest entries
// (and those of its open vouchers); the points of the others are added to
// replica_trimmed. The staff are replaced when the page gives them. A
// reward whose picture the replica lacks is taken as it is: the sync loop
// fetches the pictures MissingPictures names.
func (s *Store) ApplyChanges(ctx context.Context, from string, page rewards.SyncChanges) error {
	if _, err := parseCursor(page.Next); err != nil {
		return err
	}
	return s.applyPage(ctx, page, &from)
}

// ErrPulled is ApplyChanges's answer to a page read after a cursor the
// replica has moved from since: another pull (another process) applied
// it, or pages after it, first. Nothing is written.
var ErrPulled = errors.New("the replica was pulled past this page meanwhile")

// ApplyResync writes the server's answer to a resync of cards (Resync):
// their accounts replaced whole, the cards it does not hold removed with
// what only they held, the cards no longer waiting for it (ResyncCards).
// The cursor stays.
func (s *Store) ApplyResync(ctx context.Context, c rewards.Change) error {
	return s.applyPage(ctx, rewards.SyncChanges{Changes: []rewards.Change{c}}, nil)
}

// ResyncCards lists the cards whose accounts the replica is to ask the
// server for whole, after it refused the kiosk's events about them.
func (s *Store) ResyncCards(ctx context.Context) ([]string, error) {
	if err := s.notReplica(); err != nil {
		return nil, err
	}
	var out []string
	err := s.read(ctx, func(t *txn) error {
		var err error
		out, err = column[string](t, "replica_resync", `SELECT card FROM replica_resync ORDER BY card`)
		return err
	})
	return out, err
}

// ForgetResync drops cards from those waiting to be resynced
// (ResyncCards): the server refused to give them.
func (s *Store) ForgetResync(ctx context.Context, cards []string) error {
	if err := s.notReplica(); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		_, err := t.exec(`DELETE FROM replica_resync WHERE card IN (SELECT value FROM json_each(?))`, jsonList(cards))
		if err != nil {
			return fmt.Errorf("forget cards to resync: %w", err)
		}
		return nil
	})
}

// resyncLater notes the cards a refused event's body names, for the
// replica to ask for whole (ResyncCards).
func (t *txn) resyncLater(body []byte) error {
	for _, n := range rewards.EventCards(body) {
		if _, err := t.exec(`INSERT OR IGNORE INTO replica_resync (card) VALUES (?)`, n); err != nil {
			return fmt.Errorf("note card %s to resync: %w", n, err)
		}
	}
	return nil
}

// applyPage applies a page of changes, and for a page of the feed read
// after the cursor from (which must be the replica's) moves the cursor to
// its end and keeps its staff.
func (s *Store) applyPage(ctx context.Context, page rewards.SyncChanges, from *string) error {
	if err := s.notReplica(); err != nil {
		return err
	}
	forgot := false
	var typed int // outbox rows with personal data, before
	err := s.write(ctx, func(t *txn) error {
		if err := t.queryRow(`SELECT count(*) FROM outbox WHERE personal IS NOT NULL`).Scan(&typed); err != nil {
			return fmt.Errorf("read the outbox: %w", err)
		}
		if from != nil {
			var cursor string
			if err := t.queryRow(`SELECT cursor FROM replica WHERE id = 1`).Scan(&cursor); err != nil {
				return fmt.Errorf("read the cursor: %w", err)
			}
			if cursor != *from {
				return ErrPulled
			}
		}
		ids := make([]string, len(page.Changes))
		for i, c := range page.Changes {
			ids[i] = c.Event
		}
		own, err := t.ownEvents(ids)
		if err != nil {
			return err
		}
		if err := t.lift(); err != nil {
			return err
		}
		touched := map[int64]bool{}
		// The cards the kiosk issued whose accounts are still its own.
		kiosks := map[string]int64{}
		rows, err := t.query(`SELECT number, account_id FROM cards WHERE account_id >= ?`, rewards.LocalIDs)
		if err != nil {
			return fmt.Errorf("read the kiosk's cards: %w", err)
		}
		for rows.Next() {
			var n string
			var id int64
			if err := rows.Scan(&n, &id); err != nil {
				rows.Close()
				return fmt.Errorf("read the kiosk's cards: %w", err)
			}
			kiosks[n] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read the kiosk's cards: %w", err)
		}
		for _, c := range page.Changes {
			if ev, ok := own[c.Event]; ok {
				keep := map[string]bool{}
				for _, v := range c.Vouchers {
					keep[v.Code] = true
				}
				if err := t.undoLocal(ev, keep); err != nil {
					return err
				}
				if err := t.settleOutbox(ev); err != nil {
					return err
				}
			}
			if err := t.applyChange(c, touched, kiosks); err != nil {
				return fmt.Errorf("apply change %d (%s): %w", c.Seq, c.Kind, err)
			}
			forgot = forgot || c.Kind == rewards.EventCardForget
		}
		if err := t.trimEntries(touched); err != nil {
			return err
		}
		if err := t.dropLocalAccounts(); err != nil {
			return err
		}
		if err := t.drop(); err != nil {
			return err
		}
		if from == nil {
			// A resync: its cards wait no more.
			for _, c := range page.Changes {
				for _, cd := range c.Cards {
					if _, err := t.exec(`DELETE FROM replica_resync WHERE card = ?`, cd.Number); err != nil {
						return fmt.Errorf("resync card %s: %w", cd.Number, err)
					}
				}
				for _, n := range c.Gone {
					if _, err := t.exec(`DELETE FROM replica_resync WHERE card = ?`, n); err != nil {
						return fmt.Errorf("resync card %s: %w", n, err)
					}
				}
			}
			return nil
		}
		if page.Staff != nil {
			if err := t.replaceStaff(page.Staff); err != nil {
				return err
			}
		}
		// pulled_at is when the replica last caught up.
		if _, err := t.exec(`UPDATE replica SET cursor = ?, staff_digest = ?, conflicts = ?, pulled_at = CASE WHEN ?4 THEN pulled_at ELSE ?5 END,
			behind = ?4, online = 1, last_error = '' WHERE id = 1`, page.Next, page.StaffDigest, page.Conflicts, page.More, ms(t.until)); err != nil {
			return fmt.Errorf("move the cursor: %w", err)
		}
		var left int
		if err := t.queryRow(`SELECT count(*) FROM outbox WHERE personal IS NOT NULL`).Scan(&left); err != nil {
			return fmt.Errorf("read the outbox: %w", err)
		}
		forgot = forgot || left < typed
		return nil
	})
	if err == nil && forgot {
		err = s.checkpoint(ctx) // as ForgetCard does: no copy of what left stays in the log
	}
	return err
}

// settleOutbox ends the outbox row of an own event whose effects the
// server's replaced: the server applied it, so it is not uploaded again,
// and an answer still on its way finds no row (Answered skips it).
func (t *txn) settleOutbox(ev localEvent) error {
	if _, err := t.exec(`DELETE FROM outbox WHERE seq = ?`, ev.seq); err != nil {
		return fmt.Errorf("settle event %s: %w", ev.id, err)
	}
	return nil
}

// applyChange writes the rows of one change, noting the accounts whose
// entries it wrote.
func (t *txn) applyChange(c rewards.Change, touched map[int64]bool, kiosks map[string]int64) error {
	if c.Whole {
		if err := t.clearWhole(c); err != nil {
			return err
		}
	}
	if len(c.Gone) > 0 {
		// Cards the server does not hold: what the kiosk made of them
		// goes (their accounts too, when no card is left in them).
		gone := jsonList(c.Gone)
		for _, q := range []string{
			`UPDATE cards SET holder = NULL, pooled = 0 WHERE holder IN (SELECT value FROM json_each(?))`,
			`UPDATE cards SET replaced_by = NULL WHERE replaced_by IN (SELECT value FROM json_each(?))`,
			`DELETE FROM batch_cards WHERE number IN (SELECT value FROM json_each(?))`,
			`DELETE FROM cards WHERE number IN (SELECT value FROM json_each(?))`,
		} {
			if _, err := t.exec(q, gone); err != nil {
				return fmt.Errorf("remove cards the server does not hold: %w", err)
			}
		}
	}
	if c.Program != nil {
		if err := t.keepProgram(c.Program); err != nil {
			return err
		}
	}
	for _, co := range c.Coops {
		if err := t.saveCoop(co); err != nil {
			return err
		}
	}
	for _, st := range c.Stores {
		if err := t.saveStore(st); err != nil {
			return err
		}
	}
	for _, a := range c.Accounts {
		if _, err := t.exec(`INSERT INTO accounts (id, member_since, welcome_at, debt, purchase_total, sweep_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET member_since = excluded.member_since, welcome_at = excluded.welcome_at, debt = excluded.debt,
				purchase_total = excluded.purchase_total, sweep_at = excluded.sweep_at`,
			a.ID, a.MemberSince, a.WelcomeAt, a.Debt, a.PurchaseTotal, a.SweepAt); err != nil {
			return fmt.Errorf("write account %d: %w", a.ID, err)
		}
		if err := t.keepGivenName(a, c.Whole); err != nil {
			return err
		}
		if c.Whole {
			if _, err := t.exec(`INSERT INTO replica_trimmed (account_id, points) VALUES (?, ?)
				ON CONFLICT (account_id) DO UPDATE SET points = excluded.points`, a.ID, a.Trimmed); err != nil {
				return fmt.Errorf("write account %d: %w", a.ID, err)
			}
		}
	}
	for _, cd := range c.Cards {
		// A card the kiosk issued moves from its own account (kiosks) to
		// the server's: what the kiosk's later events wrote on it, which
		// their own changes will replace, moves with it.
		if own, ok := kiosks[cd.Number]; ok && own != cd.Account {
			for _, tb := range []string{"lots", "entries", "vouchers"} {
				if _, err := t.exec(`UPDATE `+tb+` SET account_id = ? WHERE account_id = ? AND card = ?`, cd.Account, own, cd.Number); err != nil {
					return fmt.Errorf("move the kiosk's rows of card %s: %w", cd.Number, err)
				}
			}
			delete(kiosks, cd.Number)
		}
		if _, err := t.exec(`INSERT INTO cards (number, account_id, issued_at, handed_at, active_from, blocked_at, replaced_by, holder, pooled)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (number) DO UPDATE SET account_id = excluded.account_id, issued_at = excluded.issued_at, handed_at = excluded.handed_at,
				active_from = excluded.active_from, blocked_at = excluded.blocked_at, replaced_by = excluded.replaced_by,
				holder = excluded.holder, pooled = excluded.pooled`,
			cd.Number, cd.Account, cd.IssuedAt, cd.HandedAt, cd.ActiveFrom, cd.BlockedAt, nullText(cd.ReplacedBy), nullText(cd.Holder), cd.Pooled); err != nil {
			return fmt.Errorf("write card %s: %w", cd.Number, err)
		}
	}
	for _, l := range c.Lots {
		if _, err := t.exec(`INSERT INTO lots (id, account_id, points, remaining, available_from, expires_at, card, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, points = excluded.points, remaining = excluded.remaining,
				available_from = excluded.available_from, expires_at = excluded.expires_at, card = excluded.card, amount = excluded.amount`,
			l.ID, l.Account, l.Points, l.Remaining, l.AvailableFrom, l.ExpiresAt, l.Card, l.Amount); err != nil {
			return fmt.Errorf("write lot %d: %w", l.ID, err)
		}
		if l.Kind != "" {
			if _, err := t.exec(`INSERT INTO replica_events (seq, kind, key, at, store) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (seq) DO UPDATE SET kind = excluded.kind, key = excluded.key, at = excluded.at, store = excluded.store`,
				l.ID, l.Kind, l.Ref, l.At, l.Store); err != nil {
				return fmt.Errorf("write lot %d: %w", l.ID, err)
			}
		}
	}
	for _, e := range c.Entries {
		var rev any
		if e.Reverses != 0 {
			rev = e.Reverses
		}
		if _, err := t.exec(`INSERT INTO entries (id, account_id, card, event_seq, kind, points, at, ref, reverses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, card = excluded.card`,
			e.ID, e.Account, e.Card, e.Event, e.Kind, e.Points, e.At, e.Ref, rev); err != nil {
			return fmt.Errorf("write entry %d: %w", e.ID, err)
		}
		for _, al := range e.Allocs {
			if _, err := t.exec(`INSERT INTO allocations (entry_id, lot_id, points) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, e.ID, al[0], al[1]); err != nil {
				return fmt.Errorf("write entry %d: %w", e.ID, err)
			}
		}
		if e.Store != "" {
			if _, err := t.exec(`INSERT INTO replica_events (seq, store) VALUES (?, ?) ON CONFLICT (seq) DO UPDATE SET store = excluded.store`,
				e.Event, e.Store); err != nil {
				return fmt.Errorf("write entry %d: %w", e.ID, err)
			}
		}
		touched[e.Account] = true
	}
	for _, v := range c.Vouchers {
		if _, err := t.exec(`INSERT INTO vouchers (code, account_id, card, reward_id, names, points, store, status, created_at, valid_until, closed_at, entry_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET account_id = excluded.account_id, card = excluded.card, reward_id = excluded.reward_id,
				names = excluded.names, points = excluded.points, store = excluded.store, status = excluded.status, created_at = excluded.created_at,
				valid_until = excluded.valid_until, closed_at = excluded.closed_at, entry_id = excluded.entry_id`,
			v.Code, v.Account, v.Card, v.Reward, v.Names, v.Points, v.Store, v.Status, v.CreatedAt, v.ValidUntil, v.ClosedAt, v.Entry); err != nil {
			return fmt.Errorf("write voucher %s: %w", v.Code, err)
		}
	}
	for _, r := range c.Rewards {
		if err := t.saveReward(&r); err != nil {
			return err
		}
	}
	for _, id := range c.Removed {
		if _, err := t.exec(`DELETE FROM rewards WHERE id = ?`, id); err != nil {
			return fmt.Errorf("remove reward %s: %w", id, err)
		}
	}
	return nil
}

// keepGivenName writes the given name the server holds of an account's
// customer, with its record's id; a record the kiosk keeps whole, typed
// here and not uploaded yet, keeps the rest. An account given whole
// without a name (forgotten, or pooled away) has no record left.
func (t *txn) keepGivenName(a rewards.SyncAccount, whole bool) error {
	if a.Person == "" {
		if !whole {
			return nil
		}
		_, err := t.exec(`DELETE FROM people WHERE account_id = ?`, a.ID)
		if err != nil {
			return fmt.Errorf("erase the given name of account %d: %w", a.ID, err)
		}
		return nil
	}
	// A record is the server's by its id: another row with it is an older
	// copy of the same record.
	if _, err := t.exec(`DELETE FROM people WHERE id = ? AND account_id <> ?`, a.Person, a.ID); err != nil {
		return fmt.Errorf("write the given name of account %d: %w", a.ID, err)
	}
	if _, err := t.exec(`INSERT INTO people (account_id, id, given_name) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET id = excluded.id, given_name = excluded.given_name`, a.ID, a.Person, a.GivenName); err != nil {
		return fmt.Errorf("write the given name of account %d: %w", a.ID, err)
	}
	return nil
}

// clearWhole deletes what the replica holds of the accounts a change gives
// whole, and of those its cards were on before (a link pooled them away):
// their lots, entries with their allocations and vouchers, but for the
// rows of the kiosk's own events, which their own changes replace.
func (t *txn) clearWhole(c rewards.Change) error {
	var ids []int64
	for _, a := range c.Accounts {
		ids = append(ids, a.ID)
	}
	numbers := make([]string, len(c.Cards))
	for i, cd := range c.Cards {
		numbers[i] = cd.Number
	}
	before, err := column[int64](t, "cards", `SELECT DISTINCT account_id FROM cards WHERE number IN (SELECT value FROM json_each(?)) AND account_id < ?`,
		jsonList(numbers), rewards.LocalIDs)
	if err != nil {
		return err
	}
	list := jsonList(append(ids, before...))
	for _, q := range []string{
		`DELETE FROM allocations WHERE entry_id < ?2 AND entry_id IN (SELECT id FROM entries
			WHERE card IN (SELECT number FROM cards WHERE account_id IN (SELECT value FROM json_each(?1))) AND account_id IN (SELECT value FROM json_each(?1)))`,
		`DELETE FROM entries WHERE id < ?2 AND card IN (SELECT number FROM cards WHERE account_id IN (SELECT value FROM json_each(?1)))
			AND account_id IN (SELECT value FROM json_each(?1))`,
		`DELETE FROM vouchers WHERE entry_id < ?2 AND account_id IN (SELECT value FROM json_each(?1))`,
		`DELETE FROM lots WHERE id < ?2 AND account_id IN (SELECT value FROM json_each(?1))`,
		`DELETE FROM replica_trimmed WHERE account_id IN (SELECT value FROM json_each(?1))`,
	} {
		if _, err := t.exec(q, list, rewards.LocalIDs); err != nil {
			return fmt.Errorf("replace accounts: %w", err)
		}
	}
	return nil
}

// keepProgram installs a program version the server installed, unless the
// replica has it, and puts it in force when it is the latest.
func (t *txn) keepProgram(p *rewards.Program) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode program: %w", err)
	}
	if _, err := t.exec(`INSERT INTO programs (version, body, installed_at) VALUES (?, ?, ?) ON CONFLICT (version) DO NOTHING`,
		p.Version, string(body), ms(t.until)); err != nil {
		return fmt.Errorf("install program version %d: %w", p.Version, err)
	}
	latest, err := t.latestProgram()
	if err != nil {
		return err
	}
	if latest != nil {
		t.prog = latest
		t.onCommit = append(t.onCommit, func() { t.s.remember(latest, true) })
	}
	return nil
}

// trimEntries keeps each account's latest entries of the server's (and
// those of its open vouchers) and adds the points of the others to
// replica_trimmed.
func (t *txn) trimEntries(accounts map[int64]bool) error {
	for id := range accounts {
		var n int
		var points int64
		if err := t.queryRow(`WITH old AS (SELECT id, points FROM entries
				WHERE card IN (SELECT number FROM cards WHERE account_id = ?1) AND account_id = ?1 AND id < ?2
					AND id NOT IN (SELECT entry_id FROM vouchers WHERE account_id = ?1 AND status = 'open')
				ORDER BY id DESC LIMIT -1 OFFSET ?3)
			SELECT count(*), coalesce(sum(points), 0) FROM old`, id, rewards.LocalIDs, keptEntries).Scan(&n, &points); err != nil {
			return fmt.Errorf("trim the entries of account %d: %w", id, err)
		}
		if n == 0 {
			continue
		}
		for _, q := range []string{
			`INSERT INTO replica_trimmed (account_id, points) VALUES (?1, ?4)
				ON CONFLICT (account_id) DO UPDATE SET points = points + excluded.points`,
			`DELETE FROM allocations WHERE entry_id IN (SELECT id FROM entries
				WHERE card IN (SELECT number FROM cards WHERE account_id = ?1) AND account_id = ?1 AND id < ?2
					AND id NOT IN (SELECT entry_id FROM vouchers WHERE account_id = ?1 AND status = 'open')
				ORDER BY id DESC LIMIT -1 OFFSET ?3)`,
			`DELETE FROM entries WHERE id IN (SELECT id FROM entries
				WHERE card IN (SELECT number FROM cards WHERE account_id = ?1) AND account_id = ?1 AND id < ?2
					AND id NOT IN (SELECT entry_id FROM vouchers WHERE account_id = ?1 AND status = 'open')
				ORDER BY id DESC LIMIT -1 OFFSET ?3)`,
		} {
			if _, err := t.exec(q, id, rewards.LocalIDs, keptEntries, points); err != nil {
				return fmt.Errorf("trim the entries of account %d: %w", id, err)
			}
		}
	}
	return nil
}

// replaceStaff replaces the replica's staff by the server's; the sessions
// of members still there stay.
func (t *txn) replaceStaff(staff []rewards.SyncStaff) error {
	numbers := make([]string, len(staff))
	for i, m := range staff {
		numbers[i] = m.Number
	}
	list := jsonList(numbers)
	for _, q := range []string{
		`DELETE FROM staff_sessions WHERE staff NOT IN (SELECT value FROM json_each(?))`,
		`DELETE FROM staff WHERE number NOT IN (SELECT value FROM json_each(?))`,
	} {
		if _, err := t.exec(q, list); err != nil {
			return fmt.Errorf("replace the staff: %w", err)
		}
	}
	for _, m := range staff {
		var locked any
		if m.LockedUntil != nil {
			locked = *m.LockedUntil
		}
		// A store's member is kept with the store only, as AddStaff keeps
		// it (its cooperative is the store's).
		coop := m.Coop
		if m.Store != "" {
			coop = ""
		}
		if _, err := t.exec(`INSERT INTO staff (number, name, role, store, coop, card, pin_hash, failures, locked_until, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (number) DO UPDATE SET name = excluded.name, role = excluded.role, store = excluded.store, coop = excluded.coop,
				card = excluded.card, pin_hash = excluded.pin_hash, failures = excluded.failures, locked_until = excluded.locked_until`,
			m.Number, m.Name, m.Role, nullText(m.Store), nullText(coop), nullText(m.Card), m.PINHash, m.Failures, locked, ms(m.CreatedAt)); err != nil {
			return fmt.Errorf("replace staff member %s: %w", m.Number, err)
		}
	}
	return nil
}

// MissingPictures lists the hashes of the pictures the replica's board
// names and it does not hold, for the sync loop to fetch (PutPicture).
func (s *Store) MissingPictures(ctx context.Context) ([]string, error) {
	out := []string{}
	err := s.read(ctx, func(t *txn) error {
		hashes, err := t.textColumn("pictures", `SELECT DISTINCT json_extract(body, '$.picture') FROM rewards
			WHERE coalesce(json_extract(body, '$.picture'), '') <> '' AND json_extract(body, '$.picture') NOT IN (SELECT hash FROM pictures)
			ORDER BY 1`)
		out = append(out, hashes...)
		return err
	})
	return out, err
}

// checkReplica checks what a replica holds (it has no log to replay):
// SQLite's integrity check; every account's lots less its debt against
// its lots' points, the entries it holds and the points of those it no
// longer holds; every lot within its bounds; every card's account held;
// every allocation's lot held; the cursor; every outbox row's event.
func (s *Store) checkReplica(ctx context.Context) (rewards.CheckReport, error) {
	r := rewards.CheckReport{Problems: []rewards.Problem{}, Replica: true, UnrecordedStores: []string{}, UnusedPictures: []string{}}
	err := s.read(ctx, func(t *txn) error {
		if err := t.queryRow(`PRAGMA integrity_check`).Scan(&r.Integrity); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if r.Integrity != "ok" {
			r.Problems = append(r.Problems, rewards.NewProblem("check.integrity", lang.Args{"result": r.Integrity}))
		}
		if err := t.queryRow(`SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM entries), (SELECT count(*) FROM lots)`).
			Scan(&r.Accounts, &r.Entries, &r.Lots); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		type sums struct{ id, byLots, byEntries int64 }
		accounts, err := scanAll(t, "accounts", `WITH l AS (SELECT account_id, sum(remaining) AS remaining, sum(points) AS points FROM lots GROUP BY account_id),
				e AS (SELECT account_id, sum(points) AS points FROM entries GROUP BY account_id)
			SELECT a.id, coalesce(l.remaining, 0) - a.debt, coalesce(l.points, 0) + coalesce(e.points, 0) + coalesce(tr.points, 0)
			FROM accounts a LEFT JOIN l ON l.account_id = a.id LEFT JOIN e ON e.account_id = a.id
				LEFT JOIN replica_trimmed tr ON tr.account_id = a.id`,
			func(rows *sql.Rows) (sums, error) {
				var s sums
				err := rows.Scan(&s.id, &s.byLots, &s.byEntries)
				return s, err
			})
		if err != nil {
			return err
		}
		// Rows come as they stand at the server, and the kiosk's own
		// events wait on them: an account adds up once the replica has
		// caught up and the server has answered for all of them.
		if err := t.queryRow(`SELECT behind OR EXISTS (SELECT 1 FROM outbox) FROM replica WHERE id = 1`).Scan(&r.CatchingUp); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		for _, a := range accounts {
			r.Total += a.byLots
			if a.byLots != a.byEntries && !r.CatchingUp {
				r.Problems = append(r.Problems, rewards.NewProblem("check.account", lang.Args{"account": a.id, "lots": a.byLots, "entries": a.byEntries}))
			}
		}
		for _, c := range []struct {
			key, q string
		}{
			{"check.lots_out_of_range", `SELECT count(*) FROM lots WHERE remaining < 0 OR remaining > points`},
			{"sync_feed.check_card_account", `SELECT count(*) FROM cards c WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = c.account_id)`},
			{"sync_feed.check_allocation_lot", `SELECT count(*) FROM allocations a WHERE NOT EXISTS (SELECT 1 FROM lots l WHERE l.id = a.lot_id)`},
			{"sync_feed.check_outbox", `SELECT count(*) FROM outbox o WHERE o.state IN ('waiting', 'applied') AND NOT EXISTS (SELECT 1 FROM events e WHERE e.seq = o.seq)`},
		} {
			var bad int
			if err := t.queryRow(c.q).Scan(&bad); err != nil {
				return fmt.Errorf("check: %w", err)
			}
			if bad > 0 {
				r.Problems = append(r.Problems, rewards.NewProblem(c.key, lang.Args{"count": bad}))
			}
		}
		var cursor string
		if err := t.queryRow(`SELECT cursor FROM replica WHERE id = 1`).Scan(&cursor); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		if _, err := parseCursor(cursor); err != nil {
			r.Problems = append(r.Problems, rewards.NewProblem("sync_feed.check_cursor", lang.Args{"cursor": cursor}))
		}
		missing, err := t.missingPictures()
		if err != nil {
			return fmt.Errorf("check pictures: %w", err)
		}
		r.Problems = append(r.Problems, missing...)
		return nil
	})
	return r, err
}

// AddNumbers keeps card numbers the server leased to this replica, for
// issuing cards offline.
func (s *Store) AddNumbers(ctx context.Context, numbers []string) error {
	if err := s.notReplica(); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		for _, n := range numbers {
			if _, err := t.exec(`INSERT OR IGNORE INTO replica_numbers (number) VALUES (?)`, n); err != nil {
				return fmt.Errorf("keep a leased card number: %w", err)
			}
		}
		return nil
	})
}

// NumbersLeft is how many leased card numbers the replica has not used.
func (s *Store) NumbersLeft(ctx context.Context) (int, error) {
	if err := s.notReplica(); err != nil {
		return 0, err
	}
	var n int
	err := s.read(ctx, func(t *txn) error {
		return t.queryRow(`SELECT count(*) FROM replica_numbers`).Scan(&n)
	})
	return n, err
}

// leasedNumber takes a number leased to the replica for a new card; with
// none left, issuing a card is refused (a pre-printed batch card can still
// be registered).
func (t *txn) leasedNumber() (string, error) {
	var n string
	err := t.queryRow(`SELECT number FROM replica_numbers ORDER BY number LIMIT 1`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return "", rewards.Fail(rewards.EREFUSED, "sync.numbers_used_up", nil)
	}
	if err != nil {
		return "", fmt.Errorf("take a leased card number: %w", err)
	}
	if _, err := t.exec(`DELETE FROM replica_numbers WHERE number = ?`, n); err != nil {
		return "", fmt.Errorf("take a leased card number: %w", err)
	}
	return n, nil
}
