package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tochka-loyalty/tochka/lang"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Card returns a card as it stands at at.
func (s *Store) Card(ctx context.Context, number string, at time.Time) (rewards.Card, error) {
	var out rewards.Card
	err := s.read(ctx, func(t *txn) error {
		var err error
		if out, err = t.cardView(number, at); err != nil {
			return err
		}
		root := rewards.Household(out)
		out.Family, err = t.textColumn("cards of the household", `SELECT number FROM cards
			WHERE (number = ? OR holder = ?) AND number <> ? AND replaced_by IS NULL ORDER BY number`, root, root, out.Number)
		return err
	})
	return out, err
}

// cardView is a card as it stands at at, with its account's membership,
// purchase total and personal data.
func (t *txn) cardView(number string, at time.Time) (rewards.Card, error) {
	c, err := t.card(number)
	if err != nil {
		return rewards.Card{}, err
	}
	a, err := t.account(c.accountID)
	if err != nil {
		return rewards.Card{}, err
	}
	total, err := t.purchaseTotal(a)
	if err != nil {
		return rewards.Card{}, err
	}
	out := c.view(at)
	out.Member, out.PurchaseTotal = a.memberAt(at), total
	p, err := t.person(a.id)
	if err != nil {
		return out, err
	}
	if p != nil {
		out.Phone, out.Name, out.GivenName, out.FamilyName, out.Email = p.Phone, p.FullName(), p.GivenName, p.FamilyName, p.Email
	}
	return out, nil
}

// Balance returns what a card holds at t: t may be in the future, to preview
// what matures, expires or lapses by then.
func (s *Store) Balance(ctx context.Context, card string, t time.Time) (rewards.Balance, error) {
	var b rewards.Balance
	err := s.read(ctx, func(tx *txn) error {
		c, err := tx.card(card)
		if err != nil {
			return err
		}
		b, err = tx.balance(c, t)
		return err
	})
	return b, err
}

func (t *txn) balance(c *cardRow, at time.Time) (rewards.Balance, error) {
	b := rewards.Balance{Card: c.number, Status: c.status(at), ActiveFrom: timePtr(c.activeFrom), AsOf: at.UTC(),
		Pending: []rewards.PendingPoints{}, Expiring: []rewards.ExpiringLots{}}
	if b.Status == rewards.CardIssued || b.Status == rewards.CardReplaced {
		return b, nil
	}
	a, err := t.account(c.accountID)
	if err != nil {
		return b, err
	}
	acct, err := t.holdings(a)
	if err != nil {
		return b, err
	}
	b.Available, b.Pending, b.Expiring, err = rewards.Holdings(acct, at)
	return b, err
}

// History returns a card's ledger entries, its replaced predecessors'
// included, oldest first.
func (s *Store) History(ctx context.Context, card string) ([]rewards.HistoryEntry, error) {
	var out []rewards.HistoryEntry
	err := s.read(ctx, func(t *txn) error {
		var err error
		out, err = t.history(card)
		return err
	})
	return out, err
}

// history reads a card's entries, as History returns them.
func (t *txn) history(card string) ([]rewards.HistoryEntry, error) {
	out := []rewards.HistoryEntry{}
	ctx := t.ctx
	err := func() error {
		if _, err := t.card(card); err != nil {
			return err
		}
		// Entries by card; accruals are lots, found through the accounts
		// of the cards (a lot stays in its card's account), named after
		// their events (a replica's record of the central ledger's, when
		// it does not hold them: replica_events). Within one event an
		// accrual comes after the event's other entries.
		rows, err := t.tx.QueryContext(ctx, `WITH RECURSIVE chain(number) AS (
				SELECT ? UNION SELECT c.number FROM cards c JOIN chain ON c.replaced_by = chain.number)
			SELECT e.at, e.kind, e.points, e.card, e.ref, e.event_seq AS seq, e.id AS n,
				CASE WHEN e.kind IN ('spend', 'redeem') THEN coalesce((SELECT coalesce(json_extract(CAST(ev.body AS TEXT), '$.store'), '')
					FROM events ev WHERE ev.seq = e.event_seq), (SELECT store FROM replica_events WHERE seq = e.event_seq), '') ELSE '' END
			FROM entries e JOIN chain ON e.card = chain.number
			UNION ALL
			SELECT coalesce(ev.at, re.at), coalesce(ev.kind, re.kind), l.points, l.card, coalesce(ev.key, re.key), l.id, 1 << 62,
				coalesce(json_extract(CAST(ev.body AS TEXT), '$.store'), re.store, '')
			FROM lots l LEFT JOIN events ev ON ev.seq = l.id LEFT JOIN replica_events re ON re.seq = l.id
			WHERE l.account_id IN (SELECT c.account_id FROM cards c JOIN chain ON c.number = chain.number)
				AND l.card IN (SELECT number FROM chain) AND (ev.seq IS NOT NULL OR re.seq IS NOT NULL)
			ORDER BY 1, 6, 7`, card)
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var h rewards.HistoryEntry
			var at int64
			var seq, n int64
			if err := rows.Scan(&at, &h.Kind, &h.Points, &h.Card, &h.Ref, &seq, &n, &h.Store); err != nil {
				return fmt.Errorf("history: %w", err)
			}
			h.At = fromMS(at)
			if n == 1<<62 { // a lot: its event's kind and key
				kind := accrualKinds[h.Kind]
				if kind != rewards.EntryEarn {
					h.Ref = ""
				}
				h.Kind = kind
			}
			out = append(out, h)
		}
		return rows.Err()
	}()
	return out, err
}

// Ping says whether the ledger answers: a read of its schema through the
// connections reads use, so that a server is ready only when reads are.
func (s *Store) Ping(ctx context.Context) error {
	return s.read(ctx, func(t *txn) error {
		var n int
		if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM programs`).Scan(&n); err != nil {
			return fmt.Errorf("ping the ledger: %w", err)
		}
		return nil
	})
}

// Backup writes a consistent copy of the ledger to the new file path while
// it stays open for writing, here or in another process (SQLite's VACUUM
// INTO reads one snapshot): the copy holds every commit before it began and
// nothing of one after. The copy is compact and has no write-ahead log.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.db == nil {
		return errors.New("store is not open")
	}
	if _, err := os.Stat(path); err == nil {
		return rewards.Fail(rewards.ECONFLICT, "ledger.backup_exists", lang.Args{"path": path})
	}
	// The writer's pool, not the readers': they are query-only, and VACUUM
	// INTO writes a file. It takes no write lock: it reads a snapshot.
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}
