package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
)

// The print commands on a real CUPS: a private cupsd (printertest) with a
// queue OFFICE whose driver prints both sides, a queue CARDS that prints
// one side, and a queue LOCKED that says it is ready (enabled, accepting)
// and then refuses this user's jobs (lp: "Not allowed to print"), as a
// queue that fails once a batch's cards are issued. What reached CUPS is
// read back from the jobs' attributes and cups-pdf's output.
func TestPrintOnCUPS(t *testing.T) {
	s := printertest.StartCUPS(t, 100*time.Second)
	s.AddQueue(t, "OFFICE", s.DuplexPPD(t))
	s.AddQueue(t, "CARDS", printertest.CUPSPDFPPD)
	s.AddQueue(t, "LOCKED", printertest.CUPSPDFPPD)
	lpadmin := printertest.Sbin(t, "lpadmin", "cups-client")
	s.Run(t, lpadmin, "-p", "LOCKED", "-u", "allow:nobody")

	c := newPrintCLI(t)
	c.env["CUPS_SERVER"] = s.Server
	c.ok("init", "--program", "coop")
	accounts := func() int {
		var r struct{ Accounts int }
		c.jsonOf(&r, "check")
		return r.Accounts
	}

	// printer test: each job with the media it was laid out on (the
	// vouchers on 80 mm receipts, not in the middle of the queue's A4),
	// the card two-sided, every title in the reader's language.
	t.Run("printer test", func(t *testing.T) {
		var r printJSON
		c.jsonOf(&r, "--lang", "bg", "printer", "test", "--printer", "OFFICE")
		if len(r.Jobs) != 3 {
			t.Fatalf("printer test made jobs %q, want a card and two vouchers", r.Jobs)
		}
		receipt := regexp.MustCompile(`^Custom\.80x[0-9.]+mm$`)
		for i, want := range []struct{ title, sides string }{
			{"Tochka: пробна карта", printer.TwoSidedLongEdge},
			{"Tochka: пробен ваучер на руски", ""},
			{"Tochka: пробен ваучер на български", ""},
		} {
			attrs := s.JobAttributes(t, r.Jobs[i])
			media := strings.Join(attrs["media"], ",")
			if i == 0 && media != cr80Media || i > 0 && !receipt.MatchString(media) {
				t.Errorf("job %s goes with media %q", r.Jobs[i], media)
			}
			if got := strings.Join(attrs["sides"], ","); got != want.sides {
				t.Errorf("job %s: sides %q, want %q", r.Jobs[i], got, want.sides)
			}
			if got := strings.Join(attrs["job-name"], ","); got != want.title {
				t.Errorf("job %s: title %q, want %q", r.Jobs[i], got, want.title)
			}
		}
		_, out := s.Printed(t, r.Jobs[1])
		pages := printertest.Rasterise(t, "cups-test-voucher", out)
		if w, _ := printertest.PNGSize(t, pages[0]); w < 930 || w > 960 {
			t.Errorf("the test voucher came out %d px wide at 300 dpi, want about 945 (80 mm)", w)
		}
	})

	// A batch is refused before its first card is issued when the queue
	// would not print it: stopped, or rejecting jobs.
	t.Run("batch on a stopped queue", func(t *testing.T) {
		before := accounts()
		for _, stop := range [][2]string{{"cupsdisable", "cupsenable"}, {"cupsreject", "cupsaccept"}} {
			s.Run(t, printertest.Sbin(t, stop[0], "cups-client"), "-r", "card hopper empty", "CARDS")
			code, stdout, stderr := c.exec("", "card", "batch", "--count", "200", "--layout", "sheet", "--printer", "CARDS")
			s.Run(t, printertest.Sbin(t, stop[1], "cups-client"), "CARDS")
			if code != exitRefused || stdout != "" || !strings.Contains(stderr, "принтерът CARDS ") || !strings.Contains(stderr, "(card hopper empty): нищо не е отпечатано") {
				t.Errorf("card batch on a queue after %s: exit %d\nstdout: %s\nstderr: %s", stop[0], code, stdout, stderr)
			}
			if strings.Contains(stderr, "партида") {
				t.Errorf("card batch after %s told a batch's id, as if it had started:\n%s", stop[0], stderr)
			}
		}
		if after := accounts(); after != before {
			t.Errorf("the refused batches issued %d cards", after-before)
		}
		if queued := s.Run(t, "lpstat", "-o", "CARDS"); strings.TrimSpace(queued) != "" {
			t.Errorf("a job was queued:\n%s", queued)
		}
	})

	// A queue that fails once the cards are issued: exit 3, and the cards
	// are found by the batch's id and printed from there.
	t.Run("batch on a queue that fails", func(t *testing.T) {
		code, stdout, stderr := c.exec("", "card", "batch", "--count", "12", "--layout", "sheet", "--printer", "LOCKED", "--request-id", "B1")
		numbers := strings.Fields(stdout)
		if code != exitPartial || len(numbers) != 12 ||
			!strings.Contains(stderr, "card list --unprinted --batch B1 изброява картите, а card print --unprinted --batch B1 --printer LOCKED ги отпечатва") {
			t.Fatalf("card batch on a queue that refuses the job: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		var list []struct {
			Card, Batch string
			Index       int
			Job         string
		}
		c.jsonOf(&list, "card", "list", "--unprinted", "--batch", "B1")
		var listed []string
		for i, bc := range list {
			listed = append(listed, bc.Card)
			if bc.Batch != "B1" || bc.Index != i || bc.Job != "" {
				t.Errorf("unprinted card %d: %+v", i, bc)
			}
		}
		if !slices.Equal(listed, numbers) {
			t.Fatalf("card list --unprinted --batch B1 lists %q, want the batch's %q", listed, numbers)
		}
		human := c.ok("card", "list", "--unprinted")
		if lines := strings.Split(strings.TrimSpace(human), "\n"); len(lines) != 13 || strings.Fields(lines[0])[0] != "КАРТА" ||
			!slices.Equal(strings.Fields(lines[12])[:3], []string{numbers[11], "B1", "11"}) {
			t.Errorf("card list --unprinted:\n%s", human)
		}

		var r printJSON
		c.jsonOf(&r, "card", "print", "--unprinted", "--batch", "B1", "--layout", "sheet", "--printer", "OFFICE")
		if len(r.Jobs) != 1 || !slices.Equal(r.Cards, numbers) {
			t.Fatalf("card print --unprinted printed %q as %q", r.Cards, r.Jobs)
		}
		attrs := s.JobAttributes(t, r.Jobs[0])
		for name, want := range map[string]string{"sides": printer.TwoSidedLongEdge, "media": "A4", "job-name": "КООП: 12 карти, партида B1"} {
			if got := strings.Join(attrs[name], ","); got != want {
				t.Errorf("the batch's job %s: %s %q, want %q", r.Jobs[0], name, got, want)
			}
		}
		spooled, out := s.Printed(t, r.Jobs[0])
		printertest.WantText(t, "the batch's sheets as spooled", printertest.Text(t, "cups-batch", spooled), "партида B1")
		pages := printertest.Rasterise(t, "cups-batch", out)
		if len(pages) != 4 {
			t.Fatalf("12 cards on sheets: %d pages, want 4", len(pages))
		}
		for i, want := range [][]string{numbers[:10], numbers[10:]} {
			want = slices.Sorted(slices.Values(want))
			if got := printertest.Decode(t, pages[2*i], "ean13"); !slices.Equal(got, want) {
				t.Errorf("sheet %d reads %q, want %q", i+1, got, want)
			}
		}
		if got := c.ok("card", "list", "--unprinted", "--batch", "B1"); got != "партида B1 няма карти, чакащи печат\n" {
			t.Errorf("card list --unprinted after the print: %q", got)
		}
		if msg := c.refused("card", "print", "--unprinted", "--printer", "OFFICE"); msg != "няма карти от партиди, чакащи печат: нищо не е отпечатано" {
			t.Errorf("card print --unprinted with none left: %q", msg)
		}
	})

	// On a queue that prints one side, the cards' fronts print and their
	// backs wait, with a warning that says how to feed the cards back; the
	// batch is printed, as both jobs were taken.
	t.Run("batch on a one-sided queue", func(t *testing.T) {
		code, stdout, stderr := c.exec("", "--json", "card", "batch", "--count", "2", "--printer", "CARDS", "--request-id", "B2")
		var r printJSON
		if err := json.Unmarshal([]byte(stdout), &r); code != exitOK || err != nil {
			t.Fatalf("card batch on a one-sided queue: exit %d (%v)\nstdout: %s\nstderr: %s", code, err, stdout, stderr)
		}
		if len(r.Jobs) != 2 || len(r.Warnings) != 1 || !strings.Contains(stderr, "tochkactl: внимание: принтерът CARDS не печата двустранно") ||
			!strings.Contains(r.Warnings[0], "lp -i "+r.Jobs[1]+" -H resume") {
			t.Fatalf("card batch on a one-sided queue: jobs %q, warnings %q\nstderr: %s", r.Jobs, r.Warnings, stderr)
		}
		fronts, backs := s.JobAttributes(t, r.Jobs[0]), s.JobAttributes(t, r.Jobs[1])
		if fronts["page-set"][0] != "odd" || backs["page-set"][0] != "even" || backs["job-hold-until"][0] != "indefinite" ||
			fronts["media"][0] != cr80Media || len(fronts["sides"]) != 0 {
			t.Errorf("fronts %v, backs %v", fronts, backs)
		}
		if got := c.ok("card", "list", "--unprinted", "--batch", "B2"); got != "партида B2 няма карти, чакащи печат\n" {
			t.Errorf("card list --unprinted after the fronts and the held backs were taken: %q", got)
		}
	})
}
