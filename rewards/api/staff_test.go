package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

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
// (block, replace, link, member, forget, export) that the manager's
// machine of the same place does; a manager's session also edits the
// board and pictures and reads the audit trail as that machine does.
// Every other request in a session is forbidden, naming the rights.
func TestStaffSessionRightsWalk(t *testing.T) {
	w := newRightsWorld(t)
	staffWork := []string{rewards.RouteCardBlock, rewards.RouteCardReplace, rewards.RouteCardLink, rewards.RouteCardMember,
		rewards.RouteCardForget, rewards.RouteCardExport}
	managerWork := []string{rewards.RouteRewardPut, rewards.RouteRewardDelete, rewards.RoutePicturePut, rewards.RouteStaffAdd, rewards.RouteAudit}
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
				slices.Contains(c.allowed, a.kiosk) && c.route != rewards.RouteStaffLogin ||
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
