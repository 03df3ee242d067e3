package rewards_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func sum(xs []int64) (s int64) {
	for _, x := range xs {
		s += x
	}
	return s
}
