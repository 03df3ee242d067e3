package sqlite_test

import (
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// A device is added to a recorded store or cooperative with a token shown
// once, found by the token's hash, listed without it, and revoked for the
// next lookup; its request id makes adding idempotent, and its name is
// its own. No token or hash reaches the event log.
func TestDevices(t *testing.T) {
	s, _ := openStore(t, "coop")
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: "c1", Names: rewards.Names{BG: "Кооп"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{ID: "s1", Coop: "c1", Names: rewards.Names{BG: "Първи"}}}); err != nil {
		t.Fatal(err)
	}
	till := rewards.DeviceAdd{Meta: rewards.Meta{ID: "add-till"}, Device: rewards.Device{Name: "till-1", Role: rewards.RolePOS, Store: "s1"}}
	nd, err := s.AddDevice(ctx, till)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(nd.Token, rewards.TokenPrefix) || len(nd.Token) < 40 || nd.Coop != "c1" || !nd.Active() {
		t.Fatalf("added: %+v", nd)
	}
	again, err := s.AddDevice(ctx, till)
	if err != nil || again.Token != "" || again.Name != "till-1" {
		t.Fatalf("the same request again: %+v %v", again, err)
	}
	other := till
	other.Device.Role = rewards.RoleAdmin
	if _, err := s.AddDevice(ctx, other); rewards.ErrorCode(err) != rewards.ECONFLICT {
		t.Fatalf("another device under the same request id: %v", err)
	}
	if _, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "till-1", Role: rewards.RoleKiosk, Store: "s1"}}); rewards.ErrorCode(err) != rewards.ECONFLICT {
		t.Fatalf("a taken name: %v", err)
	}
	for _, d := range []rewards.Device{
		{Name: "k", Role: rewards.RoleKiosk, Store: "s9"},
		{Name: "m", Role: rewards.RoleManager, Coop: "c9"},
	} {
		if _, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: d}); rewards.ErrorCode(err) != rewards.ENOTFOUND {
			t.Fatalf("a device of an unrecorded place %+v: %v", d, err)
		}
	}
	for _, d := range []rewards.Device{
		{Name: "k", Role: "cashier", Store: "s1"},
		{Name: "k", Role: rewards.RoleKiosk},
		{Name: "k", Role: rewards.RoleKiosk, Store: "s1", Coop: "c1"},
		{Name: "", Role: rewards.RoleKiosk, Store: "s1"},
	} {
		if _, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: d}); rewards.ErrorCode(err) != rewards.EINVALID {
			t.Fatalf("a bad device %+v: %v", d, err)
		}
	}
	mgr, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "office", Role: rewards.RoleManager, Coop: "c1"}})
	if err != nil {
		t.Fatal(err)
	}

	found, err := s.DeviceByToken(ctx, rewards.TokenHash(nd.Token))
	if err != nil || found.Name != "till-1" || found.Coop != "c1" || !found.Active() {
		t.Fatalf("by token: %+v %v", found, err)
	}
	if _, err := s.DeviceByToken(ctx, rewards.TokenHash("tch_nothing")); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Fatalf("an unknown token: %v", err)
	}
	list, err := s.Devices(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "office" || list[1].Name != "till-1" {
		t.Fatalf("list: %+v %v", list, err)
	}

	rev, err := s.RevokeDevice(ctx, rewards.DeviceRevoke{Name: "till-1"})
	if err != nil || rev.Active() {
		t.Fatalf("revoke: %+v %v", rev, err)
	}
	rev2, err := s.RevokeDevice(ctx, rewards.DeviceRevoke{Name: "till-1"})
	if err != nil || !rev2.RevokedAt.Equal(*rev.RevokedAt) {
		t.Fatalf("revoke again: %+v %v", rev2, err)
	}
	if found, err := s.DeviceByToken(ctx, rewards.TokenHash(nd.Token)); err != nil || found.Active() {
		t.Fatalf("by token after the revocation: %+v %v", found, err)
	}
	if _, err := s.RevokeDevice(ctx, rewards.DeviceRevoke{Name: "nobody"}); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Fatalf("revoke an unknown device: %v", err)
	}

	events, err := s.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		for _, secret := range []string{nd.Token, rewards.TokenHash(nd.Token), mgr.Token, rewards.TokenHash(mgr.Token), "till-1"} {
			if strings.Contains(string(e.Body), secret) {
				t.Fatalf("event %s %s holds %q: %s", e.Kind, e.ID, secret, e.Body)
			}
		}
	}
}
