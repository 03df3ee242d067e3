package rewardstest

import (
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Devices, for a store that keeps them (rewards.Devices; the API client
// does not: devices are made on the ledger's machine): a device of a
// recorded store or cooperative is added with a token given once, found
// by the token's hash with its store's cooperative, listed without it, and
// revoked for the very next lookup; its request id makes adding
// idempotent and its name is its own; refused devices are not added; no
// token or hash, and no event at all, reaches the event log.
func devices(t *testing.T, su suite) {
	st, _ := su.store(t, "coop")
	s, ok := devicesOf(st)
	if !ok {
		t.Fatal("Run runs Devices only on a store that keeps devices")
	}
	MustPlaces(t, st, "c1", "s1")
	before, _ := eventCount(t, st)

	till := rewards.DeviceAdd{Meta: rewards.Meta{ID: "add-till"}, Device: rewards.Device{Name: "till-1", Role: rewards.RolePOS, Store: "s1"}}
	nd, err := s.AddDevice(ctx, till)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(nd.Token, rewards.TokenPrefix) || nd.Coop != "c1" || !nd.Active() || nd.CreatedAt.IsZero() {
		t.Fatalf("added: %+v", nd)
	}
	again, err := s.AddDevice(ctx, till)
	if err != nil || again.Token != "" || again.Name != "till-1" || !again.CreatedAt.Equal(nd.CreatedAt) {
		t.Fatalf("the same request again: %+v %v", again, err)
	}
	other := till
	other.Device.Role = rewards.RoleAdmin
	_, err = s.AddDevice(ctx, other)
	wantCode(t, err, rewards.ECONFLICT, "another device under the same request id")
	_, err = s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "till-1", Role: rewards.RoleKiosk, Store: "s1"}})
	wantCode(t, err, rewards.ECONFLICT, "a taken name")
	_, err = s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "k", Role: rewards.RoleKiosk, Store: "s9"}})
	wantCode(t, err, rewards.ENOTFOUND, "a device of an unrecorded store")
	_, err = s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "m", Role: rewards.RoleManager, Coop: "c9"}})
	wantCode(t, err, rewards.ENOTFOUND, "a device of an unrecorded cooperative")
	_, err = s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "k", Role: "cashier", Store: "s1"}})
	wantCode(t, err, rewards.EINVALID, "a device of no role")
	_, err = s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "k", Role: rewards.RoleKiosk, Store: "s1", Coop: "c1"}})
	wantCode(t, err, rewards.EINVALID, "a device of two places")
	mgr, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "office", Role: rewards.RoleManager, Coop: "c1"}})
	if err != nil {
		t.Fatal(err)
	}

	found, err := s.DeviceByToken(ctx, rewards.TokenHash(nd.Token))
	if err != nil || found.Name != "till-1" || found.Coop != "c1" || found.Store != "s1" || !found.Active() {
		t.Fatalf("by token: %+v %v", found, err)
	}
	_, err = s.DeviceByToken(ctx, rewards.TokenHash(rewards.NewToken()))
	wantCode(t, err, rewards.ENOTFOUND, "an unknown token")
	_, err = s.DeviceByToken(ctx, nd.Token)
	wantCode(t, err, rewards.ENOTFOUND, "the token itself where its hash is asked for")
	list, err := s.Devices(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "office" || list[1].Name != "till-1" {
		t.Fatalf("list: %+v %v", list, err)
	}

	rev, err := s.RevokeDevice(ctx, rewards.DeviceRevoke{Name: "till-1"})
	if err != nil || rev.Active() {
		t.Fatalf("revoke: %+v %v", rev, err)
	}
	if found, err := s.DeviceByToken(ctx, rewards.TokenHash(nd.Token)); err != nil || found.Active() {
		t.Fatalf("by token after the revocation: %+v %v", found, err)
	}
	if rev2, err := s.RevokeDevice(ctx, rewards.DeviceRevoke{Name: "till-1"}); err != nil || !rev2.RevokedAt.Equal(*rev.RevokedAt) {
		t.Fatalf("revoke again: %+v %v", rev2, err)
	}
	_, err = s.RevokeDevice(ctx, rewards.DeviceRevoke{Name: "nobody"})
	wantCode(t, err, rewards.ENOTFOUND, "revoking an unknown device")
	if found, err := s.DeviceByToken(ctx, rewards.TokenHash(mgr.Token)); err != nil || !found.Active() {
		t.Fatalf("another device after the revocation: %+v %v", found, err)
	}

	if n, ok := eventCount(t, st); ok && n != before {
		t.Fatalf("devices recorded %d events", n-before)
	}
	if log, ok := eventLog(st); ok {
		evs, err := log.Events(ctx, 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			for _, secret := range []string{nd.Token, rewards.TokenHash(nd.Token), mgr.Token, rewards.TokenHash(mgr.Token)} {
				if strings.Contains(string(e.Body), secret) {
					t.Fatalf("event %s holds a token: %s", e.Kind, e.Body)
				}
			}
		}
	}
}

// devicesOf returns the devices of the store s wraps, when it keeps them.
func devicesOf(s Store) (rewards.Devices, bool) {
	if f, ok := s.(following); ok {
		s = f.Store
	}
	d, ok := s.(rewards.Devices)
	return d, ok
}
