package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Devices are kept in their own table and are no event of the log. A
// device is a credential of the central server, not a fact of the points
// ledger: the log travels to kiosks (sync) and is replayed by check, and
// a token's hash in it would hand every replica what the server accepts as
// a password, while a replay could not make the token again anyway. So
// adding and revoking a device changes the devices table only, in one
// transaction, and its idempotency is the table's: the --request-id a
// device was added with (add_request). The token never reaches the log
// nor any table: only its SHA-256 is stored.

var _ rewards.Devices = (*Store)(nil)

// AddDevice adds a device of a recorded store or cooperative and returns
// it with its token, made now and shown this once. The same request id
// and device again answer the device without a token; another device under
// that id is a conflict, and so is a name that is taken.
func (s *Store) AddDevice(ctx context.Context, c rewards.DeviceAdd) (rewards.NewDevice, error) {
	if s.replica {
		return rewards.NewDevice{}, errServerOnly()
	}
	if err := c.Validate(); err != nil {
		return rewards.NewDevice{}, err
	}
	var out rewards.NewDevice
	err := s.write(ctx, func(t *txn) error {
		if c.ID != "" {
			d, found, err := t.device(`d.add_request = ?`, c.ID)
			if err != nil {
				return err
			}
			if found {
				if d.Name != c.Device.Name || d.Role != c.Device.Role || !samePlace(d.Store, d.Coop, c.Device.Store, c.Device.Coop) {
					return rewards.Fail(rewards.ECONFLICT, "device.request_conflict", lang.Args{"id": c.ID, "device": d.Name})
				}
				out = rewards.NewDevice{Device: d}
				return nil
			}
		}
		if _, taken, err := t.device(`d.name = ?`, c.Device.Name); err != nil {
			return err
		} else if taken {
			return rewards.Fail(rewards.ECONFLICT, "device.name_taken", lang.Args{"device": c.Device.Name})
		}
		storeCoop, err := t.devicePlace(c.Device.Store, c.Device.Coop)
		if err != nil {
			return err
		}
		d := c.Device
		d.CreatedAt = t.at(c.At).UTC().Truncate(time.Millisecond)
		d.RevokedAt = nil
		token := rewards.NewToken()
		if _, err := t.exec(`INSERT INTO devices (name, role, store, coop, token_sha256, created_at, add_request)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, d.Name, d.Role, nullText(d.Store), nullText(d.Coop), rewards.TokenHash(token), ms(d.CreatedAt), nullText(c.ID)); err != nil {
			return fmt.Errorf("add device %s: %w", d.Name, err)
		}
		if storeCoop != "" {
			d.Coop = storeCoop
		}
		out = rewards.NewDevice{Device: d, Token: token}
		return nil
	})
	return out, err
}

// Devices lists the devices by name, revoked ones included.
func (s *Store) Devices(ctx context.Context) ([]rewards.Device, error) {
	out := []rewards.Device{}
	err := s.read(ctx, func(t *txn) error {
		rows, err := t.tx.QueryContext(ctx, deviceSelect+` ORDER BY d.name`)
		if err != nil {
			return fmt.Errorf("list devices: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDevice(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeDevice revokes a device's token from the next request on;
// revoking a revoked device changes nothing and answers it as it is.
func (s *Store) RevokeDevice(ctx context.Context, c rewards.DeviceRevoke) (rewards.Device, error) {
	if s.replica {
		return rewards.Device{}, errServerOnly()
	}
	if err := c.Validate(); err != nil {
		return rewards.Device{}, err
	}
	var out rewards.Device
	err := s.write(ctx, func(t *txn) error {
		d, found, err := t.device(`d.name = ?`, c.Name)
		if err != nil {
			return err
		}
		if !found {
			return rewards.Fail(rewards.ENOTFOUND, "device.unknown", lang.Args{"device": c.Name})
		}
		if d.RevokedAt == nil {
			at := t.at(c.At).UTC().Truncate(time.Millisecond)
			if _, err := t.exec(`UPDATE devices SET revoked_at = ? WHERE name = ?`, ms(at), d.Name); err != nil {
				return fmt.Errorf("revoke device %s: %w", d.Name, err)
			}
			d.RevokedAt = &at
		}
		out = d
		return nil
	})
	return out, err
}

// DeviceByToken returns the device whose token has the hash, read from the
// table at each call: a revocation counts from the next request, on every
// server that shares the ledger.
func (s *Store) DeviceByToken(ctx context.Context, hash string) (rewards.Device, error) {
	var out rewards.Device
	err := s.read(ctx, func(t *txn) error {
		d, found, err := t.device(`d.token_sha256 = ?`, hash)
		if err != nil {
			return err
		}
		if !found {
			return rewards.Fail(rewards.ENOTFOUND, "device.token_unknown", nil)
		}
		out = d
		return nil
	})
	return out, err
}

// deviceSelect reads a device with its store's cooperative as the store
// records say now.
const deviceSelect = `SELECT d.name, d.role, coalesce(d.store, ''), coalesce(d.coop, st.coop, ''), d.created_at, d.revoked_at
	FROM devices d LEFT JOIN stores st ON st.id = d.store`

// device is the device that where (on the devices table, d) picks.
func (t *txn) device(where string, arg any) (rewards.Device, bool, error) {
	d, err := scanDevice(t.queryRow(deviceSelect+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	return d, err == nil, err
}

func scanDevice(row interface{ Scan(...any) error }) (rewards.Device, error) {
	var d rewards.Device
	var created int64
	var revoked sql.NullInt64
	if err := row.Scan(&d.Name, &d.Role, &d.Store, &d.Coop, &created, &revoked); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return d, err
		}
		return d, fmt.Errorf("read device: %w", err)
	}
	d.CreatedAt = fromMS(created)
	d.RevokedAt = timePtr(revoked)
	return d, nil
}

// devicePlace checks the store or cooperative a device or a staff member
// belongs to (rewards.DevicePlace) and returns a store's cooperative, ""
// for a cooperative's.
func (t *txn) devicePlace(storeID, coopID string) (storeCoop string, err error) {
	var store *rewards.Store
	var coop *rewards.Coop
	if storeID != "" {
		store, err = t.store(storeID)
	} else {
		coop, err = t.coop(coopID)
	}
	if err != nil {
		return "", err
	}
	if err := rewards.DevicePlace(rewards.Device{Store: storeID, Coop: coopID}, store, coop); err != nil {
		return "", err
	}
	if store != nil {
		return store.Coop, nil
	}
	return "", nil
}

// samePlace says whether a place asked for again (a request id repeated)
// is the one recorded: a store's record carries its cooperative.
func samePlace(store, coop, askedStore, askedCoop string) bool {
	return store == askedStore && (store != "" || coop == askedCoop)
}

// nullText is an empty string as NULL.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
