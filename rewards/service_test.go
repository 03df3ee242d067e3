package rewards_test

import (
	"regexp"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Event ids made from a client's id are the same on every device (UUID v5);
// without one they are random (UUID v4).
func TestEventID(t *testing.T) {
	v5 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := rewards.EventID(rewards.EventReceipt, "R1"), rewards.EventID(rewards.EventReceipt, "R1")
	if a != b || !v5.MatchString(a) {
		t.Fatalf("EventID(receipt, R1) = %q then %q", a, b)
	}
	if c := rewards.EventID(rewards.EventReturn, "R1"); c == a {
		t.Fatalf("a return and a receipt with the same id share event id %s", c)
	}
	if c := rewards.EventID(rewards.EventReceipt, "R2"); c == a {
		t.Fatalf("receipts R1 and R2 share event id %s", c)
	}
	r1, r2 := rewards.EventID(rewards.EventCardIssue, ""), rewards.EventID(rewards.EventCardIssue, "")
	if r1 == r2 || !v4.MatchString(r1) || !v4.MatchString(r2) {
		t.Fatalf("random event ids %q, %q", r1, r2)
	}
}

// Event ids are stored in every ledger and compared across devices: a
// changed namespace, separator or encoding would make a retry a new event.
// These answers were taken from the implementation and agree with RFC 9562's
// UUID v5 of the name kind + "\x00" + id in namespace
// 7a3c520e-914f-4b6d-8e21-0d5a33c41977 (Python: uuid.uuid5(ns, kind+"\0"+id)).
func TestEventIDKnownAnswers(t *testing.T) {
	for _, tc := range []struct{ kind, id, want string }{
		{rewards.EventReceipt, "R1", "6e07322e-a7c4-5655-bd42-be512c1ef599"},
		{rewards.EventReturn, "R1", "040f3e31-978b-58d8-aa67-980dff69ab27"},
		{rewards.EventCardIssue, "K-0001", "cce02248-c467-5680-b667-2b4ce14e0286"},
		{rewards.EventRedeem, "x", "67db4d0b-3b04-58a7-b965-66b469239df2"},
		{rewards.EventReceipt, "Чек-42/София", "469563f2-2419-5faf-8f3e-0dcc1137f4d8"}, // UTF-8 bytes, not UTF-16
		{"", "R1", "8529cc64-dbb1-54ef-ab8f-cd11d2b41b34"},
	} {
		if got := rewards.EventID(tc.kind, tc.id); got != tc.want {
			t.Errorf("EventID(%q, %q) = %s, want %s", tc.kind, tc.id, got, tc.want)
		}
	}
}

// Without a client id each call is a fresh random UUID v4, whatever the kind.
func TestEventIDRandomWithoutClientID(t *testing.T) {
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, kind := range []string{rewards.EventReceipt, rewards.EventReceipt, "", ""} {
		id := rewards.EventID(kind, "")
		if !v4.MatchString(id) {
			t.Errorf("EventID(%q, \"\") = %s, not a UUID v4", kind, id)
		}
		if seen[id] {
			t.Errorf("EventID(%q, \"\") repeated %s", kind, id)
		}
		seen[id] = true
	}
}

// A program installation needs its program, which is checked as a stored
// program is: a program refused when read back is refused when installed.
func TestProgramInstallValidate(t *testing.T) {
	wantField(t, (&rewards.ProgramInstall{}).Validate(), "program install program", "problem.required")
	p := bundled(t, "coop")
	if err := (&rewards.ProgramInstall{Meta: rewards.Meta{ID: "init-1"}, Program: p}).Validate(); err != nil {
		t.Fatal(err)
	}
	p.Name = " "
	wantError(t, (&rewards.ProgramInstall{Program: p}).Validate(), rewards.EINVALID, "name", "required")
}
