package rewards

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/tochka-loyalty/tochka/lang"
)

// Staff roles: what a staff member does at a kiosk once logged in. A
// staff session acts with the session role of its member (SessionRole).
const (
	StaffRoleStaff   = "staff"
	StaffRoleManager = "manager"
)

// StaffRoles are the roles a staff member may be added with.
var StaffRoles = []string{StaffRoleStaff, StaffRoleManager}

// The staff session rules.
const (
	// PINMinDigits is the shortest PIN a staff member may have.
	PINMinDigits = 6
	// PINMaxFailures wrong PINs in a row lock a staff member out.
	PINMaxFailures = 5
	// PINLockout is how long a locked-out staff member stays locked.
	PINLockout = 5 * time.Minute
	// SessionIdle is how long a staff session lives without being used;
	// each use extends it by as much.
	SessionIdle = 15 * time.Minute
)

// SessionPrefix starts every staff session token, as TokenPrefix starts
// a device's.
const SessionPrefix = "tss_"

// StaffMember is a person who works at a store's or a cooperative's
// kiosks (a staff member) or edits its board (a manager), known by a
// number and a PIN, and, when given one, by a staff card: a barcode the
// kiosk's scanner reads instead of the number being typed. The PIN is
// never part of it: only its argon2id hash is stored.
type StaffMember struct {
	Number    string    `json:"number"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Store     string    `json:"store,omitempty"`
	Coop      string    `json:"coop,omitempty"`
	Card      string    `json:"card,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Place is the staff member's own store or cooperative.
func (m StaffMember) Place() Place { return Place{Store: m.Store, Coop: m.Coop} }

// SessionRole is the column of the rights table a session of the staff
// member acts in.
func (m StaffMember) SessionRole() string {
	if m.Role == StaffRoleManager {
		return SessionManager
	}
	return SessionStaff
}

// SessionDevice is the device a session of the member opened at device
// at acts as: at's name, with the member's session role and place.
func (m StaffMember) SessionDevice(at Device) Device {
	return Device{Name: at.Name, Role: m.SessionRole(), Store: m.Store, Coop: m.Coop, CreatedAt: at.CreatedAt}
}

// Validate checks a staff member as it is added: a number of digits, a
// name, a known role, exactly one of a store or a cooperative, and a
// staff card, when it has one, that ValidStaffCard takes.
func (m *StaffMember) Validate() error {
	if err := validStaffNumber(m.Number); err != nil {
		return err
	}
	if strings.TrimSpace(m.Name) == "" {
		return Fail(EINVALID, "staff.name_missing", lang.Args{"number": m.Number})
	}
	if err := scanText(m.Name, refusedInID, "problem.control_id"); err != nil {
		return Fail(EINVALID, "staff.name_bad", lang.Args{"number": m.Number, "problem": detail(err)})
	}
	if !slices.Contains(StaffRoles, m.Role) {
		return Fail(EINVALID, "staff.role_bad", lang.Args{"number": m.Number, "role": m.Role, "roles": strings.Join(StaffRoles, ", ")})
	}
	if (m.Store == "") == (m.Coop == "") {
		return Fail(EINVALID, "staff.place_one", lang.Args{"number": m.Number})
	}
	id := m.Store + m.Coop
	if err := validID(id); err != nil {
		return Fail(EINVALID, "staff.place_bad", lang.Args{"number": m.Number, "problem": detail(err)})
	}
	if m.Card != "" {
		return ValidStaffCard(m.Card)
	}
	return nil
}

// staffDigits says whether s may be a staff number or a staff card's
// number: digits only, at most 32.
func staffDigits(s string) bool { return allDigits(s) && len(s) <= 32 }

// validStaffNumber checks a staff number.
func validStaffNumber(number string) error {
	if !staffDigits(number) {
		return Fail(EINVALID, "staff.number_bad", lang.Args{"number": number})
	}
	return nil
}

// ValidStaffCard checks a staff card's number as a scanner reads it:
// digits only, at most 32; one of 13 digits is an EAN-13, as a loyalty
// card's number is, and its check digit must be right (ValidateCardNumber),
// so that a misread is caught at the kiosk.
func ValidStaffCard(card string) error {
	if !staffDigits(card) {
		return Fail(EINVALID, "staff.card_bad", lang.Args{"card": card})
	}
	if len(card) == 13 {
		return ValidateCardNumber(card)
	}
	return nil
}

// ValidPIN checks a PIN: PINMinDigits digits or more, digits only. The
// refusal never repeats the PIN.
func ValidPIN(pin string) error {
	if len(pin) < PINMinDigits || strings.Trim(pin, "0123456789") != "" || len(pin) > 64 {
		return Fail(EINVALID, "staff.pin_bad", lang.Args{"count": PINMinDigits})
	}
	return nil
}

// StaffAdd adds a staff member with a PIN (`tochkactl staff add`). The PIN
// is hashed by the ledger and never stored nor answered; it is left out of
// the command's JSON.
type StaffAdd struct {
	Meta
	Staff StaffMember `json:"staff"`
	PIN   string      `json:"-"`
}

// Validate checks the adding of a staff member.
func (c *StaffAdd) Validate() error {
	if err := c.Meta.validate("staff add"); err != nil {
		return err
	}
	if err := c.Staff.Validate(); err != nil {
		return err
	}
	return ValidPIN(c.PIN)
}

// argon2id parameters of new PIN hashes; each hash records its own, so
// that they may change without making old PINs unusable.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPIN hashes a PIN with argon2id and a random salt, in the PHC string
// form that records the parameters beside the hash:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH.
func HashPIN(pin string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return pinHash(salt, argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen))
}

// pinHash is the PHC string of a salt and a key made with the parameters
// of new hashes.
func pinHash(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// UnknownPINHash is what a login's PIN is checked against when no staff
// member has the number or card the login names: a hash of the cost of a
// new one (HashPIN's parameters, salt and key as long) that no PIN
// matches, so that a login naming no member takes as long to refuse as
// one with a wrong PIN, and its time does not tell which numbers and
// cards are a member's.
func UnknownPINHash() string {
	return pinHash(make([]byte, 16), make([]byte, argonKeyLen))
}

// PINMatches reports whether pin is the one hashed (HashPIN); a hash it
// cannot read matches nothing.
func PINMatches(pin, hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, iterations uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &iterations, &threads); err != nil || threads == 0 || iterations == 0 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pin), salt, iterations, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// PINState is what a ledger keeps of a staff member's wrong PINs: how many
// in a row, and until when the member is locked out (zero: not locked).
type PINState struct {
	Failures    int
	LockedUntil time.Time
}

// StaffLoginAttempt is the lock-out rule: given a member's state and
// whether the PIN given at now matched, the state to keep and the refusal
// to answer (nil: the login succeeds). A locked member is refused whether
// or not the PIN matches, with when the lock ends; the PINMaxFailures-th
// wrong PIN in a row locks for PINLockout; a right PIN clears the count.
// A refusal names the member by named: what the login gave, its number or
// its staff card (StaffLogin.Named).
func StaffLoginAttempt(named string, st PINState, matched bool, now time.Time) (PINState, error) {
	if !st.LockedUntil.IsZero() && now.Before(st.LockedUntil) {
		return st, Fail(EREFUSED, "staff.locked", lang.Args{"number": named, "until": st.LockedUntil})
	}
	if !st.LockedUntil.IsZero() {
		st = PINState{} // the lock has run out: a fresh count
	}
	if matched {
		return PINState{}, nil
	}
	st.Failures++
	if st.Failures >= PINMaxFailures {
		until := now.Add(PINLockout)
		return PINState{Failures: st.Failures, LockedUntil: until}, Fail(EREFUSED, "staff.locked", lang.Args{"number": named, "until": until})
	}
	return st, Fail(EUNAUTHENTICATED, "staff.pin_wrong", lang.Args{"number": named, "count": PINMaxFailures - st.Failures})
}

// StaffLogin opens a staff session through a device (the kiosk or
// manager's machine whose token the request carries). The member is named
// by exactly one of a staff number (typed) or a staff card (scanned).
type StaffLogin struct {
	Number string `json:"number,omitempty"`
	Card   string `json:"card,omitempty"`
	PIN    string `json:"pin"`
	Device string `json:"-"`
}

// Validate checks a login's form; a wrong PIN is the ledger's to find.
func (c *StaffLogin) Validate() error {
	switch {
	case (c.Number == "") == (c.Card == ""):
		return Fail(EINVALID, "staff.login_one", nil)
	case c.Card != "":
		if err := ValidStaffCard(c.Card); err != nil {
			return err
		}
	default:
		if err := validStaffNumber(c.Number); err != nil {
			return err
		}
	}
	if c.PIN == "" {
		return Fail(EINVALID, "staff.pin_missing", nil)
	}
	return nil
}

// Named is what the login names the member by: the number typed or the
// staff card scanned. Its refusals name the member by it and by nothing
// else, so that a login by card does not learn the member's number.
func (c *StaffLogin) Named() string { return c.Number + c.Card }

// Unknown is the refusal of a login whose number or staff card no member
// has: the same for both, and the same whether or not the number is
// another kind of card, so that a login tells nothing of what it names
// but that no member has it. A ledger checks the login's PIN against
// UnknownPINHash before it answers so, as it checks a member's PIN.
func (c *StaffLogin) Unknown() error {
	return Fail(EUNAUTHENTICATED, "staff.unknown", lang.Args{"number": c.Named()})
}

// Attempt is the login rule for the member m the login named, whose PIN
// state is st, at device d: the lock-out rule (StaffLoginAttempt) first,
// and only once the PIN matched whether the member may log in at the
// device (sessionFits), so that a login without the right PIN learns
// nothing of where the member works. The state to keep is the lock-out
// rule's (a right PIN clears the count, at any device); every refusal
// names the member as the login did (Named).
func (c *StaffLogin) Attempt(m StaffMember, d Device, st PINState, matched bool, now time.Time) (PINState, error) {
	next, err := StaffLoginAttempt(c.Named(), st, matched, now)
	if err != nil {
		return next, err
	}
	return next, sessionFits(m, d, c.Named())
}

// StaffCardSet gives a staff member a staff card, replaces the one the
// member has (a lost one no longer logs in), or, with Card empty, takes it
// away (`tochkactl staff card`).
type StaffCardSet struct {
	Number string `json:"number"`
	Card   string `json:"card"`
}

// Validate checks the member's number and the card's.
func (c *StaffCardSet) Validate() error {
	if err := validStaffNumber(c.Number); err != nil {
		return err
	}
	if c.Card != "" {
		return ValidStaffCard(c.Card)
	}
	return nil
}

// StaffPINSet gives a staff member a new PIN (a manager at a kiosk, for a
// member who forgot it or was locked out): the PIN is hashed by the
// ledger and never stored nor answered, and is left out of the command's
// JSON as StaffAdd's is.
type StaffPINSet struct {
	Number string `json:"number"`
	PIN    string `json:"-"`
}

// Validate checks the member's number and the new PIN.
func (c *StaffPINSet) Validate() error {
	if err := validStaffNumber(c.Number); err != nil {
		return err
	}
	return ValidPIN(c.PIN)
}

// StaffSession is a staff member's open session at a device.
type StaffSession struct {
	Staff     StaffMember `json:"staff"`
	Device    string      `json:"device"`
	ExpiresAt time.Time   `json:"expires_at"`
}

// NewStaffSession is a session just opened and its token, shown this once.
type NewStaffSession struct {
	StaffSession
	Token string `json:"token"`
}

// NewSessionToken makes a staff session's token: SessionPrefix and 32
// random bytes in unpadded base64url. Only its TokenHash is stored.
func NewSessionToken() string {
	return SessionPrefix + strings.TrimPrefix(NewToken(), TokenPrefix)
}

// sessionFits checks that a staff member may log in at a device: the
// device's place is the member's own, or one of the stores of the
// member's cooperative; an admin's device is anywhere. The refusal names
// the member by named, as the login did (StaffLogin.Named).
func sessionFits(m StaffMember, d Device, named string) error {
	if d.Role == RoleAdmin || reaches(OwnPlace, Device{Store: m.Store, Coop: m.Coop}, d.Place()) {
		return nil
	}
	return Fail(EFORBIDDEN, "staff.device_elsewhere", lang.Args{"number": named, "device": d.Name})
}

// staffKey is the context key of the staff member a change is made by.
type staffKey struct{}

// WithStaff returns ctx carrying the number of the staff member whose
// session makes the changes made with it, for the ledger to record beside
// the device.
func WithStaff(ctx context.Context, number string) context.Context {
	return context.WithValue(ctx, staffKey{}, number)
}

// StaffIn is the staff number WithStaff put in ctx, or "".
func StaffIn(ctx context.Context) string {
	n, _ := ctx.Value(staffKey{}).(string)
	return n
}

// AuditEntry is one change of the ledger: when, what kind, by which device
// and, when made in a staff session, by which staff member. A change is an
// event of the log (Seq is its seq) or one that no event records, of an
// Audit kind: Seq zero, Subject what it was made to.
type AuditEntry struct {
	Seq     int64     `json:"seq,omitempty"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Device  string    `json:"device"`
	Staff   string    `json:"staff,omitempty"`
	Subject string    `json:"subject,omitempty"`
}

// The kinds of change that the audit trail lists beside the events, and
// their subjects: a staff member added, given a new PIN, given a staff card
// or another, or having it taken away (the member's number; staff members
// are no events, as Staff says), and a conflict of a kiosk's upload
// resolved (the conflict's id).
const (
	AuditStaffAdd        = "staff.add"
	AuditStaffPIN        = "staff.pin"
	AuditStaffCard       = "staff.card"
	AuditConflictResolve = "conflict.resolve"
)

// Staff keeps the staff members, their PIN hashes, lock-outs and
// sessions. Like devices, these are credentials, not facts of the points
// ledger: no event records them, so that no PIN hash or session token
// travels with the log to kiosks.
type Staff interface {
	// AddStaff adds a staff member of a recorded store or cooperative with
	// the PIN's argon2id hash. A staff card that is a loyalty card of the
	// ledger or another member's staff card is a conflict; so is, the
	// other way round, a loyalty card issued, or given as a replacement,
	// with a staff card's number, and a number a ledger draws for a new
	// card is none.
	AddStaff(ctx context.Context, c StaffAdd) (StaffMember, error)
	// SetStaffCard gives a staff member a staff card, replaces it or takes
	// it away, under AddStaff's rule, and returns the member.
	SetStaffCard(ctx context.Context, c StaffCardSet) (StaffMember, error)
	// SetStaffPIN gives a staff member a new PIN, clears the member's
	// wrong PINs and lock-out, and returns the member.
	SetStaffPIN(ctx context.Context, c StaffPINSet) (StaffMember, error)
	// StaffList lists the staff members by number; never a hash.
	StaffList(ctx context.Context) ([]StaffMember, error)
	// LoginStaff finds the staff member by number or staff card, checks
	// the PIN (against UnknownPINHash when no member has what the login
	// names, then refused as Unknown) under the login rule
	// (StaffLogin.Attempt) and opens a session at the device.
	LoginStaff(ctx context.Context, c StaffLogin, d Device) (NewStaffSession, error)
	// SessionByToken returns the open session whose token has the hash
	// (TokenHash) and extends it by SessionIdle; unauthenticated when
	// there is none or it has run out.
	SessionByToken(ctx context.Context, hash string) (StaffSession, error)
	// Audit lists the ledger's changes after since (zero: all): the events
	// in the order of the log, and each change of an Audit kind after the
	// last event before it.
	Audit(ctx context.Context, since time.Time) ([]AuditEntry, error)
}
