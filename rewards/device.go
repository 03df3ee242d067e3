package rewards

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// Device roles: what a device that holds a bearer token is. A role's
// rights are the columns of the rights table (Rights).
const (
	RolePOS     = "pos"     // a till of another vendor's POS system
	RoleKiosk   = "kiosk"   // an in-store kiosk
	RoleManager = "manager" // a manager's back-office machine
	RoleAdmin   = "admin"   // the chain's operator: everything, everywhere
)

// DeviceRoles are the roles a device may be added with.
var DeviceRoles = []string{RolePOS, RoleKiosk, RoleManager, RoleAdmin}

// Staff-session roles: the columns of the rights table for a request
// made in a staff member's session (through a kiosk), which carries the
// staff member's role instead of the device's. Their cells are filled
// when staff sessions come; until then they reach nowhere.
const (
	SessionStaff   = "session:staff"
	SessionManager = "session:manager"
)

// TokenPrefix starts every device token, so that a token pasted where it
// does not belong (a log, a ticket, a repository) is recognised as one.
const TokenPrefix = "tch_"

// Device is a till, a kiosk or a manager's or operator's machine that
// calls the central API with a bearer token. It belongs to exactly one
// store or one cooperative: a store's device has Store set, and Coop is
// then the store's cooperative as the store records say (filled by the
// ledger when it reads the device); a cooperative's device has Coop only.
// Its token is never part of it: only the token's SHA-256 is stored.
type Device struct {
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Store     string     `json:"store,omitempty"`
	Coop      string     `json:"coop,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the device's token is still accepted.
func (d Device) Active() bool { return d.RevokedAt == nil }

// Place is the device's own place: its store (in its cooperative), or its
// cooperative.
func (d Device) Place() Place { return Place{Store: d.Store, Coop: d.Coop} }

// Validate checks a device as it is added: a name, a known role, and
// exactly one of a store or a cooperative.
func (d *Device) Validate() error {
	if err := validID(d.Name); err != nil {
		return Fail(EINVALID, "device.name_bad", lang.Args{"problem": detail(err)})
	}
	if !slices.Contains(DeviceRoles, d.Role) {
		return Fail(EINVALID, "device.role_bad", lang.Args{"device": d.Name, "role": d.Role, "roles": strings.Join(DeviceRoles, ", ")})
	}
	if (d.Store == "") == (d.Coop == "") {
		return Fail(EINVALID, "device.place_one", lang.Args{"device": d.Name})
	}
	if d.Store != "" {
		if err := validID(d.Store); err != nil {
			return Fail(EINVALID, "device.store_bad", lang.Args{"device": d.Name, "problem": detail(err)})
		}
	} else if err := validID(d.Coop); err != nil {
		return Fail(EINVALID, "device.coop_bad", lang.Args{"device": d.Name, "problem": detail(err)})
	}
	return nil
}

// DevicePlace checks that a device being added names a recorded place:
// store and coop are the records of d.Store and d.Coop, nil when there is
// none (only the one the device names is looked up).
func DevicePlace(d Device, store *Store, coop *Coop) error {
	if d.Store != "" {
		if store == nil {
			return Fail(ENOTFOUND, "places.store_unknown", lang.Args{"store": d.Store})
		}
		return nil
	}
	if coop == nil {
		return Fail(ENOTFOUND, "places.coop_unknown", lang.Args{"coop": d.Coop})
	}
	return nil
}

// DeviceAdd adds a device (`tochkactl device add`). Its ID makes it
// idempotent: the same id and device again answer the device, without its
// token, which was given once.
type DeviceAdd struct {
	Meta
	Device Device `json:"device"`
}

// Validate checks the adding of a device.
func (c *DeviceAdd) Validate() error {
	if err := c.Meta.validate("device add"); err != nil {
		return err
	}
	return c.Device.Validate()
}

// DeviceRevoke revokes a device's token: the next request with it is
// refused. Revoking a revoked device changes nothing.
type DeviceRevoke struct {
	Meta
	Name string `json:"name"`
}

// Validate checks the revocation of a device.
func (c *DeviceRevoke) Validate() error {
	if err := c.Meta.validate("device revoke"); err != nil {
		return err
	}
	if err := validID(c.Name); err != nil {
		return invalidField("device revoke", "name", err)
	}
	return nil
}

// NewDevice is a device just added and its bearer token, which is shown
// this once; a repeat of the adding answers the device with no token.
type NewDevice struct {
	Device
	Token string `json:"token,omitempty"`
}

// NewToken makes a device's bearer token: TokenPrefix and 32 random bytes
// in unpadded base64url.
func NewToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// TokenHash is what a ledger keeps of a token: its SHA-256 in hex.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// deviceKey is the context key of the device a change is made by.
type deviceKey struct{}

// WithDevice returns ctx carrying the name of the device that makes the
// changes made with it (the API's authenticated caller), for the ledger to
// record on their events in place of its own name.
func WithDevice(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, deviceKey{}, name)
}

// DeviceIn is the device name WithDevice put in ctx, or "".
func DeviceIn(ctx context.Context) string {
	name, _ := ctx.Value(deviceKey{}).(string)
	return name
}

// Devices keeps the devices that may call the central API and their
// tokens' hashes. Devices are the server's credentials, not facts of the
// points ledger: adding or revoking one is no event of the log (see
// rewards/sqlite's devices.go).
type Devices interface {
	// AddDevice adds a device of a recorded store or cooperative and
	// returns it with its token, made now and shown this once.
	AddDevice(ctx context.Context, c DeviceAdd) (NewDevice, error)
	// Devices lists the devices by name, revoked ones included; never a
	// token.
	Devices(ctx context.Context) ([]Device, error)
	// RevokeDevice revokes a device's token from the next request on.
	RevokeDevice(ctx context.Context, c DeviceRevoke) (Device, error)
	DeviceFinder
}

// DeviceFinder finds the device a bearer token belongs to.
type DeviceFinder interface {
	// DeviceByToken returns the device whose token has the hash
	// (TokenHash), revoked or not, read from the ledger at each call so
	// that a revocation counts from the next request; ENOTFOUND when no
	// device has it.
	DeviceByToken(ctx context.Context, hash string) (Device, error)
}
