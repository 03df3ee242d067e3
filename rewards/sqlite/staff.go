package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Staff members, their PIN hashes, lock-outs and sessions are kept in
// their own tables (migration 0012) and are no event of the log, for the
// reason devices are not (devices.go): the log travels to kiosks and is
// replayed by check, and a PIN hash or a session token's hash in it would
// hand every replica what the server accepts as a password. Lock-outs and
// sessions are rows of the ledger, so that every server on it agrees: a
// member locked out through one tochkad is locked out through all.

var _ rewards.Staff = (*Store)(nil)

// AddStaff adds a staff member of a recorded store or cooperative with the
// PIN's argon2id hash. The same request id and member again answer the
// member; another under that id, a number that is taken, or a staff card
// that is not free (freeStaffCard) is a conflict.
func (s *Store) AddStaff(ctx context.Context, c rewards.StaffAdd) (rewards.StaffMember, error) {
	if s.replica {
		return rewards.StaffMember{}, errServerOnly()
	}
	if err := c.Validate(); err != nil {
		return rewards.StaffMember{}, err
	}
	hash := rewards.HashPIN(c.PIN) // slow by design: outside the write
	var out rewards.StaffMember
	err := s.write(ctx, func(t *txn) error {
		if c.ID != "" {
			m, found, err := t.staffMember(`m.add_request = ?`, c.ID)
			if err != nil {
				return err
			}
			if found {
				if m.Number != c.Staff.Number || m.Name != c.Staff.Name || m.Role != c.Staff.Role || m.Card != c.Staff.Card ||
					!samePlace(m.Store, m.Coop, c.Staff.Store, c.Staff.Coop) {
					return rewards.Fail(rewards.ECONFLICT, "staff.request_conflict", lang.Args{"id": c.ID, "number": m.Number})
				}
				out = m
				return nil
			}
		}
		if _, taken, err := t.staffMember(`m.number = ?`, c.Staff.Number); err != nil {
			return err
		} else if taken {
			return rewards.Fail(rewards.ECONFLICT, "staff.number_taken", lang.Args{"number": c.Staff.Number})
		}
		storeCoop, err := t.devicePlace(c.Staff.Store, c.Staff.Coop)
		if err != nil {
			return err
		}
		if err := t.freeStaffCard(c.Staff.Card, c.Staff.Number); err != nil {
			return err
		}
		m := c.Staff
		m.CreatedAt = t.at(c.At).UTC().Truncate(time.Millisecond)
		if _, err := t.exec(`INSERT INTO staff (number, name, role, store, coop, card, pin_hash, created_at, add_request)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.Number, m.Name, m.Role, nullText(m.Store), nullText(m.Coop), nullText(m.Card), hash, ms(m.CreatedAt), nullText(c.ID)); err != nil {
			return fmt.Errorf("add staff member %s: %w", m.Number, err)
		}
		if storeCoop != "" {
			m.Coop = storeCoop
		}
		out = m
		return t.audited(rewards.AuditStaffAdd, m.Number, m.CreatedAt)
	})
	return out, err
}

// SetStaffCard gives a staff member a staff card, replaces it, or, with
// the command's card empty, takes it away. Like AddStaff's, the card must
// be free (freeStaffCard); the member's own card again changes nothing.
func (s *Store) SetStaffCard(ctx context.Context, c rewards.StaffCardSet) (rewards.StaffMember, error) {
	if s.replica {
		return rewards.StaffMember{}, errServerOnly()
	}
	if err := c.Validate(); err != nil {
		return rewards.StaffMember{}, err
	}
	var out rewards.StaffMember
	err := s.write(ctx, func(t *txn) error {
		if err := t.freeStaffCard(c.Card, c.Number); err != nil {
			return err
		}
		before, _, err := t.staffMember(`m.number = ?`, c.Number)
		if err != nil {
			return err
		}
		if err := t.updateStaff(c.Number, "card", `card = ?`, nullText(c.Card)); err != nil {
			return err
		}
		if out, _, err = t.staffMember(`m.number = ?`, c.Number); err != nil || out.Card == before.Card {
			return err
		}
		return t.audited(rewards.AuditStaffCard, c.Number, t.until)
	})
	return out, err
}

// SetStaffPIN gives a staff member a new PIN's hash, clears the member's
// count of wrong PINs and lock-out (a member locked out logs in with the
// new PIN at once) and ends the member's sessions. The replicas get the
// new hash with the staff of their scope, whose digest it changes.
func (s *Store) SetStaffPIN(ctx context.Context, c rewards.StaffPINSet) (rewards.StaffMember, error) {
	if s.replica {
		return rewards.StaffMember{}, errServerOnly()
	}
	if err := c.Validate(); err != nil {
		return rewards.StaffMember{}, err
	}
	hash := rewards.HashPIN(c.PIN) // slow by design: outside the write
	var out rewards.StaffMember
	err := s.write(ctx, func(t *txn) error {
		if err := t.updateStaff(c.Number, "PIN", `pin_hash = ?, failures = 0, locked_until = NULL`, hash); err != nil {
			return err
		}
		// Whoever logged in with the old PIN logs in again.
		if _, err := t.exec(`DELETE FROM staff_sessions WHERE staff = ?`, c.Number); err != nil {
			return fmt.Errorf("end staff member %s's sessions: %w", c.Number, err)
		}
		var err error
		if out, _, err = t.staffMember(`m.number = ?`, c.Number); err != nil {
			return err
		}
		return t.audited(rewards.AuditStaffPIN, c.Number, t.until)
	})
	return out, err
}

// audited records, for the audit trail, a change that no event records:
// its kind (an Audit kind of package rewards), what it was made to and
// when, by the device and, in a staff session, by the member the context
// names.
func (t *txn) audited(kind, subject string, at time.Time) error {
	if _, err := t.exec(`INSERT INTO audit_changes (after, at, kind, subject, device, staff) VALUES (?, ?, ?, ?, ?, ?)`,
		t.lastSeq, ms(at), kind, subject, t.madeBy(), nullText(rewards.StaffIn(t.ctx))); err != nil {
		return fmt.Errorf("record the %s of %s for the audit trail: %w", kind, subject, err)
	}
	return nil
}

// updateStaff sets what set says (SQL assignments, their values args) of
// the staff member numbered number, refusing a number no member has; what
// names the change in an error.
func (t *txn) updateStaff(number, what, set string, args ...any) error {
	res, err := t.exec(`UPDATE staff SET `+set+` WHERE number = ?`, append(args, number)...)
	if err != nil {
		return fmt.Errorf("set staff member %s's %s: %w", number, what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rewards.Fail(rewards.ENOTFOUND, "staff.unknown", lang.Args{"number": number})
	}
	return nil
}

// freeStaffCard refuses, as a conflict, a staff card for the member
// numbered number that is the number of a loyalty card of the ledger (a
// scan at the kiosk must name one thing) or another member's staff card.
// No card at all is free.
func (t *txn) freeStaffCard(card, number string) error {
	if card == "" {
		return nil
	}
	var loyalty, taken bool
	if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM cards WHERE number = ?), EXISTS (SELECT 1 FROM staff WHERE card = ? AND number <> ?)`,
		card, card, number).Scan(&loyalty, &taken); err != nil {
		return fmt.Errorf("look up staff card %s: %w", card, err)
	}
	switch {
	case loyalty:
		return rewards.Fail(rewards.ECONFLICT, "staff.card_loyalty", lang.Args{"card": card})
	case taken:
		return rewards.Fail(rewards.ECONFLICT, "staff.card_taken", lang.Args{"card": card})
	}
	return nil
}

// StaffList lists the staff members by number.
func (s *Store) StaffList(ctx context.Context) ([]rewards.StaffMember, error) {
	out := []rewards.StaffMember{}
	err := s.read(ctx, func(t *txn) error {
		rows, err := t.tx.QueryContext(ctx, staffSelect+` ORDER BY m.number`)
		if err != nil {
			return fmt.Errorf("list staff: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			m, _, err := scanStaff(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// LoginStaff finds the member, by number or by staff card, and its PIN
// hash in one read, and checks the PIN (outside any transaction: argon2id
// is slow by design); then, in one write, applies the login rule
// (StaffLogin.Attempt: the lock-out, then the device's place) to the
// member's state as it is then (another server may have counted a wrong
// PIN meanwhile) and keeps the result: the count, the lock, or a new
// session. A refusal is answered after the write commits, so that the
// wrong PIN it counts is kept. The member is the same whichever way it was
// named, and so is its count of wrong PINs. A login that names no member
// checks its PIN all the same, against rewards.UnknownPINHash, and counts
// nothing: it takes as long as a wrong PIN, so that its time does not
// tell which numbers and cards are a member's.
func (s *Store) LoginStaff(ctx context.Context, c rewards.StaffLogin, d rewards.Device) (rewards.NewStaffSession, error) {
	if err := c.Validate(); err != nil {
		return rewards.NewStaffSession{}, err
	}
	where, key := `m.number = ?`, c.Number
	if c.Card != "" {
		where, key = `m.card = ?`, c.Card
	}
	var hash string
	var m rewards.StaffMember
	var found bool
	err := s.read(ctx, func(t *txn) error {
		var err error
		m, found, err = scanStaff(t.queryRow(`SELECT `+staffColumns+`, m.pin_hash`+staffFrom+` WHERE `+where, key), &hash)
		return err
	})
	if err != nil {
		return rewards.NewStaffSession{}, err
	}
	if !found {
		hash = rewards.UnknownPINHash()
	}
	pinMatches := rewards.PINMatches
	if s.pinMatches != nil {
		pinMatches = s.pinMatches
	}
	matched := pinMatches(c.PIN, hash)
	if !found {
		return rewards.NewStaffSession{}, c.Unknown()
	}
	var out rewards.NewStaffSession
	var refusal error
	err = s.write(ctx, func(t *txn) error {
		var st rewards.PINState
		var locked sql.NullInt64
		if err := t.queryRow(`SELECT failures, locked_until FROM staff WHERE number = ?`, m.Number).Scan(&st.Failures, &locked); err != nil {
			return fmt.Errorf("read staff member %s: %w", m.Number, err)
		}
		if locked.Valid {
			st.LockedUntil = fromMS(locked.Int64)
		}
		now := t.until
		next, err := c.Attempt(m, d, st, matched, now)
		refusal = err
		var lock any
		if !next.LockedUntil.IsZero() {
			lock = ms(next.LockedUntil)
		}
		if _, err := t.exec(`UPDATE staff SET failures = ?, locked_until = ? WHERE number = ?`,
			next.Failures, lock, m.Number); err != nil {
			return fmt.Errorf("keep staff member %s's PIN state: %w", m.Number, err)
		}
		if refusal != nil {
			return nil
		}
		token := rewards.NewSessionToken()
		expires := now.Add(rewards.SessionIdle).UTC().Truncate(time.Millisecond)
		if _, err := t.exec(`DELETE FROM staff_sessions WHERE expires_at <= ?`, ms(now)); err != nil {
			return fmt.Errorf("drop ended staff sessions: %w", err)
		}
		if _, err := t.exec(`INSERT INTO staff_sessions (token_sha256, staff, device, expires_at) VALUES (?, ?, ?, ?)`,
			rewards.TokenHash(token), m.Number, d.Name, ms(expires)); err != nil {
			return fmt.Errorf("open staff session: %w", err)
		}
		out = rewards.NewStaffSession{StaffSession: rewards.StaffSession{Staff: m, Device: d.Name, ExpiresAt: expires}, Token: token}
		return nil
	})
	if err != nil {
		return rewards.NewStaffSession{}, err
	}
	return out, refusal
}

// SessionByToken returns the open session whose token has the hash and
// moves its end to SessionIdle from now: a write, so that each use counts
// on every server of the ledger.
func (s *Store) SessionByToken(ctx context.Context, hash string) (rewards.StaffSession, error) {
	var out rewards.StaffSession
	var found bool
	err := s.write(ctx, func(t *txn) error {
		var number string
		var expires int64
		err := t.queryRow(`SELECT staff, device, expires_at FROM staff_sessions WHERE token_sha256 = ?`, hash).Scan(&number, &out.Device, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read staff session: %w", err)
		}
		now := t.until
		if !now.Before(fromMS(expires)) {
			_, err := t.exec(`DELETE FROM staff_sessions WHERE token_sha256 = ?`, hash)
			return err
		}
		m, ok, err := t.staffMember(`m.number = ?`, number)
		if err != nil || !ok {
			return err
		}
		out.Staff = m
		out.ExpiresAt = now.Add(rewards.SessionIdle).UTC().Truncate(time.Millisecond)
		if _, err := t.exec(`UPDATE staff_sessions SET expires_at = ? WHERE token_sha256 = ?`, ms(out.ExpiresAt), hash); err != nil {
			return fmt.Errorf("extend staff session: %w", err)
		}
		found = true
		return nil
	})
	if err != nil {
		return rewards.StaffSession{}, err
	}
	if !found {
		return rewards.StaffSession{}, rewards.Fail(rewards.EUNAUTHENTICATED, "staff.session_unknown", nil)
	}
	return out, nil
}

// Audit lists the events after since in the order of the log, and each
// change that no event records after the last event before it, with the
// device and the staff member that made each.
func (s *Store) Audit(ctx context.Context, since time.Time) ([]rewards.AuditEntry, error) {
	out := []rewards.AuditEntry{}
	err := s.read(ctx, func(t *txn) error {
		rows, err := t.tx.QueryContext(ctx, `SELECT seq, at, kind, device, coalesce(staff, ''), subject FROM (
				SELECT seq, seq AS place, 0 AS id, at, kind, device, staff, '' AS subject FROM events WHERE at > ?1
				UNION ALL
				SELECT 0, after, id, at, kind, device, staff, subject FROM audit_changes WHERE at > ?1)
			ORDER BY place, id`, ms(since))
		if err != nil {
			return fmt.Errorf("read the audit trail: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e rewards.AuditEntry
			var at int64
			if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.Device, &e.Staff, &e.Subject); err != nil {
				return fmt.Errorf("read the audit trail: %w", err)
			}
			e.At = fromMS(at)
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// staffColumns and staffFrom read a staff member with its store's
// cooperative as the store records say now (scanStaff); staffSelect is
// both, without the PIN hash, which only a login reads.
const (
	staffColumns = `m.number, m.name, m.role, coalesce(m.store, ''), coalesce(m.coop, st.coop, ''), coalesce(m.card, ''), m.created_at`
	staffFrom    = ` FROM staff m LEFT JOIN stores st ON st.id = m.store`
	staffSelect  = `SELECT ` + staffColumns + staffFrom
)

// staffMember is the staff member that where (on the staff table, m) picks.
func (t *txn) staffMember(where string, arg any) (rewards.StaffMember, bool, error) {
	m, found, err := scanStaff(t.queryRow(staffSelect+` WHERE `+where, arg))
	return m, found, err
}

// scanStaff reads a row of staffColumns, and into more what the row has
// after them.
func scanStaff(row interface{ Scan(...any) error }, more ...any) (rewards.StaffMember, bool, error) {
	var m rewards.StaffMember
	var created int64
	if err := row.Scan(append([]any{&m.Number, &m.Name, &m.Role, &m.Store, &m.Coop, &m.Card, &created}, more...)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return m, false, nil
		}
		return m, false, fmt.Errorf("read staff member: %w", err)
	}
	m.CreatedAt = fromMS(created)
	return m, true, nil
}
