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
