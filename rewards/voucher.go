package rewards

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
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
			return "", Fail(EINVALID, "voucher.code_character", lang.Args{"code": s, "char": string(c)})
		}
		raw = append(raw, byte(c))
	}
	if len(raw) != 12 {
		return "", Fail(EINVALID, "voucher.code_length", lang.Args{"code": s, "got": len(raw)})
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

// MaxRewardPoints is the highest price of a reward.
const MaxRewardPoints = 100_000_000

// Reward is an item of the reward board: what points can be exchanged for.
// It belongs to a cooperative (a group of stores) and may be narrowed to one
// of its stores.
type Reward struct {
	ID        string     `json:"id"`
	Names     Names      `json:"names"`
	Points    int64      `json:"points"`
	Picture   string     `json:"picture,omitempty"` // hex SHA-256 of a stored Picture
	Stock     *int64     `json:"stock"`             // nil: unlimited
	ValidFrom *time.Time `json:"valid_from,omitempty"`
	ValidTo   *time.Time `json:"valid_to,omitempty"`
	Coop      string     `json:"coop"`
	Store     string     `json:"store,omitempty"`
}

// Validate checks a reward and names the first field that is wrong.
func (r *Reward) Validate() error {
	bad := func(field string, err error) error { return invalidField("reward", field, err) }
	if err := validID(r.ID); err != nil {
		return bad("id", err)
	}
	if r.Names.BG == "" && r.Names.RU == "" && r.Names.EN == "" {
		return bad("names", wrong("problem.names_required", nil))
	}
	for _, n := range []struct{ lang, name string }{{"bg", r.Names.BG}, {"ru", r.Names.RU}, {"en", r.Names.EN}} {
		if err := validName(n.name); err != nil {
			return bad("names."+n.lang, err)
		}
	}
	if r.Points <= 0 || r.Points > MaxRewardPoints {
		return bad("points", between(1, MaxRewardPoints, r.Points))
	}
	if r.Stock != nil && *r.Stock < 0 {
		return bad("stock", wrong("problem.not_negative", nil))
	}
	for _, d := range []struct {
		field string
		at    *time.Time
	}{{"valid_from", r.ValidFrom}, {"valid_to", r.ValidTo}} {
		if d.at != nil {
			if err := validTime(*d.at); err != nil {
				return bad(d.field, err)
			}
		}
	}
	if r.ValidFrom != nil && r.ValidTo != nil && !r.ValidTo.After(*r.ValidFrom) {
		return bad("valid_to", wrong("problem.to_after_from", nil))
	}
	if err := validID(r.Coop); err != nil {
		return bad("coop", err)
	}
	if r.Store != "" {
		if err := validID(r.Store); err != nil {
			return bad("store", err)
		}
	}
	// The picture is named by the hash of its stored bytes (Picture): a
	// file name would print on one machine and not on the next.
	if r.Picture != "" && !IsPictureHash(r.Picture) {
		return bad("picture", wrong("problem.picture_not_hash", lang.Args{"picture": r.Picture}))
	}
	return nil
}

// OfferedAt says why the reward cannot be taken at t in store, or nil.
func (r *Reward) OfferedAt(t time.Time, store string, loc *time.Location) error {
	if r.Store != "" && store != "" && r.Store != store {
		return Fail(EREFUSED, "reward.other_store", lang.Args{"reward": r.Names, "store": r.Store})
	}
	if r.ValidFrom != nil && t.Before(*r.ValidFrom) {
		return Fail(EREFUSED, "reward.not_yet", lang.Args{"reward": r.Names, "at": r.ValidFrom.In(loc)})
	}
	if r.ValidTo != nil && !t.Before(*r.ValidTo) {
		return Fail(EREFUSED, "reward.ended", lang.Args{"reward": r.Names, "at": r.ValidTo.In(loc)})
	}
	if !r.InStock() {
		return Fail(EREFUSED, "reward.out_of_stock", lang.Args{"reward": r.Names})
	}
	return nil
}

// InStock reports whether the reward has one left to give, or is not
// counted (no stock).
func (r *Reward) InStock() bool { return r.Stock == nil || *r.Stock > 0 }

// AcceptsRedemption refuses exchanging points for rewards where the program
// has none: bonus programs pay at the till.
func (p *Program) AcceptsRedemption() error {
	if p.Kind != KindPoints {
		return Fail(EINVALID, "program.no_board", lang.Args{"program": p.Name})
	}
	return nil
}
