package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

var _ rewards.Reports = (*Store)(nil)

// Liability loads every account that holds or owes anything, or has an
// open voucher, with the origin of its lots (the store of the receipt that
// earned each, and when), and the cooperatives of the recorded stores, and
// has the program compute the points owed at t (the store's now when t is
// zero; never before it: Program.LiabilityAt).
func (s *Store) Liability(ctx context.Context, t time.Time, by string) (rewards.Liability, error) {
	var out rewards.Liability
	now := s.Now()
	err := s.read(ctx, func(tx *txn) error {
		p, err := tx.program()
		if err != nil {
			return err
		}
		if t, err = p.LiabilityAt(t, now); err != nil {
			return err
		}
		rows, err := tx.tx.QueryContext(ctx, `SELECT a.id FROM accounts a WHERE a.debt > 0
			OR EXISTS (SELECT 1 FROM lots l WHERE l.account_id = a.id AND l.remaining > 0)
			OR EXISTS (SELECT 1 FROM vouchers v WHERE v.account_id = a.id AND v.status = 'open')
			ORDER BY a.id`)
		if err != nil {
			return fmt.Errorf("liability: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("liability: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("liability: %w", err)
		}
		accts := make([]rewards.LiabilityAccount, 0, len(ids))
		var lots []int64
		for _, id := range ids {
			a, err := tx.account(id)
			if err != nil {
				return err
			}
			h, err := tx.holdings(a)
			if err != nil {
				return err
			}
			for _, l := range h.Lots {
				lots = append(lots, l.ID)
			}
			accts = append(accts, rewards.LiabilityAccount{Account: h})
		}
		origins, err := tx.lotOrigins(lots)
		if err != nil {
			return err
		}
		for i := range accts {
			accts[i].Origins = origins
		}
		coopOf, err := tx.storeCoops()
		if err != nil {
			return err
		}
		out, err = p.Liability(accts, t, by, coopOf)
		return err
	})
	return out, err
}

// lotOrigins reads where and when the lots were earned: a lot's id is the
// seq of the event that made it, a receipt (its store) or the welcome
// bonus of a card issued or registered (no store).
func (t *txn) lotOrigins(ids []int64) (map[int64]rewards.LotOrigin, error) {
	out := make(map[int64]rewards.LotOrigin, len(ids))
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(`SELECT ev.seq, ev.at,
			CASE WHEN ev.kind = ? THEN coalesce(json_extract(CAST(ev.body AS TEXT), '$.store'), '') ELSE '' END
		FROM events ev WHERE ev.seq IN (SELECT value FROM json_each(?))`, rewards.EventReceipt, string(list))
	if err != nil {
		return nil, fmt.Errorf("read the origins of lots: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq, at int64
		var o rewards.LotOrigin
		if err := rows.Scan(&seq, &at, &o.Store); err != nil {
			return nil, fmt.Errorf("read the origins of lots: %w", err)
		}
		o.At = fromMS(at)
		out[seq] = o
	}
	return out, rows.Err()
}

// storeCoops maps each recorded store to its cooperative.
func (t *txn) storeCoops() (map[string]string, error) {
	rows, err := t.query(`SELECT id, coop FROM stores`)
	if err != nil {
		return nil, fmt.Errorf("read stores: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, coop string
		if err := rows.Scan(&id, &coop); err != nil {
			return nil, fmt.Errorf("read stores: %w", err)
		}
		out[id] = coop
	}
	return out, rows.Err()
}
