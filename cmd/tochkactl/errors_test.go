package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// refusedAs runs a command that the rules must refuse, with --json: exit 1,
// nothing on stdout, and on stderr the error document with the given code
// and message key, whose arguments include args (compared as JSON, so that
// a nested message is {"key": ..., "args": {...}}). It returns the
// document.
func (c *cli) refusedAs(code, key string, args map[string]any, cmdline ...string) errJSON {
	c.t.Helper()
	status, out, errOut := c.exec("", append(cmdline, "--json")...)
	if status != exitRefused || out != "" {
		c.t.Fatalf("tochkactl %s --json: want a refusal (exit 1, nothing on stdout), got exit %d\nstdout: %s\nstderr: %s",
			strings.Join(cmdline, " "), status, out, errOut)
	}
	e := jsonError(c.t, errOut)
	if e.Error.Code != code || *e.Error.Key != key {
		c.t.Errorf("tochkactl %s: error %s %s (%s), want %s %s", strings.Join(cmdline, " "), e.Error.Code, *e.Error.Key, e.Error.Message, code, key)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(e.Error.Args, &got); err != nil {
		c.t.Fatalf("args %s: %v", e.Error.Args, err)
	}
	for k, want := range args {
		if g, w := sameJSON(c.t, got[k]), sameJSON(c.t, want); g != w {
			c.t.Errorf("tochkactl %s: %s argument %s = %s, want %s", strings.Join(cmdline, " "), key, k, g, w)
		}
	}
	return e
}

// sameJSON writes v (a value, or JSON already) as JSON with its objects'
// keys sorted, so that two equal values compare equal as text.
func sameJSON(t *testing.T, v any) string {
	t.Helper()
	raw, ok := v.(json.RawMessage)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		raw = b
	}
	if raw == nil {
		return "(none)"
	}
	var any any
	if err := json.Unmarshal(raw, &any); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	b, _ := json.Marshal(any)
	return string(b)
}

// nested is a message as --json prints an argument of another.
func nested(key string, args map[string]any) map[string]any {
	m := map[string]any{"key": key}
	if len(args) > 0 {
		m["args"] = args
	}
	return m
}
