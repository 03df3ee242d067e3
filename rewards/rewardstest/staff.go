package rewardstest

import (
	"errors"
	"slices"
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
	elsewhere := rewards.Device{Name: "k2", Role: rewards.RoleKiosk, Store: "s2", Coop: "c1"}
	_, err = s.LoginStaff(ctx, rewards.StaffLogin{Number: "4711", PIN: "000000"}, elsewhere)
	wantNamed(t, err, rewards.EUNAUTHENTICATED, "staff.pin_wrong", "4711", "a wrong PIN at another store's kiosk, told before the place")
	_, err = s.LoginStaff(ctx, rewards.StaffLogin{Number: "4711", PIN: pin}, elsewhere)
	wantNamed(t, err, rewards.EFORBIDDEN, "staff.device_elsewhere", "4711", "the right PIN at another store's kiosk")
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

	// What is done to a member is no event, but the trail lists it after
	// the last event before it, with whom it was done to; a staff card set
	// again as it was changes nothing and is not listed.
	before, _ = eventCount(t, st)
	session := rewards.WithStaff(rewards.WithDevice(ctx, "kiosk-1"), "4711")
	staffCard := rewards.WithCheckDigit("210000004711")
	if _, err := s.SetStaffPIN(session, rewards.StaffPINSet{Number: "4711", PIN: "592817"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.SetStaffCard(session, rewards.StaffCardSet{Number: "4711", Card: staffCard}); err != nil {
			t.Fatal(err)
		}
	}
	if n, ok := eventCount(t, st); ok && n != before {
		t.Fatalf("a new PIN and a staff card recorded %d events", n-before)
	}
	trail, err = s.Audit(ctx, clk.now().Add(-time.Minute))
	want := []rewards.AuditEntry{
		{Kind: rewards.AuditStaffPIN, At: clk.now(), Device: "kiosk-1", Staff: "4711", Subject: "4711"},
		{Kind: rewards.AuditStaffCard, At: clk.now(), Device: "kiosk-1", Staff: "4711", Subject: "4711"},
	}
	if err != nil || len(trail) != 4 || trail[1].Kind != rewards.EventCardBlock || !slices.EqualFunc(trail[2:], want, func(a, b rewards.AuditEntry) bool {
		return a.Kind == b.Kind && a.At.Equal(b.At) && a.Device == b.Device && a.Staff == b.Staff && a.Subject == b.Subject && a.Seq == 0
	}) {
		t.Fatalf("the audit trail after a new PIN and a staff card: %+v %v", trail, err)
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

// StaffCards, for a store that keeps staff members: a member may have a
// staff card, given as it is added or later; a card that is a loyalty card
// of the ledger or another member's is a conflict; a login names the
// member by number or by card, and wrong PINs by either count toward one
// lock-out; an unknown card, a loyalty card among them, is refused as an
// unknown number is; a replaced card logs in no more, nor one taken away,
// which is then free for another member.
func staffCards(t *testing.T, su suite) {
	st, clk := su.fixedStore(t, "coop")
	s, ok := staffOf(st)
	if !ok {
		t.Fatal("Run runs StaffCards only on a store that keeps staff members")
	}
	MustPlaces(t, st, "c1", "s1")
	clk.set(ts("2026-11-02T09:00:00Z"))
	loyalty := MustCard(t, st, rewards.CardIssue{Meta: rewards.Meta{At: clk.now()}})
	const pin = "482913"
	card, other, spare := rewards.WithCheckDigit("210000004711"), rewards.WithCheckDigit("210000004715"), rewards.WithCheckDigit("210000009999")
	add := func(id, number, card string) (rewards.StaffMember, error) {
		return s.AddStaff(ctx, rewards.StaffAdd{Meta: rewards.Meta{ID: id}, PIN: pin, Staff: rewards.StaffMember{
			Number: number, Name: "N" + number, Role: rewards.StaffRoleStaff, Store: "s1", Card: card}})
	}
	if m, err := add("add-4711", "4711", card); err != nil || m.Card != card {
		t.Fatalf("a member with a staff card: %+v %v", m, err)
	}
	if m, err := add("add-4711", "4711", card); err != nil || m.Card != card {
		t.Fatalf("the same request again: %+v %v", m, err)
	}
	_, err := add("add-4711", "4711", other)
	wantCode(t, err, rewards.ECONFLICT, "the same request with another card")
	_, err = add("", "4712", card)
	wantCode(t, err, rewards.ECONFLICT, "another member's staff card")
	_, err = add("", "4713", loyalty)
	wantCode(t, err, rewards.ECONFLICT, "a loyalty card as a staff card")
	_, err = add("", "4714", card[:12]+string(rune('0'+(card[12]-'0'+1)%10)))
	wantCode(t, err, rewards.EINVALID, "a staff card that fails its check digit")
	if _, err := add("", "4715", other); err != nil {
		t.Fatal(err)
	}
	if list, err := s.StaffList(ctx); err != nil || len(list) != 2 || list[0].Card != card || list[1].Card != other {
		t.Fatalf("list: %+v %v", list, err)
	}

	kiosk := rewards.Device{Name: "kiosk-1", Role: rewards.RoleKiosk, Store: "s1", Coop: "c1"}
	login := func(l rewards.StaffLogin) (rewards.NewStaffSession, error) { return s.LoginStaff(ctx, l, kiosk) }
	if ns, err := login(rewards.StaffLogin{Card: card, PIN: pin}); err != nil || ns.Staff.Number != "4711" || ns.Staff.Card != card ||
		!strings.HasPrefix(ns.Token, rewards.SessionPrefix) {
		t.Fatalf("login by staff card: %+v %v", ns, err)
	}
	// Each refusal names the member by the card scanned, never by its
	// number; a wrong PIN is told before the device's place is looked at.
	elsewhere := rewards.Device{Name: "k2", Role: rewards.RoleKiosk, Store: "s2", Coop: "c1"}
	_, err = s.LoginStaff(ctx, rewards.StaffLogin{Card: card, PIN: "000000"}, elsewhere)
	wantNamed(t, err, rewards.EUNAUTHENTICATED, "staff.pin_wrong", card, "a wrong PIN by card at another store's kiosk")
	_, err = s.LoginStaff(ctx, rewards.StaffLogin{Card: card, PIN: pin}, elsewhere)
	wantNamed(t, err, rewards.EFORBIDDEN, "staff.device_elsewhere", card, "the right PIN by card at another store's kiosk")
	_, unknownNumber := login(rewards.StaffLogin{Number: "9999", PIN: pin})
	wantCode(t, unknownNumber, rewards.EUNAUTHENTICATED, "an unknown number")
	for what, l := range map[string]rewards.StaffLogin{
		"an unknown staff card":         {Card: spare, PIN: pin},
		"a loyalty card at staff login": {Card: loyalty, PIN: pin},
	} {
		_, err := login(l)
		wantCode(t, err, rewards.EUNAUTHENTICATED, what)
		if keyOf(err) != keyOf(unknownNumber) {
			t.Fatalf("%s is refused as %s, an unknown number as %s", what, keyOf(err), keyOf(unknownNumber))
		}
	}
	_, err = login(rewards.StaffLogin{Number: "4711", Card: card, PIN: pin})
	wantCode(t, err, rewards.EINVALID, "a login by number and card at once")
	_, err = login(rewards.StaffLogin{PIN: pin})
	wantCode(t, err, rewards.EINVALID, "a login by neither")

	// Wrong PINs by card and by number count toward one lock-out.
	for i := 1; i < rewards.PINMaxFailures; i++ {
		l := rewards.StaffLogin{Card: card, PIN: "000000"}
		if i%2 == 0 {
			l = rewards.StaffLogin{Number: "4711", PIN: "000000"}
		}
		_, err = login(l)
		wantNamed(t, err, rewards.EUNAUTHENTICATED, "staff.pin_wrong", l.Number+l.Card, "a wrong PIN")
	}
	_, err = login(rewards.StaffLogin{Card: card, PIN: "000000"})
	wantNamed(t, err, rewards.EREFUSED, "staff.locked", card, "the fifth wrong PIN, by card")
	_, err = login(rewards.StaffLogin{Number: "4711", PIN: pin})
	wantCode(t, err, rewards.EREFUSED, "the right PIN by number while locked")
	clk.add(rewards.PINLockout)

	// A new card replaces the old one, which logs in no more.
	if m, err := s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "4711", Card: spare}); err != nil || m.Card != spare || m.Number != "4711" || m.Coop != "c1" {
		t.Fatalf("a new staff card: %+v %v", m, err)
	}
	if _, err := s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "4711", Card: spare}); err != nil {
		t.Fatalf("the member's own card again: %v", err)
	}
	_, err = login(rewards.StaffLogin{Card: card, PIN: pin})
	wantCode(t, err, rewards.EUNAUTHENTICATED, "the replaced card")
	if ns, err := login(rewards.StaffLogin{Card: spare, PIN: pin}); err != nil || ns.Staff.Number != "4711" {
		t.Fatalf("login by the new card: %+v %v", ns, err)
	}
	_, err = s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "4711", Card: other})
	wantCode(t, err, rewards.ECONFLICT, "another member's card given later")
	_, err = s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "4711", Card: loyalty})
	wantCode(t, err, rewards.ECONFLICT, "a loyalty card given later")
	_, err = s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "9999", Card: card})
	wantCode(t, err, rewards.ENOTFOUND, "a card for no member")

	// A card taken away logs in no more and is free for another member.
	if m, err := s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "4711"}); err != nil || m.Card != "" {
		t.Fatalf("the card taken away: %+v %v", m, err)
	}
	_, err = login(rewards.StaffLogin{Card: spare, PIN: pin})
	wantCode(t, err, rewards.EUNAUTHENTICATED, "a card taken away")
	if _, err := login(rewards.StaffLogin{Number: "4711", PIN: pin}); err != nil {
		t.Fatalf("the member without a card, by number: %v", err)
	}
	if m, err := s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "4715", Card: spare}); err != nil || m.Card != spare {
		t.Fatalf("the freed card for another member: %+v %v", m, err)
	}
}

// wantNamed fails the test unless err is the refusal of the code and key
// that names the member by named, as the login gave it, and by nothing
// else: a login by staff card must not learn the member's number.
func wantNamed(t *testing.T, err error, code, key, named, what string) {
	t.Helper()
	wantCode(t, err, code, what)
	var e *rewards.Error
	if !errors.As(err, &e) || e.Key != key || e.Args["number"] != named {
		t.Fatalf("%s: %v, want %s naming %s", what, err, key, named)
	}
}

// keyOf is the catalog key of a domain error: which refusal it was.
func keyOf(err error) string {
	var e *rewards.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return ""
}

// staffOf returns the staff keeping of the store s wraps, when it has one.
func staffOf(s Store) (rewards.Staff, bool) {
	if f, ok := s.(following); ok {
		s = f.Store
	}
	m, ok := s.(rewards.Staff)
	return m, ok
}
