package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// A kiosk uploads the events it made while its replica ran on its own
// (POST /v1/sync/events). The central ledger applies each as Apply does,
// under the kiosk's name and the staff member whose session made it, and
// answers for each: applied, duplicate (applied before: the same id), or
// rejected. Whatever it could not honour as it was made is a
// conflict (migration 0016) for a manager to close, never dropped:
//
//   - a refused event (a kind a kiosk may not upload, the rights of its
//     staff, a card blocked meanwhile, a reward out of stock, a card
//     number leased to another kiosk, anything its rules refuse) is
//     rejected; a refused redemption's voucher, which the kiosk printed,
//     is void: a till's claim of it is refused (noVoucher);
//   - a redemption past the program's offline cap (of the kiosk, the
//     card and the business day) is rejected the same way;
//   - a redemption the card's balance no longer covers is applied, what
//     the balance lacks owed as a debt (at most what the cap leaves), and
//     recorded as a conflict of outcome debt;
//   - an event dated ahead of the server's clock by more than the
//     program's max_clock_skew is applied as of that clock (its body's
//     time with it) and recorded as a conflict of outcome ahead: the
//     kiosk's clock was wrong, not its customer, and a card issued "in
//     the future" would stay inactive until then.
//
// A decision stands: an event rejected once is rejected again when the
// kiosk, not told, uploads it again, and one applied as of the clock is a
// duplicate when its body comes again as it was uploaded.
//
// One upload is one write: each event in a savepoint of its own, so that
// a refusal undoes that event alone, and one commit for the batch.

// Upload applies a kiosk's events in order and answers for each; an
// event without what every event carries (SyncEvent.Validate) refuses the
// whole upload, naming it. may is
// the rights check of an event's staff member (or of the kiosk, when the
// event names none) on the event's route (rewards.SyncRoute); nil checks
// nothing. It is asked before the write begins, of every event, and its
// refusal rejects an event that was not applied before.
func (s *Store) Upload(ctx context.Context, d rewards.Device, events []rewards.SyncEvent, may func(rewards.SyncEvent) error) ([]rewards.SyncResult, error) {
	if s.replica {
		return nil, errServerOnly()
	}
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return nil, err
		}
	}
	refused := make([]error, len(events))
	if may != nil {
		for i := range events {
			refused[i] = may(events[i])
			if rewards.ErrorCode(refused[i]) == rewards.EINTERNAL {
				return nil, refused[i]
			}
		}
	}
	var out []rewards.SyncResult
	forgot := false
	err := s.write(ctx, func(t *txn) error {
		out, forgot = make([]rewards.SyncResult, len(events)), false
		base := t.ctx
		for i := range events {
			e := events[i]
			e.Device = d.Name // the kiosk that uploads it made it
			r, err := t.upload(base, e, refused[i])
			if err != nil {
				return fmt.Errorf("upload event %s: %w", e.ID, err)
			}
			out[i] = r
			forgot = forgot || (r.Status == rewards.SyncApplied && e.Kind == rewards.EventCardForget)
		}
		t.ctx = base
		return nil
	})
	if err != nil {
		return nil, err
	}
	if forgot {
		err = s.checkpoint(ctx) // as ForgetCard does
	}
	return out, err
}

// upload answers for one uploaded event; an error is the ledger's fault,
// which fails the whole upload. base is the write's context, which the
// event's staff member is added to.
func (t *txn) upload(base context.Context, e rewards.SyncEvent, refused error) (rewards.SyncResult, error) {
	res := rewards.SyncResult{ID: e.ID}
	if rewards.SyncRoute(e.Kind) == "" {
		return t.reject(e, res, rewards.Fail(rewards.EFORBIDDEN, "sync.kind_refused", lang.Args{"id": e.ID, "kind": e.Kind}))
	}
	key := bodyID(e.Body)
	if key == "" {
		key = e.ID
	}
	seq, applied, err := t.eventSeq(e.Kind, key)
	if err != nil {
		return res, err
	}
	if applied {
		// The same id is the same event, sent again by a kiosk that did
		// not hear the answer. Its body is not compared with the one
		// applied: that may have been applied as of the clock (ahead),
		// and the personal data a comparison needs may have been erased
		// since (a forget, a pooling link).
		res.Status, res.Seq = rewards.SyncDuplicate, seq
		return res, nil
	}
	if c, found, err := t.conflictOf(e.ID, rewards.ConflictRejected); err != nil {
		return res, err
	} else if found {
		return t.rejectedBefore(e, res, c)
	}
	if refused != nil {
		return t.reject(e, res, refused)
	}
	ev := e.Event
	if ev.Body, err = withPersonal(e); err != nil {
		return t.reject(e, res, err)
	}
	var ahead *rewards.Error
	if t.prog != nil {
		if err := t.prog.CheckNotAhead(e.Kind, bodyID(e.Body), e.At, t.until); err != nil {
			ahead = asError(err)
			if ev, err = redated(ev, t.until); err != nil {
				return t.reject(e, res, err)
			}
		}
	}
	var short int64
	t.ctx = rewards.WithStaff(base, e.Staff)
	err = t.inSavepoint(func(t *txn) error {
		var err error
		if ev.Kind == rewards.EventRedeem {
			short, err = t.uploadRedeem(ev)
		} else {
			_, err = t.apply(ev)
		}
		return err
	})
	if rewards.ErrorCode(err) == rewards.EINTERNAL {
		return res, err
	} else if err != nil {
		return t.reject(e, res, err)
	}
	res.Status, res.Seq = rewards.SyncApplied, t.lastSeq
	if ahead != nil {
		if res.Conflict, err = t.recordConflict(e, rewards.ConflictAhead, rewards.Fail("", "sync.ahead", ahead.Args)); err != nil {
			return res, err
		}
	}
	if short > 0 {
		var r rewards.Redemption
		_ = json.Unmarshal(ev.Body, &r) // applied: it decoded
		debt := rewards.Fail("", "sync.debt", lang.Args{"card": r.Card, "code": r.Code,
			"points": lang.M("unit.points", lang.Args{"count": short})})
		if res.Conflict, err = t.recordConflict(e, rewards.ConflictDebt, debt); err != nil {
			return res, err
		}
	}
	return res, nil
}

// uploadRedeem applies an offline redemption under the program's offline
// cap: past what the cap leaves of the kiosk's redemptions for the card
// that business day it is refused, and within it a balance too low is
// owed (RedeemOffline). It returns what was owed.
func (t *txn) uploadRedeem(e rewards.Event) (short int64, err error) {
	p, err := t.program()
	if err != nil {
		return 0, err
	}
	r, err := decode[rewards.Redemption](e)
	if err != nil {
		return 0, err
	}
	if err := r.ValidateRequest(); err != nil {
		return 0, err
	}
	// A card blocked or replaced since the kiosk made it is refused,
	// however usable it was then.
	if _, _, err := t.usableCard(r.Card, t.until); err != nil {
		return 0, err
	}
	rw, err := t.reward(r.Reward)
	if err != nil {
		return 0, err
	}
	day := p.OfflineDay(e.At)
	allowance, err := t.offlineCapLeft(p, e.Device, r.Card, day, rw.Points)
	if err != nil {
		return 0, err
	}
	_, err = applyCommand(t, e, r, func(ev *eventRec, r *rewards.Redemption) (string, error) {
		var err error
		short, err = t.redeem(ev, r, allowance)
		return r.Code, err
	})
	if err != nil {
		return 0, err
	}
	return short, t.recordOffline(t.lastSeq, e.Device, r.Card, day, rw.Points)
}

// offlineCapLeft is what the program's offline cap leaves of the device's
// offline redemptions of the card on day, refusing a redemption of points
// past it (Program.OfflineCapLeft).
func (t *txn) offlineCapLeft(p *rewards.Program, device, card, day string, points int64) (int64, error) {
	var used int64
	if err := t.queryRow(`SELECT coalesce(sum(points), 0) FROM offline_redemptions WHERE device = ? AND card = ? AND day = ?`,
		device, card, day).Scan(&used); err != nil {
		return 0, fmt.Errorf("read offline redemptions: %w", err)
	}
	return p.OfflineCapLeft(card, used, points)
}

// recordOffline counts an offline redemption, the event seq, against the
// cap.
func (t *txn) recordOffline(seq int64, device, card, day string, points int64) error {
	if _, err := t.exec(`INSERT INTO offline_redemptions (seq, device, card, day, points) VALUES (?, ?, ?, ?, ?)`,
		seq, device, card, day, points); err != nil {
		return fmt.Errorf("record offline redemption: %w", err)
	}
	return nil
}

// reject answers an uploaded event refused for err and records the
// conflict; a refused redemption's voucher code is void from now on.
func (t *txn) reject(e rewards.SyncEvent, res rewards.SyncResult, err error) (rewards.SyncResult, error) {
	de := asError(err)
	if de.Code == rewards.EINTERNAL {
		return res, err
	}
	id, rerr := t.recordConflict(e, rewards.ConflictRejected, de)
	if rerr != nil {
		return res, rerr
	}
	if e.Kind == rewards.EventRedeem {
		if err := t.voidVoucher(e.Event, id); err != nil {
			return res, err
		}
	}
	res.Status, res.Code, res.Key, res.Args, res.Message, res.Conflict = rewards.SyncRejected, de.Code, de.Key, rewards.WireArgs(de.Args), de.Message, id
	return res, nil
}

// rejectedBefore answers an event rejected before (conflict c) as it was
// answered then; another body under its id is a conflict with that one.
func (t *txn) rejectedBefore(e rewards.SyncEvent, res rewards.SyncResult, c rewards.Conflict) (rewards.SyncResult, error) {
	if !bytes.Equal(c.Body, e.Body) {
		err := rewards.Fail(rewards.ECONFLICT, "event.conflict", lang.Args{"what": rewards.Command(e.Kind, bodyID(e.Body))})
		res.Status, res.Code, res.Key, res.Args, res.Message, res.Conflict = rewards.SyncRejected, err.Code, err.Key, rewards.WireArgs(err.Args), err.Message, c.ID
		return res, nil
	}
	res.Status, res.Code, res.Key, res.Args, res.Message, res.Conflict = rewards.SyncRejected, c.Code, c.Key, c.Args, c.Message, c.ID
	return res, nil
}

// asError is err as a domain error; anything else is internal.
func asError(err error) *rewards.Error {
	var e *rewards.Error
	if errors.As(err, &e) {
		return e
	}
	return &rewards.Error{Code: rewards.EINTERNAL, Message: err.Error()}
}

// eventSeq finds the event of kind recorded under key.
func (t *txn) eventSeq(kind, key string) (seq int64, found bool, err error) {
	err = t.queryRow(`SELECT seq FROM events WHERE kind = ? AND key = ?`, kind, key).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("look up event: %w", err)
	}
	return seq, true, nil
}

// withPersonal is the body of an uploaded enrolment with the personal data
// typed at the kiosk put back in, as the command had them before the
// kiosk's ledger kept them apart: this ledger keeps them in its own record
// and the body it stores refers to that (ledgerSetBacked). Another kind of
// event brings none.
func withPersonal(e rewards.SyncEvent) (json.RawMessage, error) {
	if e.Personal == nil {
		return e.Body, nil
	}
	if e.Kind != rewards.EventCardIssue && e.Kind != rewards.EventCardRegister {
		return nil, rewards.Fail(rewards.EINVALID, "sync.personal_unexpected", lang.Args{"id": e.ID, "what": rewards.Command(e.Kind, bodyID(e.Body))})
	}
	var body, personal map[string]json.RawMessage
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return nil, badEvent(e.Event, err)
	}
	data, err := json.Marshal(e.Personal)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &personal); err != nil {
		return nil, err
	}
	maps.Copy(body, personal)
	return json.Marshal(body)
}

// redated is an event dated as of the clock, its body's time with it.
func redated(e rewards.Event, clock time.Time) (rewards.Event, error) {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return e, badEvent(e, err)
	}
	clock = clock.UTC().Truncate(time.Millisecond) // as the log keeps times
	at, err := json.Marshal(clock)
	if err != nil {
		return e, err
	}
	body["at"] = at
	if e.Body, err = json.Marshal(body); err != nil {
		return e, err
	}
	e.At = clock
	return e, nil
}

// recordConflict records what became of an uploaded event (outcome), as
// err says, and returns the conflict's id: the one recorded before when
// the event was given the same outcome already.
func (t *txn) recordConflict(e rewards.SyncEvent, outcome string, err *rewards.Error) (int64, error) {
	args, jerr := json.Marshal(rewards.WireArgs(err.Args))
	if jerr != nil {
		return 0, fmt.Errorf("encode the conflict's arguments: %w", jerr)
	}
	var about struct{ Card, Number string }
	_ = json.Unmarshal(e.Body, &about) // a body that does not decode concerns no card
	if _, xerr := t.exec(`INSERT INTO conflicts (device, staff, event, kind, card, at, outcome, code, key, args, body, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event, outcome) DO NOTHING`,
		e.Device, nullText(e.Staff), e.ID, e.Kind, about.Card+about.Number, ms(e.At), outcome, err.Code, err.Key, string(args), []byte(e.Body), ms(t.until)); xerr != nil {
		return 0, fmt.Errorf("record conflict: %w", xerr)
	}
	var id int64
	if xerr := t.queryRow(`SELECT id FROM conflicts WHERE event = ? AND outcome = ?`, e.ID, outcome).Scan(&id); xerr != nil {
		return 0, fmt.Errorf("record conflict: %w", xerr)
	}
	return id, nil
}

// voidVoucher makes the code of a refused redemption's voucher void, so
// that no till claims what the kiosk printed; a code that is another
// voucher's (the redemption was refused for it) stays that voucher's.
func (t *txn) voidVoucher(e rewards.Event, conflict int64) error {
	var r struct{ Code string }
	if json.Unmarshal(e.Body, &r) != nil || r.Code == "" {
		return nil
	}
	code, err := rewards.NormalizeVoucherCode(r.Code)
	if err != nil {
		return nil // no till can type it either
	}
	if _, err := t.exec(`INSERT INTO void_vouchers (code, conflict) SELECT ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM vouchers WHERE code = ?) ON CONFLICT DO NOTHING`, code, conflict, code); err != nil {
		return fmt.Errorf("void voucher %s: %w", code, err)
	}
	return nil
}

// noVoucher is the answer for a code no voucher has: void, when it is the
// code of a redemption an upload refused, else unknown.
func (t *txn) noVoucher(code string) error {
	var conflict int64
	err := t.queryRow(`SELECT conflict FROM void_vouchers WHERE code = ?`, code).Scan(&conflict)
	if errors.Is(err, sql.ErrNoRows) {
		return rewards.Fail(rewards.ENOTFOUND, "voucher.unknown", lang.Args{"code": code})
	} else if err != nil {
		return fmt.Errorf("look up void voucher: %w", err)
	}
	return rewards.Fail(rewards.EREFUSED, "voucher.void", lang.Args{"code": code, "conflict": conflict})
}

// conflictColumns are the columns scanConflict reads.
const conflictColumns = `id, device, coalesce(staff, ''), event, kind, card, at, outcome, code, key, args, body, recorded_at,
	resolved_at, coalesce(resolved_by, ''), coalesce(note, '')`

// scanConflict reads a conflict's row, its message rendered in English.
func scanConflict(row scanner) (rewards.Conflict, error) {
	var c rewards.Conflict
	var at, recorded int64
	var resolved sql.NullInt64
	var args string
	if err := row.Scan(&c.ID, &c.Device, &c.Staff, &c.Event, &c.Kind, &c.Card, &at, &c.Outcome, &c.Code, &c.Key, &args, &c.Body,
		&recorded, &resolved, &c.ResolvedBy, &c.Note); err != nil {
		return c, err
	}
	dec := json.NewDecoder(strings.NewReader(args))
	dec.UseNumber()
	if err := dec.Decode(&c.Args); err != nil {
		return c, fmt.Errorf("conflict %d's arguments: %w", c.ID, err)
	}
	c.At, c.RecordedAt, c.ResolvedAt = fromMS(at), fromMS(recorded), timePtr(resolved)
	c.Message = lang.Text(lang.EN, c.Key, rewards.DomainArgs(c.Args))
	c.Args = rewards.WireArgs(rewards.DomainArgs(c.Args)) // numbers as numbers, not json.Number
	return c, nil
}

// conflictOf finds the conflict recorded for an uploaded event with the
// outcome.
func (t *txn) conflictOf(event, outcome string) (c rewards.Conflict, found bool, err error) {
	c, err = scanConflict(t.queryRow(`SELECT `+conflictColumns+` FROM conflicts WHERE event = ? AND outcome = ?`, event, outcome))
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	} else if err != nil {
		return c, false, fmt.Errorf("look up conflict: %w", err)
	}
	return c, true, nil
}

// Conflicts lists the conflicts of kiosks' uploads, oldest first: the
// open ones, or with all the resolved ones too.
func (s *Store) Conflicts(ctx context.Context, all bool) ([]rewards.Conflict, error) {
	if s.replica {
		return nil, errServerOnly()
	}
	out := []rewards.Conflict{}
	err := s.read(ctx, func(t *txn) error {
		q := `SELECT ` + conflictColumns + ` FROM conflicts WHERE resolved_at IS NULL ORDER BY id`
		if all {
			q = `SELECT ` + conflictColumns + ` FROM conflicts ORDER BY id`
		}
		rows, err := t.query(q)
		if err != nil {
			return fmt.Errorf("read conflicts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanConflict(rows)
			if err != nil {
				return fmt.Errorf("read conflicts: %w", err)
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// ResolveConflict closes an open conflict with a note, by a staff member
// or device, and returns it. A conflict closed already is a conflict
// itself; an empty note is refused: the next manager reads why.
func (s *Store) ResolveConflict(ctx context.Context, id int64, by, note string) (rewards.Conflict, error) {
	if s.replica {
		return rewards.Conflict{}, errServerOnly()
	}
	var c rewards.Conflict
	if strings.TrimSpace(note) == "" {
		return c, rewards.Fail(rewards.EINVALID, "conflict.note_missing", lang.Args{"id": id})
	}
	err := s.write(ctx, func(t *txn) error {
		var err error
		c, err = scanConflict(t.queryRow(`SELECT `+conflictColumns+` FROM conflicts WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return rewards.Fail(rewards.ENOTFOUND, "conflict.unknown", lang.Args{"id": id})
		} else if err != nil {
			return fmt.Errorf("look up conflict %d: %w", id, err)
		}
		if c.ResolvedAt != nil {
			at := *c.ResolvedAt
			if t.prog != nil {
				at = at.In(t.prog.Location())
			}
			return rewards.Fail(rewards.ECONFLICT, "conflict.resolved", lang.Args{"id": id, "by": c.ResolvedBy, "at": at})
		}
		now := t.until.UTC().Truncate(time.Millisecond)
		if _, err := t.exec(`UPDATE conflicts SET resolved_at = ?, resolved_by = ?, note = ? WHERE id = ?`, ms(now), by, note, id); err != nil {
			return fmt.Errorf("resolve conflict %d: %w", id, err)
		}
		c.ResolvedAt, c.ResolvedBy, c.Note = &now, by, note
		return t.audited(rewards.AuditConflictResolve, strconv.FormatInt(id, 10), now)
	})
	return c, err
}

// LeaseNumbers leases n new card numbers to the device, for its kiosk to
// issue cards with while it cannot reach the ledger: numbers drawn as a
// new card's are (no card, no staff card, no other lease), which the
// ledger's own draws pass by from now on, and which a card issued with
// one by another device is refused (useLease).
func (s *Store) LeaseNumbers(ctx context.Context, d rewards.Device, n int) ([]string, error) {
	if s.replica {
		return nil, errServerOnly()
	}
	if n < 1 || n > rewards.LeaseMax {
		return nil, rewards.Fail(rewards.EINVALID, "sync.count_bad", lang.Args{"count": n, "max": rewards.LeaseMax})
	}
	out := make([]string, 0, n)
	err := s.write(ctx, func(t *txn) error {
		out = out[:0]
		p, err := t.program()
		if err != nil {
			return err
		}
		for range n {
			number, err := t.newCardNumber(p)
			if err != nil {
				return err
			}
			if _, err := t.exec(`INSERT INTO card_leases (number, device, leased_at) VALUES (?, ?, ?)`, number, d.Name, ms(t.until)); err != nil {
				return fmt.Errorf("lease card number: %w", err)
			}
			out = append(out, number)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// leasedTo is the device a card number is leased to; "" when none.
func (t *txn) leasedTo(number string) (string, error) {
	var device string
	err := t.queryRow(`SELECT device FROM card_leases WHERE number = ?`, number).Scan(&device)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("look up card lease %s: %w", number, err)
	}
	return device, nil
}

// useLease lets a new card have a number only when it is leased to no
// device but the one whose event issues it; that device's lease of it is
// used up.
func (t *txn) useLease(number, device string) error {
	leased, err := t.leasedTo(number)
	switch {
	case err != nil || leased == "":
		return err
	case leased != device:
		return rewards.Fail(rewards.ECONFLICT, "sync.number_leased", lang.Args{"card": number, "device": leased})
	}
	if _, err := t.exec(`DELETE FROM card_leases WHERE number = ?`, number); err != nil {
		return fmt.Errorf("use card lease %s: %w", number, err)
	}
	return nil
}

var _ rewards.SyncSource = (*Store)(nil)
