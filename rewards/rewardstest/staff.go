package rewardstest

import (
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Staff, for a store that keeps staff members (rewards.Staff; like
// devices, they are the ledger machine's to keep): a member of a recorded
// place is added once per number, listed without the PIN; the right PIN
// at a device of the member's place opens a session that lives 15 idle
// minutes, each use extending it; five wrong PINs in a row lock the member
// for five minutes by the store's clock, the right PIN included; a change
// made with the member in the context names it in the audit trail; no PIN,
// hash or session token, and no event for any of it, reaches the log.
func staff(t *testing.T, su suite) {
	st, clk := su.fixedStore(t, "coop")
	s, ok := staffOf(st)
	if !ok {
		t.Fatal("Run runs Staff only on a store that keeps staff members")
	}
	MustPlaces(t, st, "c1", "s1")
	before, _ := eventCount(t, st)
	const pin = "482913"
	add := rewards.StaffAdd{Meta: rewards.Meta{ID: "add-4711"}, PIN: pin, Staff: rewards.StaffMember{Number: "4711", Name: "Ivana", Role: rewards.StaffRoleStaff, Store: "s1"}}
	m, err := s.AddStaff(ctx, add)
	if err != nil || m.Coop != "c1" || m.CreatedAt.IsZero() {
		t.Fatalf("added: %+v %v", m, err)
	}
	if again, err := s.AddStaff(ctx, add); err != nil || again.Number != "4711" {
		t.Fatalf("the same request again: %+v %v", again, err)
	}
	_, err = s.AddStaff(ctx, rewards.StaffAdd{PIN: pin, Staff: rewards.StaffMember{Number: "4711", Name: "X", Role: rewards.StaffRoleStaff, Store: "s1"}})
	wantCode(t, err, rewards.ECONFLICT, "a taken number")
	_, err = s.AddStaff(ctx, rewards.StaffAdd{PIN: pin, Staff: rewards.StaffMember{Number: "4712", Name: "X", Role: rewards.StaffRoleStaff, Store: "s9"}})
	wantCode(t, err, rewards.ENOTFOUND, "a member of an unrecorded store")
	_, err = s.AddStaff(ctx, rewards.StaffAdd{PIN: "12345", Staff: rewards.StaffMember{Number: "4713", Name: "X", Role: rewards.StaffRoleStaff, Store: "s1"}})
	wantCode(t, err, rewards.EINVALID, "a PIN of five digits")
	if list, err := s.StaffList(ctx); err != nil || len(list) != 1 || list[0].Number != "4711" {
		t.Fatalf("list: %+v %v", list, err)
	}

	kiosk := rewards.Device{Name: "kiosk-1", Role: rewards.RoleKiosk, Store: "s1", Coop: "c1"}
	login := func(pin string) (rewards.NewStaffSession, error) {
		return s.LoginStaff(ctx, rewards.StaffLogin{Number: "4711", PIN: pin}, kiosk)
	}
	_, err = s.LoginStaff(ctx, rewards.StaffLogin{Number: "4711", PIN: pin}, rewards.Device{Name: "k2", Role: rewards.RoleKiosk, Store: "s2", Coop: "c1"})
	wantCode(t, err, rewards.EFORBIDDEN, "a login at another store's kiosk")
	clk.set(ts("2026-11-02T09:00:00Z"))
	ns, err := login(pin)
	if err != nil || !strings.HasPrefix(ns.Token, rewards.SessionPrefix) || !ns.ExpiresAt.Equal(ts("2026-11-02T09:15:00Z")) {
		t.Fatalf("login: %+v %v", ns, err)
	}
	clk.set(ts("2026-11-02T09:14:00Z"))
	if ss, err := s.SessionByToken(ctx, rewards.TokenHash(ns.Token)); err != nil || ss.Staff.Number != "4711" || ss.Device != "kiosk-1" {
		t.Fatalf("the session: %+v %v", ss, err)
	}
	clk.set(ts("2026-11-02T09:28:00Z"))
	if _, err := s.SessionByToken(ctx, rewards.TokenHash(ns.Token)); err != nil {
		t.Fatalf("the session 28 minutes after the login, 14 after its last use: %v", err)
	}
	clk.set(ts("2026-11-02T09:43:00Z"))
	_, err = s.SessionByToken(ctx, rewards.TokenHash(ns.Token))
	wantCode(t, err, rewards.EUNAUTHENTICATED, "the session after 15 idle minutes")

	for i := 1; i < rewards.PINMaxFailures; i++ {
		_, err = login("000000")
		wantCode(t, err, rewards.EUNAUTHENTICATED, "a wrong PIN")
	}
	_, err = login("000000")
	wantCode(t, err, rewards.EREFUSED, "the fifth wrong PIN")
	clk.add(rewards.PINLockout - time.Second)
	_, err = login(pin)
	wantCode(t, err, rewards.EREFUSED, "the right PIN while locked")
	clk.add(time.Second)
	if _, err := login(pin); err != nil {
		t.Fatalf("the right PIN after the lock: %v", err)
	}

	if n, ok := eventCount(t, st); ok && n != before {
		t.Fatalf("staff recorded %d events", n-before)
	}
	card := MustCard(t, st, rewards.CardIssue{Meta: rewards.Meta{At: clk.now()}, Handed: true})
	if _, err := st.BlockCard(rewards.WithStaff(rewards.WithDevice(ctx, "kiosk-1"), "4711"), rewards.CardAction{Meta: rewards.Meta{At: clk.now()}, Card: card}); err != nil {
		t.Fatal(err)
	}
	trail, err := s.Audit(ctx, clk.now().Add(-time.Minute))
	if err != nil || len(trail) != 2 || trail[0].Staff != "" || trail[1].Staff != "4711" || trail[1].Device != "kiosk-1" {
		t.Fatalf("the audit trail: %+v %v", trail, err)
	}
	if log, ok := eventLog(st); ok {
		evs, err := log.Events(ctx, 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			for _, secret := range []string{pin, ns.Token, rewards.TokenHash(ns.Token), "argon2id"} {
				if strings.Contains(string(e.Body), secret) {
					t.Fatalf("event %s holds a secret: %s", e.Kind, e.Body)
				}
			}
		}
	}
}

// staffOf returns the staff keeping of the store s wraps, when it has one.
func staffOf(s Store) (rewards.Staff, bool) {
	if f, ok := s.(following); ok {
		s = f.Store
	}
	m, ok := s.(rewards.Staff)
	return m, ok
}
