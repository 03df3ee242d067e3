package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// AddReward adds an item to the board, or replaces the item with its id.
func (s *Store) AddReward(ctx context.Context, r rewards.RewardAdd) (rewards.Reward, error) {
	if err := r.Validate(); err != nil {
		return rewards.Reward{}, err
	}
	err := s.write(ctx, func(t *txn) error {
		_, err := run(t, eventKey{kind: rewards.EventRewardAdd, clientID: r.ID}, t.at(r.At), r, func(ev *eventRec) (any, string, error) {
			rw := r.Reward
			// A program without a board refuses the item before the
			// places it names are looked up.
			if err := t.acceptReward(&rw); err != nil {
				return nil, "", err
			}
			if err := t.rewardPlaces(rw); err != nil {
				return nil, "", err
			}
			return r, rw.ID, t.saveReward(&rw)
		})
		return err
	})
	return r.Reward, err
}

// RemoveReward takes an item off the board. Vouchers already made for it
// stay valid.
func (s *Store) RemoveReward(ctx context.Context, r rewards.RewardRemove) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(t *txn) error {
		_, err := run(t, eventKey{kind: rewards.EventRewardRemove, clientID: r.ID}, t.at(r.At), r, func(ev *eventRec) (any, string, error) {
			return r, r.Reward, t.removeReward(r.Reward)
		})
		return err
	})
}

func (t *txn) removeReward(id string) error {
	res, err := t.exec(`DELETE FROM rewards WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("remove reward: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rewards.Fail(rewards.ENOTFOUND, "reward.unknown", lang.Args{"reward": id})
	}
	return nil
}

// addReward puts a reward of an event applied from elsewhere on the board
// when the program keeps one. Its picture is not looked for: it was stored
// where the reward was made, and pictures are blobs fetched by hash that
// may arrive after the events that name them, as records of places may
// (which are not looked for either); until it comes, check names it
// missing.
//
// A replay of the log takes what the log holds, as it was accepted once.
func (t *txn) addReward(r *rewards.Reward) error {
	if !t.replaying {
		p, err := t.program()
		if err != nil {
			return err
		}
		if err := p.KeepsBoard(); err != nil {
			return err
		}
	}
	return t.saveReward(r)
}

// acceptReward says why the program's rules refuse a reward added here,
// or nil: its picture must be stored already (an event applied from
// elsewhere, or again in a replay, is addReward's).
func (t *txn) acceptReward(r *rewards.Reward) error {
	p, err := t.program()
	if err != nil {
		return err
	}
	stored := false
	if r.Picture != "" {
		if stored, err = t.pictureStored(r.Picture); err != nil {
			return err
		}
	}
	return p.AcceptsReward(r, stored)
}

func (t *txn) saveReward(r *rewards.Reward) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode reward: %w", err)
	}
	_, err = t.exec(`INSERT INTO rewards (id, coop, store, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET coop = excluded.coop, store = excluded.store, body = excluded.body`,
		r.ID, r.Coop, r.Store, string(body))
	if err != nil {
		return fmt.Errorf("save reward: %w", err)
	}
	return nil
}

func (t *txn) reward(id string) (*rewards.Reward, error) {
	var body string
	err := t.queryRow(`SELECT body FROM rewards WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rewards.Fail(rewards.ENOTFOUND, "reward.unknown", lang.Args{"reward": id})
	} else if err != nil {
		return nil, fmt.Errorf("look up reward: %w", err)
	}
	var r rewards.Reward
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, fmt.Errorf("decode reward %s: %w", id, err)
	}
	return &r, nil
}

// Rewards lists the board of a cooperative (all when coop is empty),
// narrowed to the items offered in store when store is not empty.
func (s *Store) Rewards(ctx context.Context, coop, store string) ([]rewards.Reward, error) {
	out := []rewards.Reward{}
	err := s.read(ctx, func(t *txn) error {
		rows, err := t.tx.QueryContext(ctx, `SELECT body FROM rewards
			WHERE (? = '' OR coop = ?) AND (? = '' OR store = '' OR store = ?) ORDER BY coop, id`, coop, coop, store, store)
		if err != nil {
			return fmt.Errorf("list rewards: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var body string
			var r rewards.Reward
			if err := rows.Scan(&body); err != nil {
				return fmt.Errorf("list rewards: %w", err)
			}
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				return fmt.Errorf("decode reward: %w", err)
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if err := t.boardStock(&out[i], s.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Reward is the board's item with the id as Rewards lists it.
func (s *Store) Reward(ctx context.Context, id string) (rewards.Reward, error) {
	var out rewards.Reward
	err := s.read(ctx, func(t *txn) error {
		r, err := t.reward(id)
		if err != nil {
			return err
		}
		out = *r
		return t.boardStock(&out, s.Now())
	})
	return out, err
}

// boardStock is a stocked reward's stock as the board shows it at now:
// vouchers that lapsed unclaimed put their reward back in stock, which
// the ledger records when their account next changes.
func (t *txn) boardStock(r *rewards.Reward, now time.Time) error {
	if r.Stock == nil {
		return nil
	}
	var lapsed int64
	if err := t.queryRow(`SELECT count(*) FROM vouchers WHERE reward_id = ? AND status = 'open' AND valid_until <= ?`,
		r.ID, ms(now)).Scan(&lapsed); err != nil {
		return fmt.Errorf("count lapsed vouchers: %w", err)
	}
	stock := *r.Stock + lapsed
	r.Stock = &stock
	return nil
}
