// Package sqlitetest fills SQLite ledgers for benchmarks: hundreds of
// thousands of cards, lots and entries written directly in SQL, shaped as
// the store writes them, in seconds instead of one commit each. Tests and
// benchmarks only; a ledger filled so has no events a replay could rebuild
// its cards from.
package sqlitetest

import (
	"database/sql"
	"fmt"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver of the ledgers it fills

	"github.com/tochka-loyalty/tochka/rewards"
)

// t0 is when the filled cards were issued and their receipts began.
var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// Card is the i-th card number of a filled ledger (from 1): an EAN-13 with
// its check digit.
func Card(i int) string {
	return rewards.WithCheckDigit(fmt.Sprintf("27%010d", i))
}

// Cards adds n active cards to the ledger db, each with an account of its
// own, and returns their numbers. The ledger must have no accounts yet.
func Cards(db *sql.DB, n int) ([]string, error) {
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		 INSERT INTO accounts (id) SELECT i FROM n`, n); err != nil {
		return nil, fmt.Errorf("fill accounts: %w", err)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = Card(i + 1)
		if _, err := tx.Exec(`INSERT INTO cards (number, account_id, issued_at, handed_at, active_from) VALUES (?, ?, ?, ?, ?)`,
			out[i], i+1, t0, t0, t0); err != nil {
			return nil, fmt.Errorf("fill cards: %w", err)
		}
	}
	return out, tx.Commit()
}

// Ledger adds n cards with lotsPer receipts' lots each, and one spend of a
// point from each card's first lot (an entry and its allocation), and
// returns the card numbers.
func Ledger(db *sql.DB, n, lotsPer int) ([]string, error) {
	out, err := Cards(db, n)
	if err != nil {
		return nil, err
	}
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		 INSERT INTO events (seq, kind, key, device, at, body, result, applied)
		 SELECT (SELECT coalesce(max(seq), 0) FROM events) + i, 'receipt', 'bench-' || i, 'bench', `+fmt.Sprint(t0)+` + i, '{}', x'', '{"version":1}' FROM n`,
		n*lotsPer); err != nil {
		return nil, fmt.Errorf("fill events: %w", err)
	}
	// Every receipt's accrual is a lot (the ledger's entry for it); lot k
	// belongs to account (k-1) % n + 1, so each account's lots are spread
	// over the table as a real ledger's are.
	if _, err := tx.Exec(`INSERT INTO lots (id, account_id, points, remaining, available_from, expires_at, card, amount)
		SELECT l.seq, (l.seq - 1) % ?1 + 1, 10 + l.seq % 90, 10 + l.seq % 90, l.at + 15 * 86400000, l.at + 380 * 86400000,
			c.number, 1000 + l.seq % 9000
		FROM events l JOIN cards c ON c.account_id = (l.seq - 1) % ?1 + 1 WHERE l.kind = 'receipt'`, n); err != nil {
		return nil, fmt.Errorf("fill lots: %w", err)
	}
	for _, q := range []string{
		`INSERT INTO entries (id, account_id, card, event_seq, kind, points, at, ref)
			SELECT l.id, l.account_id, l.card, l.id, 'spend', -1, e.at, e.key FROM lots l JOIN events e ON e.seq = l.id WHERE l.id <= ?`,
		`INSERT INTO allocations (entry_id, lot_id, points) SELECT id, id, 1 FROM lots WHERE id <= ?`,
		`UPDATE lots SET remaining = remaining - 1 WHERE id <= ?`,
	} {
		if _, err := tx.Exec(q, n); err != nil {
			return nil, fmt.Errorf("fill entries: %w", err)
		}
	}
	return out, tx.Commit()
}
