package rewards

import (
	"bytes"
	_ "embed" // the list of currencies
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/tochka-loyalty/tochka/lang"
)

// Program kinds.
const (
	KindPoints = "points" // points are exchanged for rewards on the board
	KindBonus  = "bonus"  // 1 bonus = 1 currency unit off at the till
)

// Program is a loyalty program definition, read from a TOML file. The keys
// and their defaults are documented in assets/programs/README.md.
//
// A new program is checked with ValidateNew, a stored one read back with
// Validate: a rule added after programs were first stored goes in
// ValidateNew (or, where only the file's text shows it, in ParseProgram), so
// that every program a ledger holds keeps loading.
type Program struct {
	Name     string `toml:"name" json:"name"`
	Kind     string `toml:"kind" json:"kind"`
	Currency string `toml:"currency" json:"currency"`
	Timezone string `toml:"timezone" json:"timezone"`

	Card    CardRules    `toml:"card" json:"card"`
	Earn    EarnRules    `toml:"earn" json:"earn"`
	Spend   SpendRules   `toml:"spend" json:"spend"`
	Expiry  ExpiryRules  `toml:"expiry" json:"expiry"`
	Returns ReturnRules  `toml:"returns" json:"returns"`
	Contact ContactRules `toml:"contact" json:"contact"`
	Ledger  LedgerRules  `toml:"ledger" json:"ledger"`
	Kiosk   KioskRules   `toml:"kiosk" json:"kiosk,omitzero"`

	// Version is set by the store when the program is installed.
	Version int `toml:"-" json:"version"`

	loc *time.Location
}

// CardRules are the [card] keys.
type CardRules struct {
	ActivationDelay Duration `toml:"activation_delay" json:"activation_delay"`
	// Prefix is the two-digit in-store prefix of card numbers.
	Prefix string `toml:"prefix" json:"prefix"`
	// Barcode is the symbology printed on cards: BarcodeEAN13 or
	// BarcodeCode128. The number is the same EAN-13 either way.
	Barcode string `toml:"barcode" json:"barcode"`
}

// Card barcode symbologies, the values of [card] barcode.
const (
	BarcodeEAN13   = "ean13"
	BarcodeCode128 = "code128"
)

// EarnRules are the [earn] keys.
type EarnRules struct {
	Step            int64    `toml:"step" json:"step"`
	Points          int64    `toml:"points" json:"points"`
	OwnBrandPoints  int64    `toml:"own_brand_points" json:"own_brand_points"`
	MemberPercent   int64    `toml:"member_percent" json:"member_percent"`
	PositionPercent []int64  `toml:"position_percent" json:"position_percent"`
	Maturation      Duration `toml:"maturation" json:"maturation"`
	Welcome         int64    `toml:"welcome" json:"welcome"`
	WelcomeDelay    Delay    `toml:"welcome_delay" json:"welcome_delay"`
}

// SpendRules are the [spend] keys.
type SpendRules struct {
	MaxPercent   int64    `toml:"max_percent" json:"max_percent"`
	VoucherValid Duration `toml:"voucher_valid" json:"voucher_valid"`
	// OfflineCap is how many points of one card a kiosk may redeem in a
	// business day while it cannot reach the server (default 0: redeeming
	// needs the server). The server applies a kiosk's offline redemption
	// within it even where the card's balance no longer covers it, the
	// shortfall as a debt, and refuses one past it (RedeemOffline).
	OfflineCap int64 `toml:"offline_cap" json:"offline_cap,omitempty"`
}

// ExpiryRules are the [expiry] keys.
type ExpiryRules struct {
	// After is how long a lot stays spendable once available; 0 means never.
	After Duration `toml:"after" json:"after"`
}

// ReturnRules are the [returns] keys.
type ReturnRules struct {
	TakeBackDays int64 `toml:"take_back_days" json:"take_back_days"`
}

// ContactRules are the [contact] keys: how customers reach the program.
type ContactRules struct {
	Phone string `toml:"phone" json:"phone"`
	Web   string `toml:"web" json:"web"`
}

// KioskRules are the [kiosk] keys: how the program looks on a kiosk.
type KioskRules struct {
	// Colour marks the kiosk's buttons and header band, "#rrggbb"; it
	// must hold white text at a contrast of 4.5:1 at least. Empty: the
	// kiosk's default for the program's kind.
	Colour string `toml:"colour" json:"colour,omitempty"`
}

// MinContrast is the contrast white text must have on a program's colour
// (WCAG 2.2 AA for text).
const MinContrast = 4.5

// RGB is the colour's red, green and blue; ok is false when Colour is
// empty or not "#rrggbb".
func (k KioskRules) RGB() (r, g, b uint8, ok bool) {
	if len(k.Colour) != 7 || k.Colour[0] != '#' {
		return 0, 0, 0, false
	}
	v, err := strconv.ParseUint(k.Colour[1:], 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return uint8(v >> 16), uint8(v >> 8), uint8(v), true
}

// WhiteContrast is the contrast of white text on the colour r, g, b, as
// WCAG defines it: from 1 (white) to 21 (black).
func WhiteContrast(r, g, b uint8) float64 {
	lin := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
	return 1.05 / (l + 0.05)
}

// LedgerRules are the [ledger] keys: how the ledger treats what it is sent.
type LedgerRules struct {
	// MaxClockSkew is how far ahead of the ledger's own clock a command may
	// be dated (default 10 minutes; 0 allows none). A till whose clock runs
	// fast would otherwise record sales in the future: points spendable
	// early, expiries and take-back windows moved. See CheckNotAhead.
	MaxClockSkew Duration `toml:"max_clock_skew" json:"max_clock_skew"`
}

// Limits of the program's numbers. With the receipt limits of receipt.go
// (MaxLines, MaxQty, MaxAmount, MaxBonus) they keep every product and sum
// of the rules inside int64; earn.go states the bounds as constants, which
// the compiler refuses if they overflow.
const (
	maxStep         = 1_000_000       // earn.step, minor units
	maxRate         = 1000            // earn.points and earn.own_brand_points
	maxPercent      = 1000            // earn.member_percent and each earn.position_percent
	maxWelcome      = 1_000_000       // earn.welcome
	maxTakeBackDays = 100_000         // returns.take_back_days: 100,000 days of nanoseconds fit a time.Duration
	maxOfflineCap   = MaxRewardPoints // spend.offline_cap: one reward's price at most, every day
)

// DefaultProgram returns a program with every optional key at its default.
func DefaultProgram() Program {
	return Program{
		Card: CardRules{ActivationDelay: Duration(24 * time.Hour), Prefix: "29", Barcode: BarcodeEAN13},
		Earn: EarnRules{
			Step: 50, Points: 1, OwnBrandPoints: 2, MemberPercent: 200,
			PositionPercent: []int64{100, 150, 200},
			WelcomeDelay:    Delay{NextDay: true},
		},
		Spend:  SpendRules{MaxPercent: 50, VoucherValid: Duration(720 * time.Hour)},
		Expiry: ExpiryRules{After: 0},
		Ledger: LedgerRules{MaxClockSkew: Duration(10 * time.Minute)},
	}
}

// UnmarshalJSON decodes a stored program over the defaults, so that a key
// a program was stored without (one added to the program file since, such
// as [ledger] max_clock_skew) has its documented default rather than zero.
func (p *Program) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	type plain Program // without this method
	v := plain(DefaultProgram())
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*p = Program(v)
	return nil
}

// ParseProgram reads a program definition (TOML), fills in defaults and
// validates it. Errors name the offending key.
func ParseProgram(data []byte) (*Program, error) {
	p := DefaultProgram()
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&p)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			// A value the key's type refuses (a bad duration) comes with the
			// key only in LastKey, not in the message.
			if perr.LastKey != "" && !strings.Contains(perr.Message, perr.LastKey) {
				return nil, Fail(EINVALID, "program.parse_key", lang.Args{"line": perr.Position.Line, "key": perr.LastKey, "detail": perr.Message})
			}
			return nil, Fail(EINVALID, "program.parse_line", lang.Args{"line": perr.Position.Line, "detail": perr.Message})
		}
		return nil, Fail(EINVALID, "program.parse", lang.Args{"detail": strings.TrimPrefix(err.Error(), "toml: ")})
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		return nil, Fail(EINVALID, "program.unknown_key", lang.Args{"key": undec[0].String()})
	}
	if err := p.ValidateNew(); err != nil {
		return nil, err
	}
	if err := checkNeverWritten(data, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// checkNeverWritten refuses an expiry.after written as a zero duration
// ("0s", "0d"): the engine reads it as never, where the writer may have
// meant "at once". Only the file's text tells "0s" from "never" (both are
// 0, and a stored program writes "0s"), so this is checked here and not in
// Validate.
func checkNeverWritten(data []byte, p *Program) error {
	var raw struct {
		Expiry struct {
			After *string `toml:"after"`
		} `toml:"expiry"`
	}
	if _, err := toml.Decode(string(data), &raw); err != nil || raw.Expiry.After == nil {
		return nil // the key is left out (the text itself decoded once already)
	}
	if p.Expiry.After == 0 && strings.TrimSpace(*raw.Expiry.After) != "never" {
		return badProgramKey("expiry.after", wrong("problem.zero_never", lang.Args{"got": *raw.Expiry.After}))
	}
	return nil
}

// ValidateNew checks a program about to be installed: Validate, and the
// rules that came after programs were first stored, which a stored program
// need not meet to keep loading. The currency is one in use (ISO 4217, the
// list in currencies.txt), and the time zone is named: "Local" (or
// "localtime") is whatever zone the machine running the ledger is set to,
// so a kiosk and the server could put a local midnight at different
// instants.
func (p *Program) ValidateNew() error {
	if err := p.Validate(); err != nil {
		return err
	}
	if !knownCurrency(p.Currency) {
		return badProgramKey("currency", wrong("problem.currency_unknown", lang.Args{"got": p.Currency}))
	}
	if z := strings.ToLower(p.Timezone); z == "local" || z == "localtime" {
		return badProgramKey("timezone", wrong("problem.zone_local", lang.Args{"got": p.Timezone}))
	}
	return nil
}

// currencyList is ISO 4217's codes in use, one a line with its name.
//
//go:embed currencies.txt
var currencyList string

var currencies = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(currencyList, "\n") {
		if code, _, _ := strings.Cut(line, " "); len(code) == 3 && !strings.HasPrefix(line, "#") {
			m[code] = true
		}
	}
	return m
})

func knownCurrency(code string) bool { return currencies()[code] }

// badProgramKey is the refusal of a program file's key, err saying what is
// wrong with its value.
func badProgramKey(key string, err error) error {
	return Fail(EINVALID, "invalid.program_key", lang.Args{"key": key, "problem": detail(err)})
}

// CheckNotAhead refuses a command (of kind, with the client's id) dated more than
// [ledger] max_clock_skew ahead of now, the clock of the ledger's host; nil
// otherwise. A till or kiosk whose clock runs fast would otherwise record a
// sale in the future, and its points would mature, expire and lose their
// take-back window early.
func (p *Program) CheckNotAhead(kind, id string, at, now time.Time) error {
	skew := p.Ledger.MaxClockSkew.D()
	if at.Sub(now) <= skew {
		return nil
	}
	loc := p.Location()
	var when, clock any = at.In(loc), now.In(loc)
	if skew%time.Minute != 0 || skew < time.Minute {
		when, clock = lang.Seconds(at.In(loc)), lang.Seconds(now.In(loc)) // minutes alone could show the two times alike
	}
	var ahead any = ""
	if skew > 0 {
		ahead = skew
	}
	return Fail(EREFUSED, "clock.ahead", lang.Args{"what": Command(kind, id), "at": when, "skew": ahead, "now": clock})
}

// Command names a command of kind with the client's id (empty if it has
// none) in the reader's language: "receipt R1", "a redemption".
func Command(kind, id string) lang.Msg {
	return lang.M("kind."+kind, lang.Args{"id": id})
}

// Validate checks every key and loads the time zone.
func (p *Program) Validate() error {
	bad := badProgramKey
	notNegative := wrong("problem.not_negative", nil)
	if strings.TrimSpace(p.Name) == "" {
		return bad("name", wrong("problem.required", nil))
	}
	switch p.Kind {
	case KindPoints, KindBonus:
	case "":
		return bad("kind", wrong("problem.required_one_of", lang.Args{"options": `"` + KindPoints + `", "` + KindBonus + `"`}))
	default:
		return bad("kind", wrong("problem.one_of", lang.Args{"options": `"` + KindPoints + `", "` + KindBonus + `"`, "got": p.Kind}))
	}
	if len(p.Currency) != 3 || strings.ToUpper(p.Currency) != p.Currency {
		return bad("currency", wrong("problem.currency_code", lang.Args{"got": p.Currency}))
	}
	if p.Timezone == "" {
		return bad("timezone", wrong("problem.zone_required", nil))
	}
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil {
		return bad("timezone", wrong("problem.zone_unknown", lang.Args{"got": p.Timezone}))
	}
	p.loc = loc
	if p.Card.ActivationDelay < 0 {
		return bad("card.activation_delay", notNegative)
	}
	if len(p.Card.Prefix) != 2 || !allDigits(p.Card.Prefix) {
		return bad("card.prefix", wrong("problem.two_digits", lang.Args{"got": p.Card.Prefix}))
	}
	switch p.Card.Barcode {
	case BarcodeEAN13, BarcodeCode128:
	default:
		return bad("card.barcode", wrong("problem.one_of", lang.Args{"options": `"` + BarcodeEAN13 + `", "` + BarcodeCode128 + `"`, "got": p.Card.Barcode}))
	}
	e := &p.Earn
	if e.Step <= 0 {
		return bad("earn.step", wrong("problem.positive", nil))
	}
	for _, k := range []struct {
		key      string
		v, limit int64
	}{
		{"earn.step", e.Step, maxStep}, {"earn.points", e.Points, maxRate},
		{"earn.own_brand_points", e.OwnBrandPoints, maxRate}, {"earn.member_percent", e.MemberPercent, maxPercent},
		{"earn.welcome", e.Welcome, maxWelcome}, {"returns.take_back_days", p.Returns.TakeBackDays, maxTakeBackDays},
		{"spend.offline_cap", p.Spend.OfflineCap, maxOfflineCap},
	} {
		if k.v < 0 || k.v > k.limit {
			return bad(k.key, between(0, k.limit, k.v))
		}
	}
	if len(e.PositionPercent) == 0 {
		return bad("earn.position_percent", wrong("problem.at_least_one", nil))
	}
	for _, v := range e.PositionPercent {
		if v < 0 || v > maxPercent {
			return bad("earn.position_percent", between(0, maxPercent, v))
		}
	}
	if e.Maturation < 0 {
		return bad("earn.maturation", notNegative)
	}
	if e.WelcomeDelay.After < 0 {
		return bad("earn.welcome_delay", notNegative)
	}
	if p.Spend.MaxPercent < 0 || p.Spend.MaxPercent > 100 {
		return bad("spend.max_percent", between(0, 100, p.Spend.MaxPercent))
	}
	if p.Spend.VoucherValid <= 0 {
		return bad("spend.voucher_valid", wrong("problem.positive", nil))
	}
	if p.Expiry.After < 0 {
		return bad("expiry.after", wrong("problem.positive_or_never", nil))
	}
	if p.Ledger.MaxClockSkew < 0 {
		return bad("ledger.max_clock_skew", notNegative)
	}
	if p.Kiosk.Colour != "" {
		r, g, b, ok := p.Kiosk.RGB()
		if !ok {
			return bad("kiosk.colour", wrong("programkiosk.colour_form", lang.Args{"got": p.Kiosk.Colour}))
		}
		if c := WhiteContrast(r, g, b); c < MinContrast {
			return bad("kiosk.colour", wrong("programkiosk.colour_contrast", lang.Args{"got": p.Kiosk.Colour, "contrast": fmt.Sprintf("%.1f", c)}))
		}
	}
	return nil
}

// Location returns the program's time zone (UTC before Validate).
func (p *Program) Location() *time.Location {
	if p.loc == nil {
		if loc, err := time.LoadLocation(p.Timezone); err == nil {
			p.loc = loc
		} else {
			return time.UTC
		}
	}
	return p.loc
}

// Duration is a TOML/JSON duration: Go syntax ("90m", "24h") plus a "d"
// suffix meaning exactly 24 h ("15d", "1d12h"), and "never" for 0 where a key
// allows it.
type Duration time.Duration

// ParseDuration parses the program file's duration syntax.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "never" {
		return 0, nil
	}
	var total time.Duration
	rest := s
	if i := strings.IndexByte(rest, 'd'); i >= 0 {
		days, err := strconv.ParseInt(rest[:i], 10, 32)
		// Up to the most days a Duration holds, so that whatever MarshalText
		// writes ("100011d" for "100000d264h") parses again.
		if err != nil || days < 0 || days > int64(math.MaxInt64/(24*time.Hour)) {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		total = time.Duration(days) * 24 * time.Hour
		rest = rest[i+1:]
		if rest == "" {
			return total, nil
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use Go syntax such as \"24h\", or days such as \"15d\")", s)
	}
	if total > 0 && (d < 0 || total+d < total) {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return total + d, nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// MarshalText writes the duration in the program file's syntax.
func (d Duration) MarshalText() ([]byte, error) {
	v := time.Duration(d)
	if v != 0 && v%(24*time.Hour) == 0 {
		return []byte(strconv.FormatInt(int64(v/(24*time.Hour)), 10) + "d"), nil
	}
	return []byte(v.String()), nil
}

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Delay is either a duration or "next-day": the next local midnight of the
// program's time zone.
type Delay struct {
	NextDay bool
	After   time.Duration
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Delay) UnmarshalText(b []byte) error {
	if string(b) == "next-day" {
		*d = Delay{NextDay: true}
		return nil
	}
	v, err := ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%v, or \"next-day\"", err)
	}
	*d = Delay{After: v}
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Delay) MarshalText() ([]byte, error) {
	if d.NextDay {
		return []byte("next-day"), nil
	}
	return Duration(d.After).MarshalText()
}

// From returns when something granted at t with this delay becomes available,
// local midnights taken in loc.
func (d Delay) From(t time.Time, loc *time.Location) time.Time {
	if !d.NextDay {
		return t.Add(d.After)
	}
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc).UTC()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Language is the language a program's customers read when none is
// chosen: a program does not say it, but its currency does for the two
// chains Tochka is made for: Bulgarian for euros (and leva), the
// Bulgarian co-op's currency, Russian for roubles; English for any other.
func (p *Program) Language() string {
	switch p.Currency {
	case "EUR", "BGN":
		return lang.BG
	case "RUB":
		return lang.RU
	}
	return lang.EN
}
