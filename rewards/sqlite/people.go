package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// person reads the personal record of an account; nil when it has none.
func (t *txn) person(accountID int64) (*rewards.Person, error) {
	p := &rewards.Person{}
	var phone sql.NullString
	var consent, marketing, withdrawn sql.NullInt64
	err := t.queryRow(`SELECT id, given_name, family_name, phone, email, consent_at, marketing_at, marketing_withdrawn_at
		FROM people WHERE account_id = ?`, accountID).
		Scan(&p.ID, &p.GivenName, &p.FamilyName, &phone, &p.Email, &consent, &marketing, &withdrawn)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("look up personal data: %w", err)
	}
	p.Phone, p.ConsentAt, p.MarketingAt, p.MarketingWithdrawnAt = phone.String, timePtr(consent), timePtr(marketing), timePtr(withdrawn)
	return p, nil
}

// keepPerson records the personal data d (checked by Program.Details) that
// a command gives about card c's customer in the record of its account a,
// and returns the record's id, which the event carries instead ("" when d
// gives nothing to keep: nothing at all, or a withdrawal of a marketing
// consent from a customer with no record). A phone that an unrelated household holds is refused.
// A new record takes the id ref when it is given and no other record has
// it: an event made elsewhere (a kiosk's enrolment) names its record, so
// that the body the ledger keeps is the one the kiosk made and its upload
// again is the same event.
func (t *txn) keepPerson(ev *eventRec, c *cardRow, a *account, d rewards.Details, ref string) (string, error) {
	old, err := t.person(a.id)
	if err != nil {
		return "", err
	}
	if !d.Keeps(old) {
		return "", nil
	}
	if d.Phone != "" {
		others, err := t.phoneHolders(d.Phone, a.id, ev.at)
		if err != nil {
			return "", err
		}
		if err := rewards.SharePhone(c.view(ev.at), d.Phone, others); err != nil {
			return "", err
		}
	}
	if old == nil {
		old = &rewards.Person{ID: rewards.NewPersonID()}
		var taken bool
		if ref != "" {
			if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM people WHERE id = ?)`, ref).Scan(&taken); err != nil {
				return "", fmt.Errorf("look up personal record %s: %w", ref, err)
			}
			if !taken {
				old.ID = ref
			}
		}
	}
	p := rewards.Record(*old, d, ev.at)
	if t.s.replica {
		// A replica keeps of personal data only the given name; what
		// was typed waits in the outbox with the event (ev.typed), and
		// leaves the kiosk once the server has answered for it.
		ev.typed = &d
		p.FamilyName, p.Phone, p.Email = "", "", ""
	}
	phone := nullText(p.Phone)
	if _, err := t.exec(`INSERT INTO people (account_id, id, given_name, family_name, phone, email, consent_at, marketing_at, marketing_withdrawn_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
			phone = excluded.phone, email = excluded.email, consent_at = excluded.consent_at, marketing_at = excluded.marketing_at,
			marketing_withdrawn_at = excluded.marketing_withdrawn_at`,
		a.id, p.ID, p.GivenName, p.FamilyName, phone, p.Email, nullTime(p.ConsentAt), nullTime(p.MarketingAt), nullTime(p.MarketingWithdrawnAt)); err != nil {
		return "", fmt.Errorf("save personal data: %w", err)
	}
	return p.ID, nil
}

// phoneHolders returns a card of each account but except whose personal
// record holds phone (accountCard's).
func (t *txn) phoneHolders(phone string, except int64, at time.Time) ([]rewards.Card, error) {
	rows, err := t.query(`SELECT account_id FROM people WHERE phone = ? AND account_id <> ?`, phone, except)
	if err != nil {
		return nil, fmt.Errorf("look up phone: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("look up phone: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up phone: %w", err)
	}
	out := make([]rewards.Card, 0, len(ids))
	for _, id := range ids {
		c, err := t.accountCard(id)
		if err != nil || c == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, c.view(at))
	}
	return out, nil
}

// accountCard returns the card that names an account's customer: the one
// that is not replaced, a holder's before a family card's; nil when the
// account has no card.
func (t *txn) accountCard(accountID int64) (*cardRow, error) {
	var n string
	err := t.queryRow(`SELECT number FROM cards WHERE account_id = ?
		ORDER BY replaced_by IS NOT NULL, holder IS NOT NULL, number LIMIT 1`, accountID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("look up the account's card: %w", err)
	}
	return t.card(n)
}

// normalizePhones is the upgrade step of migration 0008: it writes each
// phone that v0.1.0 kept in E.164 form, as the program's rules for input
// do (rewards.NormalizePhone, with the program's calling code). A phone
// that cannot be is kept as it was, and so is one that, so written, is
// already another household's (one phone, one household): the operator is
// told, by card, which to register again.
func (t *txn) normalizePhones() (warnings []lang.Msg, err error) {
	cc := ""
	if t.prog != nil {
		cc = t.prog.CallingCode()
	}
	rows, err := t.query(`SELECT account_id, phone FROM people WHERE phone IS NOT NULL ORDER BY account_id`)
	if err != nil {
		return nil, fmt.Errorf("normalise phones: %w", err)
	}
	type kept struct {
		account int64
		phone   string
	}
	var phones []kept
	for rows.Next() {
		var k kept
		if err := rows.Scan(&k.account, &k.phone); err != nil {
			rows.Close()
			return nil, fmt.Errorf("normalise phones: %w", err)
		}
		phones = append(phones, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("normalise phones: %w", err)
	}
	for _, k := range phones {
		c, err := t.accountCard(k.account)
		if err != nil || c == nil {
			if err != nil {
				return nil, err
			}
			continue // the migration keeps no record without a card
		}
		phone, err := rewards.NormalizePhone(k.phone, cc)
		if e := (*rewards.Error)(nil); errors.As(err, &e) && e.Code == rewards.EINVALID {
			warnings = append(warnings, lang.M("people.phone_kept", lang.Args{"card": c.number, "phone": k.phone, "problem": lang.M(e.Key, e.Args)}))
			continue
		} else if err != nil {
			return nil, fmt.Errorf("normalise phone of card %s: %w", c.number, err)
		}
		if phone == k.phone {
			continue
		}
		others, err := t.phoneHolders(phone, k.account, t.until)
		if err != nil {
			return nil, err
		}
		if err := rewards.SharePhone(c.view(t.until), phone, others); err != nil {
			holder := ""
			if e := (*rewards.Error)(nil); errors.As(err, &e) {
				holder, _ = e.Args["card"].(string)
			}
			warnings = append(warnings, lang.M("people.phone_kept_taken", lang.Args{"card": c.number, "phone": k.phone, "normal": phone, "holder": holder}))
			continue
		}
		if _, err := t.exec(`UPDATE people SET phone = ? WHERE account_id = ?`, phone, k.account); err != nil {
			return nil, fmt.Errorf("normalise phone of card %s: %w", c.number, err)
		}
	}
	return warnings, nil
}

// ForgetCard erases the personal record of the card's customer and keeps
// the points. secure_delete zeroes what the deletion frees, and a
// checkpoint that empties the write-ahead log leaves no earlier image of
// the record's pages in either file.
func (s *Store) ForgetCard(ctx context.Context, c rewards.CardAction) (rewards.Card, error) {
	if err := c.Validate(); err != nil {
		return rewards.Card{}, err
	}
	card, err := applyCard(s, ctx, eventKey{kind: rewards.EventCardForget, clientID: c.ID}, c.At, c, func(t *txn, ev *eventRec) (any, string, error) {
		return c, c.Card, t.forget(ev, c)
	})
	if err != nil {
		return card, err
	}
	if err := s.checkpoint(ctx); err != nil {
		return card, fmt.Errorf("forget card %s: %w", c.Card, err)
	}
	return card, nil
}

func (t *txn) forget(ev *eventRec, r rewards.CardAction) error {
	if _, err := t.program(); err != nil {
		return err
	}
	c, err := t.card(r.Card)
	if err != nil {
		return err
	}
	if err := rewards.RefuseForget(c.view(ev.at)); err != nil {
		return err
	}
	return t.erasePerson(c.accountID)
}

// erasePerson deletes an account's personal record, and the hashes of the
// requests that gave it (a hash of a phone number can be found by trying
// them all): a retry of those requests is answered as a conflict.
func (t *txn) erasePerson(accountID int64) error {
	p, err := t.person(accountID)
	if err != nil || p == nil {
		return err
	}
	if _, err := t.exec(`UPDATE events SET request = NULL
		WHERE kind IN (?, ?) AND request IS NOT NULL AND json_extract(CAST(body AS TEXT), '$.person') = ?`,
		rewards.EventCardIssue, rewards.EventCardRegister, p.ID); err != nil {
		return fmt.Errorf("forget requests: %w", err)
	}
	if _, err := t.exec(`DELETE FROM people WHERE account_id = ?`, accountID); err != nil {
		return fmt.Errorf("erase personal data: %w", err)
	}
	return t.forgetOTP(p.Phone)
}

// checkpoint copies the write-ahead log into the database and empties it,
// so that no earlier image of a page survives in the log; a reader in the
// middle of a read holds it up for a while.
func (s *Store) checkpoint(ctx context.Context) error {
	if s.memory {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for try := 0; ; try++ {
		var busy, logged, done int
		if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		if try == 50 {
			return errors.New("checkpoint: readers kept the write-ahead log from being emptied; it is emptied at the next checkpoint")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ExportCard returns everything the ledger stores about the card's
// customer at at: the account's cards, the account, the personal record,
// the balance, the history of every card of the account (in time order)
// and the account's vouchers.
func (s *Store) ExportCard(ctx context.Context, number string, at time.Time) (rewards.CustomerData, error) {
	out := rewards.CustomerData{Card: number, Cards: []rewards.Card{}, History: []rewards.HistoryEntry{}, Vouchers: []rewards.Voucher{}}
	err := s.read(ctx, func(t *txn) error {
		c, err := t.card(number)
		if err != nil {
			return err
		}
		a, err := t.account(c.accountID)
		if err != nil {
			return err
		}
		total, err := t.purchaseTotal(a)
		if err != nil {
			return err
		}
		out.Account = rewards.AccountData{ID: a.id, MemberSince: timePtr(a.memberSince), WelcomeAt: timePtr(a.welcomeAt),
			Debt: a.debt, PurchaseTotal: total}
		if out.Person, err = t.person(a.id); err != nil {
			return err
		}
		numbers, err := t.textColumn("cards", `SELECT number FROM cards WHERE account_id = ? ORDER BY issued_at, number`, a.id)
		if err != nil {
			return err
		}
		for _, n := range numbers {
			v, err := t.cardView(n, at)
			if err != nil {
				return err
			}
			out.Cards = append(out.Cards, v)
		}
		if out.Balance, err = t.balance(c, at); err != nil {
			return err
		}
		// Every card of the account: a card's history holds those it
		// replaced, so each card no other replaced is read once.
		heads, err := t.textColumn("cards", `SELECT number FROM cards WHERE account_id = ? AND replaced_by IS NULL ORDER BY issued_at, number`, a.id)
		if err != nil {
			return err
		}
		for _, n := range heads {
			h, err := t.history(n)
			if err != nil {
				return err
			}
			out.History = append(out.History, h...)
		}
		sort.SliceStable(out.History, func(i, j int) bool { return out.History[i].At.Before(out.History[j].At) })
		codes, err := t.textColumn("vouchers", `SELECT code FROM vouchers WHERE account_id = ? ORDER BY created_at, code`, a.id)
		if err != nil {
			return err
		}
		for _, code := range codes {
			v, err := t.voucher(code)
			if err != nil {
				return err
			}
			v.Status = v.StatusAt(at)
			out.Vouchers = append(out.Vouchers, v.Voucher)
		}
		return nil
	})
	return out, err
}

// textColumn reads the one text column that the query q returns, row by
// row; what went wrong is said with the query's what.
func (t *txn) textColumn(what, q string, args ...any) ([]string, error) {
	return column[string](t, what, q, args...)
}

// column reads the one column of type T that the query q returns, row by
// row; what went wrong is said with the query's what.
func column[T any](t *txn, what, q string, args ...any) ([]T, error) {
	return scanAll(t, what, q, func(rows *sql.Rows) (T, error) {
		var v T
		err := rows.Scan(&v)
		return v, err
	}, args...)
}
