package sqlite

import (
	"context"
	"fmt"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Check verifies the ledger's invariants and the database file: every
// account's balance computed from its lots, less any debt left by a return,
// equals the one computed from its entries (its lots' points, which are its
// accruals, and its other entries); the entries add up to the sum of all
// balances; no lot holds more than it was given or less than nothing.
func (s *Store) Check(ctx context.Context) (rewards.CheckReport, error) {
	r := rewards.CheckReport{Problems: []string{}}
	err := s.read(ctx, func(t *txn) error {
		if err := t.tx.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&r.Integrity); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if r.Integrity != "ok" {
			r.Problems = append(r.Problems, "integrity_check: "+r.Integrity)
		}
		if err := t.tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM entries), (SELECT count(*) FROM lots)`).
			Scan(&r.Accounts, &r.Entries, &r.Lots); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		rows, err := t.tx.QueryContext(ctx, `SELECT a.id,
				coalesce((SELECT sum(remaining) FROM lots WHERE account_id = a.id), 0) - a.debt,
				coalesce((SELECT sum(points) FROM lots WHERE account_id = a.id), 0) +
				coalesce((SELECT sum(points) FROM entries WHERE account_id = a.id), 0)
			FROM accounts a`)
		if err != nil {
			return fmt.Errorf("check balances: %w", err)
		}
		var fromEntries int64
		for rows.Next() {
			var id, byLots, byEntries int64
			if err := rows.Scan(&id, &byLots, &byEntries); err != nil {
				rows.Close()
				return fmt.Errorf("check balances: %w", err)
			}
			r.Total += byLots
			fromEntries += byEntries
			if byLots != byEntries {
				r.Problems = append(r.Problems, fmt.Sprintf("account %d: lots less debt hold %d, entries add up to %d", id, byLots, byEntries))
			}
		}
		rows.Close()
		var all int64
		if err := t.tx.QueryRowContext(ctx, `SELECT (SELECT coalesce(sum(points), 0) FROM lots) + (SELECT coalesce(sum(points), 0) FROM entries)`).Scan(&all); err != nil {
			return fmt.Errorf("check entries: %w", err)
		}
		if all != r.Total {
			r.Problems = append(r.Problems, fmt.Sprintf("all entries add up to %d, all balances to %d", all, r.Total))
		}
		var bad int
		if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM lots WHERE remaining < 0 OR remaining > points`).Scan(&bad); err != nil {
			return fmt.Errorf("check lots: %w", err)
		} else if bad > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%d lots hold less than nothing or more than they were given", bad))
		}
		// Every lot's points, less what entries took from it, less what
		// paid a debt back, is what it holds: allocations never overdraw.
		if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM lots l
			WHERE l.points - coalesce((SELECT sum(points) FROM allocations WHERE lot_id = l.id), 0) < l.remaining`).Scan(&bad); err != nil {
			return fmt.Errorf("check allocations: %w", err)
		} else if bad > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%d lots hold more than their allocations leave", bad))
		}
		return nil
	})
	return r, err
}
