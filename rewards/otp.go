package rewards

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"math"
	"math/big"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// One-time codes identify a customer by phone: a till or a kiosk asks for
// a code to be sent to the phone by SMS (OTPStart), the customer tells it,
// and the code, checked (OTPVerify), answers the cards of the phone's
// household. The limits are the issue's, held in the ledger so that every
// server behind a load balancer counts the same tries and codes.
const (
	OTPDigits   = 6                // a code's digits
	OTPLifetime = 5 * time.Minute  // how long a code may be verified
	OTPTries    = 5                // wrong tries that kill a code
	OTPCodes    = 3                // codes per phone in OTPWindow
	OTPWindow   = 15 * time.Minute // the window OTPCodes are counted in
)

// OTPStart asks for a code to be sent to a phone. Lang is the language of
// the SMS (bg, ru, en); empty: the language the request is made in.
type OTPStart struct {
	Phone string `json:"phone"`
	Lang  string `json:"lang,omitempty"`
}

// OTPVerify checks a code a customer tells.
type OTPVerify struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

// OTPSent is the answer to a start: a code was sent to the phone (in E.164
// form), verifiable until ExpiresAt. It is the same answer whether the
// phone is a customer's or not.
type OTPSent struct {
	Phone     string    `json:"phone"`
	Sent      bool      `json:"sent"`
	ExpiresAt time.Time `json:"expires_at"`
}

// OTPIssued is what a ledger answers a start with: the answer, and the
// code itself, for the sender; the ledger keeps only its hash.
type OTPIssued struct {
	OTPSent
	Code string `json:"-"`
}

// OTPCard is one card of a verified phone's household.
type OTPCard struct {
	Number    string `json:"card"`
	Status    string `json:"status"`
	GivenName string `json:"given_name,omitempty"`
	Holder    string `json:"holder,omitempty"`
}

// OTPVerified is the answer to a verified code: the phone's household's
// cards, none when the phone is no customer's.
type OTPVerified struct {
	Phone string    `json:"phone"`
	Cards []OTPCard `json:"cards"`
}

// OTPCode is a code as the ledger keeps it: never the code itself, only
// OTPHash of it with its own random salt.
type OTPCode struct {
	Phone     string
	Salt      string // hex
	Hash      string // hex SHA-256
	CreatedAt time.Time
	ExpiresAt time.Time
	Tries     int
	Used      bool
}

// PhoneCards finds the cards of a phone's household without a code: for
// staff in a session, who see the customer (GET /v1/cards?phone=).
type PhoneCards interface {
	CardsOfPhone(ctx context.Context, phone string) (OTPVerified, error)
}

// OTPs is what identifies customers by phone and code.
type OTPs interface {
	// StartOTP makes a code for the phone, to be sent, or refuses (too
	// many codes for the phone lately).
	StartOTP(ctx context.Context, c OTPStart) (OTPIssued, error)
	// VerifyOTP checks the phone's latest code: the household's cards, or
	// a refusal that counts against the code.
	VerifyOTP(ctx context.Context, c OTPVerify) (OTPVerified, error)
}

// Validate checks a start's language; its phone the ledger writes in
// E.164 with its program's calling code (NormalizePhone).
func (c *OTPStart) Validate() error {
	if c.Phone == "" {
		return Fail(EINVALID, "otp.phone_missing", nil)
	}
	if c.Lang != "" && !lang.Valid(c.Lang) {
		return Fail(EINVALID, "otp.lang_bad", lang.Args{"lang": c.Lang})
	}
	return nil
}

// Validate checks that a verification names a phone and a code of
// OTPDigits digits.
func (c *OTPVerify) Validate() error {
	if c.Phone == "" {
		return Fail(EINVALID, "otp.phone_missing", nil)
	}
	if len(c.Code) != OTPDigits {
		return Fail(EINVALID, "otp.code_bad", lang.Args{"digits": OTPDigits})
	}
	for _, r := range c.Code {
		if r < '0' || r > '9' {
			return Fail(EINVALID, "otp.code_bad", lang.Args{"digits": OTPDigits})
		}
	}
	return nil
}

// OTPHash is the stored form of a code: the hex SHA-256 of the salt, the
// phone and the code.
//
// Why a salted hash and not an HMAC with a server key: every tochkad
// behind a load balancer must check the codes the others made, and the
// ledger is the one thing they share; a key would be one more secret to
// give each of them alike and to rotate. The salt (16 random bytes per
// code) keeps one precomputed table from serving every phone. Neither
// makes a leaked hash of a million possible codes hard to reverse; what
// protects a code is its five minutes, its five tries and its single use,
// and the ledger deletes it once its window is over.
func OTPHash(salt, phone, code string) string {
	h := sha256.New()
	h.Write([]byte(salt))
	h.Write([]byte{0})
	h.Write([]byte(phone))
	h.Write([]byte{0})
	h.Write([]byte(code))
	return hex.EncodeToString(h.Sum(nil))
}

// NewOTP makes a code for the phone at now, refused when the phone was
// sent OTPCodes codes in the OTPWindow before now (recent holds when):
// the refusal says how long until one more may be sent. It returns the
// code to send and its record to keep.
func NewOTP(phone string, now time.Time, recent []time.Time) (string, OTPCode, error) {
	var inWindow []time.Time
	for _, t := range recent {
		if now.Sub(t) < OTPWindow {
			inWindow = append(inWindow, t)
		}
	}
	if len(inWindow) >= OTPCodes {
		oldest := inWindow[0]
		for _, t := range inWindow {
			if t.Before(oldest) {
				oldest = t
			}
		}
		wait := oldest.Add(OTPWindow).Sub(now)
		return "", OTPCode{}, Fail(ERATELIMITED, "otp.too_many_codes", lang.Args{"count": OTPCodes,
			"minutes": int(OTPWindow / time.Minute), "retry_after": int(math.Ceil(wait.Seconds()))})
	}
	code := randomDigits(OTPDigits)
	var salt [16]byte
	rand.Read(salt[:])
	s := hex.EncodeToString(salt[:])
	return code, OTPCode{Phone: phone, Salt: s, Hash: OTPHash(s, phone, code), CreatedAt: now, ExpiresAt: now.Add(OTPLifetime)}, nil
}

// randomDigits is n decimal digits from crypto/rand.
func randomDigits(n int) string {
	b := make([]byte, n)
	ten := big.NewInt(10)
	for i := range b {
		d, err := rand.Int(rand.Reader, ten)
		if err != nil {
			panic(err) // crypto/rand does not fail on a supported system
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

// CheckOTP checks code against the phone's latest code (nil: the phone
// has none) at now. It returns the code as it is to be kept (a try
// counted, or used) and nil when the code is right; else a refusal: no
// code, used, expired, dead after OTPTries wrong tries, or wrong (with the
// tries left). A refusal's record must be kept too: a wrong try counts.
func CheckOTP(c *OTPCode, code string, now time.Time) (OTPCode, error) {
	switch {
	case c == nil:
		return OTPCode{}, Fail(EREFUSED, "otp.none", nil)
	case c.Used:
		return *c, Fail(EREFUSED, "otp.used", nil)
	case !now.Before(c.ExpiresAt):
		return *c, Fail(EREFUSED, "otp.expired", lang.Args{"minutes": int(OTPLifetime / time.Minute)})
	case c.Tries >= OTPTries:
		return *c, Fail(EREFUSED, "otp.dead", lang.Args{"count": OTPTries})
	}
	out := *c
	if subtle.ConstantTimeCompare([]byte(OTPHash(c.Salt, c.Phone, code)), []byte(c.Hash)) == 1 {
		out.Used = true
		return out, nil
	}
	out.Tries++
	if out.Tries >= OTPTries {
		return out, Fail(EREFUSED, "otp.dead", lang.Args{"count": OTPTries})
	}
	return out, Fail(EREFUSED, "otp.wrong", lang.Args{"count": OTPTries - out.Tries})
}

// OTPText is the SMS that carries a code, in language l.
func OTPText(l, code string) string {
	return lang.Text(l, "otp.sms_text", lang.Args{"code": code})
}
