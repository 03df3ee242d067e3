package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tochka-loyalty/tochka/rewards"
)

var _ rewards.Places = (*Store)(nil)

// AddCoop records a cooperative, or updates the record with its id.
func (s *Store) AddCoop(ctx context.Context, c rewards.CoopAdd) (rewards.Coop, error) {
	if err := c.Validate(); err != nil {
		return rewards.Coop{}, err
	}
	err := s.write(ctx, func(t *txn) error {
		_, err := run(t, eventKey{kind: rewards.EventCoopAdd, clientID: c.ID}, t.at(c.At), c, func(ev *eventRec) (any, string, error) {
			return c, c.Coop.ID, t.saveCoop(c.Coop)
		})
		return err
	})
	return c.Coop, err
}

// AddStore records a store of a recorded cooperative, or updates the
// record with its id.
func (s *Store) AddStore(ctx context.Context, c rewards.StoreAdd) (rewards.Store, error) {
	if err := c.Validate(); err != nil {
		return rewards.Store{}, err
	}
	err := s.write(ctx, func(t *txn) error {
		_, err := run(t, eventKey{kind: rewards.EventStoreAdd, clientID: c.ID}, t.at(c.At), c, func(ev *eventRec) (any, string, error) {
			if err := t.storePlaces(c.Store); err != nil {
				return nil, "", err
			}
			return c, c.Store.ID, t.saveStore(c.Store)
		})
		return err
	})
	return c.Store, err
}

func (t *txn) saveCoop(c rewards.Coop) error {
	body, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode cooperative: %w", err)
	}
	if _, err := t.exec(`INSERT INTO coops (id, body) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body`, c.ID, string(body)); err != nil {
		return fmt.Errorf("save cooperative: %w", err)
	}
	return nil
}

// The rules that records name recorded places are the commands': an event
// applied from elsewhere was checked where it was made (and may arrive
// before the record it names, from another device), and rewards were put
// on boards before places were recorded at all.

// storePlaces checks that a store names a recorded cooperative.
func (t *txn) storePlaces(s rewards.Store) error {
	coop, err := t.coop(s.Coop)
	if err != nil {
		return err
	}
	return rewards.StoreInCoop(s, coop)
}

func (t *txn) saveStore(s rewards.Store) error {
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode store: %w", err)
	}
	if _, err := t.exec(`INSERT INTO stores (id, coop, body) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET coop = excluded.coop, body = excluded.body`, s.ID, s.Coop, string(body)); err != nil {
		return fmt.Errorf("save store: %w", err)
	}
	return nil
}

// rewardPlaces checks that a reward names recorded places.
func (t *txn) rewardPlaces(r rewards.Reward) error {
	coop, err := t.coop(r.Coop)
	if err != nil {
		return err
	}
	var store *rewards.Store
	if r.Store != "" {
		if store, err = t.store(r.Store); err != nil {
			return err
		}
	}
	return rewards.RewardPlaces(r, coop, store)
}

// coop is the record of a cooperative, nil when there is none.
func (t *txn) coop(id string) (*rewards.Coop, error) {
	var c rewards.Coop
	return loadRecord(t, `SELECT body FROM coops WHERE id = ?`, id, "cooperative", &c)
}

// store is the record of a store, nil when there is none.
func (t *txn) store(id string) (*rewards.Store, error) {
	var s rewards.Store
	return loadRecord(t, `SELECT body FROM stores WHERE id = ?`, id, "store", &s)
}

func loadRecord[T any](t *txn, q, id, what string, v *T) (*T, error) {
	var body string
	err := t.queryRow(q, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("look up %s %s: %w", what, id, err)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", what, id, err)
	}
	return v, nil
}

// Coops lists the recorded cooperatives by id.
func (s *Store) Coops(ctx context.Context) ([]rewards.Coop, error) {
	return listRecords[rewards.Coop](ctx, s, `SELECT body FROM coops ORDER BY id`, "cooperatives")
}

// Stores lists the recorded stores by id.
func (s *Store) Stores(ctx context.Context) ([]rewards.Store, error) {
	return listRecords[rewards.Store](ctx, s, `SELECT body FROM stores ORDER BY id`, "stores")
}

func listRecords[T any](ctx context.Context, s *Store, q, what string) ([]T, error) {
	out := []T{}
	err := s.read(ctx, func(t *txn) error {
		rows, err := t.tx.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("list %s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			var body string
			var v T
			if err := rows.Scan(&body); err != nil {
				return fmt.Errorf("list %s: %w", what, err)
			}
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				return fmt.Errorf("decode %s: %w", what, err)
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// unrecordedStores lists the store ids that receipts name and no record
// has: tills are not ours to stop, but an operator should record them.
func (t *txn) unrecordedStores() ([]string, error) {
	rows, err := t.query(`SELECT DISTINCT json_extract(CAST(body AS TEXT), '$.store') AS store FROM events
		WHERE kind = ? AND json_valid(CAST(body AS TEXT)) AND store IS NOT NULL AND store <> '' AND store NOT IN (SELECT id FROM stores)
		ORDER BY store`, rewards.EventReceipt)
	if err != nil {
		return nil, fmt.Errorf("list unrecorded stores: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list unrecorded stores: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
