package rewards

import (
	"crypto/rand"
	"math/big"
	"strings"
	"time"
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
	Phone      string     `json:"phone,omitempty"`
	Name       string     `json:"name,omitempty"`
	Member     bool       `json:"member"`
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
		return Errorf(EREFUSED, "card %s was replaced by card %s", c.Number, c.ReplacedBy)
	case CardBlocked:
		return Errorf(EREFUSED, "card %s is blocked", c.Number)
	}
	if c.ActiveFrom == nil {
		return Errorf(EREFUSED, "card %s has not been handed over yet: register it first", c.Number)
	}
	return Errorf(EREFUSED, "card %s activates on %s", c.Number, FormatTime(*c.ActiveFrom, loc))
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
	body := prefix + leftPad(n.String(), 10)
	return body + string(rune('0'+EANCheckDigit(body)))
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

// ValidateCardNumber checks that s is a 13-digit EAN-13 with a correct check
// digit, and says what is wrong when it is not.
func ValidateCardNumber(s string) error {
	if len(s) != 13 || !allDigits(s) {
		return Errorf(EINVALID, "card number %q must be 13 digits", s)
	}
	if want := EANCheckDigit(s[:12]); int(s[12]-'0') != want {
		return Errorf(EINVALID, "card number %s fails its check digit (the last digit should be %d): please scan again", s, want)
	}
	return nil
}

// NormalizePhone keeps a phone number's digits (and a leading +) and checks
// that it has 7 to 15 of them.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	var b strings.Builder
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '+' && i == 0:
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return "", Errorf(EINVALID, "phone %q: only digits, spaces, dashes, brackets and a leading + are allowed", s)
		}
	}
	out := b.String()
	if n := len(strings.TrimPrefix(out, "+")); n < 7 || n > 15 {
		return "", Errorf(EINVALID, "phone %q must have 7 to 15 digits", s)
	}
	return out, nil
}
