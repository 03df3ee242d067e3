package kiosk_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The devices' states: the wedge alone when no scanner runs, a printer
// as it last answered (not asked yet before), none where there is none;
// in words for the manager's screen in the reader's language.
func TestDeviceStates(t *testing.T) {
	s, now, _ := customerOf100(t)
	a := test.NewApp()
	defer a.Quit()
	p := &testPrinter{}
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Printer: p, Window: a.NewWindow("kiosk")}
	want := map[string]string{"scanner": "wedge", "voucher-printer": "unknown", "card-printer": "none"}
	if got := k.DeviceMap(); !equal(got, want) {
		t.Errorf("before the printers are asked: %v, want %v", got, want)
	}
	k.CheckPrinters(ctx)
	want["voucher-printer"] = "ready"
	if got := k.DeviceMap(); !equal(got, want) {
		t.Errorf("a ready printer: %v, want %v", got, want)
	}
	p.notReady = true
	k.CheckPrinters(ctx)
	want["voucher-printer"] = "not ready: out of paper"
	if got := k.DeviceMap(); !equal(got, want) {
		t.Errorf("a printer out of paper: %v, want %v", got, want)
	}
	var got []string
	for _, d := range k.DeviceStates() {
		got = append(got, d.Name(lang.BG)+": "+d.What.In(lang.BG)+": "+d.Words.In(lang.BG))
	}
	if want := []string{
		"Скенер: : въвеждане от клавиатура (няма настроен USB или сериен скенер)",
		"Принтер за ваучери: : не е готов: Нещо се обърка от наша страна. Моля, опитайте отново или попитайте служител.",
		"Принтер за карти: : няма на този киоск",
	}; !slices.Equal(got, want) {
		t.Errorf("in Bulgarian:\n%q\nwant\n%q", got, want)
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The printers of a kiosk on real CUPS queues (a private cupsd with
// cups-pdf printers, printertest.StartCUPS; it runs as root, as CI does):
// a queue's state is the printer's; a customer's exchange prints the
// voucher, whose barcode reads back as the voucher the ledger holds; a
// stopped queue means no exchange, with the reason for staff; a card
// prints on CR80 pages both sides, a batch on A4 sheets.
func TestPrintersOnCUPS(t *testing.T) {
	cups := printertest.StartCUPS(t, 60*time.Second)
	cups.AddQueue(t, "VOUCHERS", printertest.CUPSPDFPPD)
	cups.AddQueue(t, "CARDS", cups.DuplexPPD(t))
	ctx, cancel := context.WithDeadline(context.Background(), cups.Deadline())
	defer cancel()

	s, now, c := customerOf100(t)
	vouchers, err := kiosk.NewReceiptPrinter("VOUCHERS", s)
	if err != nil {
		t.Fatal(err)
	}
	vouchers.CUPS.Server = cups.Server
	cards, err := kiosk.NewCardQueue("CARDS")
	if err != nil {
		t.Fatal(err)
	}
	cards.CUPS.Server = cups.Server
	a := test.NewApp()
	defer a.Quit()
	w := a.NewWindow("kiosk")
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Printer: vouchers, CardPrinter: cards,
		Window: w, After: (&timers{}).after}
	k.Start(lang.EN)
	k.CheckPrinters(ctx)
	if got := k.DeviceMap(); got["voucher-printer"] != "cups VOUCHERS ready" || got["card-printer"] != "cups CARDS ready" {
		t.Errorf("ready queues: %v", got)
	}

	// jobs are the ids of the queue's jobs, oldest first.
	jobs := func(queue string) []string {
		var ids []string
		for _, line := range strings.Split(cups.Run(t, "lpstat", "-W", "all", "-o", queue), "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				ids = append(ids, f[0])
			}
		}
		slices.SortFunc(ids, func(a, b string) int {
			_, x := printertest.Job(t, a)
			_, y := printertest.Job(t, b)
			return x - y
		})
		return ids
	}

	t.Run("voucher", func(t *testing.T) {
		k.Scan(c.Number)
		test.Tap(button(t, w.Content(), "Take for 40 points"))
		test.Tap(button(t, w.Content(), "Take it"))
		if k.Screen() != kiosk.ScreenVoucher || !shows(w, "Take your voucher") {
			t.Fatalf("after taking: %s %q", k.Screen(), texts(w.Content()))
		}
		ids := jobs("VOUCHERS")
		if len(ids) != 1 {
			t.Fatalf("jobs on VOUCHERS: %q", ids)
		}
		wantAttrs(t, cups, ids[0], "job-name", ": voucher ")
		_, out := cups.Printed(t, ids[0])
		pages := printertest.Rasterise(t, "kiosk-voucher", out)
		read := printertest.Decode(t, pages[0], "code128")
		if len(read) != 1 {
			t.Fatalf("the voucher's Code128 reads %q", read)
		}
		v, err := s.Voucher(ctx, read[0])
		if err != nil || v.Card != c.Number || v.Points != 40 {
			t.Errorf("the voucher printed, %s, is in the ledger as %+v, %v", read[0], v, err)
		}
		test.Tap(button(t, w.Content(), "Done"))
	})

	t.Run("stopped queue", func(t *testing.T) {
		cups.Run(t, printertest.Sbin(t, "cupsdisable", "cups-client"), "-r", "paper jam", "VOUCHERS")
		defer cups.Run(t, printertest.Sbin(t, "cupsenable", "cups-client"), "VOUCHERS")
		k.CheckPrinters(ctx)
		if got := k.DeviceMap()["voucher-printer"]; !strings.HasPrefix(got, "cups VOUCHERS not ready: printer VOUCHERS is stopped in CUPS (paper jam)") {
			t.Errorf("a stopped queue: %q", got)
		}
		for _, d := range k.DeviceStates() {
			if d.Device == kiosk.DeviceVoucherPrinter && (d.OK || d.What.In(lang.RU) != "очередь CUPS VOUCHERS" ||
				!strings.HasPrefix(d.Words.In(lang.RU), "не готов: принтер VOUCHERS ")) {
				t.Errorf("a stopped queue, in Russian: %+v: %q", d, d.Words.In(lang.RU))
			}
		}
		before, err := s.Balance(ctx, c.Number, now)
		if err != nil {
			t.Fatal(err)
		}
		// The last check found the queue stopped: no exchange is offered.
		k.Scan(c.Number)
		if k.Screen() != kiosk.ScreenCustomer || !shows(w, "not ready") || len(buttons(w.Content(), "Take for 40 points")) != 0 {
			t.Errorf("the customer screen with the queue stopped: %s %q", k.Screen(), texts(w.Content()))
		}
		if after, _ := s.Balance(ctx, c.Number, now); after.Available != before.Available {
			t.Errorf("points spent with the queue stopped: %d, then %d", before.Available, after.Available)
		}
		if ids := jobs("VOUCHERS"); len(ids) != 1 {
			t.Errorf("jobs on VOUCHERS: %q", ids)
		}
		test.Tap(button(t, w.Content(), "Done"))
	})

	t.Run("cards", func(t *testing.T) {
		p, err := s.Program(ctx)
		if err != nil {
			t.Fatal(err)
		}
		card := rewards.Card{Number: c.Number}
		if err := cards.PrintCards(ctx, printer.Cards{Program: *p, Lang: lang.BG, Cards: []rewards.Card{card}, Date: now}); err != nil {
			t.Fatal(err)
		}
		if err := cards.PrintCards(ctx, printer.Cards{Program: *p, Lang: lang.BG, Cards: []rewards.Card{card, card}, Date: now, Batch: "B7"}); err != nil {
			t.Fatal(err)
		}
		ids := jobs("CARDS")
		if len(ids) != 2 {
			t.Fatalf("jobs on CARDS: %q", ids)
		}
		wantAttrs(t, cups, ids[0], "media", "Custom.85.6x53.98mm")
		wantAttrs(t, cups, ids[0], "sides", "two-sided-long-edge")
		wantAttrs(t, cups, ids[1], "media", "iso_a4_210x297mm", "A4")
		wantAttrs(t, cups, ids[1], "job-name", "B7")
		_, out := cups.Printed(t, ids[0])
		pages := printertest.Rasterise(t, "kiosk-card", out)
		if len(pages) != 2 {
			t.Fatalf("the card: %d pages, want its front and back", len(pages))
		}
		if got := printertest.Decode(t, pages[0], "ean13"); !slices.Equal(got, []string{c.Number}) {
			t.Errorf("the card's front reads %q, want %s", got, c.Number)
		}
	})
}

// wantAttrs checks that an attribute CUPS keeps for a job holds one of
// want (or, for a name, contains it).
func wantAttrs(t *testing.T, s *printertest.CUPS, id, name string, want ...string) {
	t.Helper()
	got := strings.Join(s.JobAttributes(t, id)[name], ",")
	for _, w := range want {
		if got == w || name == "job-name" && strings.Contains(got, w) {
			return
		}
	}
	t.Errorf("job %s: %s = %q, want %q", id, name, got, want)
}

// A USB receipt printer that is not there is not ready, and says so.
func TestAbsentUSBPrinter(t *testing.T) {
	p, err := kiosk.NewReceiptPrinter("usb:fffe:fffd", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Ready(ctx)
	if msg := rewards.ErrorText(err, lang.EN); !strings.Contains(msg, "no USB printer fffe:fffd found") && !strings.Contains(msg, "no USB access") {
		t.Errorf("an absent USB printer: %v", err)
	}
	for setting, says := range map[string]string{"usb:zz": `"zz" is not a USB vendor and product id`, "two words": "two words"} {
		if _, err := kiosk.NewReceiptPrinter(setting, nil); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: %v", setting, err)
		}
	}
}
