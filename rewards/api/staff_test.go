package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
)

const testPIN = "482913"

// addStaff adds a staff member numbered number with testPIN.
func (w *rightsWorld) addStaff(number, role, store, coop string) {
	w.t.Helper()
	if _, err := w.s.AddStaff(ctx, rewards.StaffAdd{PIN: testPIN, Staff: rewards.StaffMember{
		Number: number, Name: "Staff " + number, Role: role, Store: store, Coop: coop}}); err != nil {
		w.t.Fatal(err)
	}
}

// staffLogin is the login of a fresh staff member of cooperative c1, who
// may log in at every device of c1.
func staffLogin(w *rightsWorld) request {
	number := w.fresh("9")
	w.addStaff(number, rewards.StaffRoleStaff, "", "c1")
	return request{method: "POST", path: "/v1/staff/login", body: `{"number":"` + number + `","pin":"` + testPIN + `"}`}
}

// staffAdd is the adding of a fresh staff member of the store or
// cooperative through the API.
func staffAdd(store, coop string) func(w *rightsWorld) request {
	return func(w *rightsWorld) request {
		return request{method: "POST", path: "/v1/staff", body: `{"staff":{"number":"` + w.fresh("8") + `","name":"N","role":"staff","store":"` +
			store + `","coop":"` + coop + `"},"pin":"` + testPIN + `"}`}
	}
}

// staffPIN is a new PIN for a fresh staff member of the store or
// cooperative, through the API.
func staffPIN(store, coop string) func(w *rightsWorld) request {
	return func(w *rightsWorld) request {
		number := w.fresh("7")
		w.addStaff(number, rewards.StaffRoleStaff, store, coop)
		return request{method: "POST", path: "/v1/staff/" + number + "/pin", body: `{"pin":"593014"}`}
	}
}

// callAs makes a request as the device in a staff session (session ""
// for none), in the language.
func (w *rightsWorld) callAs(token, session, language, method, path string, body []byte) (int, []byte) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if session != "" {
		req.Header.Set(api.StaffSessionHeader, session)
	}
	if language != "" {
		req.Header.Set("Accept-Language", language)
	}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// login logs the staff member in at the device and returns the session.
func (w *rightsWorld) login(device, number, pin string) (int, rewards.NewStaffSession, []byte) {
	w.t.Helper()
	code, body := w.callAs(w.tokens[device], "", "", "POST", "/v1/staff/login", []byte(`{"number":"`+number+`","pin":"`+pin+`"}`))
	var s rewards.NewStaffSession
	if code == 200 {
		if err := json.Unmarshal(body, &s); err != nil {
			w.t.Fatal(err)
		}
	}
	return code, s, body
}

func errorKey(t *testing.T, body []byte) (code, key, message string) {
	t.Helper()
	var env struct {
		Error struct{ Code, Key, Message string }
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("not an error envelope: %s", body)
	}
	return env.Error.Code, env.Error.Key, env.Error.Message
}

// The session cells of the rights table, through real HTTP: a staff
// member's session at a kiosk does what the kiosk does and the staff work
// (block, replace, link, member, forget, export, the unprinted batch
// cards) that the manager's machine of the same place does; a manager's
// session also edits the board and pictures and reads the audit trail as
// that machine does.
// Every other request in a session is forbidden, naming the rights.
func TestStaffSessionRightsWalk(t *testing.T) {
	w := newRightsWorld(t)
	staffWork := []string{rewards.RouteCardBlock, rewards.RouteCardReplace, rewards.RouteCardLink, rewards.RouteCardMember,
		rewards.RouteCardForget, rewards.RouteCardExport, rewards.RouteCardsUnprinted}
	managerWork := []string{rewards.RouteRewardPut, rewards.RouteRewardDelete, rewards.RoutePicturePut, rewards.RouteStaffAdd, rewards.RouteStaffPIN, rewards.RouteAudit,
		rewards.RouteConflicts, rewards.RouteConflictResolve}
	// A kiosk's own: its sync (uploads, leases, pulls) is never a session's.
	kioskAlone := []string{rewards.RouteStaffLogin, rewards.RouteSyncEvents, rewards.RouteSyncNumbers, rewards.RouteSyncChanges, rewards.RouteSyncSnapshot, rewards.RouteSyncAccounts}
	type actor struct {
		name, kiosk, manager string // the kiosk it logs in at, the manager's machine of its place
		role, store, coop    string
		session              string
	}
	actors := []*actor{
		{name: "staff@a1", kiosk: "kiosk@a1", manager: "manager@a1", role: rewards.StaffRoleStaff, store: "a1"},
		{name: "staff@c1", kiosk: "kiosk@c1", manager: "manager@c1", role: rewards.StaffRoleStaff, coop: "c1"},
		{name: "mgr@a1", kiosk: "kiosk@a1", manager: "manager@a1", role: rewards.StaffRoleManager, store: "a1"},
		{name: "mgr@c1", kiosk: "kiosk@c1", manager: "manager@c1", role: rewards.StaffRoleManager, coop: "c1"},
	}
	for i, a := range actors {
		number := "10" + string(rune('0'+i))
		w.addStaff(number, a.role, a.store, a.coop)
		code, s, body := w.login(a.kiosk, number, testPIN)
		if code != 200 || !strings.HasPrefix(s.Token, rewards.SessionPrefix) {
			t.Fatalf("%s logs in: %d %s", a.name, code, body)
		}
		a.session = s.Token
	}
	walked := 0
	for _, c := range walkCases(t) {
		for _, a := range actors {
			want := c.route == rewards.RouteCardsByPhone || // staff sessions only, and the admin
				slices.Contains(c.allowed, a.kiosk) && !slices.Contains(kioskAlone, c.route) ||
				slices.Contains(staffWork, c.route) && slices.Contains(c.allowed, a.manager) ||
				a.role == rewards.StaffRoleManager && slices.Contains(managerWork, c.route) && slices.Contains(c.allowed, a.manager)
			rq := c.make(w)
			body := rq.raw
			if body == nil && rq.body != "" {
				body = []byte(rq.body)
			}
			code, answer := w.callAs(w.tokens[a.kiosk], a.session, "", rq.method, rq.path, body)
			walked++
			switch {
			case want && code/100 != 2:
				t.Errorf("%s (%s) by %s: %d %s, want 2xx", c.route, c.place, a.name, code, answer)
			case !want && code != http.StatusForbidden:
				t.Errorf("%s (%s) by %s: %d %s, want 403", c.route, c.place, a.name, code, answer)
			case !want:
				if errCode, key, _ := errorKey(t, answer); errCode != rewards.EFORBIDDEN || !strings.HasPrefix(key, "rights.") {
					t.Errorf("%s (%s) by %s: refused with %s", c.route, c.place, a.name, answer)
				}
			}
		}
	}
	if walked == 0 {
		t.Fatal("nothing walked")
	}
	// Every change made in the sessions names its staff member.
	entries, err := w.s.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	byStaff := map[string]int{}
	for _, e := range entries {
		byStaff[e.Staff]++
	}
	for _, number := range []string{"100", "101", "102", "103"} {
		if byStaff[number] == 0 {
			t.Errorf("no change names staff member %s: %v", number, byStaff)
		}
	}
}

// A staff member logs in with the right PIN only; five wrong PINs in a
// row lock the member out for five minutes, even with the right PIN, and
// the refusal says until when in the reader's language; the lock ends
// five minutes later by the ledger's clock.
func TestStaffLoginLockOut(t *testing.T) {
	w := newRightsWorld(t)
	w.addStaff("4711", rewards.StaffRoleStaff, "a1", "")
	if code, _, body := w.login("kiosk@a1", "4711", "000000"); code != 401 {
		t.Fatalf("a wrong PIN: %d %s", code, body)
	} else if _, key, _ := errorKey(t, body); key != "staff.pin_wrong" {
		t.Errorf("a wrong PIN: %s", body)
	}
	if code, _, body := w.login("kiosk@a1", "4711", testPIN); code != 200 {
		t.Fatalf("the right PIN: %d %s", code, body)
	}
	for i := 0; i < rewards.PINMaxFailures-1; i++ {
		w.login("kiosk@a1", "4711", "000000")
	}
	code, _, body := w.login("kiosk@a1", "4711", "000000")
	if errCode, key, _ := errorKey(t, body); code != 422 || errCode != rewards.EREFUSED || key != "staff.locked" {
		t.Fatalf("the fifth wrong PIN: %d %s", code, body)
	}
	code, body = w.callAs(w.tokens["kiosk@a1"], "", "bg", "POST", "/v1/staff/login", []byte(`{"number":"4711","pin":"`+testPIN+`"}`))
	_, key, msg := errorKey(t, body)
	if code != 422 || key != "staff.locked" || !strings.Contains(msg, "заключен") || strings.Contains(msg, "2026-11-10T") {
		t.Errorf("the right PIN while locked, in Bulgarian: %d %s", code, body)
	}
	if code, _, body := w.login("kiosk@a1", "4711", "bad"); code != 422 {
		t.Errorf("a malformed PIN while locked: %d %s", code, body)
	}
}

// A session belongs to the device it was opened at, and a forged or
// unknown one is unauthenticated.
func TestStaffSessionDevice(t *testing.T) {
	w := newRightsWorld(t)
	w.addStaff("5001", rewards.StaffRoleStaff, "", "c1")
	_, s, _ := w.login("kiosk@a1", "5001", testPIN)
	if code, body := w.callAs(w.tokens["kiosk@c1"], s.Token, "", "GET", "/v1/program", nil); code != 401 {
		t.Errorf("the session at another device: %d %s", code, body)
	}
	if code, body := w.callAs(w.tokens["kiosk@a1"], rewards.NewSessionToken(), "", "GET", "/v1/program", nil); code != 401 {
		t.Errorf("an unknown session: %d %s", code, body)
	}
	if code, body := w.callAs(w.tokens["kiosk@a1"], s.Token, "", "GET", "/v1/program", nil); code != 200 {
		t.Errorf("the session at its device: %d %s", code, body)
	}
	// A staff member of store a1 logs in at no cooperative-wide device.
	w.addStaff("5002", rewards.StaffRoleStaff, "a1", "")
	if code, _, body := w.login("kiosk@c1", "5002", testPIN); code != 403 {
		t.Errorf("a store's staff member at the cooperative's kiosk: %d %s", code, body)
	}
}

// The audit trail lists what a staff session changed, with the device and
// the staff member; no event body holds the PIN, its hash or the session's
// token.
func TestStaffAuditAndSecrets(t *testing.T) {
	w := newRightsWorld(t)
	w.addStaff("6001", rewards.StaffRoleManager, "a1", "")
	_, s, _ := w.login("kiosk@a1", "6001", testPIN)
	card := w.card()
	if code, body := w.callAs(w.tokens["kiosk@a1"], s.Token, "", "POST", "/v1/cards/"+card+"/block", nil); code != 200 {
		t.Fatalf("block in a session: %d %s", code, body)
	}
	code, body := w.callAs(w.tokens["kiosk@a1"], s.Token, "", "GET", "/v1/audit?since="+walkNow.Add(-time.Hour).Format(time.RFC3339), nil)
	if code != 200 {
		t.Fatalf("audit: %d %s", code, body)
	}
	var entries []rewards.AuditEntry
	if err := json.Unmarshal(body, &entries); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if e.Staff == "6001" {
			found = true
			if e.Device != "kiosk@a1" || e.Kind == "" || e.At.IsZero() {
				t.Errorf("the audit entry: %+v", e)
			}
		}
	}
	if !found {
		t.Errorf("the block is not in the audit trail under 6001: %s", body)
	}
	if code, body := w.call(w.tokens["manager@a1"], "GET", "/v1/audit?since=yesterday", nil); code != 400 {
		t.Errorf("a bad since: %d %s", code, body)
	}
	events, err := w.s.Events(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{testPIN, s.Token, rewards.TokenHash(s.Token), "argon2id"}
	for _, e := range events {
		for _, secret := range secrets {
			if strings.Contains(string(e.Body), secret) {
				t.Errorf("event %d (%s) holds a secret: %s", e.Seq, e.Kind, e.Body)
			}
		}
	}
}

// A manager adds a staff member of its store through the API, who then
// logs in with the PIN given; the answer holds no PIN nor hash, and a
// short PIN is refused without being repeated.
func TestStaffAddThroughAPI(t *testing.T) {
	w := newRightsWorld(t)
	code, body := w.call(w.tokens["manager@a1"], "POST", "/v1/staff", []byte(`{"id":"add-7001","staff":{"number":"7001","name":"Mira","role":"staff","store":"a1"},"pin":"`+testPIN+`"}`))
	if code != 200 || strings.Contains(string(body), testPIN) || strings.Contains(string(body), "argon2") || !strings.Contains(string(body), `"coop":"c1"`) {
		t.Fatalf("staff add: %d %s", code, body)
	}
	if code, _, body := w.login("kiosk@a1", "7001", testPIN); code != 200 {
		t.Errorf("the new member's login: %d %s", code, body)
	}
	code, body = w.call(w.tokens["manager@a1"], "POST", "/v1/staff", []byte(`{"staff":{"number":"7002","name":"Mira","role":"staff","store":"a1"},"pin":"98765"}`))
	if _, key, _ := errorKey(t, body); code != 400 || key != "staff.pin_bad" || strings.Contains(string(body), "98765") {
		t.Errorf("a short PIN: %d %s", code, body)
	}
	if code, body := w.call(w.tokens["manager@a1"], "POST", "/v1/staff", []byte(`{"staff":{"number":"7003","name":"M","role":"staff","store":"a1"},"pin":"123456","pin_hash":"x"}`)); code != 400 || !strings.Contains(string(body), "pin_hash") {
		t.Errorf("an unknown field: %d %s", code, body)
	}
}

// A manager's session gives a locked-out member of its store a new PIN
// through the client: the member logs in with it at once, and not with
// the old one; the answer holds no PIN; a short PIN is refused without
// being repeated, an unknown member as not found, and a member of
// another store as forbidden.
func TestStaffPINThroughAPI(t *testing.T) {
	w := newRightsWorld(t)
	w.addStaff("7001", rewards.StaffRoleStaff, "a1", "")
	w.addStaff("7002", rewards.StaffRoleManager, "a1", "")
	w.addStaff("7003", rewards.StaffRoleStaff, "a2", "")
	for range rewards.PINMaxFailures {
		w.login("kiosk@a1", "7001", "000000")
	}
	code, s, body := w.login("kiosk@a1", "7002", testPIN)
	if code != 200 {
		t.Fatalf("the manager logs in: %d %s", code, body)
	}
	c := api.NewClient(w.srv.URL, w.srv.Client(), api.WithToken(w.tokens["kiosk@a1"]), api.WithStaffSession(s.Token), api.WithLanguage(lang.BG))
	m, err := c.SetStaffPIN(ctx, rewards.StaffPINSet{Number: "7001", PIN: "593014"})
	if err != nil || m.Number != "7001" || m.Store != "a1" {
		t.Fatalf("set PIN: %+v %v", m, err)
	}
	if code, _, body := w.login("kiosk@a1", "7001", "593014"); code != 200 {
		t.Errorf("the new PIN: %d %s", code, body)
	}
	if code, _, body := w.login("kiosk@a1", "7001", testPIN); code != 401 {
		t.Errorf("the old PIN: %d %s", code, body)
	}
	// The audit trail lists the new PIN, made by the manager at the kiosk.
	var trail []rewards.AuditEntry
	code, body = w.callAs(w.tokens["kiosk@a1"], s.Token, "", "GET", "/v1/audit?since="+walkNow.Add(-time.Hour).Format(time.RFC3339), nil)
	if err := json.Unmarshal(body, &trail); code != 200 || err != nil || len(trail) == 0 ||
		trail[len(trail)-1] != (rewards.AuditEntry{At: walkNow, Kind: rewards.AuditStaffPIN, Device: "kiosk@a1", Staff: "7002", Subject: "7001"}) {
		t.Errorf("the audit trail after the new PIN: %d %s", code, body)
	}
	code, body = w.callAs(w.tokens["kiosk@a1"], s.Token, "", "POST", "/v1/staff/7001/pin", []byte(`{"pin":"98765"}`))
	if _, key, _ := errorKey(t, body); code != 400 || key != "staff.pin_bad" || strings.Contains(string(body), "98765") {
		t.Errorf("a short PIN: %d %s", code, body)
	}
	if _, err := c.SetStaffPIN(ctx, rewards.StaffPINSet{Number: "7099", PIN: "593014"}); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Errorf("an unknown member: %v", err)
	}
	_, err = c.SetStaffPIN(ctx, rewards.StaffPINSet{Number: "7003", PIN: "593014"})
	if rewards.ErrorCode(err) != rewards.EFORBIDDEN || !strings.Contains(rewards.ErrorText(err, lang.BG), "a2") {
		t.Errorf("a member of another store: %v", err)
	}
	code, body = w.callAs(w.tokens["kiosk@a1"], s.Token, "", "POST", "/v1/staff/7001/pin", []byte(`{"number":"7002","pin":"593014"}`))
	if _, key, _ := errorKey(t, body); code != 400 || key != "api.path_mismatch" {
		t.Errorf("a body naming another member: %d %s", code, body)
	}
}

// Staff at a kiosk find a customer's cards by the phone the customer
// tells, in a session; the kiosk alone may not.
func TestCardsByPhone(t *testing.T) {
	w := newRightsWorld(t)
	holder, err := w.s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: walkNow.Add(-48 * time.Hour)}, Handed: true,
		Details: rewards.Details{GivenName: "Мария", Phone: "0888 123 456", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	w.addStaff("201", rewards.StaffRoleStaff, "a1", "")
	code, s, body := w.login("kiosk@a1", "201", testPIN)
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	code, answer := w.callAs(w.tokens["kiosk@a1"], s.Token, "", "GET", "/v1/cards?phone=%2B359888123456", nil)
	var found rewards.OTPVerified
	if err := json.Unmarshal(answer, &found); code != 200 || err != nil || found.Phone != "+359888123456" ||
		len(found.Cards) != 1 || found.Cards[0].Number != holder.Number || found.Cards[0].GivenName != "Мария" {
		t.Errorf("cards of the phone in a session: %d %s", code, answer)
	}
	if code, answer := w.callAs(w.tokens["kiosk@a1"], "", "", "GET", "/v1/cards?phone=0888123456", nil); code != http.StatusForbidden {
		t.Errorf("cards of the phone by the kiosk alone: %d %s", code, answer)
	}
	if code, answer := w.callAs(w.tokens["kiosk@a1"], s.Token, "", "GET", "/v1/cards", nil); code != http.StatusBadRequest {
		t.Errorf("no phone given: %d %s", code, answer)
	}
}

// addStaffCard adds a staff member of store a1 with testPIN and the staff
// card.
func (w *rightsWorld) addStaffCard(number, card string) {
	w.t.Helper()
	if _, err := w.s.AddStaff(ctx, rewards.StaffAdd{PIN: testPIN, Staff: rewards.StaffMember{
		Number: number, Name: "Staff " + number, Role: rewards.StaffRoleStaff, Store: "a1", Card: card}}); err != nil {
		w.t.Fatal(err)
	}
}

// loginBody logs in at the device with the body as it is.
func (w *rightsWorld) loginBody(device, body string) (int, []byte) {
	w.t.Helper()
	return w.callAs(w.tokens[device], "", "", "POST", "/v1/staff/login", []byte(body))
}

// A staff member logs in at a kiosk with the staff card scanned instead of
// the number typed, through real HTTP: the session is the member's and
// what it changes names the member.
func TestStaffLoginByCard(t *testing.T) {
	w := newRightsWorld(t)
	card := rewards.WithCheckDigit("210000004711")
	w.addStaffCard("4711", card)
	code, body := w.loginBody("kiosk@a1", `{"card":"`+card+`","pin":"`+testPIN+`"}`)
	var s rewards.NewStaffSession
	if code != 200 || json.Unmarshal(body, &s) != nil || s.Staff.Number != "4711" || s.Staff.Card != card || s.Device != "kiosk@a1" ||
		!strings.HasPrefix(s.Token, rewards.SessionPrefix) || strings.Contains(string(body), "argon2") {
		t.Fatalf("login by staff card: %d %s", code, body)
	}
	loyalty := w.card()
	if code, body := w.callAs(w.tokens["kiosk@a1"], s.Token, "", "POST", "/v1/cards/"+loyalty+"/block", nil); code != 200 {
		t.Fatalf("block in the session opened by card: %d %s", code, body)
	}
	entries, err := w.s.Audit(ctx, walkNow.Add(-time.Minute))
	if err != nil || len(entries) == 0 || entries[len(entries)-1].Staff != "4711" || entries[len(entries)-1].Kind != rewards.EventCardBlock {
		t.Fatalf("the audit trail: %+v %v", entries, err)
	}
	// A member of store a1 logs in by card at no other place's kiosk; a
	// wrong PIN there is told as a wrong PIN, before the place is looked
	// at. Each refusal names the card scanned, never the member's number.
	for _, tc := range []struct {
		pin, key string
		status   int
	}{
		{"000000", "staff.pin_wrong", http.StatusUnauthorized},
		{testPIN, "staff.device_elsewhere", http.StatusForbidden},
	} {
		code, body := w.loginBody("kiosk@c1", `{"card":"`+card+`","pin":"`+tc.pin+`"}`)
		var env struct {
			Error struct {
				Key  string
				Args map[string]any
			}
		}
		if code != tc.status || json.Unmarshal(body, &env) != nil || env.Error.Key != tc.key || env.Error.Args["number"] != card {
			t.Errorf("by card at the cooperative's kiosk with the PIN %s: %d %s, want %d %s naming %s", tc.pin, code, body, tc.status, tc.key, card)
		}
	}
}

// Wrong PINs by card and by number count toward one lock-out of the
// member: two by card and two by number, and the fifth, by card, locks the
// member, whose right PIN is then refused by number and by card alike.
func TestStaffCardLockOutSharedWithNumber(t *testing.T) {
	w := newRightsWorld(t)
	card := rewards.WithCheckDigit("210000004712")
	w.addStaffCard("4712", card)
	byCard := func(pin string) string { return `{"card":"` + card + `","pin":"` + pin + `"}` }
	byNumber := func(pin string) string { return `{"number":"4712","pin":"` + pin + `"}` }
	for i, b := range []string{byCard("000000"), byNumber("000000"), byCard("000000"), byNumber("000000")} {
		code, body := w.loginBody("kiosk@a1", b)
		errCode, key, msg := errorKey(t, body)
		left := strconv.Itoa(rewards.PINMaxFailures - 1 - i)
		if code != 401 || errCode != rewards.EUNAUTHENTICATED || key != "staff.pin_wrong" || !strings.Contains(msg, "4712") || !strings.Contains(msg, left+" more") {
			t.Fatalf("wrong PIN %d: %d %s, want %s more", i+1, code, body, left)
		}
	}
	code, body := w.loginBody("kiosk@a1", byCard("000000"))
	if _, key, _ := errorKey(t, body); code != 422 || key != "staff.locked" {
		t.Fatalf("the fifth wrong PIN, by card: %d %s", code, body)
	}
	for _, b := range []string{byNumber(testPIN), byCard(testPIN)} {
		if code, body := w.loginBody("kiosk@a1", b); code != 422 {
			t.Errorf("the right PIN while locked, %s: %d %s", b, code, body)
		}
	}
}

// An unknown staff card is answered as an unknown number is, and so are a
// loyalty card's number and a member's number given as a staff card: the
// same status, code and key, naming only what was given.
func TestStaffUnknownCard(t *testing.T) {
	w := newRightsWorld(t)
	w.addStaffCard("4713", rewards.WithCheckDigit("210000004713"))
	loyalty := w.card()
	code, body := w.loginBody("kiosk@a1", `{"number":"9999","pin":"`+testPIN+`"}`)
	wantCode, wantKey, _ := errorKey(t, body)
	if code != 401 || wantKey != "staff.unknown" {
		t.Fatalf("an unknown number: %d %s", code, body)
	}
	for _, card := range []string{rewards.WithCheckDigit("210000009999"), loyalty, "4713"} {
		code, body := w.loginBody("kiosk@a1", `{"card":"`+card+`","pin":"`+testPIN+`"}`)
		errCode, key, msg := errorKey(t, body)
		if code != 401 || errCode != wantCode || key != wantKey || !strings.Contains(msg, card) {
			t.Errorf("the unknown card %s: %d %s", card, code, body)
		}
	}
}

// A login names the member by a number or by a card, exactly one; a card
// that is not digits, or misread (its check digit wrong), is invalid.
func TestStaffLoginForms(t *testing.T) {
	w := newRightsWorld(t)
	card := rewards.WithCheckDigit("210000004714")
	w.addStaffCard("4714", card)
	misread := card[:12] + string(rune('0'+(card[12]-'0'+1)%10))
	for _, tc := range []struct{ body, key string }{
		{`{"number":"4714","card":"` + card + `","pin":"` + testPIN + `"}`, "staff.login_one"},
		{`{"pin":"` + testPIN + `"}`, "staff.login_one"},
		{`{"number":"","card":"","pin":"` + testPIN + `"}`, "staff.login_one"},
		{`{"card":"21-4714","pin":"` + testPIN + `"}`, "staff.card_bad"},
		{`{"card":"` + misread + `","pin":"` + testPIN + `"}`, "card.check_digit"},
		{`{"card":"` + card + `"}`, "staff.pin_missing"},
		{`{"badge":"` + card + `","pin":"` + testPIN + `"}`, "invalid.json"},
	} {
		code, body := w.loginBody("kiosk@a1", tc.body)
		if errCode, key, _ := errorKey(t, body); code != 400 || errCode != rewards.EINVALID || key != tc.key {
			t.Errorf("%s: %d %s, want %s", tc.body, code, body, tc.key)
		}
	}
	// None of them counted as a wrong PIN: the member logs in.
	if code, body := w.loginBody("kiosk@a1", `{"card":"`+card+`","pin":"`+testPIN+`"}`); code != 200 {
		t.Errorf("the login after the malformed ones: %d %s", code, body)
	}
}

// A manager adds a staff member with a staff card through the API; a card
// that is another member's or a loyalty card of the ledger is a conflict.
func TestStaffAddWithCardThroughAPI(t *testing.T) {
	w := newRightsWorld(t)
	card := rewards.WithCheckDigit("210000007001")
	add := func(number, card string) (int, []byte) {
		return w.call(w.tokens["manager@a1"], "POST", "/v1/staff", []byte(`{"staff":{"number":"`+number+`","name":"Mira","role":"staff","store":"a1","card":"`+card+`"},"pin":"`+testPIN+`"}`))
	}
	code, body := add("7001", card)
	var m rewards.StaffMember
	if code != 200 || json.Unmarshal(body, &m) != nil || m.Card != card || !strings.Contains(string(body), `"card":"`+card+`"`) {
		t.Fatalf("staff add with a card: %d %s", code, body)
	}
	for _, tc := range []struct{ number, card, key string }{
		{"7002", card, "staff.card_taken"},
		{"7003", w.card(), "staff.card_loyalty"},
	} {
		code, body := add(tc.number, tc.card)
		if errCode, key, _ := errorKey(t, body); code != 409 || errCode != rewards.ECONFLICT || key != tc.key {
			t.Errorf("staff add with card %s: %d %s, want %s", tc.card, code, body, tc.key)
		}
	}
	if code, body := w.loginBody("kiosk@a1", `{"card":"`+card+`","pin":"`+testPIN+`"}`); code != 200 {
		t.Errorf("the new member's login by card: %d %s", code, body)
	}
	list, err := w.s.StaffList(ctx)
	if err != nil || len(list) != 1 {
		t.Errorf("the refused members were added: %+v %v", list, err)
	}
}

// The API's client logs a member in by staff card and acts in the session
// (WithStaffSession); a wrong PIN comes back as the server's refusal.
func TestClientStaffLoginByCard(t *testing.T) {
	w := newRightsWorld(t)
	card := rewards.WithCheckDigit("210000004715")
	w.addStaffCard("4715", card)
	kiosk := api.NewClient(w.srv.URL, w.srv.Client(), api.WithToken(w.tokens["kiosk@a1"]), api.WithLanguage(lang.BG))
	_, err := kiosk.LoginStaff(ctx, rewards.StaffLogin{Card: card, PIN: "000000"})
	var e *rewards.Error
	if !errors.As(err, &e) || e.Code != rewards.EUNAUTHENTICATED || e.Key != "staff.pin_wrong" || !strings.Contains(e.Message, "грешен") {
		t.Fatalf("a wrong PIN through the client: %v", err)
	}
	s, err := kiosk.LoginStaff(ctx, rewards.StaffLogin{Card: card, PIN: testPIN})
	if err != nil || s.Staff.Number != "4715" || s.Staff.Card != card {
		t.Fatalf("login by card through the client: %+v %v", s, err)
	}
	loyalty := w.card()
	if _, err := kiosk.BlockCard(ctx, rewards.CardAction{Card: loyalty}); rewards.ErrorCode(err) != rewards.EFORBIDDEN {
		t.Fatalf("the kiosk alone blocks a card: %v", err)
	}
	session := api.NewClient(w.srv.URL, w.srv.Client(), api.WithToken(w.tokens["kiosk@a1"]), api.WithStaffSession(s.Token))
	if c, err := session.BlockCard(ctx, rewards.CardAction{Card: loyalty}); err != nil || c.Status != rewards.CardBlocked {
		t.Fatalf("the block in the session: %+v %v", c, err)
	}
	entries, err := w.s.Audit(ctx, walkNow.Add(-time.Minute))
	if err != nil || len(entries) == 0 || entries[len(entries)-1].Staff != "4715" {
		t.Fatalf("the audit trail: %+v %v", entries, err)
	}
}
