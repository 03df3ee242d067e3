package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// One-time codes live in the otp_codes table (migration 0013), which every
// server sharing the ledger reads, so that the limits of package rewards
// (OTPCodes a phone per OTPWindow, OTPTries a code) hold across them. Like
// devices, codes are credentials, not facts of the points ledger: no event
// records them. A phone's rows are deleted once its window is over.

var _ rewards.OTPs = (*Store)(nil)

// StartOTP makes a code for the phone (written in E.164 with the program's
// calling code) and keeps its hash, or refuses when the phone had its
// codes for the window. The answer is the same for a customer's phone as
// for any other.
func (s *Store) StartOTP(ctx context.Context, c rewards.OTPStart) (rewards.OTPIssued, error) {
	if err := c.Validate(); err != nil {
		return rewards.OTPIssued{}, err
	}
	var out rewards.OTPIssued
	err := s.write(ctx, func(t *txn) error {
		phone, err := t.otpPhone(c.Phone)
		if err != nil {
			return err
		}
		now := t.until
		if err := t.pruneOTP(now); err != nil {
			return err
		}
		rows, err := t.query(`SELECT created_at FROM otp_codes WHERE phone = ? AND created_at > ?`, phone, ms(now.Add(-rewards.OTPWindow)))
		if err != nil {
			return fmt.Errorf("read codes: %w", err)
		}
		var recent []time.Time
		for rows.Next() {
			var at int64
			if err := rows.Scan(&at); err != nil {
				rows.Close()
				return fmt.Errorf("read codes: %w", err)
			}
			recent = append(recent, fromMS(at))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read codes: %w", err)
		}
		code, rec, err := rewards.NewOTP(phone, now, recent)
		if err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO otp_codes (phone, salt, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			rec.Phone, rec.Salt, rec.Hash, ms(rec.CreatedAt), ms(rec.ExpiresAt)); err != nil {
			return fmt.Errorf("keep code: %w", err)
		}
		out = rewards.OTPIssued{OTPSent: rewards.OTPSent{Phone: phone, Sent: true, ExpiresAt: rec.ExpiresAt.UTC()}, Code: code}
		return nil
	})
	return out, err
}

// VerifyOTP checks the code against the phone's latest one and answers the
// cards of the phone's household; a phone that is no customer's has none.
// A wrong try is counted (committed) before it is refused.
func (s *Store) VerifyOTP(ctx context.Context, c rewards.OTPVerify) (rewards.OTPVerified, error) {
	if err := c.Validate(); err != nil {
		return rewards.OTPVerified{}, err
	}
	var out rewards.OTPVerified
	var refusal error
	err := s.write(ctx, func(t *txn) error {
		refusal = nil
		phone, err := t.otpPhone(c.Phone)
		if err != nil {
			return err
		}
		var id int64
		var rec rewards.OTPCode
		var created, expires int64
		var used int
		err = t.queryRow(`SELECT id, phone, salt, hash, created_at, expires_at, tries, used FROM otp_codes
			WHERE phone = ? ORDER BY created_at DESC, id DESC LIMIT 1`, phone).
			Scan(&id, &rec.Phone, &rec.Salt, &rec.Hash, &created, &expires, &rec.Tries, &used)
		var latest *rewards.OTPCode
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read code: %w", err)
		default:
			rec.CreatedAt, rec.ExpiresAt, rec.Used = fromMS(created), fromMS(expires), used != 0
			latest = &rec
		}
		kept, err := rewards.CheckOTP(latest, c.Code, t.until)
		if latest != nil && (kept.Tries != rec.Tries || kept.Used != rec.Used) {
			if _, err := t.exec(`UPDATE otp_codes SET tries = ?, used = ? WHERE id = ?`, kept.Tries, kept.Used, id); err != nil {
				return fmt.Errorf("keep code: %w", err)
			}
		}
		if err != nil {
			refusal = err // the try counts: commit it, then refuse
			return nil
		}
		out, err = t.phoneCards(phone)
		return err
	})
	if err != nil {
		return rewards.OTPVerified{}, err
	}
	if refusal != nil {
		return rewards.OTPVerified{}, refusal
	}
	return out, nil
}

// otpPhone writes a phone as people's phones are kept: E.164, a local
// form read with the program's calling code.
func (t *txn) otpPhone(phone string) (string, error) {
	cc := ""
	if t.prog != nil {
		cc = t.prog.CallingCode()
	}
	return rewards.NormalizePhone(phone, cc)
}

// pruneOTP deletes the codes whose window is over: they count against no
// limit and verify nothing any more.
func (t *txn) pruneOTP(now time.Time) error {
	if _, err := t.exec(`DELETE FROM otp_codes WHERE created_at <= ? AND expires_at <= ?`,
		ms(now.Add(-rewards.OTPWindow)), ms(now)); err != nil {
		return fmt.Errorf("delete old codes: %w", err)
	}
	return nil
}

// householdCards are the cards of the households whose personal records
// hold phone (one, as a phone belongs to one household): each holder's
// card and its family cards, replaced cards left out, each with the given
// name of its customer.
func (t *txn) householdCards(phone string) ([]rewards.OTPCard, error) {
	accounts, err := column[int64](t, "the accounts of the phone", `SELECT account_id FROM people WHERE phone = ?`, phone)
	if err != nil {
		return nil, err
	}
	var roots []string
	for _, a := range accounts {
		numbers, err := t.textColumn("cards of the phone", `SELECT number FROM cards WHERE account_id = ?`, a)
		if err != nil {
			return nil, err
		}
		for _, n := range numbers {
			c, err := t.card(n)
			if err != nil {
				return nil, err
			}
			if root := rewards.Household(c.view(t.until)); !slices.Contains(roots, root) {
				roots = append(roots, root)
			}
		}
	}
	slices.Sort(roots)
	cards := []rewards.OTPCard{}
	for _, root := range roots {
		numbers, err := t.textColumn("cards of the household", `SELECT number FROM cards WHERE number = ? OR holder = ? ORDER BY holder IS NOT NULL, number`, root, root)
		if err != nil {
			return nil, err
		}
		for _, n := range numbers {
			c, err := t.card(n)
			if err != nil {
				return nil, err
			}
			v := c.view(t.until)
			if v.Status == rewards.CardReplaced {
				continue
			}
			p, err := t.person(c.accountID)
			if err != nil {
				return nil, err
			}
			oc := rewards.OTPCard{Number: v.Number, Status: v.Status, Holder: v.Holder}
			if p != nil {
				oc.GivenName = p.GivenName
			}
			cards = append(cards, oc)
		}
	}
	return cards, nil
}

// forgetOTP deletes the codes sent to a forgotten customer's phone: they
// hold the phone number.
func (t *txn) forgetOTP(phone string) error {
	if phone == "" {
		return nil
	}
	if _, err := t.exec(`DELETE FROM otp_codes WHERE phone = ?`, phone); err != nil {
		return fmt.Errorf("erase codes: %w", err)
	}
	return nil
}

// CardsOfPhone finds the cards of the phone's household without a code,
// for staff in a session (rewards.PhoneCards); a phone no customer has
// finds none.
func (s *Store) CardsOfPhone(ctx context.Context, phone string) (rewards.OTPVerified, error) {
	if s.replica {
		return rewards.OTPVerified{}, errServerOnly()
	}
	var out rewards.OTPVerified
	err := s.read(ctx, func(t *txn) error {
		t.until = s.Now()
		p, err := t.otpPhone(phone)
		if err != nil {
			return err
		}
		out, err = t.phoneCards(p)
		return err
	})
	return out, err
}

// phoneCards is the answer for a phone (in E.164): its household's cards.
func (t *txn) phoneCards(phone string) (rewards.OTPVerified, error) {
	cards, err := t.householdCards(phone)
	if err != nil {
		return rewards.OTPVerified{}, err
	}
	return rewards.OTPVerified{Phone: phone, Cards: cards}, nil
}

var _ rewards.PhoneCards = (*Store)(nil)
