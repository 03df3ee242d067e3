package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// PostReceipts posts a batch of receipts in one transaction. A receipt the
// rules refuse gets its error in errs and changes nothing; err is for faults
// that abort the whole batch.
func (s *Store) PostReceipts(ctx context.Context, rs []rewards.Receipt) (results []rewards.ReceiptResult, errs []error, err error) {
	results = make([]rewards.ReceiptResult, len(rs))
	errs = make([]error, len(rs))
	err = s.write(ctx, func(t *txn) error {
		t.keepsCache = true
		t.reserve(len(rs), "events/short", "lots")
		ids, cards := make([]string, len(rs)), make([]string, len(rs))
		for i, r := range rs {
			ids[i], cards[i] = r.ID, r.Card
		}
		if err := t.prefetchEvents(rewards.EventReceipt, ids); err != nil {
			return err
		}
		if err := t.prefetchCards(cards); err != nil {
			return err
		}
		for i := range rs {
			results[i], errs[i] = t.postReceipt(eventKey{kind: rewards.EventReceipt, clientID: rs[i].ID}, rs[i])
			if rewards.ErrorCode(errs[i]) == rewards.EINTERNAL {
				return errs[i]
			}
		}
		return nil
	})
	return results, errs, err
}

// PostReceipt posts one receipt and returns what it earned and spent, with
// the card's balance after it.
func (s *Store) PostReceipt(ctx context.Context, r rewards.Receipt) (rewards.ReceiptResult, error) {
	var res rewards.ReceiptResult
	err := s.write(ctx, func(t *txn) error {
		t.keepsCache = true
		var err error
		res, err = t.postReceipt(eventKey{kind: rewards.EventReceipt, clientID: r.ID}, r)
		return err
	})
	if err != nil {
		return res, err
	}
	return s.withBalance(ctx, res, r.Time)
}

// withBalance adds the card's balance to a receipt that is recorded. A
// failure to read it is logged, not returned: the receipt stands.
func (s *Store) withBalance(ctx context.Context, res rewards.ReceiptResult, at time.Time) (rewards.ReceiptResult, error) {
	b, err := s.Balance(ctx, res.Card, at)
	if err != nil {
		s.Logger.Error("read the balance after a receipt", "receipt", res.Receipt, "card", res.Card, "err", err)
		return res, nil
	}
	res.Balance = &b
	return res, nil
}

func (t *txn) postReceipt(k eventKey, r rewards.Receipt) (rewards.ReceiptResult, error) {
	if err := r.Validate(); err != nil {
		return rewards.ReceiptResult{}, err
	}
	return run(t, k, r.Time, r, func(ev *eventRec) (any, rewards.ReceiptResult, error) {
		res, err := t.receipt(ev, r)
		return nil, res, err
	})
}

// receipt applies a receipt: the earned points become a lot, payment with
// bonuses takes from the lots that expire first.
func (t *txn) receipt(ev *eventRec, r rewards.Receipt) (rewards.ReceiptResult, error) {
	var res rewards.ReceiptResult
	p, err := t.program()
	if err != nil {
		return res, err
	}
	if err := p.AcceptsPayWithPoints(r.PayWithPoints); err != nil {
		return res, err
	}
	c, a, err := t.usableCard(r.Card, ev.at)
	if err != nil {
		return res, err
	}
	if err := t.sweep(a, c.number, ev, ev.at); err != nil {
		return res, err
	}
	member := a.memberAt(ev.at)
	earned, perLine := p.Earnings(r.Lines, member)
	res = rewards.ReceiptResult{Receipt: r.ID, Card: c.number, Earned: earned, Lines: make([]rewards.LineResult, len(r.Lines))}
	var discounts []int64 // nil: nothing paid with points
	var spendEntry int64
	if r.PayWithPoints > 0 {
		lots, err := t.lots(a)
		if err != nil {
			return res, err
		}
		available, _, _ := rewards.ComputeBalance(lots, a.debt, ev.at)
		if res.Spent, discounts, err = p.PayWithPoints(r.Lines, r.PayWithPoints, available); err != nil {
			return res, err
		}
		if res.Spent > 0 {
			allocs, short := rewards.Allocate(lots, res.Spent, ev.at)
			if short != 0 {
				return res, fmt.Errorf("allocate %d: %d uncovered", res.Spent, short)
			}
			spendEntry = t.addEntry(a, c.number, ev, rewards.EntrySpend, -res.Spent, r.ID, ev.at, 0, allocs)
			if err := t.moveLots(allocs); err != nil {
				return res, err
			}
			res.Discount = res.Spent * 100
		}
	}
	var total int64
	for i, l := range r.Lines {
		res.Lines[i] = rewards.LineResult{SKU: l.SKU, Earned: perLine[i]}
		if discounts != nil {
			res.Lines[i].Discount = discounts[i]
		}
		total += l.Amount
	}
	// The purchase counts in the purchase total on its lot, or, if it
	// earned none, on the account.
	if earned > 0 {
		t.addLot(a, c.number, ev, p.EarnedLot(earned, ev.at), total)
	} else {
		a.purchaseTotal += total
		a.dirty = true
	}
	// The lines stay in the event's body; a return reads them there, and
	// the rest of what it needs here.
	ev.applied = receiptFacts{Version: p.Version, Member: member, Spent: res.Spent, SpendEntry: spendEntry}.appendJSON(nil)
	return res, nil
}

// QuoteReceipt says what a receipt would earn and the most that may be paid
// with points, changing nothing.
func (s *Store) QuoteReceipt(ctx context.Context, r rewards.Receipt) (rewards.Quote, error) {
	var q rewards.Quote
	if err := r.Validate(); err != nil {
		return q, err
	}
	err := s.read(ctx, func(t *txn) error {
		p, err := t.program()
		if err != nil {
			return err
		}
		c, a, err := t.usableCard(r.Card, r.Time)
		if err != nil {
			return err
		}
		earned, perLine := p.Earnings(r.Lines, a.memberAt(r.Time))
		caps, most := p.SpendCaps(r.Lines)
		b, err := t.balance(c, r.Time)
		if err != nil {
			return err
		}
		q = rewards.Quote{Earned: earned, MaxSpend: max(0, min(most, b.Available)), Lines: make([]rewards.QuoteLine, len(r.Lines))}
		for i, l := range r.Lines {
			q.Lines[i] = rewards.QuoteLine{SKU: l.SKU, Earned: perLine[i], MaxDiscount: caps[i]}
		}
		return nil
	})
	return q, err
}

// PostReturn takes back what the returned lines earned and gives back the
// bonuses spent on them.
func (s *Store) PostReturn(ctx context.Context, r rewards.Return) (rewards.ReturnResult, error) {
	var res rewards.ReturnResult
	if err := r.Validate(); err != nil {
		return res, err
	}
	err := s.write(ctx, func(t *txn) error {
		var err error
		res, err = run(t, eventKey{kind: rewards.EventReturn, clientID: r.ID}, r.Time, r, func(ev *eventRec) (any, rewards.ReturnResult, error) {
			res, err := t.postReturn(ev, r)
			return r, res, err
		})
		return err
	})
	if err != nil {
		return res, err
	}
	b, err := s.Balance(ctx, res.Card, r.Time)
	if err != nil {
		s.Logger.Error("read the balance after a return", "return", res.Return, "card", res.Card, "err", err)
		return res, nil
	}
	res.Balance = &b
	return res, nil
}

// receiptFacts is what a return needs of a posted receipt beyond its body:
// the rules it was earned under and what was paid with points. It is kept
// on the receipt's event.
type receiptFacts struct {
	Version    int   `json:"version"`               // the program version it was earned under
	Member     bool  `json:"member,omitempty"`      // the account was a member's when it was posted
	Spent      int64 `json:"spent,omitempty"`       // bonuses paid with
	SpendEntry int64 `json:"spend_entry,omitempty"` // the entry that paid them; 0: none
}

// appendJSON writes the facts as encoding/json would, without reflection:
// every receipt writes them.
func (f receiptFacts) appendJSON(b []byte) []byte {
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, int64(f.Version), 10)
	if f.Member {
		b = append(b, `,"member":true`...)
	}
	if f.Spent != 0 {
		b = append(b, `,"spent":`...)
		b = strconv.AppendInt(b, f.Spent, 10)
	}
	if f.SpendEntry != 0 {
		b = append(b, `,"spend_entry":`...)
		b = strconv.AppendInt(b, f.SpendEntry, 10)
	}
	return append(b, '}')
}

// discounts spreads the bonuses paid with over the lines again, as posting
// spread them.
func (f receiptFacts) discounts(p *rewards.Program, lines []rewards.Line) ([]int64, error) {
	if f.Spent == 0 {
		return make([]int64, len(lines)), nil
	}
	_, d, err := p.PayWithPoints(lines, f.Spent, f.Spent)
	return d, err
}

// postedReceipt is a receipt as recorded: its body, the facts kept with
// it, the program version it was earned under and the discounts posting
// spread over its lines.
type postedReceipt struct {
	rewards.Receipt
	receiptFacts
	program   *rewards.Program
	discounts []int64
}

// decodePosted reads a receipt event's body and applied facts.
func (t *txn) decodePosted(body, facts []byte) (postedReceipt, error) {
	var pr postedReceipt
	if err := json.Unmarshal(body, &pr.Receipt); err != nil {
		return pr, fmt.Errorf("decode the receipt: %w", err)
	}
	if err := json.Unmarshal(facts, &pr.receiptFacts); err != nil {
		return pr, fmt.Errorf("decode what receipt %s was posted under: %w", pr.ID, err)
	}
	var err error
	if pr.program, err = t.programVersion(pr.Version); err != nil {
		return pr, err
	}
	pr.discounts, err = pr.receiptFacts.discounts(pr.program, pr.Lines)
	return pr, err
}

// rebuildResult is the result an event returned when it was recorded, for
// the kinds that do not store it (rebuilds).
func (t *txn) rebuildResult(kind string, body, applied []byte) (any, error) {
	if kind != rewards.EventReceipt {
		return nil, fmt.Errorf("%s results are stored, not rebuilt", kind)
	}
	pr, err := t.decodePosted(body, applied)
	if err != nil {
		return nil, err
	}
	earned, perLine := pr.program.Earnings(pr.Lines, pr.Member)
	res := rewards.ReceiptResult{Receipt: pr.ID, Card: pr.Card, Earned: earned, Spent: pr.Spent, Discount: pr.Spent * 100,
		Lines: make([]rewards.LineResult, len(pr.Lines))}
	for i, l := range pr.Lines {
		res.Lines[i] = rewards.LineResult{SKU: l.SKU, Earned: perLine[i], Discount: pr.discounts[i]}
	}
	return res, nil
}

// storedReceipt is a posted receipt as a return sees it.
type storedReceipt struct {
	seq int64 // its event's, and its earnings lot's id
	postedReceipt
	returnedQty []int64
}

func (t *txn) storedReceipt(id string) (*storedReceipt, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	sr := &storedReceipt{}
	var body, facts []byte
	err := t.tx.QueryRowContext(t.ctx, `SELECT seq, body, applied FROM events WHERE kind = ? AND key = ?`, rewards.EventReceipt, id).
		Scan(&sr.seq, &body, &facts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rewards.Errorf(rewards.ENOTFOUND, "receipt %s is not known", id)
	} else if err != nil {
		return nil, fmt.Errorf("look up receipt: %w", err)
	}
	if sr.postedReceipt, err = t.decodePosted(body, facts); err != nil {
		return nil, fmt.Errorf("receipt %s: %w", id, err)
	}
	sr.returnedQty = make([]int64, len(sr.Lines))
	rows, err := t.tx.QueryContext(t.ctx, `SELECT line_no, returned FROM receipt_returns WHERE event_seq = ?`, sr.seq)
	if err != nil {
		return nil, fmt.Errorf("read returned lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var n int64
		if err := rows.Scan(&i, &n); err != nil {
			return nil, fmt.Errorf("read returned lines: %w", err)
		}
		if i >= 0 && i < len(sr.returnedQty) {
			sr.returnedQty[i] = n
		}
	}
	return sr, rows.Err()
}

// currentCard follows replacements to the card in use now.
func (t *txn) currentCard(number string) (*cardRow, error) {
	for range 1000 {
		c, err := t.card(number)
		if err != nil || !c.replacedBy.Valid {
			return c, err
		}
		number = c.replacedBy.String
	}
	return nil, fmt.Errorf("card %s: replacement chain too long", number)
}

func (t *txn) postReturn(ev *eventRec, r rewards.Return) (rewards.ReturnResult, error) {
	res := rewards.ReturnResult{Return: r.ID, Receipt: r.Receipt}
	if _, err := t.program(); err != nil {
		return res, err
	}
	sr, err := t.storedReceipt(r.Receipt)
	if err != nil {
		return res, err
	}
	if ev.at.Before(sr.Time) {
		return res, rewards.Errorf(rewards.EINVALID, "return time %s is before the sale", ev.at.Format(time.RFC3339))
	}
	back, err := rewards.ReturnedUnits(r.Receipt, sr.Lines, sr.returnedQty, r.Lines)
	if err != nil {
		return res, err
	}
	c, err := t.currentCard(sr.Card)
	if err != nil {
		return res, err
	}
	res.Card = c.number
	a, err := t.account(c.accountID)
	if err != nil {
		return res, err
	}
	if err := t.sweep(a, c.number, ev, ev.at); err != nil {
		return res, err
	}
	p := sr.program
	res.TakeBack = p.TakeBack(sr.Lines, sr.returnedQty, back, sr.Member, sr.Time, ev.at)
	// Bonuses spent on the returned lines come back first, so that what
	// is taken back can come out of them.
	if sr.SpendEntry != 0 {
		if refund := rewards.Refund(sr.Lines, sr.discounts, sr.returnedQty, back); refund > 0 {
			res.Refunded, err = t.giveBack(a, c.number, ev, sr.SpendEntry, refund, rewards.EntryRefund, r.ID, ev.at)
			if err != nil {
				return res, err
			}
		}
	}
	if res.TakeBack > 0 {
		if err := t.takeBack(a, c.number, ev, sr, res.TakeBack, r.ID); err != nil {
			return res, err
		}
	}
	for i := range back {
		if back[i] == 0 {
			continue
		}
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO receipt_returns (event_seq, line_no, returned) VALUES (?, ?, ?)
			ON CONFLICT (event_seq, line_no) DO UPDATE SET returned = excluded.returned`, sr.seq, i, sr.returnedQty[i]+back[i]); err != nil {
			return res, fmt.Errorf("record return: %w", err)
		}
	}
	return res, nil
}

// takeBack takes n earned points back: from the receipt's own lot while it
// is still pending, then from the balance; what is missing becomes a debt
// that later accruals pay back.
func (t *txn) takeBack(a *account, card string, ev *eventRec, sr *storedReceipt, n int64, ref string) error {
	lots, err := t.lots(a)
	if err != nil {
		return err
	}
	var allocs []rewards.Allocation
	left := n
	for _, l := range lots {
		if l.ID == sr.seq && ev.at.Before(l.AvailableFrom) {
			take := min(left, l.Remaining)
			allocs = append(allocs, rewards.Allocation{Lot: l.ID, Points: take})
			left -= take
		}
	}
	if left > 0 {
		more, short := rewards.Allocate(lots, left, ev.at)
		allocs = append(allocs, more...)
		left = short
	}
	allocs = mergeAllocs(allocs)
	t.addEntry(a, card, ev, rewards.EntryReturn, -n, ref, ev.at, 0, allocs)
	if err := t.moveLots(allocs); err != nil {
		return err
	}
	if left > 0 {
		a.debt += left
		a.dirty = true
	}
	return nil
}

// mergeAllocs sums allocations of the same lot, keeping first-seen order.
func mergeAllocs(in []rewards.Allocation) []rewards.Allocation {
	var out []rewards.Allocation
	idx := map[int64]int{}
	for _, al := range in {
		if al.Points == 0 {
			continue
		}
		if i, ok := idx[al.Lot]; ok {
			out[i].Points += al.Points
			continue
		}
		idx[al.Lot] = len(out)
		out = append(out, al)
	}
	return out
}
