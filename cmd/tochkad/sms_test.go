package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/docs/openapitest"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
)

// post sends body to base+path with the token, and returns the status and
// the answer, both checked against docs/openapi.json.
func post(t *testing.T, base, path, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := openapitest.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// tochkad --sms webhook posts each code's SMS, made from the template
// file, to a fake SMS gateway; the code verifies to the phone's card, and
// the metrics count the code sent.
func TestSMSWebhook(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(data))
		mu.Unlock()
	}))
	defer gw.Close()
	tmpl := filepath.Join(t.TempDir(), "sms.tmpl")
	if err := os.WriteFile(tmpl, []byte(`{"recipient":{{json .Phone}},"sms":{{json .Text}},"otp":{{json .Code}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	db := newLedger(t)
	till, kiosk, manager := devices(t, db)
	base, _ := start(t, map[string]string{"TOCHKA_NOW": "2026-11-05T10:00:00Z", "TOCHKA_SMS_URL": gw.URL},
		"--db", db, "--listen", "127.0.0.1:0", "--sms", "webhook", "--sms-template", tmpl)
	card, err := api.NewClient(base, openapitest.Client(t), api.WithToken(kiosk)).IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)},
		Handed: true, Details: rewards.Details{GivenName: "Ана", Phone: "0888 123 456", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := post(t, base, "/v1/otp/start", till, `{"phone":"0888123456","lang":"bg"}`); code != 200 || !strings.Contains(body, `"sent":true`) {
		t.Fatalf("start: %d %s", code, body)
	}
	mu.Lock()
	if len(bodies) != 1 {
		t.Fatalf("the gateway received %d bodies", len(bodies))
	}
	var sms struct{ Recipient, SMS, OTP string }
	if err := json.Unmarshal([]byte(bodies[0]), &sms); err != nil || sms.Recipient != "+359888123456" || sms.SMS != "Вашият код за Точка: "+sms.OTP || len(sms.OTP) != 6 {
		t.Fatalf("the gateway received %s (%v)", bodies[0], err)
	}
	mu.Unlock()
	code, body := post(t, base, "/v1/otp/verify", till, `{"phone":"+359888123456","code":"`+sms.OTP+`"}`)
	var v rewards.OTPVerified
	if json.Unmarshal([]byte(body), &v); code != 200 || len(v.Cards) != 1 || v.Cards[0].Number != card.Number || v.Cards[0].GivenName != "Ана" {
		t.Fatalf("verify: %d %s", code, body)
	}
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+manager)
	resp, err := openapitest.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "tochka_otp_codes_sent_total 1\n") {
		t.Errorf("GET /metrics does not count the code sent:\n%s", metrics)
	}
}

// tochkad --sms log writes the code to its log, saying loudly that this
// is for development only.
func TestSMSLog(t *testing.T) {
	db := newLedger(t)
	till, _, _ := devices(t, db)
	base, logs := start(t, map[string]string{"TOCHKA_SMS": "log"}, "--db", db, "--listen", "127.0.0.1:0")
	if code, body := post(t, base, "/v1/otp/start", till, `{"phone":"+359888123456"}`); code != 200 {
		t.Fatalf("start: %d %s", code, body)
	}
	var line struct{ Msg, Code, Phone string }
	found := false
	for _, l := range strings.Split(logs.String(), "\n") {
		if json.Unmarshal([]byte(l), &line) == nil && line.Code != "" {
			found = true
			break
		}
	}
	if !found || !strings.HasPrefix(line.Msg, "DEVELOPMENT ONLY") || line.Phone != "+359888123456" {
		t.Fatalf("the log has no code line:\n%s", logs.String())
	}
}

// Without --sms, a start is an internal error whose words are logged;
// SMS flags that do not go together stop tochkad before it starts.
func TestSMSSettings(t *testing.T) {
	db := newLedger(t)
	till, _, _ := devices(t, db)
	base, logs := start(t, nil, "--db", db, "--listen", "127.0.0.1:0")
	if code, body := post(t, base, "/v1/otp/start", till, `{"phone":"+359888123456"}`); code != 500 || strings.Contains(body, "sender") {
		t.Fatalf("a start without a sender: %d %s", code, body)
	}
	if !strings.Contains(logs.String(), "no SMS sender") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}
	for _, args := range [][]string{
		{"--sms", "pigeon"},
		{"--sms", "webhook"},
		{"--sms", "log", "--sms-url", "http://gw/"},
		{"--sms-template", "f"},
	} {
		var stderr strings.Builder
		if code := run(ctx, append([]string{"--db", db, "--listen", "127.0.0.1:0"}, args...), func(string) string { return "" }, io.Discard, &stderr, nil); code != 2 ||
			!strings.Contains(stderr.String(), "--sms") {
			t.Errorf("%v: exit %d, %q", args, code, stderr.String())
		}
	}
	// A template that makes no JSON is refused at the start.
	tmpl := filepath.Join(t.TempDir(), "bad.tmpl")
	os.WriteFile(tmpl, []byte(`{"to":{{.Phone}}}`), 0o644)
	var out strings.Builder
	if code := run(ctx, []string{"--db", db, "--listen", "127.0.0.1:0", "--sms", "webhook", "--sms-url", "http://gw/", "--sms-template", tmpl},
		func(string) string { return "" }, &out, io.Discard, nil); code != 1 || !strings.Contains(out.String(), "JSON") {
		t.Errorf("a template that makes no JSON: exit %d, %s", code, out.String())
	}
}
