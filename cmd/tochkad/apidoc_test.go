package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/docs/openapitest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The examples of docs/api.md, read in order. Each is a ```sh block with
// one curl command (lines joined by a trailing backslash) followed by the
// answer shown: a ```json block, compared with the answer as JSON, or a
// ```text block, which the answer must start with (for answers shown
// abbreviated: /metrics, /v1/openapi.json, the health routes).
//
// The curl command is parsed, not run: -X METHOD, -H 'Header: value',
// -d BODY (POST unless -X says otherwise), --data-binary @FILE (a path
// from the repository's root), the URL; -s and -i are ignored. $TOCHKA is
// the server's base URL and $TILL, $KIOSK, $MANAGER, $ADMIN the tokens of
// the devices pos-1, kiosk-1, manager-1 (all of store s1) and admin (of
// cooperative c1); $SMS_CODE is the code of the last SMS sent, which the
// server (--sms log) writes in its log.
//
// In a JSON answer, the string "…" matches any value (tokens, trace
// ids, what cannot be fixed), and a string "$NAME" matches any value and
// captures it as the variable NAME for the examples after it (the first
// time; later it must be the same value). An answer with an "error" key
// is expected to be a 4xx; any other a 2xx.
//
// With TOCHKA_APIDOC_SHOW set, the test logs every answer it got, to write
// the answers of a new example.
type docExample struct {
	line   int    // of the curl command in docs/api.md
	curl   string // the command, continuation lines joined
	kind   string // json or text
	answer string
}

// docExamples reads the examples of the markdown text.
func docExamples(t *testing.T, text string) []docExample {
	t.Helper()
	var out []docExample
	lines := strings.Split(text, "\n")
	var pending *docExample
	for i := 0; i < len(lines); i++ {
		fence := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(fence, "```") || fence == "```" {
			continue
		}
		kind, start := strings.TrimPrefix(fence, "```"), i+1
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
		}
		body := strings.Join(lines[start:i], "\n")
		switch kind {
		case "sh":
			if pending != nil {
				t.Fatalf("docs/api.md:%d: a curl example without an answer", pending.line)
			}
			pending = &docExample{line: start + 1, curl: strings.ReplaceAll(body, "\\\n", " ")}
		case "json", "text":
			if pending == nil {
				continue // an answer shape in the intro, not an example
			}
			pending.kind, pending.answer = kind, body
			out = append(out, *pending)
			pending = nil
		}
	}
	if pending != nil {
		t.Fatalf("docs/api.md:%d: a curl example without an answer", pending.line)
	}
	return out
}

// shellWords splits a command as sh would, for the quoting curl examples
// use: single quotes, double quotes and backslashes.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			if r == '"' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("an unclosed %c quote", quote)
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

var docVar = regexp.MustCompile(`\$([A-Z][A-Z0-9_]*)`)

// expand puts the variables' values in s; a variable not known is an
// error.
func expand(s string, vars map[string]string) (string, error) {
	var missing []string
	out := docVar.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := vars[m[1:]]
		if !ok {
			missing = append(missing, m)
		}
		return v
	})
	if missing != nil {
		return "", fmt.Errorf("unknown variables %v", missing)
	}
	return out, nil
}

// curlRequest makes the request a curl command describes.
func curlRequest(cmd string, vars map[string]string, root string) (*http.Request, error) {
	words, err := shellWords(cmd)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 || words[0] != "curl" {
		return nil, fmt.Errorf("not a curl command: %q", cmd)
	}
	method, url := "", ""
	var headers [][2]string
	var body []byte
	for i := 1; i < len(words); i++ {
		w, err := expand(words[i], vars)
		if err != nil {
			return nil, err
		}
		arg := func() (string, error) {
			if i+1 >= len(words) {
				return "", fmt.Errorf("%s without a value", w)
			}
			i++
			return expand(words[i], vars)
		}
		switch w {
		case "-s", "-i", "--silent":
		case "-X", "-H", "-d", "--data-binary":
			v, err := arg()
			if err != nil {
				return nil, err
			}
			switch w {
			case "-X":
				method = v
			case "-H":
				name, value, ok := strings.Cut(v, ":")
				if !ok {
					return nil, fmt.Errorf("a header without a colon: %q", v)
				}
				headers = append(headers, [2]string{name, strings.TrimSpace(value)})
			case "-d":
				body = []byte(v)
			case "--data-binary":
				if !strings.HasPrefix(v, "@") {
					return nil, fmt.Errorf("--data-binary takes @FILE here: %q", v)
				}
				if body, err = os.ReadFile(filepath.Join(root, v[1:])); err != nil {
					return nil, err
				}
			}
		default:
			if strings.HasPrefix(w, "-") || url != "" {
				return nil, fmt.Errorf("curl argument %q is not one the examples use", w)
			}
			url = w
		}
	}
	if method == "" {
		method = "GET"
		if body != nil {
			method = "POST"
		}
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for _, h := range headers {
		req.Header.Set(h[0], h[1])
	}
	return req, nil
}

// matchDoc compares an answer with the one shown, capturing "$NAME"
// values into vars; it returns where they differ, or "".
func matchDoc(path string, shown, got any, vars map[string]string) string {
	if s, ok := shown.(string); ok {
		if s == "…" {
			return ""
		}
		if m := docVar.FindStringSubmatch(s); m != nil && m[0] == s {
			gs, ok := got.(string)
			if !ok {
				return fmt.Sprintf("%s: %v is not a string to capture as %s", path, got, s)
			}
			if old, ok := vars[m[1]]; ok && old != gs {
				return fmt.Sprintf("%s: %q, but %s is %q", path, gs, s, old)
			}
			vars[m[1]] = gs
			return ""
		}
	}
	switch s := shown.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: shown an object, got %v", path, got)
		}
		for k := range g {
			if _, ok := s[k]; !ok {
				return fmt.Sprintf("%s.%s: not shown, got %v", path, k, g[k])
			}
		}
		for k, v := range s {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: shown, not answered", path, k)
			}
			if d := matchDoc(path+"."+k, v, gv, vars); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(s) {
			return fmt.Sprintf("%s: shown %d items, got %v", path, len(s), got)
		}
		for i := range s {
			if d := matchDoc(fmt.Sprintf("%s[%d]", path, i), s[i], g[i], vars); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(shown, got) {
		return fmt.Sprintf("%s: shown %v, got %v", path, shown, got)
	}
	return ""
}

// routeOf names the route of the rights table a request is, by its method
// and its path's pattern ("" when none).
func routeOf(method, path string) string {
	best, wild := "", 0
	for _, r := range docRoutes() {
		m, pattern, _ := strings.Cut(r, " ")
		if m != method {
			continue
		}
		ps, qs := strings.Split(pattern, "/"), strings.Split(path, "/")
		if len(ps) != len(qs) {
			continue
		}
		ok, n := true, 0
		for i := range ps {
			if strings.HasPrefix(ps[i], "{") {
				n++
			} else if ps[i] != qs[i] {
				ok = false
			}
		}
		// The most specific pattern wins, as in the server's mux:
		// /v1/cards/unprinted over /v1/cards/{number}.
		if ok && (best == "" || n < wild) {
			best, wild = r, n
		}
	}
	return best
}

// lastSMSCode is the code of the last SMS the log sender wrote, or "".
func lastSMSCode(log string) string {
	code := ""
	for _, l := range strings.Split(log, "\n") {
		var line struct{ Code string }
		if json.Unmarshal([]byte(l), &line) == nil && line.Code != "" {
			code = line.Code
		}
	}
	return code
}

// docRoutes are the routes docs/api.md must show: the rights table's and
// those open to all.
func docRoutes() []string {
	routes := []string{"GET /healthz", "GET /readyz", "GET /v1/openapi.json"}
	for r := range rewards.Rights {
		routes = append(routes, r)
	}
	return routes
}

// Every example of docs/api.md, run in order against one tochkad over a
// co-op ledger on a fixed clock, answers what it shows, and every route
// has an example.
func TestAPIDoc(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(root, "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := docExamples(t, string(text))
	db := newLedger(t)
	tokens := addDevices(t, db, []string{"s1", "s2"},
		rewards.Device{Name: "pos-1", Role: rewards.RolePOS, Store: "s1"},
		rewards.Device{Name: "kiosk-1", Role: rewards.RoleKiosk, Store: "s1"},
		rewards.Device{Name: "manager-1", Role: rewards.RoleManager, Store: "s1"},
		rewards.Device{Name: "admin", Role: rewards.RoleAdmin, Coop: "c1"})
	base, logs := start(t, map[string]string{"TOCHKA_NOW": "2026-11-20T10:00:00Z", "TOCHKA_SMS": "log"}, "--db", "sqlite:"+db, "--listen", "127.0.0.1:0")
	vars := map[string]string{"TOCHKA": base, "TILL": tokens[0], "KIOSK": tokens[1], "MANAGER": tokens[2], "ADMIN": tokens[3]}
	shown := map[string]bool{}
	update := os.Getenv("TOCHKA_APIDOC_SHOW") != ""
	// Each example's request and answer hold to docs/openapi.json.
	client := openapitest.Client(t)
	for _, ex := range examples {
		if code := lastSMSCode(logs.String()); code != "" {
			vars["SMS_CODE"] = code
		}
		req, err := curlRequest(ex.curl, vars, root)
		if err != nil {
			t.Fatalf("docs/api.md:%d: %v", ex.line, err)
		}
		if r := routeOf(req.Method, req.URL.Path); r != "" {
			shown[r] = true
		} else {
			t.Errorf("docs/api.md:%d: %s %s is no route of the API", ex.line, req.Method, req.URL.Path)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("docs/api.md:%d: %v", ex.line, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if update {
			t.Logf("docs/api.md:%d: %d\n%s", ex.line, resp.StatusCode, data)
		}
		if ex.kind == "text" {
			if resp.StatusCode/100 != 2 || !strings.HasPrefix(string(data), ex.answer) {
				t.Errorf("docs/api.md:%d: %d, answer does not start with the one shown:\n%s", ex.line, resp.StatusCode, data)
			}
			continue
		}
		var want, got any
		if err := json.Unmarshal([]byte(ex.answer), &want); err != nil {
			t.Fatalf("docs/api.md:%d: the answer shown is not JSON: %v", ex.line, err)
		}
		if err := json.Unmarshal(data, &got); err != nil {
			t.Errorf("docs/api.md:%d: %d, the answer is not JSON: %s", ex.line, resp.StatusCode, data)
			continue
		}
		class := 2
		if m, ok := want.(map[string]any); ok && m["error"] != nil {
			class = 4
		}
		if resp.StatusCode/100 != class {
			t.Errorf("docs/api.md:%d: status %d\n%s", ex.line, resp.StatusCode, data)
		}
		if d := matchDoc("answer", want, got, vars); d != "" {
			t.Errorf("docs/api.md:%d: %s\n%s", ex.line, d, data)
		}
	}
	for _, r := range docRoutes() {
		if !shown[r] {
			t.Errorf("docs/api.md has no example of %s", r)
		}
	}
}
