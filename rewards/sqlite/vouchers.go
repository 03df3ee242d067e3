package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Redeem exchanges points for a reward of the board and returns the voucher.
func (s *Store) Redeem(ctx context.Context, r rewards.Redemption) (rewards.Voucher, error) {
	if err := r.ValidateRequest(); err != nil {
		return rewards.Voucher{}, err
	}
	var code string
	err := s.write(ctx, func(t *txn) error {
		var err error
		code, err = run(t, eventKey{kind: rewards.EventRedeem, clientID: r.ID}, t.at(r.At), r, func(ev *eventRec) (any, string, error) {
			if t.s.replica {
				return r, r.Code, t.redeemOffline(ev, &r)
			}
			_, err := t.redeem(ev, &r, 0)
			return r, r.Code, err
		})
		return err
	})
	if err != nil {
		return rewards.Voucher{}, err
	}
	return s.Voucher(ctx, code)
}

// redeemOffline is a redemption at a kiosk's replica, which the server
// will apply when it can be reached: within what the program's offline
// cap leaves of this kiosk's offline redemptions of the card that day
// (none at all with no cap: redeeming needs the server), and with no debt.
func (t *txn) redeemOffline(ev *eventRec, r *rewards.Redemption) error {
	p, err := t.program()
	if err != nil {
		return err
	}
	if p.Spend.OfflineCap == 0 {
		return rewards.Fail(rewards.EREFUSED, "sync.needs_server", nil)
	}
	rw, err := t.reward(r.Reward)
	if err != nil {
		return err
	}
	day := p.OfflineDay(ev.at)
	if _, err := t.offlineCapLeft(p, ev.device, r.Card, day, rw.Points); err != nil {
		return err
	}
	if _, err := t.redeem(ev, r, 0); err != nil {
		return err
	}
	return t.recordOffline(ev.seq, ev.device, r.Card, day, rw.Points)
}

// redeem makes the redemption's voucher. allowance is how many points of
// the price a balance too low may leave owed (an offline redemption a
// kiosk uploaded, RedeemOffline; the debt its event recorded when it is
// applied again; 0 for any other); short is how many it did, which the
// redemption records as its Debt.
func (t *txn) redeem(ev *eventRec, r *rewards.Redemption, allowance int64) (short int64, err error) {
	p, err := t.program()
	if err != nil {
		return 0, err
	}
	if err := p.AcceptsRedemption(); err != nil {
		return 0, err
	}
	c, a, err := t.usableCard(r.Card, ev.at)
	if err != nil {
		return 0, err
	}
	rw, err := t.reward(r.Reward)
	if err != nil {
		return 0, err
	}
	if !rw.InStock() {
		// Vouchers for it that lapsed unclaimed put it back in stock.
		if err := t.sweepVouchersOf(rw.ID, ev); err != nil {
			return 0, err
		}
		if rw, err = t.reward(r.Reward); err != nil {
			return 0, err
		}
	}
	if r.Code == "" {
		r.Code, err = t.draw("voucher code", rewards.NewVoucherCode, func(code string) (bool, error) {
			_, err := t.voucher(code)
			switch rewards.ErrorCode(err) {
			case rewards.ENOTFOUND:
				return false, nil
			case rewards.EREFUSED:
				return true, nil // a void code (noVoucher) is no new one either
			}
			return err == nil, err
		})
		if err != nil {
			return 0, err
		}
	} else if r.Code, err = rewards.NormalizeVoucherCode(r.Code); err != nil {
		return 0, err
	}
	acct, err := t.holdings(a)
	if err != nil {
		return 0, err
	}
	eff, short, err := p.RedeemOffline(acct, c.number, *rw, r.Store, r.Code, ev.at, allowance)
	if err != nil {
		return 0, err
	}
	r.Debt = short
	ids, err := t.save(a, c.number, ev, eff)
	if err != nil {
		return 0, err
	}
	v := eff.Voucher
	names, _ := json.Marshal(rw.Names)
	if _, err := t.exec(`INSERT INTO vouchers (code, account_id, card, reward_id, names, points, store, status, created_at, valid_until, entry_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
		v.Code, a.id, v.Card, v.Reward, string(names), v.Points, r.Store, ms(ev.at), ms(v.ValidUntil), ids[len(ids)-1]); err != nil {
		if isUnique(err) {
			return 0, rewards.Fail(rewards.ECONFLICT, "voucher.exists", lang.Args{"code": r.Code})
		}
		return 0, fmt.Errorf("create voucher: %w", err)
	}
	return short, t.takeStock(rw)
}

// sweepVouchersOf records the lapse of the reward's vouchers that ran out
// unclaimed by the event's time, with everything else time did to their
// accounts.
func (t *txn) sweepVouchersOf(reward string, ev *eventRec) error {
	rows, err := t.query(`SELECT DISTINCT account_id, card FROM vouchers
		WHERE reward_id = ? AND status = 'open' AND valid_until <= ?`, reward, ms(ev.at))
	if err != nil {
		return fmt.Errorf("find lapsed vouchers: %w", err)
	}
	type holder struct {
		account int64
		card    string
	}
	var hs []holder
	for rows.Next() {
		var h holder
		if err := rows.Scan(&h.account, &h.card); err != nil {
			rows.Close()
			return fmt.Errorf("find lapsed vouchers: %w", err)
		}
		hs = append(hs, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find lapsed vouchers: %w", err)
	}
	for _, h := range hs {
		a, err := t.account(h.account)
		if err != nil {
			return err
		}
		if err := t.settle(a, h.card, ev, ev.at); err != nil {
			return err
		}
	}
	return nil
}

// ClaimVoucher marks an open voucher used at a till.
func (s *Store) ClaimVoucher(ctx context.Context, v rewards.VoucherAction) (rewards.Voucher, error) {
	return s.settleVoucher(ctx, rewards.EventVoucherClaim, v, rewards.VoucherClaimed)
}

// CancelVoucher cancels an open voucher and gives its points back.
func (s *Store) CancelVoucher(ctx context.Context, v rewards.VoucherAction) (rewards.Voucher, error) {
	return s.settleVoucher(ctx, rewards.EventVoucherCancel, v, rewards.VoucherCancelled)
}

func (s *Store) settleVoucher(ctx context.Context, kind string, v rewards.VoucherAction, to string) (rewards.Voucher, error) {
	if err := v.Validate(); err != nil {
		return rewards.Voucher{}, err
	}
	code, err := rewards.NormalizeVoucherCode(v.Code)
	if err != nil {
		return rewards.Voucher{}, err
	}
	v.Code = code
	err = s.write(ctx, func(t *txn) error {
		_, err := run(t, eventKey{kind: kind, clientID: v.ID}, t.at(v.At), v, func(ev *eventRec) (any, string, error) {
			return v, code, t.settleVoucher(ev, code, to)
		})
		return err
	})
	if err != nil {
		return rewards.Voucher{}, err
	}
	return s.Voucher(ctx, code)
}

func (t *txn) settleVoucher(ev *eventRec, code, to string) error {
	p, err := t.program()
	if err != nil {
		return err
	}
	v, err := t.voucher(code)
	if err != nil {
		return err
	}
	a, err := t.account(v.accountID)
	if err != nil {
		return err
	}
	acct, err := t.holdings(a)
	if err != nil {
		return err
	}
	eff, err := p.SettleVoucher(acct, v.Voucher, to, ev.at)
	if err != nil {
		return err
	}
	_, err = t.save(a, v.Card, ev, eff)
	return err
}

// takeStock takes one of a reward with a stock for a voucher made for it.
func (t *txn) takeStock(rw *rewards.Reward) error {
	if rw.Stock == nil {
		return nil
	}
	*rw.Stock--
	return t.saveReward(rw)
}

// restock puts a reward back in stock for a voucher closed unclaimed,
// unless it has been taken off the board since.
func (t *txn) restock(reward string) error {
	rw, err := t.reward(reward)
	if rewards.ErrorCode(err) == rewards.ENOTFOUND {
		return nil
	} else if err != nil || rw.Stock == nil {
		return err
	}
	*rw.Stock++
	return t.saveReward(rw)
}

type voucherRow struct {
	rewards.Voucher
	accountID, entryID int64
}

func (t *txn) voucher(code string) (*voucherRow, error) {
	v := &voucherRow{}
	var names string
	var created, until int64
	var closed sql.NullInt64
	err := t.queryRow(`SELECT code, account_id, card, reward_id, names, points, store, status, created_at, valid_until, closed_at, entry_id
		FROM vouchers WHERE code = ?`, code).Scan(&v.Code, &v.accountID, &v.Card, &v.Reward, &names, &v.Points, &v.Store,
		&v.Status, &created, &until, &closed, &v.entryID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, t.noVoucher(code)
	} else if err != nil {
		return nil, fmt.Errorf("look up voucher: %w", err)
	}
	if err := json.Unmarshal([]byte(names), &v.Names); err != nil {
		return nil, fmt.Errorf("voucher %s names: %w", code, err)
	}
	v.CreatedAt, v.ValidUntil, v.ClosedAt = fromMS(created), fromMS(until), timePtr(closed)
	return v, nil
}

// Voucher returns a voucher as stored, its status as of now.
func (s *Store) Voucher(ctx context.Context, code string) (rewards.Voucher, error) {
	var out rewards.Voucher
	norm, err := rewards.NormalizeVoucherCode(code)
	if err != nil {
		return out, err
	}
	err = s.read(ctx, func(t *txn) error {
		v, err := t.voucher(norm)
		if err != nil {
			return err
		}
		out = v.Voucher
		out.Status = v.StatusAt(s.Now())
		return nil
	})
	return out, err
}
