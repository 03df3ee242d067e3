package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
)

var ctx = context.Background()

// failing is a service whose voucher look-up fails with err; nothing else
// of it is called.
type failing struct {
	api.Service
	err error
}

func (f failing) Voucher(context.Context, string) (rewards.Voucher, error) {
	return rewards.Voucher{}, f.err
}

// wire is an answered error as the envelope carries it.
type wire struct {
	Code    string         `json:"code"`
	Key     string         `json:"key"`
	Args    map[string]any `json:"args"`
	Message string         `json:"message"`
}

// do sends a request to h and returns the answer.
func do(t *testing.T, h http.Handler, method, path, accept string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if accept != "" {
		req.Header.Set("Accept-Language", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// envelopeOf reads an answer that must be the error envelope, with
// exactly its four keys and the content type of JSON.
func envelopeOf(t testing.TB, rec *httptest.ResponseRecorder) wire {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("status %d: content type %q, want application/json", rec.Code, ct)
	}
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil || len(raw) != 1 || raw["error"] == nil {
		t.Fatalf("status %d: %s is not the error envelope: %v", rec.Code, rec.Body, err)
	}
	for _, k := range []string{"code", "key", "args", "message"} {
		if _, ok := raw["error"][k]; !ok {
			t.Fatalf("the envelope lacks %q: %s", k, rec.Body)
		}
	}
	if len(raw["error"]) != 4 {
		t.Fatalf("the envelope has more than its four keys: %s", rec.Body)
	}
	var env struct{ Error wire }
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if env.Error.Args == nil {
		t.Fatalf("args is not an object: %s", rec.Body)
	}
	if want := api.Status(env.Error.Code); rec.Code != want {
		t.Fatalf("code %s answered with %d, its table says %d", env.Error.Code, rec.Code, want)
	}
	return env.Error
}

// Each code of the domain is answered with its status, under its name on
// the wire, in the envelope. (The voucher look-up is made to fail with
// every code, those it never answers too, too large and rate limited:
// its handler is not checked against docs/openapi.json, which lists what
// the route answers, and envelopeOf checks each refusal.)
func TestErrorStatuses(t *testing.T) {
	for _, c := range []struct {
		code, wire string
		status     int
	}{
		{rewards.EINVALID, "invalid", 400},
		{rewards.EUNAUTHENTICATED, "unauthenticated", 401},
		{rewards.EFORBIDDEN, "forbidden", 403},
		{rewards.ENOTFOUND, "not_found", 404},
		{rewards.ECONFLICT, "conflict", 409},
		{rewards.ETOOLARGE, "too_large", 413},
		{rewards.EREFUSED, "refused", 422},
		{rewards.ERATELIMITED, "rate_limited", 429},
		{rewards.EINTERNAL, "internal", 500},
		{"no_such_code", "internal", 500},
	} {
		err := rewards.Fail(c.code, "places.coop_unknown", lang.Args{"coop": "c9"})
		rec := do(t, api.NewHandler(failing{err: err}, api.Options{Devices: oneAdmin{}}), "GET", "/v1/vouchers/ABC", "", nil)
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d", c.code, rec.Code, c.status)
			continue
		}
		got := envelopeOf(t, rec)
		if got.Code != c.wire {
			t.Errorf("%s: code %q on the wire, want %q", c.code, got.Code, c.wire)
		}
		if c.wire != "internal" && (got.Key != "places.coop_unknown" || got.Args["coop"] != "c9") {
			t.Errorf("%s: key and args %q %v", c.code, got.Key, got.Args)
		}

		// Through the client, the domain's code again.
		srv := httptest.NewServer(api.NewHandler(failing{err: err}, api.Options{Devices: oneAdmin{}}))
		_, cerr := api.NewClient(srv.URL, srv.Client(), api.WithToken(adminToken)).Voucher(ctx, "ABC")
		srv.Close()
		want := c.code
		if c.wire == "internal" {
			want = rewards.EINTERNAL
		}
		var e *rewards.Error
		if !errors.As(cerr, &e) || e.Code != want || rewards.ErrorCode(cerr) != want {
			t.Errorf("%s through the client: %#v", c.code, cerr)
		}
	}
}

// The message is the catalog's, in the language Accept-Language prefers
// (q-values weigh), English when it names none of ours; the key and the
// arguments are the same in every language.
func TestErrorLanguage(t *testing.T) {
	err := rewards.Fail(rewards.ENOTFOUND, "places.coop_unknown", lang.Args{"coop": "c9"})
	h := newHandler(t, failing{err: err}, api.Options{Devices: oneAdmin{}})
	for _, c := range []struct{ header, lang string }{
		{"", lang.EN},
		{"bg", lang.BG},
		{"ru-RU", lang.RU},
		{"en-GB,en;q=0.9", lang.EN},
		{"de-DE, ru;q=0.5, bg;q=0.7", lang.BG},
		{"bg;q=0.2, RU;q=0.9", lang.RU},
		{"fr, de", lang.EN},
		{"bg;q=0, ru", lang.RU},
		{"*", lang.EN},
	} {
		if got := api.Language(c.header); got != c.lang {
			t.Errorf("Language(%q) = %s, want %s", c.header, got, c.lang)
		}
		got := envelopeOf(t, do(t, h, "GET", "/v1/vouchers/ABC", c.header, nil))
		if want := lang.Text(c.lang, "places.coop_unknown", lang.Args{"coop": "c9"}); got.Message != want {
			t.Errorf("Accept-Language %q: message %q, want %q", c.header, got.Message, want)
		}
	}
	bg, en := lang.Text(lang.BG, "places.coop_unknown", lang.Args{"coop": "c9"}), lang.Text(lang.EN, "places.coop_unknown", lang.Args{"coop": "c9"})
	if bg == en || !strings.Contains(bg, "c9") {
		t.Fatalf("the catalog's texts are not distinct: %q %q", bg, en)
	}
}

// An internal error is answered without its words, which go to the log.
func TestInternalErrorHidden(t *testing.T) {
	var log bytes.Buffer
	h := newHandler(t, failing{err: errors.New("open /var/lib/tochka/secret.db: disk on fire")},
		api.Options{Logger: slog.New(slog.NewTextHandler(&log, nil)), Devices: oneAdmin{}})
	rec := do(t, h, "GET", "/v1/vouchers/ABC", "ru", nil)
	got := envelopeOf(t, rec)
	if rec.Code != 500 || got.Code != "internal" || got.Key != "error.internal" || len(got.Args) != 0 {
		t.Fatalf("internal error answered %d %+v", rec.Code, got)
	}
	if strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "fire") {
		t.Fatalf("the answer shows the internals: %s", rec.Body)
	}
	if got.Message != lang.Text(lang.RU, "error.internal", nil) {
		t.Fatalf("internal message %q", got.Message)
	}
	if !strings.Contains(log.String(), "disk on fire") {
		t.Fatalf("the log lacks the internal error: %q", log.String())
	}
}

// ledgerHandler is the handler over a fresh SQLite ledger running the
// bundled coop program since 1 Nov 2026 08:00 UTC, on a clock stopped two
// days later, with a card issued then (active since the next day), its
// requests and answers checked against docs/openapi.json.
func ledgerHandler(t testing.TB) (http.Handler, api.Service, string) {
	t.Helper()
	s, opts, card := ledger(t)
	return newHandler(t, s, opts), s, card
}

// ledger is the ledger of ledgerHandler, the handler's options and the
// card.
func ledger(t testing.TB) (api.Service, api.Options, string) {
	t.Helper()
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { return start.Add(48 * time.Hour) }
	s := openStore(t, now)
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: start}, Program: rewardstest.Program(t, "coop")}); err != nil {
		t.Fatal(err)
	}
	card := rewardstest.MustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: start}})
	return s, api.Options{Now: now, Devices: oneAdmin{}}, card
}

const receiptJSON = `{"id":"R1","store":"s1","card":"%s","time":"2026-11-02T09:00:00Z","lines":[{"sku":"a","qty":1,"amount":500}]}`

// What arrives wrong is refused before the ledger sees it, each refusal
// naming what is wrong: a body over its route's limit, a field the
// command lacks, a body that is not JSON, a path and a body naming two
// cards, a batch over its count, an address of no route.
func TestRequestRefusals(t *testing.T) {
	h, _, card := ledgerHandler(t)
	big := `{"id":"R1","store":"s1","card":"` + card + `","time":"2026-11-02T09:00:00Z","lines":[` +
		strings.Repeat(`{"sku":"a","qty":1,"amount":500},`, 40000) + `{"sku":"a","qty":1,"amount":500}]}`
	for _, c := range []struct {
		name, method, path, body string
		status                   int
		code, key                string
		mentions                 []string
	}{
		{"receipt over 1 MiB", "POST", "/v1/receipts", big, 413, "too_large", "api.body_too_large", []string{"1 MiB"}},
		{"quote over 1 MiB", "POST", "/v1/receipts/quote", big, 413, "too_large", "api.body_too_large", []string{"1 MiB"}},
		{"unknown field of a card issue", "POST", "/v1/cards", `{"handed":true,"colour":"red"}`, 400, "invalid", "invalid.json", []string{"colour"}},
		{"unknown field of a receipt", "POST", "/v1/receipts", `{"id":"R1","stor":"s1"}`, 400, "invalid", "invalid.json", []string{"stor"}},
		{"unknown field of a receipt line", "POST", "/v1/receipts",
			`{"id":"R1","store":"s1","card":"` + card + `","time":"2026-11-02T09:00:00Z","lines":[{"sku":"a","qty":1,"amount":5,"own_brnd":true}]}`,
			400, "invalid", "invalid.json", []string{"own_brnd", "lines[0]"}},
		{"unknown field of a store", "PUT", "/v1/stores/s1", `{"store":{"coop":"c","names":{"en":"S"},"phone":"1"}}`, 400, "invalid", "invalid.json", []string{"phone"}},
		{"not JSON", "POST", "/v1/cards", `hello`, 400, "invalid", "invalid.json", []string{"card issue"}},
		{"JSON and more", "POST", "/v1/redemptions", `{} {}`, 400, "invalid", "invalid.json", nil},
		{"empty receipt", "POST", "/v1/receipts", ``, 400, "invalid", "invalid.json", []string{"empty"}},
		{"a required field left out", "POST", "/v1/receipts", `{"id":"R1","store":"s1","time":"2026-11-02T09:00:00Z","lines":[]}`, 400, "invalid", "invalid.field", []string{"card"}},
		{"path and body disagree", "POST", "/v1/cards/" + card + "/block", `{"card":"2000000000008"}`, 400, "invalid", "api.path_mismatch", []string{"card", card}},
		{"voucher path and body disagree", "POST", "/v1/vouchers/AAAA-BBBB/claim", `{"code":"CCCC-DDDD"}`, 400, "invalid", "api.path_mismatch", []string{"code"}},
		{"reward id and path disagree", "PUT", "/v1/board/items/oil", `{"reward":{"id":"tea","coop":"c","names":{"en":"Tea"},"points":5}}`, 400, "invalid", "api.path_mismatch", []string{"reward.id"}},
		{"a bad time", "GET", "/v1/cards/" + card + "/balance?at=yesterday", ``, 400, "invalid", "api.at_bad", []string{"yesterday"}},
		{"batch over 500", "POST", "/v1/receipts/batch", "[" + strings.Repeat(`null,`, 500) + "null]", 413, "too_large", "api.batch_too_many", []string{"500", "501"}},
		{"no such route", "GET", "/v1/nothing", ``, 404, "not_found", "api.route_unknown", []string{"/v1/nothing"}},
		{"a method the route lacks", "DELETE", "/v1/receipts", ``, 404, "not_found", "api.route_unknown", []string{"DELETE /v1/receipts"}},
		{"unknown program key", "PUT", "/v1/program", `{"program":{"name":"x","kind":"points","colour":1}}`, 400, "invalid", "invalid.json", []string{"colour"}},
		{"program of the wrong type", "PUT", "/v1/program", `{"program":{"name":7}}`, 400, "invalid", "invalid.json", []string{"name"}},
		{"no such card", "GET", "/v1/cards/2000000000008", ``, 404, "not_found", "", nil},
		{"a picture that is no image", "PUT", "/v1/pictures", `GIF89a`, 400, "invalid", "picture.not_jpeg_png", nil},
		{"a picture under another's hash", "PUT", "/v1/pictures?sha256=" + strings.Repeat("0", 64), `GIF89a`, 400, "invalid", "picture.hash_mismatch", nil},
		{"an unknown parameter", "GET", "/v1/cards/" + card + "/balance?when=2026-11-02T09:00:00Z", ``, 400, "invalid", "api.param_unknown", []string{"when"}},
		{"a parameter of another route", "GET", "/v1/check?at=2026-11-02T09:00:00Z", ``, 400, "invalid", "api.param_unknown", []string{"at"}},
		{"a picture over the board's 10 MiB", "PUT", "/v1/pictures", strings.Repeat("x", 10<<20+1), 413, "too_large", "picture.file_too_large", []string{"10"}},
		{"a picture over 12 MiB", "PUT", "/v1/pictures", strings.Repeat("x", 12<<20+1), 413, "too_large", "api.body_too_large", []string{"12 MiB"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := do(t, h, c.method, c.path, "", strings.NewReader(c.body))
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			got := envelopeOf(t, rec)
			if got.Code != c.code || (c.key != "" && got.Key != c.key) {
				t.Fatalf("got %s %s, want %s %s: %s", got.Code, got.Key, c.code, c.key, got.Message)
			}
			for _, m := range c.mentions {
				if !strings.Contains(got.Message, m) {
					t.Errorf("the message %q does not name %q", got.Message, m)
				}
			}
		})
	}
}

// A batch of 16 MiB at most is taken whole: a body over a command's limit
// but under the batch's is read, and its receipts answered one by one.
func TestBatchLimit(t *testing.T) {
	h, _, card := ledgerHandler(t)
	line := `{"sku":"a","qty":1,"amount":500},`
	receipt := `{"id":"R%d","store":"s1","card":"` + card + `","time":"2026-11-02T09:00:00Z","lines":[` + strings.Repeat(line, 300) + line[:len(line)-1] + `]}`
	var b strings.Builder
	b.WriteString("[")
	for i := range 200 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(strings.Replace(receipt, "%d", string(rune('A'+i%26))+strings.Repeat("x", i/26), 1))
	}
	b.WriteString("]")
	if b.Len() <= api.CommandLimit || b.Len() > api.BatchLimit {
		t.Fatalf("the batch is %d bytes", b.Len())
	}
	rec := do(t, h, "POST", "/v1/receipts/batch", "", strings.NewReader(b.String()))
	if rec.Code != 200 {
		t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
	}
	var got []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got) != 200 {
		t.Fatalf("%d answers, %v", len(got), err)
	}
	over := "[" + strings.Repeat(" ", api.BatchLimit) + "]"
	if rec := do(t, h, "POST", "/v1/receipts/batch", "", strings.NewReader(over)); rec.Code != 413 || envelopeOf(t, rec).Key != "api.body_too_large" {
		t.Fatalf("a batch over 16 MiB: %d %.300s", rec.Code, rec.Body)
	}
}

// The same command again answers 200 with the first result, byte for byte;
// another body under its id is a conflict. A batch answers each receipt,
// a refused one with its error in the envelope's shape.
func TestIdempotencyThroughHandlers(t *testing.T) {
	h, _, card := ledgerHandler(t)
	body := strings.Replace(receiptJSON, "%s", card, 1)
	first := do(t, h, "POST", "/v1/receipts", "", strings.NewReader(body))
	again := do(t, h, "POST", "/v1/receipts", "", strings.NewReader(body))
	if first.Code != 200 || again.Code != 200 || first.Body.String() != again.Body.String() {
		t.Fatalf("first %d %s, again %d %s", first.Code, first.Body, again.Code, again.Body)
	}
	var res rewards.ReceiptResult
	if err := json.Unmarshal(first.Body.Bytes(), &res); err != nil || res.Earned <= 0 || res.Balance == nil || res.Balance.Available != res.Earned {
		t.Fatalf("the answer %s: %v", first.Body, err)
	}
	other := strings.Replace(body, `"amount":500`, `"amount":700`, 1)
	if rec := do(t, h, "POST", "/v1/receipts", "", strings.NewReader(other)); rec.Code != 409 || envelopeOf(t, rec).Code != "conflict" {
		t.Fatalf("another body under the id: %d %s", rec.Code, rec.Body)
	}
	rec := do(t, h, "POST", "/v1/receipts/batch", "bg", strings.NewReader("["+body+","+other+"]"))
	var items []struct {
		Receipt string `json:"receipt"`
		Earned  int64  `json:"earned"`
		Error   *wire  `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &items); rec.Code != 200 || err != nil || len(items) != 2 {
		t.Fatalf("batch: %d %s %v", rec.Code, rec.Body, err)
	}
	if items[0].Error != nil || items[0].Earned != res.Earned || items[1].Error == nil || items[1].Error.Code != "conflict" ||
		items[1].Error.Key == "" || items[1].Error.Message == lang.Text(lang.EN, items[1].Error.Key, nil) {
		t.Fatalf("batch answers: %s", rec.Body)
	}
}

// A refusal through the client is the *rewards.Error the store made: its
// code, key and message, and arguments that render it in every language
// as the store's own error does, nested messages included.
func TestClientErrors(t *testing.T) {
	_, s, card := ledgerHandler(t)
	for _, l := range lang.All {
		srv := httptest.NewServer(newHandler(t, s, api.Options{Devices: oneAdmin{}}))
		t.Cleanup(srv.Close)
		c := api.NewClient(srv.URL, srv.Client(), api.WithLanguage(l), api.WithToken(adminToken))
		for _, tc := range []struct {
			name string
			call func(rewardstest.Store) error
		}{
			{"bad card number", func(st rewardstest.Store) error {
				_, err := st.BlockCard(ctx, rewards.CardAction{Card: "12345"})
				return err
			}},
			{"unknown card", func(st rewardstest.Store) error {
				_, err := st.Balance(ctx, "2000000000008", time.Time{})
				return err
			}},
			{"unknown cooperative", func(st rewardstest.Store) error {
				_, err := st.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{ID: "s1", Coop: "nope", Names: rewards.Names{EN: "S"}}})
				return err
			}},
			{"a claim of no voucher", func(st rewardstest.Store) error {
				_, err := st.ClaimVoucher(ctx, rewards.VoucherAction{Code: "ABCD-EFGH"})
				return err
			}},
			{"no card to block", func(st rewardstest.Store) error {
				_, err := st.BlockCard(ctx, rewards.CardAction{})
				return err
			}},
			{"no voucher to claim", func(st rewardstest.Store) error {
				_, err := st.ClaimVoucher(ctx, rewards.VoucherAction{})
				return err
			}},
			{"no reward to remove", func(st rewardstest.Store) error {
				return st.RemoveReward(ctx, rewards.RewardRemove{})
			}},
			{"no store to record", func(st rewardstest.Store) error {
				_, err := st.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{Coop: "c", Names: rewards.Names{EN: "S"}}})
				return err
			}},
			{"no such voucher to look at", func(st rewardstest.Store) error {
				_, err := st.Voucher(ctx, "")
				return err
			}},
			{"a redemption of nothing", func(st rewardstest.Store) error {
				_, err := st.Redeem(ctx, rewards.Redemption{Card: card, Reward: "none"})
				return err
			}},
		} {
			local, remote := tc.call(s), tc.call(c)
			var le, re *rewards.Error
			if !errors.As(local, &le) || !errors.As(remote, &re) {
				t.Fatalf("%s: local %v, remote %v", tc.name, local, remote)
			}
			if re.Code != le.Code || re.Key != le.Key || re.Message != le.In(l) {
				t.Errorf("%s in %s: remote %s %s %q, local %s %s %q", tc.name, l, re.Code, re.Key, re.Message, le.Code, le.Key, le.In(l))
			}
			for _, other := range lang.All {
				if re.In(other) != le.In(other) {
					t.Errorf("%s rendered in %s: remote %q, local %q", tc.name, other, re.In(other), le.In(other))
				}
			}
		}
	}
}

// A request that gets no answer is an internal error that says why.
func TestClientTransportFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := api.NewClient(srv.URL, nil)
	_, err := c.Balance(ctx, "2000000000008", time.Time{})
	if err == nil || rewards.ErrorCode(err) != rewards.EINTERNAL || !strings.Contains(err.Error(), "/v1/cards/2000000000008/balance") {
		t.Fatalf("a closed server: %v", err)
	}
}

// A picture is answered by its hash as an immutable, cacheable blob of
// its type.
func TestPictureAnswer(t *testing.T) {
	h, _, _ := ledgerHandler(t)
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.NRGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	rec := do(t, h, "PUT", "/v1/pictures", "", bytes.NewReader(buf.Bytes()))
	var p rewards.Picture
	if err := json.Unmarshal(rec.Body.Bytes(), &p); rec.Code != 200 || err != nil || !rewards.IsPictureHash(p.Hash) || p.Width != 4 || p.Height != 3 || p.MediaType != rewards.MediaPNG {
		t.Fatalf("put: %d %s %v", rec.Code, rec.Body, err)
	}
	rec = do(t, h, "GET", "/v1/pictures/"+p.Hash, "", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") ||
		rewards.PictureHash(rec.Body.Bytes()) != p.Hash {
		t.Fatalf("get: %d %v", rec.Code, rec.Header())
	}
	req := httptest.NewRequest("GET", "/v1/pictures/"+p.Hash, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	again := httptest.NewRecorder()
	h.ServeHTTP(again, req)
	if again.Code != http.StatusNotModified {
		t.Fatalf("a cached picture asked again: %d", again.Code)
	}
	if rec := do(t, h, "GET", "/v1/pictures/"+strings.Repeat("a", 64), "", nil); rec.Code != 404 {
		t.Fatalf("no such picture: %d", rec.Code)
	}
}
