package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A receipt dated years ahead of the host's clock is refused, naming the
// ledger's clock, and changes nothing; with $TOCHKA_NOW at its date (a
// replay of data from then) it is posted.
func TestFutureDatedReceipt(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
	card := issue(c, "--at", "2026-11-01T08:00:00Z")
	// New Year 2028, or later once the host's clock comes near it.
	year := max(2028, time.Now().Year()+2)
	far := fmt.Sprintf("%d-01-01T00:00:00Z", year)
	r := c.file("far.json", fmt.Sprintf(`{"id":"F1","store":"s1","card":%q,"time":%q,"lines":[{"sku":"A","qty":1,"amount":1000}]}`, card, far))

	msg := c.refused("receipt", "post", r)
	if want := fmt.Sprintf("The date of receipt F1, 1 Jan %d 02:00, is more than 10 min ahead of this ledger's clock (", year); !strings.HasPrefix(msg, want) ||
		!strings.HasSuffix(msg, "): check the till's clock.") {
		t.Errorf("a receipt dated %s: %q, want %q…", far, msg, want)
	}
	if n := kinds(t, c)["receipt"]; n != 0 {
		t.Errorf("the refused receipt recorded %d events", n)
	}

	c.env["TOCHKA_NOW"] = far
	var res struct {
		Earned int64 `json:"earned"`
	}
	c.jsonOf(&res, "receipt", "post", r)
	if res.Earned != 40 {
		t.Errorf("the receipt posted with TOCHKA_NOW=%s earned %d, want 40", far, res.Earned)
	}
	// Ten minutes ahead of TOCHKA_NOW is taken, a second more is not.
	c.ok("card", "block", issue(c), "--at", fmt.Sprintf("%d-01-01T00:10:00Z", year))
	if msg := c.refused("card", "block", card, "--at", fmt.Sprintf("%d-01-01T00:10:01Z", year)); !strings.Contains(msg, fmt.Sprintf("this ledger's clock (1 Jan %d 02:00)", year)) {
		t.Errorf("a card blocked 10 min 1 s ahead of TOCHKA_NOW: %q", msg)
	}
}

// $TOCHKA_NOW fixes the host's clock: a change given without --at is
// dated then, and a voucher's status is read then. A value that is not an
// RFC 3339 time is bad usage naming the variable.
func TestTochkaNow(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop", "--at", "2026-11-01T08:00:00Z")
	c.env["TOCHKA_NOW"] = "2026-11-02T08:00:00Z"
	var card struct {
		Number   string `json:"card"`
		IssuedAt string `json:"issued_at"`
	}
	c.jsonOf(&card, "card", "issue")
	if card.IssuedAt != "2026-11-02T08:00:00Z" {
		t.Errorf("a card issued without --at at TOCHKA_NOW=2026-11-02T08:00:00Z: issued at %s", card.IssuedAt)
	}
	c.env["TOCHKA_NOW"] = "2026-11-03T08:00:00Z" // the card is active from then
	c.ok("receipt", "post", c.file("r.json", fmt.Sprintf(`{"id":"R1","store":"s1","card":%q,"time":"2026-11-03T08:00:00Z",
		"lines":[{"sku":"A","qty":1,"amount":10000}]}`, card.Number)))
	c.ok("coop", "add", "--id", "sofia", "--name-en", "Sofia", "--at", "2026-11-01T08:00:00Z")
	c.ok("board", "add", "--id", "OIL", "--coop", "sofia", "--points", "40", "--name-en", "Oil", "--at", "2026-11-01T08:00:00Z")

	// Made on 3 Nov, valid for 30 days: the answer of the redemption is the
	// voucher as it was made, whatever the clock reads now.
	c.env["TOCHKA_NOW"] = "2027-01-01T00:00:00Z"
	var v struct {
		Code       string `json:"code"`
		Status     string `json:"status"`
		ValidUntil string `json:"valid_until"`
	}
	c.jsonOf(&v, "redeem", card.Number, "OIL", "--at", "2026-11-03T08:00:00Z")
	if v.Status != "open" || v.ValidUntil != "2026-12-03T08:00:00Z" {
		t.Errorf("redeem --at 2026-11-03T08:00:00Z: %+v", v)
	}
	pdf := filepath.Join(c.dir, "voucher.pdf")
	if msg := c.refused("voucher", "print", v.Code, "--out", pdf); !strings.HasPrefix(msg, "voucher "+v.Code+" expired on 3 Dec 2026") {
		t.Errorf("voucher print with TOCHKA_NOW after its validity: %q", msg)
	}
	c.env["TOCHKA_NOW"] = "2026-12-01T00:00:00Z"
	c.ok("voucher", "print", v.Code, "--out", pdf)

	for _, bad := range []string{"tomorrow", "2026-12-01", "2026-12-01 10:00:00"} {
		c.env["TOCHKA_NOW"] = bad
		code, out, errOut := c.exec("", "balance", card.Number)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "TOCHKA_NOW") || !strings.Contains(errOut, "is not a time such as") ||
			!strings.Contains(errOut, "usage: tochkactl balance") {
			t.Errorf("TOCHKA_NOW=%q: exit %d, stdout %q, stderr %q", bad, code, out, errOut)
		}
	}
}
