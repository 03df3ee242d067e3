package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// IssueCard issues a new card with its own account.
func (s *Store) IssueCard(ctx context.Context, c rewards.CardIssue) (rewards.Card, error) {
	if err := c.ValidateRequest(); err != nil {
		return rewards.Card{}, err
	}
	return applyCard(s, ctx, eventKey{kind: rewards.EventCardIssue, clientID: c.ID}, c.At, c, func(t *txn, ev *eventRec) (any, string, error) {
		err := t.issueCard(ev, &c, true)
		return c, c.Number, err
	})
}

// RegisterCard hands a batch card over and/or registers personal data or
// membership.
func (s *Store) RegisterCard(ctx context.Context, c rewards.CardRegister) (rewards.Card, error) {
	if err := c.ValidateRequest(); err != nil {
		return rewards.Card{}, err
	}
	return applyCard(s, ctx, eventKey{kind: rewards.EventCardRegister, clientID: c.ID}, c.At, c, func(t *txn, ev *eventRec) (any, string, error) {
		err := t.registerCard(ev, &c)
		return c, c.Card, err
	})
}

// BlockCard blocks a card.
func (s *Store) BlockCard(ctx context.Context, c rewards.CardAction) (rewards.Card, error) {
	if err := c.Validate(); err != nil {
		return rewards.Card{}, err
	}
	return applyCard(s, ctx, eventKey{kind: rewards.EventCardBlock, clientID: c.ID}, c.At, c, func(t *txn, ev *eventRec) (any, string, error) {
		return c, c.Card, t.blockCard(ev, c)
	})
}

// ReplaceCard blocks a lost card and moves its account to a new card.
func (s *Store) ReplaceCard(ctx context.Context, c rewards.CardReplace) (rewards.Card, error) {
	if err := c.Validate(); err != nil {
		return rewards.Card{}, err
	}
	return applyCard(s, ctx, eventKey{kind: rewards.EventCardReplace, clientID: c.ID}, c.At, c, func(t *txn, ev *eventRec) (any, string, error) {
		err := t.replaceCard(ev, &c, true)
		return c, c.NewNumber, err
	})
}

// LinkCard links a family card to a holder's card.
func (s *Store) LinkCard(ctx context.Context, c rewards.CardLink) (rewards.Card, error) {
	if err := c.Validate(); err != nil {
		return rewards.Card{}, err
	}
	return applyCard(s, ctx, eventKey{kind: rewards.EventCardLink, clientID: c.ID}, c.At, c, func(t *txn, ev *eventRec) (any, string, error) {
		return c, c.Card, t.linkCard(ev, c)
	})
}

// MakeMember makes the card's account a member's from the command's time.
func (s *Store) MakeMember(ctx context.Context, c rewards.CardAction) (rewards.Card, error) {
	if err := c.Validate(); err != nil {
		return rewards.Card{}, err
	}
	return applyCard(s, ctx, eventKey{kind: rewards.EventCardMember, clientID: c.ID}, c.At, c, func(t *txn, ev *eventRec) (any, string, error) {
		return c, c.Card, t.makeMember(ev, c)
	})
}

// applyCard runs a card command as an event and returns the card it is
// about as it stands after.
func applyCard(s *Store, ctx context.Context, k eventKey, at time.Time, request any, apply func(t *txn, ev *eventRec) (body any, number string, err error)) (rewards.Card, error) {
	var number string
	err := s.write(ctx, func(t *txn) error {
		var err error
		at = t.at(at)
		number, err = run(t, k, at, request, func(ev *eventRec) (any, string, error) {
			return apply(t, ev)
		})
		return err
	})
	if err != nil {
		return rewards.Card{}, err
	}
	return s.Card(ctx, number, at)
}

// issueCard issues the card of the command; fresh tells a command made
// here from an event made elsewhere or replayed (givenCardNumber).
func (t *txn) issueCard(ev *eventRec, c *rewards.CardIssue, fresh bool) error {
	p, err := t.program()
	if err != nil {
		return err
	}
	if c.Number == "" {
		if c.Number, err = t.newCardNumber(p); err != nil {
			return err
		}
	} else if err := t.givenCardNumber(ev, c.Number, fresh); err != nil {
		return err
	}
	d, err := p.Details(rewards.Personal(c.Details, c.Name))
	if err != nil {
		return err
	}
	a, err := t.newAccount()
	if err != nil {
		return err
	}
	withPhone := c.WithPhone || d.Phone != ""
	view := rewards.Card{Number: c.Number, IssuedAt: ev.at}
	if c.Handed || withPhone {
		p.HandOver(&view, ev.at)
	}
	card := &cardRow{accountID: a.id}
	card.set(view)
	if err := t.saveCard(card); err != nil {
		return err
	}
	if view.HandedAt == nil {
		if err := t.keepBatchCard(ev, c.Number, fresh); err != nil {
			return err
		}
	}
	ref, err := t.keepPerson(ev, card, a, d, c.Person)
	if err != nil {
		return err
	}
	if ref != "" {
		// The body refers to the record: it holds no personal data.
		c.Details, c.Name, c.Person, c.WithPhone = rewards.Details{}, "", ref, withPhone
	}
	return t.register(ev, card, a, withPhone, c.Member)
}

// newCardNumber draws a card number no card has, no staff card either,
// and that is leased to no kiosk (LeaseNumbers); a replica takes one of
// the numbers leased to it.
func (t *txn) newCardNumber(p *rewards.Program) (string, error) {
	if t.s.replica {
		return t.leasedNumber()
	}
	draw := rewards.NewCardNumber
	if t.s.cardNumbers != nil {
		draw = t.s.cardNumbers
	}
	return t.draw("card number", func() string { return draw(p.Card.Prefix) }, func(number string) (bool, error) {
		_, err := t.card(number)
		if rewards.ErrorCode(err) != rewards.ENOTFOUND {
			return err == nil, err
		}
		if leased, err := t.leasedTo(number); err != nil || leased != "" {
			return leased != "", err
		}
		return t.isStaffCard(number)
	})
}

// givenCardNumber checks the number a command gives a new card: an EAN-13
// that no card has, leased to no kiosk but the event's (whose lease it
// uses up), and, for a fresh command (one made here, not an event made
// elsewhere or replayed, which was held to the rule where it was made and
// is applied as it is), no staff card has: freeStaffCard's rule the other
// way round, so that a scan at the kiosk names one thing.
func (t *txn) givenCardNumber(ev *eventRec, number string, fresh bool) error {
	if err := rewards.ValidateCardNumber(number); err != nil {
		return err
	}
	if _, err := t.card(number); err == nil {
		return rewards.Fail(rewards.ECONFLICT, "card.exists", lang.Args{"card": number})
	}
	if err := t.useLease(number, ev.device); err != nil {
		return err
	}
	if !fresh {
		return nil
	}
	if staff, err := t.isStaffCard(number); err != nil {
		return err
	} else if staff {
		return rewards.Fail(rewards.ECONFLICT, "card.staff_card", lang.Args{"card": number})
	}
	return nil
}

// isStaffCard tells a number that is a staff member's staff card.
func (t *txn) isStaffCard(number string) (bool, error) {
	var staff bool
	if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM staff WHERE card = ?)`, number).Scan(&staff); err != nil {
		return false, fmt.Errorf("look up staff card %s: %w", number, err)
	}
	return staff, nil
}

// register records membership, and the welcome bonus where it is due: a
// phone was registered (withPhone) on an account not yet welcomed.
func (t *txn) register(ev *eventRec, c *cardRow, a *account, withPhone, member bool) error {
	changed := false
	if member && !a.memberSince.Valid {
		a.memberSince = sql.NullInt64{Int64: ms(ev.at), Valid: true}
		changed = true
	}
	if rewards.Welcomes(withPhone, a.welcomeAt.Valid) {
		eff, ok, err := t.prog.Welcome(t.brief(a), c.number, ev.at)
		if err != nil {
			return err
		}
		if ok {
			a.welcomeAt = sql.NullInt64{Int64: ms(ev.at), Valid: true}
			changed = true
			if _, err := t.save(a, c.number, ev, eff); err != nil {
				return err
			}
		}
	}
	if changed {
		return t.saveAccountDetails(a)
	}
	return nil
}

func (t *txn) registerCard(ev *eventRec, r *rewards.CardRegister) error {
	p, err := t.program()
	if err != nil {
		return err
	}
	c, err := t.card(r.Card)
	if err != nil {
		return err
	}
	d, err := p.Details(rewards.Personal(r.Details, r.Name))
	if err != nil {
		return err
	}
	a, err := t.account(c.accountID)
	if err != nil {
		return err
	}
	old, err := t.person(a.id)
	if err != nil {
		return err
	}
	view, err := p.Register(c.view(ev.at), d.Changes(old), ev.at)
	if err != nil {
		return err
	}
	if c.set(view) {
		if err := t.saveCard(c); err != nil {
			return err
		}
	}
	withPhone := r.WithPhone || d.Phone != ""
	ref, err := t.keepPerson(ev, c, a, d, r.Person)
	if err != nil {
		return err
	}
	if ref != "" {
		r.Details, r.Name, r.Person, r.WithPhone = rewards.Details{}, "", ref, withPhone
	}
	return t.register(ev, c, a, withPhone, r.Member)
}

func (t *txn) blockCard(ev *eventRec, r rewards.CardAction) error {
	if _, err := t.program(); err != nil {
		return err
	}
	c, err := t.card(r.Card)
	if err != nil {
		return err
	}
	view, err := rewards.Block(c.view(ev.at), ev.at)
	if err != nil {
		return err
	}
	c.set(view)
	return t.saveCard(c)
}

// replaceCard replaces the lost card of the command; fresh as for
// issueCard.
func (t *txn) replaceCard(ev *eventRec, r *rewards.CardReplace, fresh bool) error {
	p, err := t.program()
	if err != nil {
		return err
	}
	old, err := t.card(r.Card)
	if err != nil {
		return err
	}
	if old.replacedBy.Valid {
		_, _, err := p.Replace(old.view(ev.at), "", ev.at)
		return err
	}
	if r.NewNumber == "" {
		if r.NewNumber, err = t.newCardNumber(p); err != nil {
			return err
		}
	} else if err := t.givenCardNumber(ev, r.NewNumber, fresh); err != nil {
		return err
	}
	oldView, newView, err := p.Replace(old.view(ev.at), r.NewNumber, ev.at)
	if err != nil {
		return err
	}
	nc := &cardRow{accountID: old.accountID}
	nc.set(newView)
	if err := t.saveCard(nc); err != nil {
		return err
	}
	old.set(oldView)
	if err := t.saveCard(old); err != nil {
		return err
	}
	// The household's family cards follow their holder's new card.
	if _, err := t.exec(`UPDATE cards SET holder = ? WHERE holder = ?`, nc.number, old.number); err != nil {
		return fmt.Errorf("move family links: %w", err)
	}
	for _, c := range t.cards {
		if c.holder.String == old.number {
			c.holder.String = nc.number
		}
	}
	return nil
}

func (t *txn) linkCard(ev *eventRec, r rewards.CardLink) error {
	p, err := t.program()
	if err != nil {
		return err
	}
	if r.Card == r.Holder {
		_, _, err := p.Link(rewards.Card{Number: r.Card}, rewards.Card{Number: r.Holder}, 0, r.Pool, ev.at)
		return err
	}
	fam, err := t.card(r.Card)
	if err != nil {
		return err
	}
	holder, err := t.card(r.Holder)
	if err != nil {
		return err
	}
	var families int
	if err := t.queryRow(`SELECT count(*) FROM cards WHERE holder = ?`, fam.number).Scan(&families); err != nil {
		return fmt.Errorf("link card: %w", err)
	}
	view, pools, err := p.Link(fam.view(ev.at), holder.view(ev.at), families, r.Pool, ev.at)
	if err != nil {
		return err
	}
	fam.set(view)
	if pools && fam.accountID != holder.accountID {
		if err := t.pool(ev, fam, holder); err != nil {
			return err
		}
	}
	return t.saveCard(fam)
}

// pool moves a family card's account into its holder's: lots keep their
// dates, entries move with them, debt and purchase total come along, and a
// pair of entries shows the move in both cards' histories.
func (t *txn) pool(ev *eventRec, fam, holder *cardRow) error {
	from, err := t.account(fam.accountID)
	if err != nil {
		return err
	}
	to, err := t.account(holder.accountID)
	if err != nil {
		return err
	}
	fromAcct, err := t.holdings(from)
	if err != nil {
		return err
	}
	out, in, err := rewards.Pool(fromAcct, t.brief(to), fam.number, holder.number, ev.at)
	if err != nil {
		return err
	}
	if _, err := t.save(from, fam.number, ev, out); err != nil {
		return err
	}
	if _, err := t.save(to, holder.number, ev, in); err != nil {
		return err
	}
	// Lots are the accruals' entries, so the other entries come along too:
	// every entry belongs to its card's account.
	for _, q := range []string{
		`UPDATE lots SET account_id = ? WHERE account_id = ?`,
		`UPDATE entries SET account_id = ? WHERE account_id = ?`,
		`UPDATE vouchers SET account_id = ? WHERE account_id = ?`,
		`UPDATE cards SET account_id = ? WHERE account_id = ?`,
	} {
		if _, err := t.exec(q, to.id, from.id); err != nil {
			return fmt.Errorf("pool: %w", err)
		}
	}
	for _, c := range t.cards {
		if c.accountID == from.id {
			c.accountID = to.id
		}
	}
	to.purchaseTotal += from.purchaseTotal
	from.purchaseTotal = 0
	from.dirty, to.dirty = true, true
	// The family card's personal data are its holder's from now on, and
	// nothing leads to its old account any more: its own are erased.
	return t.erasePerson(from.id)
}

func (t *txn) makeMember(ev *eventRec, r rewards.CardAction) error {
	p, err := t.program()
	if err != nil {
		return err
	}
	c, err := t.card(r.Card)
	if err != nil {
		return err
	}
	a, err := t.account(c.accountID)
	if err != nil {
		return err
	}
	if err := p.MakeMember(c.number, timePtr(a.memberSince)); err != nil {
		return err
	}
	a.memberSince = sql.NullInt64{Int64: ms(ev.at), Valid: true}
	return t.saveAccountDetails(a)
}
