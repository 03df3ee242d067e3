package rewards_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// bundled parses one of the programs shipped in assets/programs.
func bundled(t testing.TB, name string) *rewards.Program {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "assets", "programs", name+".toml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := rewards.ParseProgram(data)
	if err != nil {
		t.Fatalf("%s.toml: %v", name, err)
	}
	return p
}

// program parses a program file written in the test.
func program(t testing.TB, toml string) *rewards.Program {
	t.Helper()
	p, err := rewards.ParseProgram([]byte(toml))
	if err != nil {
		t.Fatalf("ParseProgram: %v\n%s", err, toml)
	}
	return p
}

// seedCoop is the seed's own program, literally: one point per 0.50 of
// spend, two for own-brand goods, members twice what others get. The seed
// counts in leva; since 2026 Bulgaria pays in euro and BGN is no longer a
// currency a new program may name, but the rule is the same in minor units.
const seedCoop = `
name = "КООП (seed)"
kind = "points"
currency = "EUR"
timezone = "Europe/Sofia"
[earn]
step = 50
points = 1
own_brand_points = 2
member_percent = 200
`

// at parses an RFC 3339 time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// zone loads an IANA time zone.
func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// wantError checks that err is a domain error with the given code whose
// message contains every one of want.
func wantError(t testing.TB, err error, code string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s error mentioning %q", code, want)
	}
	var e *rewards.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *rewards.Error", err, err)
	}
	if e.Code != code {
		t.Errorf("code %q, want %q (%v)", e.Code, code, err)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not mention %q", e.Message, w)
		}
	}
}

// wantKey checks that err is a domain error with the given code and message
// key whose arguments include args, compared as printed (a nested message
// by its key and arguments, a time with its zone). It returns the error.
func wantKey(t testing.TB, err error, code, key string, args lang.Args) *rewards.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s error %s", code, key)
	}
	var e *rewards.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *rewards.Error", err, err)
	}
	if e.Code != code || e.Key != key {
		t.Errorf("error %s %s (%v), want %s %s", e.Code, e.Key, err, code, key)
	}
	for k, want := range args {
		if got, ok := e.Args[k]; !ok || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: argument %s = %v, want %v", e.Key, k, got, want)
		}
	}
	return e
}

// wantField checks that err refuses a field: field is what the field
// belongs to and its name as a person reads them, "card register id" or
// "receipt lines[0].sku", the last word being the field. problem, unless
// empty, is the key of what is wrong with it.
func wantField(t testing.TB, err error, field, problem string) *rewards.Error {
	t.Helper()
	i := strings.LastIndex(field, " ")
	what := lang.M("subject."+strings.ReplaceAll(field[:i], " ", "_"), nil)
	e := wantKey(t, err, rewards.EINVALID, "invalid.field", lang.Args{"what": what, "field": field[i+1:]})
	if p, _ := e.Args["problem"].(lang.Msg); problem != "" && p.Key != problem {
		t.Errorf("%s: problem %s (%v), want %s", field, p.Key, err, problem)
	}
	return e
}

func sum(xs []int64) (s int64) {
	for _, x := range xs {
		s += x
	}
	return s
}
