package sqlite_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// staffLedger is a ledger with store a1 of cooperative c1, a kiosk there
// and staff member 4711 of a1 with PIN 482913.
func staffLedger(t *testing.T) (*sqlite.Store, *clock, rewards.Device) {
	t.Helper()
	s, clk := openStore(t, "coop")
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: "c1", Names: rewards.Names{EN: "C1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{ID: "a1", Coop: "c1", Names: rewards.Names{EN: "A1"}}}); err != nil {
		t.Fatal(err)
	}
	nd, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "kiosk-1", Role: rewards.RoleKiosk, Store: "a1"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.AddStaff(ctx, rewards.StaffAdd{PIN: "482913", Staff: rewards.StaffMember{Number: "4711", Name: "Ivana", Role: rewards.StaffRoleStaff, Store: "a1"}})
	if err != nil || m.Coop != "c1" {
		t.Fatalf("add staff: %+v %v", m, err)
	}
	return s, clk, nd.Device
}

// A PIN is stored as an argon2id hash with its salt and parameters; a
// repeat of the same request answers the member; a taken number, an
// unrecorded store and a short PIN are refused; the list has no hash.
func TestStaffAdd(t *testing.T) {
	s, _, _ := staffLedger(t)
	add := func(number, store, pin, id string) error {
		_, err := s.AddStaff(ctx, rewards.StaffAdd{Meta: rewards.Meta{ID: id}, PIN: pin, Staff: rewards.StaffMember{Number: number, Name: "N", Role: rewards.StaffRoleManager, Store: store}})
		return err
	}
	for _, tc := range []struct {
		number, store, pin, id, code string
	}{
		{"4711", "a1", "482913", "", rewards.ECONFLICT},
		{"4712", "x9", "482913", "", rewards.ENOTFOUND},
		{"4713", "a1", "12345", "", rewards.EINVALID},
		{"4714", "a1", "12345a", "", rewards.EINVALID},
		{"47a5", "a1", "482913", "", rewards.EINVALID},
		{"4716", "a1", "1234567890", "req-1", ""},
		{"4716", "a1", "1234567890", "req-1", ""},
		{"4717", "a1", "1234567890", "req-1", rewards.ECONFLICT},
	} {
		if err := add(tc.number, tc.store, tc.pin, tc.id); rewards.ErrorCode(err) != tc.code {
			t.Errorf("add %s in %s with a PIN of %d: %v, want %q", tc.number, tc.store, len(tc.pin), err, tc.code)
		}
	}
	list, err := s.StaffList(ctx)
	if err != nil || len(list) != 2 || list[0].Number != "4711" || list[1].Number != "4716" {
		t.Fatalf("list: %+v %v", list, err)
	}
}

// HashPIN salts each hash and records its parameters; PINMatches takes
// the PIN and no other, and no hash it cannot read.
func TestPINHash(t *testing.T) {
	h1, h2 := rewards.HashPIN("482913"), rewards.HashPIN("482913")
	if h1 == h2 || !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h1, "482913") {
		t.Fatalf("hashes %s and %s", h1, h2)
	}
	if !rewards.PINMatches("482913", h1) || !rewards.PINMatches("482913", h2) {
		t.Error("the PIN does not match its hash")
	}
	for _, wrong := range []string{"482914", "", "4829130"} {
		if rewards.PINMatches(wrong, h1) {
			t.Errorf("%q matches", wrong)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", strings.Replace(h1, "t=2", "t=0", 1), h1[:len(h1)-3] + "!!!"} {
		if rewards.PINMatches("482913", bad) {
			t.Errorf("matches the unreadable hash %q", bad)
		}
	}
}

// Five wrong PINs in a row lock the member out for five minutes by the
// ledger's clock, the right PIN included; a second store on the same file
// (a second server on the ledger) sees the lock and counts on the same
// count; after five minutes the right PIN logs in again.
func TestStaffLockOutSharedByStores(t *testing.T) {
	a, clk, kiosk := staffLedger(t)
	b := sqlite.NewStore(a.Path)
	b.Now = clk.Now
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	clk.set("2026-11-02T09:00:00Z")
	login := func(s *sqlite.Store, pin string) error {
		_, err := s.LoginStaff(ctx, rewards.StaffLogin{Number: "4711", PIN: pin}, kiosk)
		return err
	}
	for i, s := range []*sqlite.Store{a, b, a, b} {
		if err := login(s, "000000"); rewards.ErrorCode(err) != rewards.EUNAUTHENTICATED {
			t.Fatalf("wrong PIN %d: %v", i+1, err)
		}
	}
	err := login(b, "000000")
	var e *rewards.Error
	if rewards.ErrorCode(err) != rewards.EREFUSED || !asErr(err, &e) || e.Key != "staff.locked" || !e.Args["until"].(time.Time).Equal(ts("2026-11-02T09:05:00Z")) {
		t.Fatalf("the fifth wrong PIN: %v", err)
	}
	clk.set("2026-11-02T09:04:59Z")
	if err := login(a, "482913"); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("the right PIN through the other store while locked: %v", err)
	}
	clk.set("2026-11-02T09:05:00Z")
	if err := login(a, "482913"); err != nil {
		t.Fatalf("the right PIN after the lock: %v", err)
	}
	// The count starts afresh: four wrong PINs lock nothing.
	for range rewards.PINMaxFailures - 1 {
		login(b, "000000")
	}
	if err := login(a, "482913"); err != nil {
		t.Fatalf("after four wrong PINs: %v", err)
	}
}

// A new PIN replaces the old one and ends a lock-out at once; an unknown
// member and a short PIN are refused, and the PIN is stored hashed only.
func TestStaffPIN(t *testing.T) {
	s, clk, kiosk := staffLedger(t)
	clk.set("2026-11-02T09:00:00Z")
	login := func(pin string) error {
		_, err := s.LoginStaff(ctx, rewards.StaffLogin{Number: "4711", PIN: pin}, kiosk)
		return err
	}
	open, err := s.LoginStaff(ctx, rewards.StaffLogin{Number: "4711", PIN: "482913"}, kiosk)
	if err != nil {
		t.Fatal(err)
	}
	for range rewards.PINMaxFailures {
		login("000000")
	}
	if err := login("482913"); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("locked out: %v", err)
	}
	m, err := s.SetStaffPIN(ctx, rewards.StaffPINSet{Number: "4711", PIN: "593014"})
	if err != nil || m.Number != "4711" || m.Coop != "c1" {
		t.Fatalf("set PIN: %+v %v", m, err)
	}
	if _, err := s.SessionByToken(ctx, rewards.TokenHash(open.Token)); err == nil {
		t.Fatal("a session opened with the old PIN outlives it")
	}
	if err := login("593014"); err != nil {
		t.Fatalf("the new PIN while the old lock would still run: %v", err)
	}
	if err := login("482913"); rewards.ErrorCode(err) != rewards.EUNAUTHENTICATED {
		t.Fatalf("the old PIN: %v", err)
	}
	for _, tc := range []struct{ number, pin, code string }{
		{"4799", "593014", rewards.ENOTFOUND},
		{"4711", "59301", rewards.EINVALID},
		{"47a1", "593014", rewards.EINVALID},
	} {
		if _, err := s.SetStaffPIN(ctx, rewards.StaffPINSet{Number: tc.number, PIN: tc.pin}); rewards.ErrorCode(err) != tc.code {
			t.Errorf("set PIN of %s: %v, want %s", tc.number, err, tc.code)
		}
	}
	data, err := os.ReadFile(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("593014")) {
		t.Error("the ledger's file holds the PIN")
	}
}

// A session lives 15 minutes from its last use, each use extending it,
// on every store of the ledger; its token is stored only as a hash.
func TestStaffSessionIdle(t *testing.T) {
	a, clk, kiosk := staffLedger(t)
	b := sqlite.NewStore(a.Path)
	b.Now = clk.Now
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	clk.set("2026-11-02T09:00:00Z")
	ns, err := a.LoginStaff(ctx, rewards.StaffLogin{Number: "4711", PIN: "482913"}, kiosk)
	if err != nil || !ns.ExpiresAt.Equal(ts("2026-11-02T09:15:00Z")) || ns.Device != "kiosk-1" || ns.Staff.Number != "4711" {
		t.Fatalf("login: %+v %v", ns, err)
	}
	hash := rewards.TokenHash(ns.Token)
	clk.set("2026-11-02T09:14:59Z")
	if s, err := b.SessionByToken(ctx, hash); err != nil || !s.ExpiresAt.Equal(ts("2026-11-02T09:29:59Z")) {
		t.Fatalf("the session used through the other store: %+v %v", s, err)
	}
	clk.set("2026-11-02T09:29:58Z")
	if _, err := a.SessionByToken(ctx, hash); err != nil {
		t.Fatalf("the extended session: %v", err)
	}
	clk.set("2026-11-02T09:44:58Z")
	if _, err := a.SessionByToken(ctx, hash); rewards.ErrorCode(err) != rewards.EUNAUTHENTICATED {
		t.Fatalf("15 idle minutes on: %v", err)
	}
	if _, err := a.SessionByToken(ctx, ns.Token); rewards.ErrorCode(err) != rewards.EUNAUTHENTICATED {
		t.Fatalf("the token itself as its hash: %v", err)
	}
}

// A change made with a staff member in the context names the member in the
// audit trail; one made without names none.
func TestStaffAudit(t *testing.T) {
	s, clk, _ := staffLedger(t)
	clk.set("2026-11-02T09:00:00Z")
	sctx := rewards.WithStaff(rewards.WithDevice(ctx, "kiosk-1"), "4711")
	c1, err := s.IssueCard(sctx, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-02T09:00:00Z")}, Handed: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-02T09:00:00Z")}, Handed: true}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Audit(ctx, ts("2026-11-02T08:00:00Z"))
	if err != nil || len(list) != 2 {
		t.Fatalf("audit: %+v %v", list, err)
	}
	if list[0].Staff != "4711" || list[0].Device != "kiosk-1" || list[0].Kind == "" || list[1].Staff != "" || list[1].Device != "local" {
		t.Errorf("audit of card %s: %+v", c1.Number, list)
	}
	if all, _ := s.Audit(ctx, time.Time{}); len(all) <= 2 {
		t.Errorf("the whole trail: %d entries", len(all))
	}
}

func asErr(err error, e **rewards.Error) bool { return errors.As(err, e) }

// A v0.1.0 ledger upgrades to keep staff members: its old changes are in
// the audit trail with their devices and no staff member, and a member
// added after the upgrade logs in.
func TestStaffOnAnOlderLedger(t *testing.T) {
	s, err := openPath(t, copyLedger(t, "v0.1.0-coop.db"), "2026-11-10T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	trail, err := s.Audit(ctx, time.Time{})
	if err != nil || len(trail) == 0 {
		t.Fatalf("the audit trail of the upgraded ledger: %+v %v", trail, err)
	}
	for _, e := range trail {
		if e.Staff != "" || e.Device == "" || e.Kind == "" {
			t.Fatalf("an old change: %+v", e)
		}
	}
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: "c-new", Names: rewards.Names{BG: "Кооп"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStaff(ctx, rewards.StaffAdd{PIN: "482913", Staff: rewards.StaffMember{Number: "1", Name: "M", Role: rewards.StaffRoleManager, Coop: "c-new"}}); err != nil {
		t.Fatal(err)
	}
	office := rewards.Device{Name: "office", Role: rewards.RoleManager, Coop: "c-new"}
	if _, err := s.LoginStaff(ctx, rewards.StaffLogin{Number: "1", PIN: "482913"}, office); err != nil {
		t.Fatalf("login after the upgrade: %v", err)
	}
	// The upgrade's cards are loyalty cards: none is a staff card; another
	// number is, once given, and logs the member in.
	var loyalty string
	if err := s.DB().QueryRow(`SELECT number FROM cards ORDER BY number LIMIT 1`).Scan(&loyalty); err != nil {
		t.Fatalf("the upgraded ledger's cards: %v", err)
	}
	if _, err := s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "1", Card: loyalty}); rewards.ErrorCode(err) != rewards.ECONFLICT {
		t.Fatalf("a loyalty card of the upgraded ledger as a staff card: %v", err)
	}
	if _, err := s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "1", Card: "4711"}); err != nil {
		t.Fatal(err)
	}
	if ns, err := s.LoginStaff(ctx, rewards.StaffLogin{Card: "4711", PIN: "482913"}, office); err != nil || ns.Staff.Number != "1" {
		t.Fatalf("login by staff card after the upgrade: %+v %v", ns, err)
	}
}

// A login that names no member, by number or by staff card, does the
// argon2id work a known member's does, against a hash of the same cost,
// before it is refused as unknown, and counts nothing: its answer's time
// tells no more than its words which numbers and cards are a member's.
func TestStaffUnknownChecksThePIN(t *testing.T) {
	s, _, kiosk := staffLedger(t)
	var real string
	if err := s.DB().QueryRow(`SELECT pin_hash FROM staff WHERE number = '4711'`).Scan(&real); err != nil {
		t.Fatal(err)
	}
	cost := func(hash string) string { return strings.Join(strings.Split(hash, "$")[:4], "$") }
	var checked []string
	s.SetPINMatches(func(pin, hash string) bool {
		checked = append(checked, hash)
		return rewards.PINMatches(pin, hash)
	})
	for _, tc := range []struct {
		login rewards.StaffLogin
		key   string
	}{
		{rewards.StaffLogin{Number: "9999", PIN: "482913"}, "staff.unknown"},
		{rewards.StaffLogin{Card: rewards.WithCheckDigit("210000009999"), PIN: "482913"}, "staff.unknown"},
		{rewards.StaffLogin{Number: "4711", PIN: "000000"}, "staff.pin_wrong"},
	} {
		checked = nil
		_, err := s.LoginStaff(ctx, tc.login, kiosk)
		var e *rewards.Error
		if !asErr(err, &e) || e.Key != tc.key {
			t.Fatalf("%+v: %v, want %s", tc.login, err, tc.key)
		}
		if len(checked) != 1 || cost(checked[0]) != cost(real) {
			t.Errorf("%+v checked its PIN against %q, want once against a hash of the cost of %q", tc.login, checked, cost(real))
		}
	}
	var failures int
	if err := s.DB().QueryRow(`SELECT sum(failures) FROM staff`).Scan(&failures); err != nil || failures != 1 {
		t.Errorf("%d wrong PINs counted, want the known member's one: %v", failures, err)
	}
}

// A staff card is no loyalty card, the other way round too: a card
// issued, or given as a lost card's replacement, with a staff card's
// number is a conflict, and a number drawn at random that is a staff
// card's is drawn again. An event made elsewhere (or replayed) was held
// to the rule where it was made and is applied as it is.
func TestStaffCardIsNoLoyaltyCard(t *testing.T) {
	s, clk, _ := staffLedger(t)
	clk.set("2026-11-02T09:00:00Z")
	staffCard, free := rewards.WithCheckDigit("290000004711"), rewards.WithCheckDigit("290000004712")
	if _, err := s.SetStaffCard(ctx, rewards.StaffCardSet{Number: "4711", Card: staffCard}); err != nil {
		t.Fatal(err)
	}
	lost, err := s.IssueCard(ctx, rewards.CardIssue{Handed: true})
	if err != nil {
		t.Fatal(err)
	}
	var e *rewards.Error
	_, err = s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{ID: "issue-staff"}, Number: staffCard, Handed: true})
	if !asErr(err, &e) || e.Code != rewards.ECONFLICT || e.Key != "card.staff_card" || e.Args["card"] != staffCard {
		t.Fatalf("a card issued with a staff card's number: %v", err)
	}
	_, err = s.ReplaceCard(ctx, rewards.CardReplace{Card: lost.Number, NewNumber: staffCard})
	if !asErr(err, &e) || e.Code != rewards.ECONFLICT || e.Key != "card.staff_card" {
		t.Fatalf("a lost card replaced by a staff card's number: %v", err)
	}

	// The draw finds the staff card first, then a free number.
	var draws int
	s.SetCardNumbers(func(string) string {
		draws++
		if draws%2 == 1 {
			return staffCard
		}
		return free
	})
	c, err := s.IssueCard(ctx, rewards.CardIssue{Handed: true})
	if err != nil || c.Number != free || draws != 2 {
		t.Fatalf("a card issued in %d draws: %+v %v, want %s", draws, c, err, free)
	}
	free = rewards.WithCheckDigit("290000004713")
	if c, err := s.ReplaceCard(ctx, rewards.CardReplace{Card: lost.Number}); err != nil || c.Number != free || draws != 4 {
		t.Fatalf("a replacement drawn in %d draws: %+v %v, want %s", draws, c, err, free)
	}

	// A kiosk's issue of that number, uploaded, is applied.
	body := `{"id":"kiosk-7/1","at":"2026-11-02T09:00:00Z","number":"` + staffCard + `","handed":true}`
	if _, err := s.Apply(ctx, rewards.Event{ID: rewards.EventID(rewards.EventCardIssue, "kiosk-7/1"), Kind: rewards.EventCardIssue, Device: "kiosk-7",
		At: ts("2026-11-02T09:00:00Z"), Body: []byte(body)}); err != nil {
		t.Fatalf("an event made elsewhere: %v", err)
	}
}
