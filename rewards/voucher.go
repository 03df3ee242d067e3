package rewards

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// Voucher statuses.
const (
	VoucherOpen      = "open"
	VoucherClaimed   = "claimed"
	VoucherCancelled = "cancelled"
	VoucherExpired   = "expired"
)

// Voucher is points exchanged for a reward, waiting to be claimed at a till.
type Voucher struct {
	Code       string     `json:"code"`
	Card       string     `json:"card"`
	Reward     string     `json:"reward"`
	Names      Names      `json:"names"`
	Points     int64      `json:"points"`
	Store      string     `json:"store,omitempty"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	ValidUntil time.Time  `json:"valid_until"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
}

// StatusAt is the voucher's status at t: an open voucher past its validity
// has expired even before the ledger records it.
func (v Voucher) StatusAt(t time.Time) string {
	if v.Status == VoucherOpen && !t.Before(v.ValidUntil) {
		return VoucherExpired
	}
	return v.Status
}

// voucherAlphabet has no 0/O or 1/I/L, so a code read aloud is unambiguous.
const voucherAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// NewVoucherCode returns a random, unguessable voucher code of 12 characters
// (about 59 bits) in three groups: "K7QX-M2PA-9RTE".
func NewVoucherCode() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		// 256 is not a multiple of 31: the bias is below 1% per character
		// and costs well under a bit of the code's 59.
		sb.WriteByte(voucherAlphabet[int(c)%len(voucherAlphabet)])
	}
	return sb.String()
}

// NormalizeVoucherCode accepts a code typed or scanned in any case, with or
// without dashes and spaces, and returns it in its printed form.
func NormalizeVoucherCode(s string) (string, error) {
	var raw []byte
	for _, c := range strings.ToUpper(s) {
		if c == '-' || c == ' ' {
			continue
		}
		if c > 127 || !strings.ContainsRune(voucherAlphabet, c) {
			return "", Errorf(EINVALID, "voucher code %q has a character that no voucher code has: %q", s, c)
		}
		raw = append(raw, byte(c))
	}
	if len(raw) != 12 {
		return "", Errorf(EINVALID, "voucher code %q must have 12 characters, it has %d", s, len(raw))
	}
	return fmt.Sprintf("%s-%s-%s", raw[:4], raw[4:8], raw[8:]), nil
}

// Names are a reward's names per language.
type Names struct {
	BG string `json:"bg,omitempty"`
	RU string `json:"ru,omitempty"`
	EN string `json:"en,omitempty"`
}

// In returns the name in lang, or the first name there is.
func (n Names) In(lang string) string {
	byLang := map[string]string{"bg": n.BG, "ru": n.RU, "en": n.EN}
	if s := byLang[lang]; s != "" {
		return s
	}
	for _, s := range []string{n.BG, n.RU, n.EN} {
		if s != "" {
			return s
		}
	}
	return ""
}

// Reward is an item of the reward board: what points can be exchanged for.
// It belongs to a cooperative (a group of stores) and may be narrowed to one
// of its stores.
type Reward struct {
	ID        string     `json:"id"`
	Names     Names      `json:"names"`
	Points    int64      `json:"points"`
	Picture   string     `json:"picture,omitempty"`
	Stock     *int64     `json:"stock"` // nil: unlimited
	ValidFrom *time.Time `json:"valid_from,omitempty"`
	ValidTo   *time.Time `json:"valid_to,omitempty"`
	Coop      string     `json:"coop"`
	Store     string     `json:"store,omitempty"`
}

// Validate checks a reward and names the first field that is wrong.
func (r *Reward) Validate() error {
	bad := func(field, format string, args ...any) error {
		return Errorf(EINVALID, "reward %s: %s", field, fmt.Sprintf(format, args...))
	}
	if err := validID(r.ID); err != nil {
		return bad("id", "%s", err)
	}
	if r.Names.BG == "" && r.Names.RU == "" && r.Names.EN == "" {
		return bad("names", "at least one name (bg, ru or en) is required")
	}
	for _, n := range []struct{ lang, name string }{{"bg", r.Names.BG}, {"ru", r.Names.RU}, {"en", r.Names.EN}} {
		if err := validName(n.name); err != nil {
			return bad("names."+n.lang, "%s", err)
		}
	}
	if r.Points <= 0 || r.Points > 100_000_000 {
		return bad("points", "must be between 1 and 100000000, got %d", r.Points)
	}
	if r.Stock != nil && *r.Stock < 0 {
		return bad("stock", "must not be negative")
	}
	for _, d := range []struct {
		field string
		at    *time.Time
	}{{"valid_from", r.ValidFrom}, {"valid_to", r.ValidTo}} {
		if d.at != nil {
			if err := validTime(*d.at); err != nil {
				return bad(d.field, "%s", err)
			}
		}
	}
	if r.ValidFrom != nil && r.ValidTo != nil && !r.ValidTo.After(*r.ValidFrom) {
		return bad("valid_to", "must be after valid_from")
	}
	if err := validID(r.Coop); err != nil {
		return bad("coop", "%s", err)
	}
	if r.Store != "" {
		if err := validID(r.Store); err != nil {
			return bad("store", "%s", err)
		}
	}
	// The picture is a file name or an address: it must survive being
	// written to JSON unchanged, or the poster would look for another file.
	if err := validText(r.Picture); err != nil {
		return bad("picture", "%s", err)
	}
	return nil
}

// OfferedAt says why the reward cannot be taken at t in store, or nil.
func (r *Reward) OfferedAt(t time.Time, store string, loc *time.Location) error {
	if r.Store != "" && store != "" && r.Store != store {
		return Errorf(EREFUSED, "reward %s is offered only in store %s", r.ID, r.Store)
	}
	if r.ValidFrom != nil && t.Before(*r.ValidFrom) {
		return Errorf(EREFUSED, "reward %s is offered from %s", r.ID, FormatTime(*r.ValidFrom, loc))
	}
	if r.ValidTo != nil && !t.Before(*r.ValidTo) {
		return Errorf(EREFUSED, "reward %s was offered until %s", r.ID, FormatTime(*r.ValidTo, loc))
	}
	if r.Stock != nil && *r.Stock <= 0 {
		return Errorf(EREFUSED, "reward %s is out of stock", r.ID)
	}
	return nil
}

// AcceptsRedemption refuses exchanging points for rewards where the program
// has none: bonus programs pay at the till.
func (p *Program) AcceptsRedemption() error {
	if p.Kind != KindPoints {
		return Errorf(EINVALID, "the %s program pays bonuses at the till; it has no rewards to exchange points for", p.Name)
	}
	return nil
}
