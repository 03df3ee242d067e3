package printer_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The CUPS test prints through a real CUPS: a cupsd of its own
// (printertest.StartCUPS) with a queue CARDS on the cups-pdf virtual
// printer, whose driver prints one side, and a queue DUPLEX whose driver
// declares a duplex option. What comes out is read back as a person
// would: pdftoppm rasterises it at 300 dpi and zbarimg decodes every
// barcode; what reached CUPS is read from the job's attributes and CUPS's
// page log.
//
// The text is read with pdftotext from the document as CUPS spooled it for
// the printer: PDF to PostScript and back through Ghostscript keeps every
// mark but turns the embedded fonts into Type 3 fonts without a Unicode
// map, so the words cannot be extracted from cups-pdf's output (a real
// printer prints the marks, which the barcodes check).

const (
	cupsQueue   = "CARDS"
	duplexQueue = "DUPLEX"
)

// cupsBudget is the time the whole CUPS test may take; it takes about 11 s.
const cupsBudget = 50 * time.Second

// startCUPS starts the private cupsd with the queues CARDS and DUPLEX.
func startCUPS(t *testing.T) *printertest.CUPS {
	t.Helper()
	s := printertest.StartCUPS(t, cupsBudget)
	s.AddQueue(t, cupsQueue, printertest.CUPSPDFPPD)
	s.AddQueue(t, duplexQueue, s.DuplexPPD(t))
	return s
}

// backend is the backend under test, on the server s.
func backend(s *printertest.CUPS, queue string) *printer.CUPS {
	c := printer.NewCUPS(queue)
	c.Server = s.Server
	return c
}

// oneJob is the one job a print made, or fails the test.
func oneJob(t *testing.T, sent printer.Sent) string {
	t.Helper()
	if len(sent.Jobs) != 1 || len(sent.Warnings) != 0 {
		t.Fatalf("Print made %q with warnings %v, want one job and no warning", sent.Jobs, sent.Warnings)
	}
	return sent.Jobs[0]
}

// wantPageLog checks a job's page log line for the title, the pages times
// the copies, and the media (or "-" for none).
func wantPageLog(t *testing.T, s *printertest.CUPS, id, title string, total int, media string) {
	t.Helper()
	line := s.PageLog(t, id)
	want := fmt.Sprintf(" total %d - localhost %s %s ", total, title, media)
	if !strings.Contains(line, want) {
		t.Errorf("CUPS's page log for %s says\n\t%s\nwant\n\t...%s...", id, line, want)
	}
}

// wantAttrs checks the attributes CUPS keeps for a job: each name given
// with the value wanted, "" for one the job must not have.
func wantAttrs(t *testing.T, s *printertest.CUPS, id string, want map[string]string) {
	t.Helper()
	got := s.JobAttributes(t, id)
	for name, w := range want {
		if g := strings.Join(got[name], ","); g != w {
			t.Errorf("job %s: %s = %q, want %q", id, name, g, w)
		}
	}
}

func TestCUPS(t *testing.T) {
	start := time.Now()
	s := startCUPS(t)
	t.Logf("private cupsd ready in %v", time.Since(start).Round(time.Millisecond))
	ctx, cancel := context.WithDeadline(context.Background(), s.Deadline())
	defer cancel()
	cards := backend(s, cupsQueue)

	t.Run("card", func(t *testing.T) {
		c := cardsFixture(t, printer.LangBG, 1)
		num := c.Cards[0].Number
		pdf, _, err := printer.CardPDF(c)
		if err != nil {
			t.Fatal(err)
		}
		title := "КООП: карта " + num
		sent, err := cards.Print(ctx, printer.Job{Title: title, Format: printer.FormatPDF, Data: pdf,
			Media: "Custom.85.6x53.98mm"})
		if err != nil {
			t.Fatal(err)
		}
		id := oneJob(t, sent)
		spooled, out := s.Printed(t, id)
		wantPageLog(t, s, id, title, 2, "Custom.85.6x53.98mm")
		if !bytes.Equal(spooled, pdf) {
			t.Errorf("CUPS spooled %d bytes, not the %d-byte PDF sent", len(spooled), len(pdf))
		}
		pages := printertest.Rasterise(t, "cups-card", out)
		if len(pages) != 2 {
			t.Fatalf("%d pages, want front and back", len(pages))
		}
		// The media reached the printer: a CR80 page, 85.6 × 53.98 mm at
		// 300 dpi, not the queue's A4.
		if w, h := printertest.PNGSize(t, pages[0]); abs(w-1011) > 3 || abs(h-638) > 3 {
			t.Errorf("the card came out %d × %d px at 300 dpi, want about 1011 × 638 (CR80)", w, h)
		}
		if got := printertest.Decode(t, pages[0], "ean13"); !slices.Equal(got, []string{num}) {
			t.Errorf("front: ean13 read %q, want %s", got, num)
		}
		printertest.WantText(t, "card as spooled", printertest.Text(t, "cups-card", spooled),
			"КООП", "Клиентска карта", "Мария Иванова", "Картата се активира 24 ч след получаването ѝ", num)
	})

	t.Run("sheet", func(t *testing.T) {
		c := cardsFixture(t, printer.LangRU, 12)
		pdf, _, err := printer.CardSheetPDF(c)
		if err != nil {
			t.Fatal(err)
		}
		title := "Хорошая связь: 12 карт"
		sent, err := cards.Print(ctx, printer.Job{Title: title, Format: printer.FormatPDF, Data: pdf, Media: "A4"})
		if err != nil {
			t.Fatal(err)
		}
		id := oneJob(t, sent)
		spooled, out := s.Printed(t, id)
		wantPageLog(t, s, id, title, 4, "A4")
		if !bytes.Equal(spooled, pdf) {
			t.Errorf("CUPS spooled %d bytes, not the %d-byte PDF sent", len(spooled), len(pdf))
		}
		pages := printertest.Rasterise(t, "cups-sheet", out)
		if len(pages) != 4 {
			t.Fatalf("12 cards: %d pages, want 4 (two sheets, fronts and backs)", len(pages))
		}
		var nums []string
		for _, card := range c.Cards {
			nums = append(nums, card.Number)
		}
		symbology := map[string]string{rewards.BarcodeEAN13: "ean13", rewards.BarcodeCode128: "code128"}[c.Program.Card.Barcode]
		for i, want := range [][]string{nums[:10], nil, nums[10:], nil} {
			want = slices.Sorted(slices.Values(want))
			if got := printertest.Decode(t, pages[i], symbology); !slices.Equal(got, want) {
				t.Errorf("page %d: %s read %q, want %q", i+1, symbology, got, want)
			}
		}
		printertest.WantText(t, "sheet as spooled", printertest.Text(t, "cups-sheet", spooled),
			append([]string{"Хорошая связь – бонус", "Бонусная карта", "Алексей Смирнов"}, nums...)...)
	})

	t.Run("voucher, two copies", func(t *testing.T) {
		v := voucherFixture(t, printer.LangRU)
		pdf, err := printer.VoucherPDF(v)
		if err != nil {
			t.Fatal(err)
		}
		// No media: the queue's own, as a receipt queue would have.
		title := "Купон " + v.Voucher.Code
		sent, err := cards.Print(ctx, printer.Job{Title: title, Format: printer.FormatPDF, Data: pdf, Copies: 2})
		if err != nil {
			t.Fatal(err)
		}
		id := oneJob(t, sent)
		spooled, out := s.Printed(t, id)
		wantPageLog(t, s, id, title, 2, "-")
		if !bytes.Equal(spooled, pdf) {
			t.Errorf("CUPS spooled %d bytes, not the %d-byte PDF sent", len(spooled), len(pdf))
		}
		pages := printertest.Rasterise(t, "cups-voucher", out)
		if len(pages) != 1 {
			t.Fatalf("%d pages, want the voucher (cups-pdf writes one copy)", len(pages))
		}
		for _, sym := range []string{"code128", "qrcode"} {
			if got := printertest.Decode(t, pages[0], sym); !slices.Equal(got, []string{"K7QXM2PA9RTE"}) {
				t.Errorf("%s read %q, want K7QXM2PA9RTE", sym, got)
			}
		}
		printertest.WantText(t, "voucher as spooled", printertest.Text(t, "cups-voucher", spooled),
			"КУПОН", "Подсолнечное масло «КООП» 1 л", "Списано баллов", "1 500 баллов", "K7QX-M2PA-9RTE")
	})

	// Two-sided: a queue whose driver prints both sides gets one job with
	// sides=two-sided-long-edge beside its media; one that prints one
	// side gets the fronts now and the backs held, never one-sided
	// silently.
	duplex := backend(s, duplexQueue)
	t.Run("two-sided queue", func(t *testing.T) {
		if ok, err := duplex.TwoSided(ctx); !ok || err != nil {
			t.Errorf("TwoSided on a queue with a duplex option: %v, %v", ok, err)
		}
		for _, tc := range []struct {
			name  string
			cards int
			pages int
			media string
			pdf   cardLayout
		}{
			{"card", 1, 2, "Custom.85.6x53.98mm", printer.CardPDF},
			{"sheet", 12, 4, "A4", printer.CardSheetPDF},
		} {
			pdf, _, err := tc.pdf(cardsFixture(t, printer.LangBG, tc.cards))
			if err != nil {
				t.Fatal(err)
			}
			sent, err := duplex.Print(ctx, printer.Job{Title: "КООП: " + tc.name, Format: printer.FormatPDF, Data: pdf,
				Media: tc.media, Sides: printer.TwoSidedLongEdge})
			if err != nil {
				t.Fatal(err)
			}
			id := oneJob(t, sent)
			wantAttrs(t, s, id, map[string]string{"sides": printer.TwoSidedLongEdge, "media": tc.media, "page-set": "", "job-name": "КООП: " + tc.name})
			_, out := s.Printed(t, id)
			if pages := printertest.Rasterise(t, "cups-duplex-"+tc.name, out); len(pages) != tc.pages {
				t.Errorf("%s: %d pages printed, want %d", tc.name, len(pages), tc.pages)
			}
		}
	})

	t.Run("one-sided queue", func(t *testing.T) {
		if ok, err := cards.TwoSided(ctx); ok || err != nil {
			t.Errorf("TwoSided on cups-pdf's own driver: %v, %v; want false", ok, err)
		}
		c := cardsFixture(t, printer.LangRU, 12)
		pdf, _, err := printer.CardSheetPDF(c)
		if err != nil {
			t.Fatal(err)
		}
		sent, err := cards.Print(ctx, printer.Job{Title: "Хорошая связь: 12 карт", Format: printer.FormatPDF, Data: pdf,
			Media: "A4", Sides: printer.TwoSidedLongEdge})
		if err != nil {
			t.Fatal(err)
		}
		if len(sent.Jobs) != 2 || len(sent.Warnings) != 1 {
			t.Fatalf("a two-sided sheet on a one-sided queue made %q with warnings %v; want the fronts, the backs and a warning", sent.Jobs, sent.Warnings)
		}
		fronts, backs := sent.Jobs[0], sent.Jobs[1]
		if w := sent.Warnings[0].In(lang.BG); !strings.Contains(w, "не печата двустранно") || !strings.Contains(w, "lp -i "+backs+" -H resume") {
			t.Errorf("the warning in Bulgarian: %q", w)
		}
		wantAttrs(t, s, fronts, map[string]string{"sides": "", "media": "A4", "page-set": "odd", "job-hold-until": "no-hold"})
		wantAttrs(t, s, backs, map[string]string{"sides": "", "media": "A4", "page-set": "even", "job-hold-until": "indefinite"})

		var nums []string
		for _, card := range c.Cards {
			nums = append(nums, card.Number)
		}
		_, out := s.Printed(t, fronts)
		pages := printertest.Rasterise(t, "cups-fronts", out)
		if len(pages) != 2 {
			t.Fatalf("the fronts: %d pages, want the two sheets' fronts", len(pages))
		}
		for i, want := range [][]string{nums[:10], nums[10:]} {
			want = slices.Sorted(slices.Values(want))
			if got := printertest.Decode(t, pages[i], "ean13"); !slices.Equal(got, want) {
				t.Errorf("fronts page %d: ean13 read %q, want %q", i+1, got, want)
			}
		}
		// The backs wait until the operator has fed the sheets back.
		if held := s.Run(t, "lpstat", "-o", cupsQueue); !strings.Contains(held, backs+" ") {
			t.Errorf("the backs %s are not waiting in the queue:\n%s", backs, held)
		}
		s.Run(t, "lp", "-i", backs, "-H", "resume")
		_, out = s.Printed(t, backs)
		pages = printertest.Rasterise(t, "cups-backs", out)
		if len(pages) != 2 {
			t.Fatalf("the backs: %d pages, want the two sheets' backs", len(pages))
		}
		if got := printertest.Decode(t, pages[0], "ean13"); len(got) != 0 {
			t.Errorf("the first page of the backs reads %q: a front, not a back", got)
		}
	})

	t.Run("status", func(t *testing.T) {
		got, err := cards.Status(ctx)
		if err != nil || !strings.HasPrefix(got, cupsQueue+": idle") {
			t.Errorf("Status: %q, %v; want %q", got, err, cupsQueue+": idle")
		}
	})

	job := printer.Job{Title: "refused", Format: printer.FormatPDF, Data: []byte("%PDF-1.4\n%%EOF\n")}

	t.Run("unknown queue", func(t *testing.T) {
		_, err := backend(s, "NOPE").Print(ctx, job)
		wantCUPSError(t, err, rewards.ENOTFOUND, "printer NOPE is not set up in CUPS: it has no printer or class of that name")
		_, err = backend(s, "NOPE").Status(ctx)
		wantCUPSError(t, err, rewards.ENOTFOUND, "printer NOPE is not set up in CUPS")
	})

	t.Run("stopped", func(t *testing.T) {
		s.Run(t, printertest.Sbin(t, "cupsdisable", "cups-client"), "-r", "card hopper empty", cupsQueue)
		defer s.Run(t, printertest.Sbin(t, "cupsenable", "cups-client"), cupsQueue)
		_, err := cards.Print(ctx, job)
		wantCUPSError(t, err, rewards.EREFUSED, "printer CARDS is stopped in CUPS (card hopper empty): nothing was printed", "cupsenable CARDS")
		_, err = cards.Status(ctx)
		wantCUPSError(t, err, rewards.EREFUSED, "printer CARDS is stopped in CUPS (card hopper empty)")
		if queued := s.Run(t, "lpstat", "-o", cupsQueue); strings.TrimSpace(queued) != "" {
			t.Errorf("a job was queued on the stopped printer:\n%s", queued)
		}
	})

	t.Run("rejecting", func(t *testing.T) {
		s.Run(t, printertest.Sbin(t, "cupsreject", "cups-client"), "-r", "closed for stocktaking", cupsQueue)
		defer s.Run(t, printertest.Sbin(t, "cupsaccept", "cups-client"), cupsQueue)
		_, err := cards.Print(ctx, job)
		wantCUPSError(t, err, rewards.EREFUSED, "printer CARDS is not accepting jobs in CUPS (closed for stocktaking): nothing was printed", "cupsaccept CARDS")
	})

	t.Run("CUPS not running", func(t *testing.T) {
		gone := printer.NewCUPS(cupsQueue)
		gone.Server = filepath.Join(s.Dir, "nobody-listens.sock")
		_, err := gone.Print(ctx, job)
		wantCUPSError(t, err, rewards.EREFUSED, "CUPS is not running at "+gone.Server+", so printer CARDS cannot be reached", "systemctl start cups")
	})

	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// Refusals that need no CUPS at all.
func TestCUPSWithoutServer(t *testing.T) {
	ctx := context.Background()
	pdf := printer.Job{Format: printer.FormatPDF, Data: []byte("%PDF-1.4\n%%EOF\n")}

	c := printer.NewCUPS(cupsQueue)
	c.LP, c.LPStat = "tochka-no-such-lp", "tochka-no-such-lpstat"
	_, err := c.Print(ctx, pdf)
	wantCUPSError(t, err, rewards.EINTERNAL, "lp not found: install the Debian package cups-client")

	for _, tc := range []struct {
		queue string
		job   printer.Job
		want  string
	}{
		{cupsQueue, printer.Job{Format: printer.FormatESCPOS, Data: []byte("\x1b@")}, `printer CARDS: CUPS queues are sent PDF, not "escpos"`},
		{cupsQueue, printer.Job{Format: printer.FormatPDF}, "printer CARDS: nothing to print"},
		{"", pdf, "no CUPS queue named"},
		{"CARDS 2", pdf, `"CARDS 2" is not a CUPS queue name`},
		{"-o", pdf, `"-o" is not a CUPS queue name`},
		{"CARDS@printserver", pdf, `"CARDS@printserver" is not a CUPS queue name`},
		{cupsQueue, printer.Job{Format: printer.FormatPDF, Data: pdf.Data, Media: "A4 sides=two-sided-long-edge"}, "is not a media name"},
	} {
		c := printer.NewCUPS(tc.queue)
		c.LP, c.LPStat = "tochka-must-not-run", "tochka-must-not-run"
		_, err := c.Print(ctx, tc.job)
		wantCUPSError(t, err, rewards.EINVALID, tc.want)
	}
}

func wantCUPSError(t *testing.T, err error, code string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want a %s error saying %q", code, want)
	}
	if got := rewards.ErrorCode(err); got != code {
		t.Errorf("error code %q, want %q: %v", got, code, err)
	}
	for _, w := range want {
		if !strings.Contains(rewards.ErrorMessage(err), w) {
			t.Errorf("error %q does not say %q", rewards.ErrorMessage(err), w)
		}
	}
}

func abs(n int) int { return max(n, -n) }
