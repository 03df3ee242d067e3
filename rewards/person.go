package rewards

import (
	"strings"
	"time"
	"unicode"

	"github.com/tochka-loyalty/tochka/lang"
)

// Details are the personal data a command gives about a card's customer:
// what the application form asks. They never reach an event's body: the
// store keeps them in the customer's Person record, and the event refers to
// that record by its id.
type Details struct {
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	// Consent is the customer's consent to the processing of their data,
	// which any of the fields above requires; the command's time is
	// recorded as its time.
	Consent bool `json:"consent,omitempty"`
	// Marketing is the customer's consent to marketing messages, off
	// unless given.
	Marketing bool `json:"marketing,omitempty"`
	// NoMarketing withdraws a marketing consent given before; the
	// command's time is recorded as the withdrawal's.
	NoMarketing bool `json:"no_marketing,omitempty"`
}

// Empty says whether d gives no personal data and no consent.
func (d Details) Empty() bool { return d == Details{} }

// Changes says whether d gives personal data that the record old (nil:
// none) does not hold.
func (d Details) Changes(old *Person) bool {
	var o Person
	if old != nil {
		o = *old
	}
	n := Record(o, d, time.Time{})
	return n.GivenName != o.GivenName || n.FamilyName != o.FamilyName || n.Phone != o.Phone || n.Email != o.Email
}

// personal says whether d gives any personal data.
func (d Details) personal() bool {
	return d.GivenName != "" || d.FamilyName != "" || d.Phone != "" || d.Email != ""
}

// Person is what a ledger stores about a card's customer, apart from the
// event log and keyed by the card's account: forgetting the customer
// erases it and leaves the points.
type Person struct {
	ID         string `json:"id"` // the reference the events that wrote it carry
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Phone      string `json:"phone"` // E.164
	Email      string `json:"email"`
	// ConsentAt is when the customer consented to the processing of
	// their data; MarketingAt when to marketing (nil: never, or
	// withdrawn since); MarketingWithdrawnAt when a marketing consent was
	// last withdrawn (nil: never).
	ConsentAt            *time.Time `json:"consent_at"`
	MarketingAt          *time.Time `json:"marketing_at"`
	MarketingWithdrawnAt *time.Time `json:"marketing_withdrawn_at"`
}

// NewPersonID returns the id of a new Person record, a random UUID: it
// says nothing about the customer.
func NewPersonID() string { return EventID("", "") }

// FullName is the given name and the family name, in that order.
func (p Person) FullName() string {
	return strings.TrimSpace(p.GivenName + " " + p.FamilyName)
}

// SplitName splits a full name at its first space into a given name and a
// family name ("Мария Петрова": "Мария", "Петрова"); a name without a space
// is a given name.
func SplitName(name string) (given, family string) {
	name = strings.TrimSpace(name)
	given, family, _ = strings.Cut(name, " ")
	return given, strings.TrimSpace(family)
}

// Details checks and normalises the personal data of a command under the
// program p: the phone in E.164 form, a sane e-mail, and the
// consent that any personal data requires.
func (p *Program) Details(d Details) (Details, error) {
	d.GivenName, d.FamilyName = strings.TrimSpace(d.GivenName), strings.TrimSpace(d.FamilyName)
	d.Email = strings.TrimSpace(d.Email)
	if d.Phone != "" {
		phone, err := NormalizePhone(d.Phone, p.CallingCode())
		if err != nil {
			return d, err
		}
		d.Phone = phone
	}
	if d.Email != "" {
		if err := ValidateEmail(d.Email); err != nil {
			return d, err
		}
	}
	if d.Marketing && d.NoMarketing {
		return d, Fail(EINVALID, "people.marketing_both", nil)
	}
	if (d.personal() || d.Marketing) && !d.Consent {
		return d, Fail(EINVALID, "people.consent_required", nil)
	}
	return d, nil
}

// Record is the Person after a command's details d (checked by Details) at
// t: what d gives replaces what was stored, what it leaves out stays; the
// consent is dated t, and so is a marketing consent first given, or
// withdrawn (a consent given again after is dated anew).
func Record(old Person, d Details, t time.Time) Person {
	n := old
	for _, f := range []struct {
		to   *string
		from string
	}{{&n.GivenName, d.GivenName}, {&n.FamilyName, d.FamilyName}, {&n.Phone, d.Phone}, {&n.Email, d.Email}} {
		if f.from != "" {
			*f.to = f.from
		}
	}
	if d.Consent {
		at := t
		n.ConsentAt = &at
	}
	if d.Marketing && n.MarketingAt == nil {
		at := t
		n.MarketingAt = &at
	}
	if d.NoMarketing && n.MarketingAt != nil {
		at := t
		n.MarketingAt, n.MarketingWithdrawnAt = nil, &at
	}
	return n
}

// withdrawalOnly says whether d does nothing but withdraw a marketing
// consent: on a customer with no record there is nothing to withdraw.
func (d Details) withdrawalOnly() bool { return d == Details{NoMarketing: true} }

// Keeps says whether d, given for a customer whose record is old (nil:
// none), is to be kept in a record.
func (d Details) Keeps(old *Person) bool {
	return !d.Empty() && (old != nil || !d.withdrawalOnly())
}

// Household is the card that a card's household is named after: the
// holder's card for a family card, the card itself otherwise.
func Household(c Card) string {
	if c.Holder != "" {
		return c.Holder
	}
	return c.Number
}

// SharePhone checks that phone may be registered on card c when the cards
// in others (one per other account) already hold it: one phone belongs to
// one household, the holder's card and the family cards linked to it, so
// that a phone login finds one customer's cards.
func SharePhone(c Card, phone string, others []Card) error {
	for _, o := range others {
		if Household(o) != Household(c) {
			return Fail(ECONFLICT, "people.phone_taken", lang.Args{"phone": phone, "card": o.Number})
		}
	}
	return nil
}

// RefuseForget returns why card c's customer may not be forgotten on c, or
// nil: a pooled family card's personal data are its holder's, to be
// forgotten there.
func RefuseForget(c Card) error {
	if c.Pooled {
		return Fail(EREFUSED, "people.forget_pooled", lang.Args{"card": c.Number, "holder": c.Holder})
	}
	return nil
}

// callingCodes maps the time zones of the programs' countries to their
// country calling codes: Bulgaria, and Russia's zones.
var callingCodes = map[string]string{
	"Europe/Sofia":       "359",
	"Europe/Kaliningrad": "7", "Europe/Moscow": "7", "Europe/Samara": "7", "Europe/Volgograd": "7",
	"Europe/Saratov": "7", "Europe/Ulyanovsk": "7", "Europe/Astrakhan": "7", "Europe/Kirov": "7",
	"Asia/Yekaterinburg": "7", "Asia/Omsk": "7", "Asia/Novosibirsk": "7", "Asia/Barnaul": "7",
	"Asia/Tomsk": "7", "Asia/Novokuznetsk": "7", "Asia/Krasnoyarsk": "7", "Asia/Irkutsk": "7",
	"Asia/Chita": "7", "Asia/Yakutsk": "7", "Asia/Khandyga": "7", "Asia/Vladivostok": "7",
	"Asia/Ust-Nera": "7", "Asia/Magadan": "7", "Asia/Sakhalin": "7", "Asia/Srednekolymsk": "7",
	"Asia/Kamchatka": "7", "Asia/Anadyr": "7",
}

// CallingCode is the country calling code of the program's country, whose
// local phone forms NormalizePhone accepts: taken from its currency (BGN,
// RUB) or, for a currency shared by several countries, its time zone. ""
// when neither says.
func (p *Program) CallingCode() string {
	switch p.Currency {
	case "BGN":
		return "359"
	case "RUB":
		return "7"
	}
	return callingCodes[p.Timezone]
}

// NormalizePhone writes a phone number in E.164 form (+359888123456): it
// takes the international forms "+..." and "00...", and the local forms of
// the country with calling code cc ("0888 123 456" in Bulgaria, "8 (912)
// 345-67-89" in Russia), with spaces, dashes, dots and brackets between
// the digits. Anything else is refused with a message that says so.
func NormalizePhone(s, cc string) (string, error) {
	in := strings.TrimSpace(s)
	bad := func() (string, error) {
		return "", Fail(EINVALID, "people.phone_invalid", lang.Args{"phone": in})
	}
	var digits strings.Builder
	plus := false
	for i, r := range in {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '\u00a0':
		default:
			return bad()
		}
	}
	d := digits.String()
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	case cc == "359" && len(d) >= 8 && len(d) <= 10 && d[0] == '0' && d[1] != '0':
		d = "359" + d[1:]
	case cc == "7" && len(d) == 11 && (d[0] == '8' || d[0] == '7'):
		d = "7" + d[1:]
	case cc == "7" && len(d) == 10 && d[0] == '9':
		d = "7" + d
	default:
		return bad()
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return bad()
	}
	// The national number's length where the country is one of ours.
	switch {
	case strings.HasPrefix(d, "359") && (len(d) < 11 || len(d) > 12):
		return bad()
	case d[0] == '7' && len(d) != 11:
		return bad()
	}
	return "+" + d, nil
}

// ValidateEmail is a plain sanity check of an e-mail address: one @ with
// something before it, a domain with a dot after it, and no spaces.
func ValidateEmail(s string) error {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || len(s) > 254 ||
		!strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return Fail(EINVALID, "people.email_invalid", lang.Args{"email": s})
	}
	return nil
}

// CustomerData is everything a ledger stores about a card's customer: what
// a data-access request is answered with. Its keys, and those of Person and
// AccountData, are always there (null or "" where nothing is stored).
type CustomerData struct {
	Card     string         `json:"card"`
	Cards    []Card         `json:"cards"` // the account's cards, replaced ones included
	Account  AccountData    `json:"account"`
	Person   *Person        `json:"person"` // nil: none stored (never given, or forgotten)
	Balance  Balance        `json:"balance"`
	History  []HistoryEntry `json:"history"`
	Vouchers []Voucher      `json:"vouchers"`
}

// AccountData is what a ledger keeps on an account beside its points.
type AccountData struct {
	ID            int64      `json:"id"`
	MemberSince   *time.Time `json:"member_since"`
	WelcomeAt     *time.Time `json:"welcome_at"`
	Debt          int64      `json:"debt"`
	PurchaseTotal int64      `json:"purchase_total"`
}
