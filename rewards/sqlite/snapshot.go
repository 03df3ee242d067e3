package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Snapshot writes the scope's replica, as it stands at a cursor, to w as a
// SQLite file that a kiosk installs as it is (InstallSnapshot): a new
// ledger made by this build's migrations, filled in one transaction of
// one connection that reads this ledger attached read-only, so that what
// it holds is one consistent state and the cursor is that state's. It
// holds what the change feed gives a replica: every account, card and lot,
// each account's latest entries (and the entries of its open vouchers),
// the open vouchers and those the entries name, the scope's board with its
// pictures, the stores and cooperatives, the scope's staff, the programs;
// of personal data the given names only. It holds no event: what made its
// lots and entries, as history names it, goes to replica_events.
func (s *Store) Snapshot(ctx context.Context, scope rewards.SyncScope, w io.Writer) (cursor string, err error) {
	if s.replica {
		return "", errServerOnly()
	}
	if s.db == nil {
		return "", errors.New("store is not open")
	}
	if s.memory {
		return "", errors.New("snapshot: a ledger in memory has no file to read")
	}
	// Beside the ledger: its folder has room for a copy of it.
	dir, err := os.MkdirTemp(filepath.Dir(s.Path), ".snapshot-")
	if err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "replica.db")
	fresh := NewStore(path)
	fresh.Create, fresh.Logger = true, s.Logger
	if err := fresh.Open(); err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	if err := fresh.Close(); err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	if cursor, err = s.fillSnapshot(ctx, path, scope); err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	return cursor, nil
}

// snapshotRows are the statements that copy a replica's rows from the
// ledger attached as src into a new ledger, in order: a statement may read
// what an earlier one wrote. ?1 is the scope's store, ?2 its cooperative.
var snapshotRows = []string{
	`INSERT INTO programs (version, body, installed_at) SELECT version, body, installed_at FROM src.programs`,
	`INSERT INTO accounts (id, member_since, welcome_at, debt, purchase_total, sweep_at)
		SELECT id, member_since, welcome_at, debt, purchase_total, sweep_at FROM src.accounts`,
	`INSERT INTO people (account_id, id, given_name) SELECT account_id, id, given_name FROM src.people`,
	`INSERT INTO cards (number, account_id, issued_at, handed_at, active_from, blocked_at, replaced_by, holder, pooled)
		SELECT number, account_id, issued_at, handed_at, active_from, blocked_at, replaced_by, holder, pooled FROM src.cards`,
	`INSERT INTO lots (id, account_id, points, remaining, available_from, expires_at, card, amount)
		SELECT id, account_id, points, remaining, available_from, expires_at, card, amount FROM src.lots`,
	`INSERT INTO replica_events (seq, kind, key, at, store)
		SELECT e.seq, e.kind, e.key, e.at, coalesce(json_extract(CAST(e.body AS TEXT), '$.store'), '')
		FROM src.lots l JOIN src.events e ON e.seq = l.id`,
	// The latest entries of each account, and those of its open vouchers,
	// which cancelling or a lapse gives back.
	`INSERT INTO entries (id, account_id, card, event_seq, kind, points, at, ref, reverses)
		SELECT id, account_id, card, event_seq, kind, points, at, ref, reverses FROM (
			SELECT e.*, row_number() OVER (PARTITION BY account_id ORDER BY id DESC) AS n FROM src.entries e)
		WHERE n <= ` + strconv.Itoa(keptEntries) + ` OR id IN (SELECT entry_id FROM src.vouchers WHERE status = 'open')
		ORDER BY id`,
	`INSERT INTO allocations (entry_id, lot_id, points)
		SELECT a.entry_id, a.lot_id, a.points FROM entries e JOIN src.allocations a ON a.entry_id = e.id`,
	`INSERT INTO replica_events (seq, store)
		SELECT DISTINCT e.event_seq, coalesce(json_extract(CAST(ev.body AS TEXT), '$.store'), '')
		FROM entries e JOIN src.events ev ON ev.seq = e.event_seq WHERE e.kind IN ('spend', 'redeem')
		ON CONFLICT (seq) DO NOTHING`,
	`INSERT INTO replica_trimmed (account_id, points)
		SELECT account_id, sum(points) FROM src.entries WHERE id NOT IN (SELECT id FROM entries)
		GROUP BY account_id HAVING sum(points) <> 0`,
	`INSERT INTO vouchers (code, account_id, card, reward_id, names, points, store, status, created_at, valid_until, closed_at, entry_id)
		SELECT code, account_id, card, reward_id, names, points, store, status, created_at, valid_until, closed_at, entry_id
		FROM src.vouchers WHERE status = 'open' OR entry_id IN (SELECT id FROM entries)`,
	`INSERT INTO rewards (id, coop, store, body)
		SELECT id, coop, store, body FROM src.rewards WHERE (?2 = '' OR coop = ?2) AND (?1 = '' OR store = '' OR store = ?1)`,
	`INSERT INTO pictures (hash, bytes, media_type, width, height)
		SELECT hash, bytes, media_type, width, height FROM src.pictures
		WHERE hash IN (SELECT json_extract(body, '$.picture') FROM rewards)`,
	`INSERT INTO coops (id, body) SELECT id, body FROM src.coops`,
	`INSERT INTO stores (id, coop, body) SELECT id, coop, body FROM src.stores`,
	// Staff who may log in at the scope's kiosks (scopeStaff).
	`INSERT INTO staff (number, name, role, store, coop, card, pin_hash, failures, locked_until, created_at)
		SELECT number, name, role, store, coop, card, pin_hash, failures, locked_until, created_at FROM src.staff
		WHERE (?1 = '' AND ?2 = '') OR (store IS NOT NULL AND store = ?1) OR (coop IS NOT NULL AND coop = ?2)`,
}

// fillSnapshot fills the new ledger at path with the scope's replica of
// this ledger and returns the cursor it stands at.
func (s *Store) fillSnapshot(ctx context.Context, path string, scope rewards.SyncScope) (string, error) {
	// A file no one else has open, made to be copied: no journal, no
	// waits for the disk, no foreign keys (a replica holds no events).
	db, err := sql.Open("sqlite3", uri(path)+"?_foreign_keys=off&_busy_timeout=10000")
	if err != nil {
		return "", err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	for _, q := range []string{`PRAGMA journal_mode = DELETE`, `PRAGMA journal_mode = OFF`, `PRAGMA synchronous = OFF`, `PRAGMA cache_size = -262144`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return "", fmt.Errorf("%s: %w", q, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, uri(s.Path)+"?mode=ro"); err != nil {
		return "", fmt.Errorf("attach the ledger: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	// The first read of src fixes the state the whole copy reads.
	var cur feedCursor
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(seq), 0) FROM src.events), (SELECT coalesce(max(id), 0) FROM src.entries)`).
		Scan(&cur.seq, &cur.entry); err != nil {
		return "", fmt.Errorf("read the cursor: %w", err)
	}
	if scope.Store != "" && scope.Coop == "" {
		err := tx.QueryRowContext(ctx, `SELECT coop FROM src.stores WHERE id = ?`, scope.Store).Scan(&scope.Coop)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("read the scope's store: %w", err)
		}
	}
	for _, q := range snapshotRows {
		if _, err := tx.ExecContext(ctx, q, scope.Store, scope.Coop); err != nil {
			return "", fmt.Errorf("copy rows (%.60s...): %w", q, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO replica (id, upstream, token, store, coop, cursor) VALUES (1, '', '', ?, ?, ?)`,
		scope.Store, scope.Coop, cur.String()); err != nil {
		return "", fmt.Errorf("record the replica: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `DETACH DATABASE src`); err != nil {
		return "", fmt.Errorf("detach the ledger: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA journal_mode = DELETE`); err != nil {
		return "", err
	}
	return cur.String(), nil
}
