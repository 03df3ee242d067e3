package rewards_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// The lock-out rule: a wrong PIN counts, the fifth in a row locks for five
// minutes, a locked member is refused whatever the PIN until the lock
// ends, and a right PIN (or the end of a lock) starts the count afresh.
func TestStaffLoginAttempt(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	lock := now.Add(rewards.PINLockout)
	for _, tc := range []struct {
		name    string
		st      rewards.PINState
		matched bool
		at      time.Time
		want    rewards.PINState
		key     string
	}{
		{"right PIN", rewards.PINState{Failures: 3}, true, now, rewards.PINState{}, ""},
		{"first wrong PIN", rewards.PINState{}, false, now, rewards.PINState{Failures: 1}, "staff.pin_wrong"},
		{"fourth wrong PIN", rewards.PINState{Failures: 3}, false, now, rewards.PINState{Failures: 4}, "staff.pin_wrong"},
		{"fifth wrong PIN", rewards.PINState{Failures: 4}, false, now, rewards.PINState{Failures: 5, LockedUntil: lock}, "staff.locked"},
		{"right PIN while locked", rewards.PINState{Failures: 5, LockedUntil: lock}, true, lock.Add(-time.Millisecond), rewards.PINState{Failures: 5, LockedUntil: lock}, "staff.locked"},
		{"wrong PIN while locked", rewards.PINState{Failures: 5, LockedUntil: lock}, false, now, rewards.PINState{Failures: 5, LockedUntil: lock}, "staff.locked"},
		{"right PIN as the lock ends", rewards.PINState{Failures: 5, LockedUntil: lock}, true, lock, rewards.PINState{}, ""},
		{"wrong PIN after the lock", rewards.PINState{Failures: 5, LockedUntil: lock}, false, lock, rewards.PINState{Failures: 1}, "staff.pin_wrong"},
	} {
		got, err := rewards.StaffLoginAttempt("4711", tc.st, tc.matched, tc.at)
		key := ""
		if e, ok := err.(*rewards.Error); ok {
			key = e.Key
		} else if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if got != tc.want || key != tc.key {
			t.Errorf("%s: %+v %q, want %+v %q", tc.name, got, key, tc.want, tc.key)
		}
	}
}

// A staff member needs a number of digits, a name, a role of the two and
// exactly one place; a PIN is six digits or more.
func TestStaffValidate(t *testing.T) {
	ok := rewards.StaffMember{Number: "4711", Name: "Ivana", Role: rewards.StaffRoleStaff, Store: "a1"}
	for _, tc := range []struct {
		edit func(m *rewards.StaffMember)
		key  string
	}{
		{func(m *rewards.StaffMember) {}, ""},
		{func(m *rewards.StaffMember) { m.Number = "" }, "staff.number_bad"},
		{func(m *rewards.StaffMember) { m.Number = "47-11" }, "staff.number_bad"},
		{func(m *rewards.StaffMember) { m.Name = " " }, "staff.name_missing"},
		{func(m *rewards.StaffMember) { m.Role = "admin" }, "staff.role_bad"},
		{func(m *rewards.StaffMember) { m.Coop = "c1" }, "staff.place_one"},
		{func(m *rewards.StaffMember) { m.Store = "" }, "staff.place_one"},
	} {
		m := ok
		tc.edit(&m)
		err := m.Validate()
		key := ""
		if e, ok := err.(*rewards.Error); ok {
			key = e.Key
		}
		if key != tc.key {
			t.Errorf("%+v: %v, want %q", m, err, tc.key)
		}
	}
	for pin, valid := range map[string]bool{"123456": true, "1234567890": true, "12345": false, "12345a": false, "": false, " 123456": false} {
		if err := rewards.ValidPIN(pin); (err == nil) != valid {
			t.Errorf("PIN %q: %v", pin, err)
		}
	}
	if m := (rewards.StaffMember{Role: rewards.StaffRoleManager}); m.SessionRole() != rewards.SessionManager {
		t.Errorf("a manager's session role: %s", m.SessionRole())
	}
}

// A staff card is digits only, at most 32; one of 13 digits is an EAN-13
// whose check digit must be right, as a loyalty card's; a login names the
// member by a number or by a card, exactly one, and needs a PIN.
func TestStaffCardAndLoginForms(t *testing.T) {
	for card, key := range map[string]string{
		"2900000000018":         "",
		"2900000000017":         "card.check_digit",
		"4711":                  "",
		"12345678":              "",
		"29-00":                 "staff.card_bad",
		" 2900000000018":        "staff.card_bad",
		strings.Repeat("7", 32): "",
		strings.Repeat("7", 33): "staff.card_bad",
		"":                      "staff.card_bad",
		"２９００００００００００１８": "staff.card_bad",
	} {
		if got := keyOf(t, rewards.ValidStaffCard(card)); got != key {
			t.Errorf("staff card %q: %q, want %q", card, got, key)
		}
	}
	m := rewards.StaffMember{Number: "4711", Name: "Ivana", Role: rewards.StaffRoleStaff, Store: "a1", Card: "2900000000017"}
	if got := keyOf(t, m.Validate()); got != "card.check_digit" {
		t.Errorf("a member with a misread card: %q", got)
	}
	for _, tc := range []struct {
		login rewards.StaffLogin
		key   string
	}{
		{rewards.StaffLogin{Number: "4711", PIN: "482913"}, ""},
		{rewards.StaffLogin{Card: "2900000000018", PIN: "482913"}, ""},
		{rewards.StaffLogin{Number: "4711", Card: "2900000000018", PIN: "482913"}, "staff.login_one"},
		{rewards.StaffLogin{PIN: "482913"}, "staff.login_one"},
		{rewards.StaffLogin{Card: "2900000000017", PIN: "482913"}, "card.check_digit"},
		{rewards.StaffLogin{Card: "29x", PIN: "482913"}, "staff.card_bad"},
		{rewards.StaffLogin{Number: "47x", PIN: "482913"}, "staff.number_bad"},
		{rewards.StaffLogin{Card: "2900000000018"}, "staff.pin_missing"},
	} {
		if got := keyOf(t, tc.login.Validate()); got != tc.key {
			t.Errorf("%+v: %q, want %q", tc.login, got, tc.key)
		}
	}
	// Whichever way the member is named, one unknown answers alike.
	byNumber := (&rewards.StaffLogin{Number: "4711"}).Unknown().(*rewards.Error)
	byCard := (&rewards.StaffLogin{Card: "2900000000018"}).Unknown().(*rewards.Error)
	if byNumber.Code != rewards.EUNAUTHENTICATED || byNumber.Code != byCard.Code || byNumber.Key != byCard.Key ||
		byCard.Args["number"] != "2900000000018" || !strings.Contains(byCard.Message, "staff card 2900000000018") {
		t.Errorf("unknown: %+v and %+v", byNumber, byCard)
	}
	for _, tc := range []struct {
		set rewards.StaffCardSet
		key string
	}{
		{rewards.StaffCardSet{Number: "4711", Card: "2900000000018"}, ""},
		{rewards.StaffCardSet{Number: "4711"}, ""},
		{rewards.StaffCardSet{Card: "2900000000018"}, "staff.number_bad"},
		{rewards.StaffCardSet{Number: "4711", Card: "2900000000017"}, "card.check_digit"},
	} {
		if got := keyOf(t, tc.set.Validate()); got != tc.key {
			t.Errorf("%+v: %q, want %q", tc.set, got, tc.key)
		}
	}
}

// keyOf is the key of a domain error, "" for nil.
func keyOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	e, ok := err.(*rewards.Error)
	if !ok {
		t.Fatalf("not a domain error: %v", err)
	}
	return e.Key
}

// A login is refused in this order, naming the member by what the login
// gave (the staff card scanned, never then the member's number): a locked
// member whatever the PIN and wherever the device; a wrong PIN, wherever
// the device, counted; and only once the PIN is right, a device of no
// place of the member's. A wrong PIN thus tells nothing of where the
// member works.
func TestStaffLoginAttemptAt(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	card := rewards.WithCheckDigit("210000000099")
	m := rewards.StaffMember{Number: "4711", Name: "Ivana", Role: rewards.StaffRoleStaff, Store: "a1", Coop: "c1", Card: card}
	here := rewards.Device{Name: "k1", Role: rewards.RoleKiosk, Store: "a1", Coop: "c1"}
	there := rewards.Device{Name: "k2", Role: rewards.RoleKiosk, Store: "b1", Coop: "c2"}
	locked := rewards.PINState{Failures: 5, LockedUntil: now.Add(time.Minute)}
	byCard, byNumber := rewards.StaffLogin{Card: card}, rewards.StaffLogin{Number: "4711"}
	for _, tc := range []struct {
		name    string
		login   rewards.StaffLogin
		d       rewards.Device
		st      rewards.PINState
		matched bool
		want    rewards.PINState
		key     string
	}{
		{"a wrong PIN by card elsewhere", byCard, there, rewards.PINState{}, false, rewards.PINState{Failures: 1}, "staff.pin_wrong"},
		{"a wrong PIN by card here", byCard, here, rewards.PINState{Failures: 1}, false, rewards.PINState{Failures: 2}, "staff.pin_wrong"},
		{"the right PIN by card elsewhere", byCard, there, rewards.PINState{Failures: 2}, true, rewards.PINState{}, "staff.device_elsewhere"},
		{"the right PIN by card while locked, elsewhere", byCard, there, locked, true, locked, "staff.locked"},
		{"the right PIN by card while locked", byCard, here, locked, true, locked, "staff.locked"},
		{"the right PIN by card here", byCard, here, rewards.PINState{Failures: 2}, true, rewards.PINState{}, ""},
		{"a wrong PIN by number elsewhere", byNumber, there, rewards.PINState{}, false, rewards.PINState{Failures: 1}, "staff.pin_wrong"},
		{"the right PIN by number elsewhere", byNumber, there, rewards.PINState{}, true, rewards.PINState{}, "staff.device_elsewhere"},
	} {
		got, err := tc.login.Attempt(m, tc.d, tc.st, tc.matched, now)
		if got != tc.want || keyOf(t, err) != tc.key {
			t.Errorf("%s: %+v %v, want %+v %q", tc.name, got, err, tc.want, tc.key)
			continue
		}
		if err == nil {
			continue
		}
		e := err.(*rewards.Error)
		named := tc.login.Number + tc.login.Card
		if e.Args["number"] != named || !strings.Contains(e.Message, named) || tc.login.Card != "" && strings.Contains(e.Message, m.Number) {
			t.Errorf("%s: %q %v names another than %s", tc.name, e.Message, e.Args, named)
		}
	}
}

// A login that names no member checks its PIN against UnknownPINHash, a
// hash of HashPIN's parameters, so of a real one's cost, that no PIN
// matches.
func TestUnknownPINHash(t *testing.T) {
	unknown, real := strings.Split(rewards.UnknownPINHash(), "$"), strings.Split(rewards.HashPIN("482913"), "$")
	if len(unknown) != len(real) || strings.Join(unknown[:4], "$") != strings.Join(real[:4], "$") ||
		len(unknown[4]) != len(real[4]) || len(unknown[5]) != len(real[5]) {
		t.Fatalf("the unknown member's hash %q is not of the cost of %q", rewards.UnknownPINHash(), rewards.HashPIN("482913"))
	}
	for _, pin := range []string{"482913", "000000", "", "0000000000"} {
		if rewards.PINMatches(pin, rewards.UnknownPINHash()) {
			t.Errorf("%q matches the unknown member's hash", pin)
		}
	}
}
