package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Events returns up to limit events after seq, in the order they were
// applied.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]rewards.Event, error) {
	out := []rewards.Event{}
	err := s.read(ctx, func(t *txn) error {
		rows, err := t.tx.QueryContext(ctx, `SELECT seq, id, kind, key, device, at, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
		if err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				return fmt.Errorf("read events: %w", err)
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// scanEvent reads an event from a row of seq, id, kind, key, device, at
// and body, and into more what the row has after them.
func scanEvent(row scanner, more ...any) (rewards.Event, error) {
	var e rewards.Event
	var at int64
	var body []byte
	var id sql.NullString
	var key string
	if err := row.Scan(append([]any{&e.Seq, &id, &e.Kind, &key, &e.Device, &at, &body}, more...)...); err != nil {
		return e, err
	}
	// An event keyed by a client id does not store its UUID.
	if e.ID = id.String; !id.Valid {
		e.ID = rewards.EventID(e.Kind, key)
	}
	e.At, e.Body = fromMS(at), body
	return e, nil
}

// Apply applies an event made elsewhere or earlier, under its own id, device
// and time. Applying it again returns the first result and changes nothing.
func (s *Store) Apply(ctx context.Context, e rewards.Event) (json.RawMessage, error) {
	var out json.RawMessage
	err := s.write(ctx, func(t *txn) error {
		var err error
		out, err = t.apply(e)
		return err
	})
	if err == nil && e.Kind == rewards.EventCardForget {
		err = s.checkpoint(ctx) // as ForgetCard does
	}
	return out, err
}

// Replay applies an event of a copy of a ledger's own log, to build that
// ledger again elsewhere: as Apply does, but taking what is in the log as
// that ledger accepted it, as a check's replay does. Personal data are not
// in the log, so what the ledger set in its bodies in their place (that a
// phone was registered) is taken as it stands; an event made elsewhere
// goes through Apply, which does not take it without the data.
func (s *Store) Replay(ctx context.Context, e rewards.Event) (json.RawMessage, error) {
	var out json.RawMessage
	err := s.writeAs(ctx, s.Now(), true, func(t *txn) error {
		var err error
		out, err = t.apply(e)
		return err
	})
	return out, err
}

// reapply applies an event of another ledger's log as that ledger did: with
// the host's clock it was recorded under (zero: none kept, and none
// needed), checking nothing the log holds again.
func (s *Store) reapply(ctx context.Context, e rewards.Event, clock time.Time) error {
	return s.writeAs(ctx, clock, true, func(t *txn) error {
		_, err := t.apply(e)
		return err
	})
}

// badEvent is the refusal of an event whose body does not decode.
func badEvent(e rewards.Event, err error) error {
	return rewards.Fail(rewards.EINVALID, "event.body", lang.Args{"id": e.ID, "what": rewards.Command(e.Kind, ""), "detail": err.Error()})
}

func decode[C any](e rewards.Event) (C, error) {
	var c C
	if err := json.Unmarshal(e.Body, &c); err != nil {
		return c, badEvent(e, err)
	}
	return c, nil
}

// decodeProgramInstall reads the body of a program.install event in either
// of its shapes: a ProgramInstall (a body with a "program" key), or the
// bare program, as v0.1.0 and every build before programs were installed
// under a request id recorded it.
func decodeProgramInstall(e rewards.Event) (rewards.ProgramInstall, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(e.Body, &keys); err != nil {
		return rewards.ProgramInstall{}, badEvent(e, err)
	}
	if _, ok := keys["program"]; !ok {
		p, err := decode[rewards.Program](e)
		return rewards.ProgramInstall{Program: &p}, err
	}
	c, err := decode[rewards.ProgramInstall](e)
	if err == nil && c.Program == nil {
		err = rewards.Fail(rewards.EINVALID, "event.no_program", lang.Args{"id": e.ID})
	}
	return c, err
}

// applyAs decodes an event's body as a command and runs it under the
// event's identity.
func applyAs[C any, R any](t *txn, e rewards.Event, fn func(ev *eventRec, c *C) (R, error)) (json.RawMessage, error) {
	c, err := decode[C](e)
	if err != nil {
		return nil, err
	}
	return applyCommand(t, e, c, fn)
}

// applyCommand runs an event's body, decoded as a command, under the event's
// identity.
func applyCommand[C any, R any](t *txn, e rewards.Event, c C, fn func(ev *eventRec, c *C) (R, error)) (json.RawMessage, error) {
	// An event from elsewhere is input like any command; one of this
	// ledger's own, applied again, was accepted once, under the rules on
	// input of its day.
	if v, ok := any(&c).(interface{ Validate() error }); ok && !t.replaying {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	// What a ledger sets in a body (ValidateEvent) a new event from
	// elsewhere carries only beside what it stands for; a repeat of an
	// event recorded here is answered before it is looked at.
	event, checked := any(&c).(interface{ ValidateEvent() error })
	// The body is kept as it came: it is the event, whatever fields this
	// build's command types have gained or lost since it was made. Only
	// when the command filled something in that the event left out (a
	// card number, a voucher code) is the body the command as applied, so
	// that applying it again anywhere gives the same.
	before, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", e.Kind, err)
	}
	res, err := run(t, eventKey{kind: e.Kind, clientID: bodyID(e.Body), uuid: e.ID, device: e.Device}, e.At, e.Body, func(ev *eventRec) (any, R, error) {
		if checked && !t.replaying {
			if err := event.ValidateEvent(); err != nil {
				var zero R
				return nil, zero, err
			}
		}
		r, err := fn(ev, &c)
		if err != nil {
			return nil, r, err
		}
		if after, err := json.Marshal(c); err != nil || !bytes.Equal(after, before) {
			return c, r, err
		}
		return nil, r, nil
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

func (t *txn) apply(e rewards.Event) (json.RawMessage, error) {
	if err := checkIdentity(e); err != nil {
		return nil, err
	}
	switch e.Kind {
	case rewards.EventProgram:
		c, err := decodeProgramInstall(e)
		if err != nil {
			return nil, err
		}
		return applyCommand(t, e, c, func(ev *eventRec, c *rewards.ProgramInstall) (programResult, error) {
			np, err := t.installProgram(ev, *c.Program)
			if err != nil {
				return programResult{}, err
			}
			return programResult{np.Version}, nil
		})
	case rewards.EventCardIssue:
		return applyAs(t, e, func(ev *eventRec, c *rewards.CardIssue) (string, error) { return c.Number, t.issueCard(ev, c, false) })
	case rewards.EventCardRegister:
		return applyAs(t, e, func(ev *eventRec, c *rewards.CardRegister) (string, error) { return c.Card, t.registerCard(ev, c) })
	case rewards.EventCardBlock:
		return applyAs(t, e, func(ev *eventRec, c *rewards.CardAction) (string, error) { return c.Card, t.blockCard(ev, *c) })
	case rewards.EventCardReplace:
		return applyAs(t, e, func(ev *eventRec, c *rewards.CardReplace) (string, error) {
			return c.NewNumber, t.replaceCard(ev, c, false)
		})
	case rewards.EventCardLink:
		return applyAs(t, e, func(ev *eventRec, c *rewards.CardLink) (string, error) { return c.Card, t.linkCard(ev, *c) })
	case rewards.EventCardMember:
		return applyAs(t, e, func(ev *eventRec, c *rewards.CardAction) (string, error) { return c.Card, t.makeMember(ev, *c) })
	case rewards.EventCardForget:
		return applyAs(t, e, func(ev *eventRec, c *rewards.CardAction) (string, error) { return c.Card, t.forget(ev, *c) })
	case rewards.EventReceipt:
		return applyAs(t, e, func(ev *eventRec, r *rewards.Receipt) (rewards.ReceiptResult, error) { return t.receipt(ev, *r) })
	case rewards.EventReturn:
		return applyAs(t, e, func(ev *eventRec, r *rewards.Return) (rewards.ReturnResult, error) { return t.postReturn(ev, *r) })
	case rewards.EventRedeem:
		return applyAs(t, e, func(ev *eventRec, r *rewards.Redemption) (string, error) {
			_, err := t.redeem(ev, r, r.Debt)
			return r.Code, err
		})
	case rewards.EventVoucherClaim:
		return applyAs(t, e, func(ev *eventRec, v *rewards.VoucherAction) (string, error) {
			return v.Code, t.settleVoucher(ev, v.Code, rewards.VoucherClaimed)
		})
	case rewards.EventVoucherCancel:
		return applyAs(t, e, func(ev *eventRec, v *rewards.VoucherAction) (string, error) {
			return v.Code, t.settleVoucher(ev, v.Code, rewards.VoucherCancelled)
		})
	case rewards.EventRewardAdd:
		return applyAs(t, e, func(ev *eventRec, r *rewards.RewardAdd) (string, error) { return r.Reward.ID, t.addReward(&r.Reward) })
	case rewards.EventCoopAdd:
		return applyAs(t, e, func(ev *eventRec, c *rewards.CoopAdd) (string, error) { return c.Coop.ID, t.saveCoop(c.Coop) })
	case rewards.EventStoreAdd:
		return applyAs(t, e, func(ev *eventRec, c *rewards.StoreAdd) (string, error) { return c.Store.ID, t.saveStore(c.Store) })
	case rewards.EventRewardRemove:
		return applyAs(t, e, func(ev *eventRec, r *rewards.RewardRemove) (string, error) { return r.Reward, t.removeReward(r.Reward) })
	}
	return nil, rewards.Fail(rewards.EINVALID, "event.unknown_kind", lang.Args{"id": e.ID, "kind": e.Kind})
}

// bodyID reads the client's id from an event's body ("" if it has none).
func bodyID(body []byte) string {
	var k struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &k) // a body that does not decode is refused by its command's decoding
	return k.ID
}

// checkIdentity refuses an event whose id or time disagrees with its body:
// the same receipt under another id would otherwise count twice.
func checkIdentity(e rewards.Event) error {
	var key struct {
		ID   string    `json:"id"`
		At   time.Time `json:"at"`
		Time time.Time `json:"time"`
	}
	if json.Unmarshal(e.Body, &key) != nil {
		return nil // the command's own decoding says what is wrong
	}
	if key.ID != "" && e.ID != rewards.EventID(e.Kind, key.ID) {
		return rewards.Fail(rewards.EINVALID, "event.id_mismatch", lang.Args{"id": e.ID, "what": rewards.Command(e.Kind, key.ID), "want": rewards.EventID(e.Kind, key.ID)})
	}
	at := key.Time
	if at.IsZero() {
		at = key.At
	}
	if !at.IsZero() && at.UnixMilli() != e.At.UnixMilli() {
		return rewards.Fail(rewards.EINVALID, "event.time_mismatch", lang.Args{"id": e.ID, "at": lang.Seconds(e.At), "body": lang.Seconds(at)})
	}
	return nil
}
