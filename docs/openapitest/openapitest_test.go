package openapitest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tochka-loyalty/tochka/docs/openapitest"
)

// spy is a test whose errors are kept, not reported: what the checks
// would fail a test with.
type spy struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (s *spy) Helper() {}

func (s *spy) Errorf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
}

func (s *spy) errors() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.errs, "\n")
}

// exchange is a request and the answer a fake server gives it.
type exchange struct {
	name               string
	method, path, body string
	reqType            string // the request's Content-Type
	status             int
	respType, answer   string
	retryAfter         string // the answer's Retry-After
	want               string // in the errors; "": none
}

const (
	receipt  = `{"id":"R1","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"a","qty":1,"amount":500}]}`
	result   = `{"receipt":"R1","card":"2900000000018","earned":20,"spent":0,"discount":0,"lines":[{"sku":"a","earned":20,"discount":0}]}`
	invalid  = `{"error":{"code":"invalid","key":"invalid.json","args":{"what":"receipt"},"message":"The receipt is not JSON."}}`
	limited  = `{"error":{"code":"rate_limited","key":"api.rate_limited","args":{"retry_after":7},"message":"Too many look-ups."}}`
	notFound = `{"error":{"code":"not_found","key":"api.route_unknown","args":{"method":"GET","path":"/v1/nothing"},"message":"There is no GET /v1/nothing in this API."}}`
)

var exchanges = []exchange{
	{name: "a receipt posted", method: "POST", path: "/v1/receipts", body: receipt, reqType: "application/json",
		status: 200, respType: "application/json", answer: result},
	{name: "an answer that lacks a field", method: "POST", path: "/v1/receipts", body: receipt,
		status: 200, respType: "application/json", answer: strings.Replace(result, `"spent":0,`, "", 1), want: "missing property 'spent'"},
	{name: "an answer with a field the document lacks", method: "POST", path: "/v1/receipts", body: receipt,
		status: 200, respType: "application/json", answer: strings.Replace(result, `"spent":0,`, `"spent":0,"colour":"red",`, 1), want: "colour"},
	{name: "an answer of the wrong type", method: "GET", path: "/v1/stores",
		status: 200, respType: "application/json", answer: `{"id":"s1"}`, want: "want array"},
	{name: "an answer of another content type", method: "POST", path: "/v1/receipts", body: receipt,
		status: 200, respType: "text/plain; charset=utf-8", answer: result, want: "content type"},
	{name: "a status the operation does not list", method: "GET", path: "/v1/stores",
		status: 413, respType: "application/json", answer: invalid, want: "status 413"},
	{name: "a refusal that is no envelope", method: "POST", path: "/v1/receipts", body: `{`,
		status: 400, respType: "application/json", answer: `{"message":"bad"}`, want: "missing property 'error'"},
	{name: "a refusal under another status's code", method: "GET", path: "/v1/stores",
		status: 403, respType: "application/json", answer: invalid, want: "forbidden"},
	{name: "a malformed request refused", method: "POST", path: "/v1/receipts", body: `{"id":"R1","stor":"s1"}`,
		status: 400, respType: "application/json", answer: invalid},
	{name: "a request the document refuses, taken", method: "POST", path: "/v1/receipts", body: `{"id":"R1","stor":"s1"}`,
		status: 200, respType: "application/json", answer: result, want: "the request's body"},
	{name: "a request of another content type, taken", method: "POST", path: "/v1/receipts", body: receipt, reqType: "text/csv",
		status: 200, respType: "application/json", answer: result, want: "text/csv"},
	{name: "an unknown query parameter, taken", method: "GET", path: "/v1/stores?colour=red",
		status: 200, respType: "application/json", answer: `[]`, want: "query parameter colour"},
	{name: "a moment that is not one, taken", method: "GET", path: "/v1/cards/2900000000018/balance?at=yesterday",
		status: 200, respType: "application/json", answer: `{}`, want: "query parameter at"},
	{name: "a route the document lacks, refused", method: "GET", path: "/v1/nothing",
		status: 404, respType: "application/json", answer: notFound},
	{name: "a route the document lacks, answered", method: "GET", path: "/v1/nothing",
		status: 200, respType: "application/json", answer: `{}`, want: "no operation GET /v1/nothing"},
	{name: "a method the path lacks, answered", method: "DELETE", path: "/v1/receipts",
		status: 200, respType: "application/json", answer: `{}`, want: "no operation DELETE /v1/receipts"},
	{name: "a picture", method: "GET", path: "/v1/pictures/" + strings.Repeat("a", 64),
		status: 200, respType: "image/png", answer: "\x89PNG\r\n\x1a\n", want: "the header ETag"},
	{name: "a rate limit", method: "GET", path: "/v1/cards/2900000000018/balance",
		status: 429, respType: "application/json", answer: limited, retryAfter: "7"},
	{name: "a rate limit that says no wait", method: "GET", path: "/v1/cards/2900000000018/balance",
		status: 429, respType: "application/json", answer: limited, retryAfter: "soon", want: "Retry-After"},
	{name: "a rate limit without its wait", method: "GET", path: "/v1/cards/2900000000018/balance",
		status: 429, respType: "application/json", answer: limited, want: "lacks the header Retry-After"},
	{name: "the metrics", method: "GET", path: "/metrics",
		status: 200, respType: "text/plain; version=0.0.4; charset=utf-8", answer: "up 1\n"},
}

// fake answers each exchange's request with its answer.
func fake(x exchange) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", x.respType)
		if x.status >= 400 {
			w.Header().Set("X-Content-Type-Options", "nosniff") // as the API's refusals
		}
		if x.retryAfter != "" {
			w.Header().Set("Retry-After", x.retryAfter)
		}
		w.WriteHeader(x.status)
		io.WriteString(w, x.answer)
	})
}

func request(t *testing.T, x exchange, base string) *http.Request {
	req, err := http.NewRequest(x.method, base+x.path, strings.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tch_test")
	if x.reqType != "" {
		req.Header.Set("Content-Type", x.reqType)
	}
	return req
}

func wantErrors(t *testing.T, x exchange, got string) {
	t.Helper()
	switch {
	case x.want == "" && got != "":
		t.Errorf("%s: failed the test:\n%s", x.name, got)
	case x.want != "" && !strings.Contains(got, x.want):
		t.Errorf("%s: want an error naming %q, got:\n%s", x.name, x.want, got)
	case x.want != "" && !strings.Contains(got, "answered "+fmt.Sprint(x.status)):
		t.Errorf("%s: the error does not name the status:\n%s", x.name, got)
	}
}

// Handler fails the test of a handler that answers or takes what the
// document does not describe, and of no other.
func TestHandler(t *testing.T) {
	for _, x := range exchanges {
		s := &spy{TB: t}
		rec := httptest.NewRecorder()
		openapitest.Handler(s, fake(x)).ServeHTTP(rec, request(t, x, ""))
		if rec.Code != x.status || rec.Body.String() != x.answer {
			t.Errorf("%s: the answer passed on as %d %q", x.name, rec.Code, rec.Body)
		}
		wantErrors(t, x, s.errors())
	}
}

// Transport does the same for a client of a server.
func TestTransport(t *testing.T) {
	for _, x := range exchanges {
		srv := httptest.NewServer(fake(x))
		s := &spy{TB: t}
		c := &http.Client{Transport: openapitest.Transport(s, nil)}
		resp, err := c.Do(request(t, x, srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != x.status || string(body) != x.answer {
			t.Errorf("%s: the answer passed on as %d %q", x.name, resp.StatusCode, body)
		}
		wantErrors(t, x, s.errors())
	}
}

// Without a Content-Type, an answer is what its bytes look like, as the
// server sends it: a JSON answer so is text, and the document refuses it.
func TestHandlerSniffs(t *testing.T) {
	s := &spy{TB: t}
	h := openapitest.Handler(s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "[]")
	}))
	req := httptest.NewRequest("GET", "/v1/stores", nil)
	req.Header.Set("Authorization", "Bearer tch_test")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := s.errors(); !strings.Contains(got, `content type "text/plain; charset=utf-8"`) {
		t.Errorf("a JSON answer without its content type: %q", got)
	}
}

// orderLog is a request body that notes in a log when it is read.
type orderLog struct {
	r   io.Reader
	log *[]string
}

func (o orderLog) Read(p []byte) (int, error) {
	*o.log = append(*o.log, "read")
	return o.r.Read(p)
}

// Handler reads the request's body before it calls the handler, and
// never after the answer is written; the handler still gets the whole
// body, and a body the handler leaves unread is checked all the same.
func TestHandlerReadsFirst(t *testing.T) {
	for _, reads := range []bool{true, false} {
		var log []string
		var got string
		s := &spy{TB: t}
		h := openapitest.Handler(s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			log = append(log, "serve")
			if reads {
				data, _ := io.ReadAll(r.Body)
				got = string(data)
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, result)
			log = append(log, "answered")
		}))
		body := strings.Replace(receipt, `"store"`, `"stor"`, 1) // one the document refuses
		req := httptest.NewRequest("POST", "/v1/receipts", orderLog{strings.NewReader(body), &log})
		req.Header.Set("Authorization", "Bearer tch_test")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if i := slices.Index(log, "serve"); i < 1 || slices.Contains(log[i:], "read") {
			t.Errorf("reads %v: the body read in the order %v, want it read before the handler is served", reads, log)
		}
		if reads && got != body {
			t.Errorf("the handler read %q of %q", got, body)
		}
		if errs := s.errors(); !strings.Contains(errs, "the request's body") {
			t.Errorf("reads %v: the refused body taken is not reported: %q", reads, errs)
		}
	}
}
