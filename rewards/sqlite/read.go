package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Card returns a card as it stands at at.
func (s *Store) Card(ctx context.Context, number string, at time.Time) (rewards.Card, error) {
	var out rewards.Card
	err := s.read(ctx, func(t *txn) error {
		c, err := t.card(number)
		if err != nil {
			return err
		}
		a, err := t.account(c.accountID)
		if err != nil {
			return err
		}
		total, err := t.purchaseTotal(a)
		if err != nil {
			return err
		}
		out = rewards.Card{Number: c.number, Status: c.status(at), IssuedAt: fromMS(c.issuedAt),
			HandedAt: timePtr(c.handedAt), ActiveFrom: timePtr(c.activeFrom), BlockedAt: timePtr(c.blockedAt),
			ReplacedBy: c.replacedBy.String, Holder: c.holder.String, Pooled: c.pooled,
			Phone: a.phone.String, Name: a.name, Member: a.memberAt(at), PurchaseTotal: total}
		return nil
	})
	return out, err
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
	lots, err := t.lots(a)
	if err != nil {
		return b, err
	}
	// Vouchers that will have lapsed by at give their points back.
	if a.sweepAt != 0 && ms(at) >= a.sweepAt {
		if lots, err = t.withLapsedVouchers(a, lots, at); err != nil {
			return b, err
		}
	}
	b.Available, b.Pending, b.Expiring = rewards.ComputeBalance(lots, a.debt, at)
	return b, nil
}

func (t *txn) withLapsedVouchers(a *account, lots []rewards.Lot, at time.Time) ([]rewards.Lot, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT al.lot_id, sum(al.points) FROM vouchers v
		JOIN entries e ON e.id = v.entry_id OR e.reverses = v.entry_id
		JOIN allocations al ON al.entry_id = e.id
		WHERE v.account_id = ? AND v.status = 'open' AND v.valid_until <= ?
		GROUP BY al.lot_id`, a.id, ms(at))
	if err != nil {
		return nil, fmt.Errorf("read lapsed vouchers: %w", err)
	}
	back := map[int64]int64{}
	var ids []rewards.Allocation
	for rows.Next() {
		var al rewards.Allocation
		if err := rows.Scan(&al.Lot, &al.Points); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read lapsed vouchers: %w", err)
		}
		back[al.Lot] = al.Points
		ids = append(ids, al)
	}
	rows.Close()
	for i := range lots {
		if n, ok := back[lots[i].ID]; ok {
			lots[i].Remaining += n
			delete(back, lots[i].ID)
		}
	}
	// Lots that the vouchers emptied are not among those read.
	var missing []rewards.Allocation
	for _, al := range ids {
		if _, ok := back[al.Lot]; ok {
			missing = append(missing, al)
		}
	}
	more, err := t.lotsByID(missing)
	if err != nil {
		return nil, err
	}
	for _, l := range more {
		l.Remaining += back[l.ID]
		lots = append(lots, l)
	}
	return lots, nil
}

// History returns a card's ledger entries, its replaced predecessors'
// included, oldest first.
func (s *Store) History(ctx context.Context, card string) ([]rewards.HistoryEntry, error) {
	out := []rewards.HistoryEntry{}
	err := s.read(ctx, func(t *txn) error {
		if _, err := t.card(card); err != nil {
			return err
		}
		// Entries by card; accruals are lots, found through the accounts
		// of the cards (a lot stays in its card's account), named after
		// their events. Within one event an accrual comes after the
		// event's other entries.
		rows, err := t.tx.QueryContext(ctx, `WITH RECURSIVE chain(number) AS (
				SELECT ? UNION SELECT c.number FROM cards c JOIN chain ON c.replaced_by = chain.number)
			SELECT e.at, e.kind, e.points, e.card, e.ref, e.event_seq AS seq, e.id AS n FROM entries e JOIN chain ON e.card = chain.number
			UNION ALL
			SELECT ev.at, ev.kind, l.points, l.card, ev.key, l.id, 1 << 62 FROM lots l JOIN events ev ON ev.seq = l.id
			WHERE l.account_id IN (SELECT c.account_id FROM cards c JOIN chain ON c.number = chain.number)
				AND l.card IN (SELECT number FROM chain)
			ORDER BY 1, 6, 7`, card)
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var h rewards.HistoryEntry
			var at int64
			var seq, n int64
			if err := rows.Scan(&at, &h.Kind, &h.Points, &h.Card, &h.Ref, &seq, &n); err != nil {
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
	})
	return out, err
}
