package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI string                                 `json:"openapi"`
	Paths   map[string]map[string]openAPIOperation `json:"paths"`
}

type openAPIOperation struct {
	Summary    string `json:"summary"`
	Parameters []struct {
		Ref    string `json:"$ref"`
		Name   string `json:"name"`
		In     string `json:"in"`
		Schema struct {
			Type any `json:"type"`
		} `json:"schema"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
}

// servedElsewhere are the routes cmd/tochkad serves beside the API.
var servedElsewhere = []string{"GET /healthz", "GET /readyz"}

func readOpenAPI(t *testing.T) (openAPIDoc, []byte) {
	t.Helper()
	data, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("docs/openapi.json is not valid JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("docs/openapi.json: openapi %q, want 3.1.0", doc.OpenAPI)
	}
	return doc, data
}

// queryParams are the query parameters an operation names, the shared
// ones ($ref) by their component's name; free is whether it takes every
// name (a parameter that is a free-form object).
func queryParams(op openAPIOperation) (names []string, free bool) {
	for _, p := range op.Parameters {
		switch {
		case p.In == "query" && p.Schema.Type == "object":
			free = true
		case p.In == "query":
			names = append(names, p.Name)
		case p.Ref == "#/components/parameters/at":
			names = append(names, "at")
		}
	}
	return names, free
}

// The document describes every route the server serves, by the method
// and pattern it is registered with, and no route it does not serve.
func TestOpenAPIRoutes(t *testing.T) {
	doc, _ := readOpenAPI(t)
	served := []string{api.RouteOpenAPI}
	served = append(served, servedElsewhere...)
	for route := range rewards.Rights {
		served = append(served, route)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			route := strings.ToUpper(method) + " " + path
			documented = append(documented, route)
			if op.Summary == "" {
				t.Errorf("%s has no summary", route)
			}
			if _, ok := op.Responses["200"]; !ok {
				t.Errorf("%s has no 200 answer", route)
			}
		}
	}
	for _, route := range served {
		if !slices.Contains(documented, route) {
			t.Errorf("the server serves %s, which docs/openapi.json does not describe", route)
		}
	}
	for _, route := range documented {
		if !slices.Contains(served, route) {
			t.Errorf("docs/openapi.json describes %s, which the server does not serve", route)
		}
	}
}

// Each operation the document describes is answered by the API's
// handler (not as an unknown route), and takes the query parameters the
// document names and no others (or every one, where it says so). What the
// handler takes and answers is held to the document (newHandler) in every
// test; this one asks every route what no other test does.
func TestOpenAPIOperationsServed(t *testing.T) {
	doc, _ := readOpenAPI(t)
	now := func() time.Time { return time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC) }
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up 1\n") })
	h := newHandler(t, openStore(t, now), api.Options{Now: now, Devices: oneAdmin{}, Metrics: metrics})
	for path, ops := range doc.Paths {
		for method, op := range ops {
			route := strings.ToUpper(method) + " " + path
			if slices.Contains(servedElsewhere, route) {
				continue
			}
			target := strings.NewReplacer("{number}", "C1", "{code}", "V1", "{id}", "x1", "{sha256}", strings.Repeat("0", 64)).Replace(path)
			names, free := queryParams(op)
			rec := do(t, h, strings.ToUpper(method), target+"?not_a_param=1", "", nil)
			switch {
			case free:
				if rec.Code != http.StatusOK {
					t.Errorf("%s?not_a_param=1: %d %s, want it answered", route, rec.Code, rec.Body)
				}
				continue
			default:
				if e := envelopeOf(t, rec); e.Key != "api.param_unknown" {
					t.Errorf("%s?not_a_param=1: %d %s, want the parameter refused", route, rec.Code, rec.Body)
				}
			}
			for _, name := range names {
				rec := do(t, h, strings.ToUpper(method), target+"?"+name+"=x", "", nil)
				if body := rec.Body.Bytes(); bytes.Contains(body, []byte("api.route_unknown")) || bytes.Contains(body, []byte("api.param_unknown")) {
					t.Errorf("%s?%s=x: %d %s: the parameter the document names is not taken", route, name, rec.Code, rec.Body)
				}
			}
		}
	}
}

// GET /v1/openapi.json answers the document, byte for byte, to a caller
// without a token.
func TestOpenAPIServed(t *testing.T) {
	_, want := readOpenAPI(t)
	now := func() time.Time { return time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC) }
	h := newHandler(t, openStore(t, now), api.Options{Now: now, Devices: oneAdmin{}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json without a token: %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q, want application/json", ct)
	}
	if !bytes.Equal(rec.Body.Bytes(), want) {
		t.Errorf("GET /v1/openapi.json answers other bytes than docs/openapi.json")
	}
	// A route with a token is still refused without one.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/program", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("GET /v1/program without a token: %d, want 401", rec.Code)
	}
}
