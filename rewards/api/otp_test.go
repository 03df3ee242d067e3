package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// discardSender sends no code: the rights walk's.
type discardSender struct{}

func (discardSender) Send(context.Context, string, string, string) error { return nil }

// walkPhone is a phone of its own for each start of the rights walk, so
// that no phone reaches its limit of codes.
func walkPhone(w *rightsWorld) string {
	w.n++
	return fmt.Sprintf("+359888%06d", w.n)
}

func otpStartRequest(w *rightsWorld) request {
	return request{method: "POST", path: "/v1/otp/start", body: `{"phone":"` + walkPhone(w) + `"}`}
}

// otpVerifyRequest verifies a code the ledger made just now.
func otpVerifyRequest(t *testing.T) func(w *rightsWorld) request {
	return func(w *rightsWorld) request {
		issued, err := w.s.StartOTP(ctx, rewards.OTPStart{Phone: walkPhone(w)})
		if err != nil {
			t.Fatal(err)
		}
		return request{method: "POST", path: "/v1/otp/verify", body: `{"phone":"` + issued.Phone + `","code":"` + issued.Code + `"}`}
	}
}

// gateway is a fake SMS gateway: it records the bodies the webhook posts,
// and answers status (200 unless set).
type gateway struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
	status int
}

func newGateway(t testing.TB) *gateway {
	g := &gateway{status: 200}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		defer g.mu.Unlock()
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(400)
			return
		}
		g.bodies = append(g.bodies, string(body))
		w.WriteHeader(g.status)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// last is the last body the gateway received, as JSON.
func (g *gateway) last(t testing.TB) map[string]string {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.bodies) == 0 {
		t.Fatal("the gateway received nothing")
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(g.bodies[len(g.bodies)-1]), &m); err != nil {
		t.Fatalf("the gateway received %q: %v", g.bodies[len(g.bodies)-1], err)
	}
	return m
}

func (g *gateway) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.bodies)
}

// otpWorld is a ledger with a household (holder Ivan with the phone, his
// family card Maria) and a till, behind the API with a webhook to a fake
// gateway; its clock is the test's to move.
type otpWorld struct {
	t        *testing.T
	s        *sqlite.Store
	gw       *gateway
	srv      *httptest.Server
	token    string
	mu       sync.Mutex
	now      time.Time
	holder   string
	family   string
	phone    string
	stranger string
}

const otpTemplate = `{"to":{{json .Phone}},"message":{{json .Text}},"code":{{json .Code}}}`

func newOTPWorld(t *testing.T, opts api.Options) *otpWorld {
	w := &otpWorld{t: t, now: walkNow, phone: "+359888123456"}
	w.s = openStore(t, w.clock)
	at := rewards.Meta{At: walkNow.Add(-48 * time.Hour)}
	if _, err := w.s.InstallProgram(ctx, rewards.ProgramInstall{Meta: at, Program: rewardstest.Program(t, "coop")}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: "c1", Names: rewards.Names{EN: "c1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{ID: "a1", Coop: "c1", Names: rewards.Names{EN: "a1"}}}); err != nil {
		t.Fatal(err)
	}
	nd, err := w.s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "till", Role: rewards.RolePOS, Store: "a1"}})
	if err != nil {
		t.Fatal(err)
	}
	w.token = nd.Token
	holder, err := w.s.IssueCard(ctx, rewards.CardIssue{Meta: at, Handed: true,
		Details: rewards.Details{GivenName: "Ivan", FamilyName: "Petrov", Phone: "0888 123 456", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	family, err := w.s.IssueCard(ctx, rewards.CardIssue{Meta: at, Handed: true, Details: rewards.Details{GivenName: "Maria", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.LinkCard(ctx, rewards.CardLink{Meta: at, Card: family.Number, Holder: holder.Number}); err != nil {
		t.Fatal(err)
	}
	// Another household's card, which the phone's answer must not name.
	if _, err := w.s.IssueCard(ctx, rewards.CardIssue{Meta: at, Handed: true,
		Details: rewards.Details{GivenName: "Olga", Phone: "+359888999999", Consent: true}}); err != nil {
		t.Fatal(err)
	}
	w.holder, w.family, w.stranger = holder.Number, family.Number, "+359877000000"
	w.gw = newGateway(t)
	hook, err := api.NewWebhook(w.gw.srv.URL, otpTemplate)
	if err != nil {
		t.Fatal(err)
	}
	opts.Now, opts.Devices, opts.Sender = w.clock, w.s, hook
	w.srv = httptest.NewServer(newHandler(t, w.s, opts))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *otpWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *otpWorld) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

// answer is an API answer: its status, Retry-After, and body.
type answer struct {
	status     int
	retryAfter string
	body       []byte
}

// error is the answer's error envelope.
func (a answer) error() (code, key, message string) {
	var env struct {
		Error struct{ Code, Key, Message string }
	}
	json.Unmarshal(a.body, &env)
	return env.Error.Code, env.Error.Key, env.Error.Message
}

func (w *otpWorld) post(path, body, language string) answer {
	w.t.Helper()
	req, _ := http.NewRequest("POST", w.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.token)
	if language != "" {
		req.Header.Set("Accept-Language", language)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: data}
}

// start asks for a code for phone and returns the code the gateway got.
func (w *otpWorld) start(phone, language string) string {
	w.t.Helper()
	before := w.gw.count()
	a := w.post("/v1/otp/start", `{"phone":"`+phone+`"}`, language)
	if a.status != 200 {
		w.t.Fatalf("start %s: %d %s", phone, a.status, a.body)
	}
	var sent rewards.OTPSent
	if err := json.Unmarshal(a.body, &sent); err != nil || !sent.Sent || !sent.ExpiresAt.Equal(w.clock().Add(rewards.OTPLifetime)) {
		w.t.Fatalf("start %s: %s %v", phone, a.body, err)
	}
	if w.gw.count() != before+1 {
		w.t.Fatalf("start %s: the gateway received %d SMS", phone, w.gw.count()-before)
	}
	return w.gw.last(w.t)["code"]
}

func (w *otpWorld) verify(phone, code, language string) answer {
	w.t.Helper()
	return w.post("/v1/otp/verify", `{"phone":"`+phone+`","code":"`+code+`"}`, language)
}

// wrong is a code that is not code.
func wrong(code string) string {
	n, _ := strconv.Atoi(code)
	return fmt.Sprintf("%06d", (n+1)%1000000)
}

// A start sends the rendered template to the gateway, in the customer's
// language; the code verifies to the household's cards (the holder's and
// the family card, with their given names, not another household's), and
// once only.
func TestOTPStartVerify(t *testing.T) {
	w := newOTPWorld(t, api.Options{})
	code := w.start("0888 123 456", "ru")
	got := w.gw.last(t)
	if got["to"] != w.phone || len(code) != 6 || got["message"] != "Ваш код Точки: "+code {
		t.Fatalf("the gateway received %v", got)
	}
	a := w.verify(w.phone, code, "")
	if a.status != 200 {
		t.Fatalf("verify: %d %s", a.status, a.body)
	}
	var v rewards.OTPVerified
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatal(err)
	}
	want := []rewards.OTPCard{
		{Number: w.holder, Status: rewards.CardActive, GivenName: "Ivan"},
		{Number: w.family, Status: rewards.CardActive, GivenName: "Maria", Holder: w.holder},
	}
	if v.Phone != w.phone || fmt.Sprint(v.Cards) != fmt.Sprint(want) {
		t.Fatalf("verify: %s, want the cards %v", a.body, want)
	}
	// The family card's own phone-less record does not hide it; a code
	// is used once.
	if a := w.verify(w.phone, code, "en"); a.status != 422 {
		t.Fatalf("the code again: %d %s", a.status, a.body)
	} else if _, key, _ := a.error(); key != "otp.used" {
		t.Fatalf("the code again: %s", a.body)
	}
	// The SMS in Bulgarian, asked for in the body.
	w.post("/v1/otp/start", `{"phone":"`+w.phone+`","lang":"bg"}`, "ru")
	if got := w.gw.last(t); !strings.HasPrefix(got["message"], "Вашият код за Точка: ") {
		t.Fatalf("a Bulgarian SMS: %v", got)
	}
}

// A phone that is no customer's is answered as any other: sent, and the
// right code verifies to no cards.
func TestOTPStranger(t *testing.T) {
	w := newOTPWorld(t, api.Options{})
	code := w.start(w.stranger, "")
	a := w.verify(w.stranger, code, "")
	if a.status != 200 || string(bytes.TrimSpace(a.body)) != `{"phone":"`+w.stranger+`","cards":[]}` {
		t.Fatalf("a stranger's code: %d %s", a.status, a.body)
	}
}

// Five wrong tries kill a code: even the right one is refused after them;
// each refusal is in the reader's language.
func TestOTPTries(t *testing.T) {
	w := newOTPWorld(t, api.Options{})
	code := w.start(w.phone, "")
	for i := 1; i <= rewards.OTPTries; i++ {
		a := w.verify(w.phone, wrong(code), "bg")
		_, key, msg := a.error()
		wantKey := "otp.wrong"
		if i == rewards.OTPTries {
			wantKey = "otp.dead"
		}
		if a.status != 422 || key != wantKey || !strings.ContainsAny(msg, "абвгдежзийклмнопрстуфхцчшщъьюя") {
			t.Fatalf("wrong try %d: %d %s", i, a.status, a.body)
		}
		if i == 1 && !strings.Contains(msg, "остават 4 опита") {
			t.Errorf("the first wrong try: %s", msg)
		}
	}
	a := w.verify(w.phone, code, "ru")
	if _, key, msg := a.error(); a.status != 422 || key != "otp.dead" || !strings.Contains(msg, "больше не действует") {
		t.Fatalf("the right code after 5 wrong tries: %d %s", a.status, a.body)
	}
}

// A code expires 5 minutes after it was made, by the ledger's clock.
func TestOTPExpires(t *testing.T) {
	w := newOTPWorld(t, api.Options{})
	w.start(w.phone, "")
	w.advance(rewards.OTPLifetime - time.Second)
	fresh := w.start(w.phone, "")
	w.advance(time.Second)
	if a := w.verify(w.phone, fresh, ""); a.status != 200 {
		t.Fatalf("a code 1 s old: %d %s", a.status, a.body)
	}
	third := w.start(w.phone, "")
	w.advance(rewards.OTPLifetime)
	a := w.verify(w.phone, third, "ru")
	if _, key, msg := a.error(); a.status != 422 || key != "otp.expired" || !strings.Contains(msg, "истёк") {
		t.Fatalf("a code 5 minutes old: %d %s", a.status, a.body)
	}
	// No code at all for a phone never sent one.
	if a := w.verify("+359888000111", "123456", ""); a.status != 422 {
		t.Fatalf("a phone without a code: %d %s", a.status, a.body)
	} else if _, key, _ := a.error(); key != "otp.none" {
		t.Fatalf("a phone without a code: %s", a.body)
	}
}

// A phone gets at most 3 codes in 15 minutes: the 4th start is refused
// with the wait until the oldest leaves the window, and sends nothing;
// once it has, a start is sent again.
func TestOTPCodesPerPhone(t *testing.T) {
	w := newOTPWorld(t, api.Options{})
	for i := range rewards.OTPCodes {
		w.start(w.phone, "")
		if i == 0 {
			w.advance(time.Minute)
		}
	}
	sent := w.gw.count()
	a := w.post("/v1/otp/start", `{"phone":"0888123456"}`, "bg")
	code, key, msg := a.error()
	if a.status != 429 || code != rewards.ERATELIMITED || key != "otp.too_many_codes" || a.retryAfter != "840" || !strings.Contains(msg, "840") {
		t.Fatalf("a 4th start: %d Retry-After %q %s", a.status, a.retryAfter, a.body)
	}
	if w.gw.count() != sent {
		t.Fatal("a refused start sent an SMS")
	}
	// Another phone is not limited by this one's codes.
	w.start(w.stranger, "")
	w.advance(840 * time.Second)
	w.start(w.phone, "")
}

// The ledger keeps no code itself: the digits of every code sent are in
// no column of any table of the ledger file.
func TestOTPStoredHashed(t *testing.T) {
	w := newOTPWorld(t, api.Options{})
	var codes []string
	for range rewards.OTPCodes {
		codes = append(codes, w.start(w.phone, ""))
	}
	db, err := sql.Open("sqlite3", w.s.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	rows := 0
	for _, n := range names {
		r, err := db.Query(`SELECT * FROM "` + n + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			r.Scan(ptrs...)
			for i, v := range vals {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				for _, c := range codes {
					if strings.Contains(s, c) {
						t.Errorf("table %s column %s holds the code %s: %q", n, cols[i], c, s)
					}
				}
			}
			if n == "otp_codes" {
				rows++
			}
		}
		r.Close()
	}
	if rows != rewards.OTPCodes {
		t.Fatalf("otp_codes holds %d rows, want %d", rows, rewards.OTPCodes)
	}
}

// Each device's starts are limited per process: over its burst a start is
// answered 429 with Retry-After, before it reaches the ledger or the
// gateway.
func TestOTPStartsPerDevice(t *testing.T) {
	w := newOTPWorld(t, api.Options{OTPStarts: rate.Limit(1.0 / 60), OTPStartBurst: 2})
	w.start("+359888000001", "")
	w.start("+359888000002", "")
	sent := w.gw.count()
	a := w.post("/v1/otp/start", `{"phone":"+359888000003"}`, "ru")
	if code, key, msg := a.error(); a.status != 429 || code != rewards.ERATELIMITED || key != "otp.device_limited" || a.retryAfter == "" ||
		!strings.Contains(msg, "кодов") {
		t.Fatalf("a 3rd start by the till: %d Retry-After %q %s", a.status, a.retryAfter, a.body)
	}
	if w.gw.count() != sent {
		t.Fatal("a limited start sent an SMS")
	}
}

// A gateway that answers other than 2xx is an internal error, whose words
// stay out of the answer; bad bodies are refused, naming what is wrong.
func TestOTPBadGatewayAndBodies(t *testing.T) {
	w := newOTPWorld(t, api.Options{})
	w.gw.mu.Lock()
	w.gw.status = 503
	w.gw.mu.Unlock()
	a := w.post("/v1/otp/start", `{"phone":"`+w.phone+`"}`, "")
	if code, _, _ := a.error(); a.status != 500 || code != rewards.EINTERNAL || strings.Contains(string(a.body), "503") {
		t.Fatalf("a failing gateway: %d %s", a.status, a.body)
	}
	for _, tc := range []struct{ path, body, key string }{
		{"/v1/otp/start", `{}`, "otp.phone_missing"},
		{"/v1/otp/start", `{"phone":"12ab"}`, "people.phone_invalid"},
		{"/v1/otp/start", `{"phone":"+359888123456","lang":"de"}`, "otp.lang_bad"},
		{"/v1/otp/start", `{"phone":"+359888123456","code":"1"}`, "invalid.json"},
		{"/v1/otp/verify", `{"phone":"+359888123456","code":"12345"}`, "otp.code_bad"},
		{"/v1/otp/verify", `{"phone":"+359888123456","code":"12345x"}`, "otp.code_bad"},
		{"/v1/otp/verify", `{"code":"123456"}`, "otp.phone_missing"},
	} {
		a := w.post(tc.path, tc.body, "")
		if code, key, _ := a.error(); a.status != 400 || code != rewards.EINVALID || key != tc.key {
			t.Errorf("%s %s: %d %s, want %s", tc.path, tc.body, a.status, a.body, tc.key)
		}
	}
}

// A webhook template that does not make JSON is refused when it is set up.
func TestWebhookTemplate(t *testing.T) {
	for _, tmpl := range []string{`{"to":{{.Phone}}`, `{"to":"{{.Nope}}"}`, `{{`} {
		if _, err := api.NewWebhook("http://localhost/", tmpl); err == nil {
			t.Errorf("template %q accepted", tmpl)
		}
	}
	if _, err := api.NewWebhook("", ""); err == nil {
		t.Error("a webhook without a URL accepted")
	}
	if _, err := api.NewWebhook("http://localhost/", ""); err != nil {
		t.Errorf("the default template: %v", err)
	}
}

// fuzzOTP posts every body the fuzzer makes to an OTP route of a ledger
// with a phone's card, a sender and no limit on the device's starts:
// never an internal error, and a refusal is always the envelope.
func fuzzOTP(f *testing.F, path string, seeds ...string) {
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { return start.Add(48 * time.Hour) }
	s := openStore(f, now)
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: start}, Program: rewardstest.Program(f, "coop")}); err != nil {
		f.Fatal(err)
	}
	rewardstest.MustCard(f, s, rewards.CardIssue{Meta: rewards.Meta{At: start}, Details: rewards.Details{GivenName: "Ana", Phone: "0888123456", Consent: true}})
	h := api.NewHandler(s, api.Options{Now: now, Devices: oneAdmin{}, Sender: discardSender{}, OTPStarts: rate.Inf})
	for _, seed := range seeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := do(t, h, http.MethodPost, path, "ru", strings.NewReader(body))
		if rec.Code == http.StatusInternalServerError {
			t.Fatalf("an internal error for %q: %s", body, rec.Body)
		}
		if rec.Code >= 400 {
			envelopeOf(t, rec)
		}
	})
}

func FuzzOTPStartBody(f *testing.F) {
	fuzzOTP(f, "/v1/otp/start", `{"phone":"0888123456"}`, `{"phone":"+359888123456","lang":"ru"}`, `{"phone":"8 (912) 345-67-89"}`,
		`{}`, `[]`, `null`, `{"phone":1}`, `{"phone":"+","lang":""}`, `{"phone":"0888123456","code":"1"}`)
}

func FuzzOTPVerifyBody(f *testing.F) {
	fuzzOTP(f, "/v1/otp/verify", `{"phone":"0888123456","code":"123456"}`, `{"phone":"+359888123456","code":"000000"}`,
		`{"phone":"","code":""}`, `{"code":"١٢٣٤٥٦","phone":"0888123456"}`, `{}`, `[]`, `null`, `{"phone":"0888123456","code":123456}`)
}

// The Go client sends and verifies codes, and hands refusals back with
// their codes.
func TestOTPClient(t *testing.T) {
	w := newOTPWorld(t, api.Options{})
	c := api.NewClient(w.srv.URL, nil, api.WithToken(w.token), api.WithLanguage("ru"))
	sent, err := c.SendCode(ctx, rewards.OTPStart{Phone: "0888123456"})
	if err != nil || !sent.Sent || sent.Phone != w.phone {
		t.Fatalf("send: %+v %v", sent, err)
	}
	code := w.gw.last(t)["code"]
	if !strings.HasPrefix(w.gw.last(t)["message"], "Ваш код") {
		t.Errorf("the client's language is the SMS's: %v", w.gw.last(t))
	}
	if _, err := c.VerifyCode(ctx, rewards.OTPVerify{Phone: w.phone, Code: wrong(code)}); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("a wrong code through the client: %v", err)
	}
	v, err := c.VerifyCode(ctx, rewards.OTPVerify{Phone: w.phone, Code: code})
	if err != nil || len(v.Cards) != 2 || v.Cards[0].Number != w.holder {
		t.Fatalf("verify: %+v %v", v, err)
	}
	c.SendCode(ctx, rewards.OTPStart{Phone: w.phone})
	c.SendCode(ctx, rewards.OTPStart{Phone: w.phone})
	if _, err := c.SendCode(ctx, rewards.OTPStart{Phone: w.phone}); rewards.ErrorCode(err) != rewards.ERATELIMITED {
		t.Fatalf("a 4th code through the client: %v", err)
	}
}
