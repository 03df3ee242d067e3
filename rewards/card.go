package rewards

import (
	"crypto/rand"
	"math/big"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// Card statuses.
const (
	CardIssued   = "issued"   // printed or handed over, not active yet
	CardActive   = "active"   // may collect and spend
	CardBlocked  = "blocked"  // lost or stopped
	CardReplaced = "replaced" // its account moved to another card
)

// Card is a loyalty card as the ledger knows it.
type Card struct {
	Number     string     `json:"card"`
	Status     string     `json:"status"`
	IssuedAt   time.Time  `json:"issued_at"`
	HandedAt   *time.Time `json:"handed_at,omitempty"`
	ActiveFrom *time.Time `json:"active_from,omitempty"`
	BlockedAt  *time.Time `json:"blocked_at,omitempty"`
	ReplacedBy string     `json:"replaced_by,omitempty"`
	Holder     string     `json:"holder,omitempty"` // the holder's card this family card is linked to
	Pooled     bool       `json:"pooled,omitempty"`
	// Family are the other cards of the card's household (Household) that
	// are not replaced, by number: the holder's card and the family cards
	// linked to it.
	Family []string `json:"family,omitempty"`
	// The customer's personal data, from their Person record: Name is the
	// given and the family name together.
	Phone      string `json:"phone,omitempty"`
	Name       string `json:"name,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	Email      string `json:"email,omitempty"`
	Member     bool   `json:"member"`
	// PurchaseTotal is what the account's cards have bought, in minor
	// units: it moves to a replacement card and pools into a holder's.
	PurchaseTotal int64 `json:"purchase_total"`
}

// CardStatus is the status of a card at time at.
func CardStatus(blocked bool, replacedBy string, activeFrom *time.Time, at time.Time) string {
	switch {
	case replacedBy != "":
		return CardReplaced
	case blocked:
		return CardBlocked
	case activeFrom != nil && !at.Before(*activeFrom):
		return CardActive
	default:
		return CardIssued
	}
}

// RefuseInactive returns the refusal a cashier reads aloud when a card whose
// Status is not active is used, or nil when it is active.
func RefuseInactive(c Card, loc *time.Location) error {
	switch c.Status {
	case CardActive:
		return nil
	case CardReplaced:
		return Fail(EREFUSED, "card.replaced", lang.Args{"card": c.Number, "new": c.ReplacedBy})
	case CardBlocked:
		return Fail(EREFUSED, "card.blocked", lang.Args{"card": c.Number})
	}
	if c.ActiveFrom == nil {
		return Fail(EREFUSED, "card.not_handed_over", lang.Args{"card": c.Number})
	}
	return Fail(EREFUSED, "card.activates", lang.Args{"card": c.Number, "at": c.ActiveFrom.In(loc)})
}

// FormatTime writes a time the way a cashier reads it: "2 Nov 2026 at 10:00".
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 Jan 2006 at 15:04")
}

// NewCardNumber returns a random EAN-13 card number that starts with the
// two-digit prefix.
func NewCardNumber(prefix string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(1e10))
	if err != nil {
		panic("crypto/rand: " + err.Error()) // the OS random source never fails on Linux
	}
	return WithCheckDigit(prefix + leftPad(n.String(), 10))
}

func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// EANCheckDigit returns the check digit of the EAN/UPC digits in body (the
// code without its check digit).
func EANCheckDigit(body string) int {
	sum := 0
	for i := 0; i < len(body); i++ {
		d := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// WithCheckDigit is the EAN/UPC code of the digits in body followed by
// their check digit (EANCheckDigit): a card number from its first twelve.
func WithCheckDigit(body string) string {
	return body + string(rune('0'+EANCheckDigit(body)))
}

// ValidateCardNumber checks that s is a 13-digit EAN-13 with a correct check
// digit, and says what is wrong when it is not.
func ValidateCardNumber(s string) error {
	if len(s) != 13 || !allDigits(s) {
		return Fail(EINVALID, "card.number_digits", lang.Args{"number": s})
	}
	if want := EANCheckDigit(s[:12]); int(s[12]-'0') != want {
		return Fail(EINVALID, "card.check_digit", lang.Args{"number": s, "digit": want})
	}
	return nil
}

// HandOver hands a card to a customer at t: its activation delay counts
// from then.
func (p *Program) HandOver(c *Card, t time.Time) {
	handed, active := t, t.Add(p.Card.ActivationDelay.D())
	c.HandedAt, c.ActiveFrom = &handed, &active
}

// Register is a card registered at t (handed over if it was not yet): a
// blocked or replaced card is refused, and so is a pooled family card's
// own personal data (holderData), which are the holder's.
func (p *Program) Register(c Card, holderData bool, t time.Time) (Card, error) {
	if c.Status == CardBlocked || c.Status == CardReplaced {
		return c, RefuseInactive(c, p.Location())
	}
	if c.Pooled && holderData {
		return c, Fail(EREFUSED, "card.pooled_data", lang.Args{"card": c.Number, "holder": c.Holder})
	}
	if c.HandedAt == nil {
		p.HandOver(&c, t)
	}
	return c, nil
}

// Welcomes says whether a command that registered a phone on an account
// (phoneRegistered) grants the welcome bonus: once per account, when a
// phone is first registered.
func Welcomes(phoneRegistered, welcomed bool) bool { return phoneRegistered && !welcomed }

// Block is a card blocked at t.
func Block(c Card, t time.Time) (Card, error) {
	if c.ReplacedBy != "" {
		return c, Fail(EREFUSED, "card.replaced", lang.Args{"card": c.Number, "new": c.ReplacedBy})
	}
	if c.BlockedAt != nil {
		return c, Fail(EREFUSED, "card.already_blocked", lang.Args{"card": c.Number})
	}
	c.BlockedAt = &t
	return c, nil
}

// Replace is a lost card replaced at t by a new card numbered number: the
// old card blocked (if it was not) and replaced; the new one carries on the
// old one's account and household link, active when the old one was, since
// the customer was already verified.
func (p *Program) Replace(old Card, number string, t time.Time) (oldAfter, replacement Card, err error) {
	if old.ReplacedBy != "" {
		return old, Card{}, Fail(EREFUSED, "card.already_replaced", lang.Args{"card": old.Number, "new": old.ReplacedBy})
	}
	replacement = Card{Number: number, IssuedAt: t, HandedAt: &t, ActiveFrom: old.ActiveFrom, Holder: old.Holder, Pooled: old.Pooled}
	if replacement.ActiveFrom == nil {
		p.HandOver(&replacement, t)
	}
	if old.BlockedAt == nil {
		old.BlockedAt = &t
	}
	old.ReplacedBy = number
	return old, replacement, nil
}

// Link is a family card linked to a holder's card at t; families is how
// many family cards fam is itself the holder of. With pool the family card
// pools onto the holder's account: pools says whether this link starts it.
func (p *Program) Link(fam, holder Card, families int, pool bool, t time.Time) (after Card, pools bool, err error) {
	if fam.Number == holder.Number {
		return fam, false, Fail(EINVALID, "card.link_self", nil)
	}
	for _, c := range []Card{fam, holder} {
		if c.Status == CardBlocked || c.Status == CardReplaced {
			return fam, false, RefuseInactive(c, p.Location())
		}
	}
	switch {
	case holder.Holder != "":
		return fam, false, Fail(EREFUSED, "card.link_to_family", lang.Args{"card": holder.Number, "holder": holder.Holder})
	case fam.Holder != "" && fam.Holder != holder.Number:
		return fam, false, Fail(EREFUSED, "card.already_linked", lang.Args{"card": fam.Number, "holder": fam.Holder})
	case fam.Pooled && !pool:
		return fam, false, Fail(EREFUSED, "card.already_pooled", lang.Args{"card": fam.Number, "holder": holder.Number})
	case families > 0:
		return fam, false, Fail(EREFUSED, "card.is_holder", lang.Args{"card": fam.Number, "count": families})
	}
	fam.Holder = holder.Number
	pools = pool && !fam.Pooled
	fam.Pooled = fam.Pooled || pool
	return fam, pools, nil
}

// MakeMember makes an account a member's (a cooperator's) at t; since is
// when it became one, nil if it is not.
func (p *Program) MakeMember(card string, since *time.Time) error {
	if since != nil {
		return Fail(EREFUSED, "card.already_member", lang.Args{"card": card, "since": since.In(p.Location())})
	}
	return nil
}
