package rewards_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Allowed measures the place a request concerns against the device's own,
// by the reach of the role's cell; a refusal is forbidden and names the
// route or the place.
func TestAllowed(t *testing.T) {
	store := rewards.Device{Name: "k", Role: rewards.RoleKiosk, Store: "a1", Coop: "c1"}
	coop := rewards.Device{Name: "k", Role: rewards.RoleKiosk, Coop: "c1"}
	var (
		own      = rewards.Place{Store: "a1", Coop: "c1"}
		sibling  = rewards.Place{Store: "a2", Coop: "c1"}
		whole    = rewards.Place{Coop: "c1"}
		foreign  = rewards.Place{Store: "b1", Coop: "c2"}
		other    = rewards.Place{Coop: "c2"}
		unknown  = rewards.Place{Store: "x9"}
		nowhere  = rewards.Place{}
		allAtAll = rewards.Place{All: true}
	)
	for _, tc := range []struct {
		route string // its kiosk cell: OwnPlace (redeem), OwnCoop (board), Nowhere (receipts)
		d     rewards.Device
		p     rewards.Place
		ok    bool
		key   string
	}{
		{rewards.RouteRedeem, store, own, true, ""},
		{rewards.RouteRedeem, store, sibling, false, "rights.store"},
		{rewards.RouteRedeem, store, whole, false, "rights.coop"},
		{rewards.RouteRedeem, store, foreign, false, "rights.store"},
		{rewards.RouteRedeem, store, unknown, false, "rights.store"},
		{rewards.RouteRedeem, store, nowhere, true, ""},
		{rewards.RouteRedeem, store, allAtAll, false, "rights.all_places"},
		{rewards.RouteRedeem, coop, own, true, ""},
		{rewards.RouteRedeem, coop, sibling, true, ""},
		{rewards.RouteRedeem, coop, whole, true, ""},
		{rewards.RouteRedeem, coop, foreign, false, "rights.store"},
		{rewards.RouteRedeem, coop, other, false, "rights.coop"},
		{rewards.RouteRedeem, coop, unknown, false, "rights.store"},
		{rewards.RouteBoardRead, store, sibling, true, ""},
		{rewards.RouteBoardRead, store, whole, true, ""},
		{rewards.RouteBoardRead, store, other, false, "rights.coop"},
		{rewards.RouteBoardRead, store, allAtAll, false, "rights.all_places"},
		{rewards.RouteReceiptPost, store, own, false, "rights.route"},
		{rewards.RouteReceiptPost, coop, nowhere, false, "rights.route"},
		{"GET /v1/nothing", store, nowhere, false, "rights.route"},
	} {
		err := rewards.Allowed(tc.route, tc.d, tc.p)
		var e *rewards.Error
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s by %+v in %+v: %v", tc.route, tc.d, tc.p, err)
		case !tc.ok && (rewards.ErrorCode(err) != rewards.EFORBIDDEN || !asError(err, &e) || e.Key != tc.key):
			t.Errorf("%s by %+v in %+v: %v, want %s", tc.route, tc.d, tc.p, err, tc.key)
		case !tc.ok && !strings.Contains(err.Error(), tc.route):
			t.Errorf("%s: the refusal does not name the route: %v", tc.route, err)
		}
	}
	admin := rewards.Device{Name: "root", Role: rewards.RoleAdmin, Coop: "c2"}
	for route := range rewards.Rights {
		if err := rewards.Allowed(route, admin, own, foreign, allAtAll, unknown); err != nil {
			t.Errorf("the admin on %s: %v", route, err)
		}
	}
	// A staff session blocks cards in its own store, a staff member's
	// session edits no board (rewards/api's staff_rights_test.go walks
	// the session cells over HTTP).
	staff := rewards.Device{Name: "s", Role: rewards.SessionStaff, Store: "a1", Coop: "c1"}
	if err := rewards.Allowed(rewards.RouteCardBlock, staff); err != nil {
		t.Errorf("a staff session may not block a card: %v", err)
	}
	if err := rewards.Allowed(rewards.RouteRewardPut, staff, own); err == nil {
		t.Errorf("a staff member's session edits the board")
	}
}

func asError(err error, e **rewards.Error) bool { return errors.As(err, e) }

// A device needs a name, a role of the four and exactly one place; its
// token is recognisable, random, and stored as a hash that is not it.
func TestDeviceValidate(t *testing.T) {
	for _, tc := range []struct {
		d   rewards.Device
		key string
	}{
		{rewards.Device{Name: "till-1", Role: rewards.RolePOS, Store: "a1"}, ""},
		{rewards.Device{Name: "office", Role: rewards.RoleManager, Coop: "c1"}, ""},
		{rewards.Device{Name: "", Role: rewards.RolePOS, Store: "a1"}, "device.name_bad"},
		{rewards.Device{Name: "x", Role: "cashier", Store: "a1"}, "device.role_bad"},
		{rewards.Device{Name: "x", Role: rewards.SessionStaff, Store: "a1"}, "device.role_bad"},
		{rewards.Device{Name: "x", Role: rewards.RoleKiosk}, "device.place_one"},
		{rewards.Device{Name: "x", Role: rewards.RoleKiosk, Store: "a1", Coop: "c1"}, "device.place_one"},
		{rewards.Device{Name: "x", Role: rewards.RoleKiosk, Store: "a\x01"}, "device.store_bad"},
	} {
		err := tc.d.Validate()
		var e *rewards.Error
		if tc.key == "" && err != nil || tc.key != "" && (!asError(err, &e) || e.Key != tc.key || e.Code != rewards.EINVALID) {
			t.Errorf("%+v: %v, want %q", tc.d, err, tc.key)
		}
	}
	a, b := rewards.NewToken(), rewards.NewToken()
	if a == b || !strings.HasPrefix(a, rewards.TokenPrefix) || len(a) != len(rewards.TokenPrefix)+43 {
		t.Errorf("tokens %q %q", a, b)
	}
	if h := rewards.TokenHash(a); len(h) != 64 || strings.Contains(h, a) || h == rewards.TokenHash(b) {
		t.Errorf("hash %q", h)
	}
	if msg := rewards.Fail(rewards.EFORBIDDEN, "rights.store", lang.Args{"device": "k", "route": "POST /v1/receipts", "store": "a2"}).In(lang.BG); !strings.Contains(msg, "a2") {
		t.Errorf("the refusal in Bulgarian: %q", msg)
	}
}

// Every role of the rights table has a name in each language, which a
// refusal of its route gives.
func TestRoleNamesInCatalog(t *testing.T) {
	for _, role := range append(slices.Clone(rewards.DeviceRoles), rewards.SessionStaff, rewards.SessionManager) {
		for _, l := range lang.All {
			if !lang.Has(l, "role."+role) {
				t.Errorf("role %s has no %s name", role, l)
			}
		}
	}
}
