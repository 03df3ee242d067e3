package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// yieldEvery is how many receipts of a batch are posted between two
// offers of the core to other goroutines.
const yieldEvery = 100

// PostReceipts posts a batch of receipts in one transaction. A receipt the
// rules refuse gets its error in its own answer and changes nothing; err
// is for faults that abort the whole batch.
func (s *Store) PostReceipts(ctx context.Context, rs []rewards.Receipt) ([]rewards.BatchReceipt, error) {
	out := make([]rewards.BatchReceipt, len(rs))
	err := s.write(ctx, func(t *txn) error {
		ids, cards := make([]string, len(rs)), make([]string, len(rs))
		for i, r := range rs {
			ids[i], cards[i] = r.ID, r.Card
		}
		if err := t.knowFresh(rewards.EventReceipt, ids); err != nil {
			return err
		}
		if err := t.prefetchCards(cards); err != nil {
			return err
		}
		if err := t.buffer(); err != nil {
			return err
		}
		refused := false
		for i := range rs {
			out[i].ReceiptResult, out[i].Err = t.postReceipt(eventKey{kind: rewards.EventReceipt, clientID: rs[i].ID}, rs[i])
			if rewards.ErrorCode(out[i].Err) == rewards.EINTERNAL {
				return out[i].Err
			}
			refused = refused || out[i].Err != nil
			if i%yieldEvery == yieldEvery-1 {
				// A batch of 500 is some 10 ms of work: the balance
				// look-ups waiting for a core get it between receipts
				// rather than after Go's 10 ms time slice
				// (BenchmarkBalanceUnderIngest).
				runtime.Gosched()
			}
		}
		t.receipts = !refused // the cache keeps only what receipts that all stood left
		return t.endBuffer()
	})
	return out, err
}

// PostReceipt posts one receipt and returns what it earned and spent, with
// the card's balance after it, read in the same transaction (a failure to
// read it refuses the receipt, which then changes nothing).
func (s *Store) PostReceipt(ctx context.Context, r rewards.Receipt) (rewards.ReceiptResult, error) {
	var res rewards.ReceiptResult
	err := s.write(ctx, func(t *txn) error {
		var err error
		if res, err = t.postReceipt(eventKey{kind: rewards.EventReceipt, clientID: r.ID}, r); err != nil {
			return err
		}
		res.Balance, err = t.balanceOf(res.Card, r.Time)
		t.receipts = err == nil
		return err
	})
	return res, err
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

// receipt applies a receipt to the account its card earns into.
func (t *txn) receipt(ev *eventRec, r rewards.Receipt) (rewards.ReceiptResult, error) {
	p, err := t.program()
	if err != nil {
		return rewards.ReceiptResult{}, err
	}
	if err := p.AcceptsPayWithPoints(r.PayWithPoints); err != nil {
		return rewards.ReceiptResult{}, err
	}
	c, a, err := t.usableCard(r.Card, ev.at)
	if err != nil {
		return rewards.ReceiptResult{}, err
	}
	acct, err := t.holdingsFor(a, ev.at, r.PayWithPoints > 0)
	if err != nil {
		return rewards.ReceiptResult{}, err
	}
	r.Time = ev.at
	member := a.memberAt(ev.at)
	res, eff, err := p.PostReceipt(acct, c.number, r, member)
	if err != nil {
		return res, err
	}
	// The lines stay in the event's body; a return reads them there, and
	// the rest of what it needs in these facts, which the event row is
	// written with (the entry that paid with points, when there is one,
	// comes after it).
	facts := receiptFacts{Version: p.Version, Member: member, Spent: res.Spent}
	if ev.applied, err = json.Marshal(facts); err != nil {
		return res, fmt.Errorf("encode what receipt %s was posted under: %w", r.ID, err)
	}
	ids, err := t.save(a, c.number, ev, eff)
	if err != nil {
		return res, err
	}
	if len(ids) > 0 && eff.Entries[len(ids)-1].Kind == rewards.EntrySpend {
		facts.SpendEntry = ids[len(ids)-1]
		if ev.applied, err = json.Marshal(facts); err != nil {
			return res, fmt.Errorf("encode what receipt %s was posted under: %w", r.ID, err)
		}
	}
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
		b, err := t.balance(c, r.Time)
		if err != nil {
			return err
		}
		q = p.Quote(r, a.memberAt(r.Time), b.Available)
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
		if err != nil {
			return err
		}
		res.Balance, err = t.balanceOf(res.Card, r.Time)
		return err
	})
	return res, err
}

// balanceOf is a card's balance at a time as the transaction sees it, for
// the answer of a command that changed it: read in the command's own
// transaction, its failure refuses the command.
func (t *txn) balanceOf(card string, at time.Time) (*rewards.Balance, error) {
	c, err := t.card(card)
	if err != nil {
		return nil, err
	}
	b, err := t.balance(c, at)
	return &b, err
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

// decodePosted reads a receipt event's body and applied facts.
func (t *txn) decodePosted(body, facts []byte) (*rewards.PostedReceipt, error) {
	pr := &rewards.PostedReceipt{}
	if err := json.Unmarshal(body, &pr.Receipt); err != nil {
		return nil, fmt.Errorf("decode the receipt: %w", err)
	}
	var f receiptFacts
	if err := json.Unmarshal(facts, &f); err != nil {
		return nil, fmt.Errorf("decode what receipt %s was posted under: %w", pr.ID, err)
	}
	var err error
	if pr.Program, err = t.programVersion(f.Version); err != nil {
		return nil, err
	}
	pr.Member, pr.Spent, pr.SpendEntry = f.Member, f.Spent, f.SpendEntry
	return pr, nil
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
	return pr.Program.ReceiptResult(pr.Receipt, pr.Member, pr.Spent)
}

// storedReceipt reads a posted receipt as a return needs it; seq is its
// event's, and its earnings lot's id.
func (t *txn) storedReceipt(id string) (pr *rewards.PostedReceipt, seq int64, err error) {
	var body, facts []byte
	err = t.queryRow(`SELECT seq, body, applied FROM events WHERE kind = ? AND key = ?`, rewards.EventReceipt, id).
		Scan(&seq, &body, &facts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, rewards.Fail(rewards.ENOTFOUND, "receipt.unknown", lang.Args{"receipt": id})
	} else if err != nil {
		return nil, 0, fmt.Errorf("look up receipt: %w", err)
	}
	if pr, err = t.decodePosted(body, facts); err != nil {
		return nil, 0, fmt.Errorf("receipt %s: %w", id, err)
	}
	pr.Lot = seq
	pr.Returned = make([]int64, len(pr.Lines))
	rows, err := t.query(`SELECT line_no, returned FROM receipt_returns WHERE event_seq = ?`, seq)
	if err != nil {
		return nil, 0, fmt.Errorf("read returned lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var n int64
		if err := rows.Scan(&i, &n); err != nil {
			return nil, 0, fmt.Errorf("read returned lines: %w", err)
		}
		if i >= 0 && i < len(pr.Returned) {
			pr.Returned[i] = n
		}
	}
	if pr.SpendEntry != 0 {
		if pr.SpendTaken, err = t.outstanding(pr.SpendEntry); err != nil {
			return nil, 0, err
		}
	}
	return pr, seq, rows.Err()
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
	pr, seq, err := t.storedReceipt(r.Receipt)
	if err != nil {
		return res, err
	}
	c, err := t.currentCard(pr.Card)
	if err != nil {
		return res, err
	}
	a, err := t.account(c.accountID)
	if err != nil {
		return res, err
	}
	acct, err := t.holdings(a, pr.SpendTaken...)
	if err != nil {
		return res, err
	}
	r.Time = ev.at
	res, back, eff, err := pr.PostReturn(acct, c.number, r)
	if err != nil {
		return res, err
	}
	if _, err := t.save(a, c.number, ev, eff); err != nil {
		return res, err
	}
	for i := range back {
		if back[i] == 0 {
			continue
		}
		if _, err := t.exec(`INSERT INTO receipt_returns (event_seq, line_no, returned) VALUES (?, ?, ?)
			ON CONFLICT (event_seq, line_no) DO UPDATE SET returned = excluded.returned`, seq, i, pr.Returned[i]+back[i]); err != nil {
			return res, fmt.Errorf("record return: %w", err)
		}
	}
	return res, nil
}
