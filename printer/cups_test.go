package printer_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The CUPS test prints through a real CUPS: a cupsd of its own (its own
// configuration, spool, logs and socket, all in a temporary directory, so
// it neither needs nor disturbs the machine's CUPS) with a queue CARDS on
// the cups-pdf virtual printer, behind the same filters a card printer's
// queue has (pdftops, then cups-pdf's Ghostscript). What comes out is read
// back as a person would: pdftoppm rasterises it at 300 dpi and zbarimg
// decodes every barcode.
//
// The text is read with pdftotext from the document as CUPS spooled it for
// the printer: PDF to PostScript and back through Ghostscript keeps every
// mark but turns the embedded fonts into Type 3 fonts without a Unicode
// map, so the words cannot be extracted from cups-pdf's output (a real
// printer prints the marks, which the barcodes check).
//
// It does not skip. cupsd must run as root (it runs the cups-pdf backend
// as root); make test installs the packages through scripts/setup.sh and
// CI runs as root. Anything missing fails the test, saying what to do.

const cupsQueue = "CARDS"

// cupsBudget is the time the whole CUPS test may take; it takes about 4 s.
const cupsBudget = 50 * time.Second

// cupsPackages is what scripts/setup.sh installs for this test.
const cupsPackages = "cups printer-driver-cups-pdf cups-client cups-bsd"

// cupsServer is a private cupsd with one cups-pdf queue.
type cupsServer struct {
	dir    string // everything of this server, removed at the end
	socket string // the cupsd's only listener: CUPS_SERVER
	out    string // where cups-pdf writes the PDFs
	spool  string // cupsd's RequestRoot: each job's document, kept
	logs   string
	pdfCfg string // /etc/cups/cups-pdf-NAME.conf, cups-pdf's settings for this queue

	// deadline bounds every wait of the test, so that it ends (failing,
	// with the logs) well within a minute whatever hangs.
	deadline time.Time
}

// sbin finds an administration command, which may be outside a user's PATH.
func sbin(t *testing.T, name, pkg string) string {
	t.Helper()
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		if path := filepath.Join(dir, name); isExecutable(path) {
			return path
		}
	}
	t.Fatalf("%s not found: install the Debian package %s (apt-get install %s; make test does it through scripts/setup.sh test)", name, pkg, cupsPackages)
	return ""
}

// othersMayEnter tells whether any user may pass through dir and every
// directory above it.
func othersMayEnter(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// needFile fails the test when a file a package installs is missing.
func needFile(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s not found: install the Debian package %s (apt-get install %s; make test does it through scripts/setup.sh test)", path, pkg, cupsPackages)
	}
}

// The files of the packages the private server uses (Debian's paths).
const (
	cupsPDFBackend = "/usr/lib/cups/backend/cups-pdf"
	cupsPDFPPD     = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"
	pdftopsFilter  = "/usr/lib/cups/filter/pdftops"
)

// startCUPS starts the private cupsd, adds the queue and returns once both
// answer. The cupsd is stopped and its directory removed when the test ends.
func startCUPS(t *testing.T) *cupsServer {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("the CUPS test starts its own cupsd with a cups-pdf printer, and cupsd runs the cups-pdf backend as root: " +
			"run the tests as root (CI does; on a workstation: sudo make test, or sudo go test ./printer/)")
	}
	cupsd := sbin(t, "cupsd", "cups")
	lpadmin := sbin(t, "lpadmin", "cups-client")
	printertest.Tool(t, "lp", "cups-client")
	printertest.Tool(t, "lpstat", "cups-client")
	printertest.Tool(t, "gs", "ghostscript")
	needFile(t, cupsPDFBackend, "printer-driver-cups-pdf")
	needFile(t, cupsPDFPPD, "printer-driver-cups-pdf")
	needFile(t, pdftopsFilter, "cups-filters")
	needFile(t, "/etc/cups", "cups")

	// Not t.TempDir: cupsd runs its filters as the user lp, which must
	// reach the spool through every directory above it, and a Unix
	// socket's path must stay short.
	base := os.TempDir()
	if len(base) > 60 || !othersMayEnter(base) {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "tochka-cups-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &cupsServer{
		deadline: time.Now().Add(cupsBudget),
		dir:      dir,
		socket:   filepath.Join(dir, "cups.sock"),
		out:      filepath.Join(dir, "out"),
		spool:    filepath.Join(dir, "spool"),
		logs:     filepath.Join(dir, "log"),
		// cups-pdf reads its settings from /etc/cups only: from
		// cups-pdf-NAME.conf for a queue whose device is cups-pdf:/NAME.
		pdfCfg: filepath.Join("/etc/cups", "cups-pdf-"+filepath.Base(dir)+".conf"),
	}
	for _, d := range []string{dir, s.out, s.spool, filepath.Join(s.spool, "tmp"), s.logs,
		filepath.Join(dir, "etc"), filepath.Join(dir, "run"), filepath.Join(dir, "cache")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sweepPDFConfigs()

	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatalf("%v (the CUPS test writes cups-pdf's settings for its queue there: run it as root)", err)
		}
	}
	write(filepath.Join(dir, "etc", "cupsd.conf"), fmt.Sprintf(`# A private cupsd for Tochka's tests: one socket, no network, no sharing.
LogLevel info
Listen %s
Browsing No
WebInterface No
DefaultAuthType None
PreserveJobFiles Yes
PreserveJobHistory Yes
MaxJobs 0
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order allow,deny
    Allow all
  </Limit>
</Policy>
`, s.socket))
	write(filepath.Join(dir, "etc", "cups-files.conf"), fmt.Sprintf(`ServerRoot %[1]s/etc
RequestRoot %[2]s
TempDir %[2]s/tmp
StateDir %[1]s/run
CacheDir %[1]s/cache
AccessLog %[3]s/access_log
ErrorLog %[3]s/error_log
PageLog %[3]s/page_log
Printcap %[1]s/run/printcap
FileDevice No
`, dir, s.spool, s.logs))
	t.Cleanup(func() { os.Remove(s.pdfCfg) })
	write(s.pdfCfg, fmt.Sprintf(`# cups-pdf for Tochka's CUPS test in %[1]s; removed when the test ends.
Out %[2]s
AnonDirName %[2]s
Spool %[1]s/cups-pdf-spool
Log %[3]s
LogType 3
Label 2
Grp lp
UserUMask 0022
`, dir, s.out, s.logs))

	// cupsd in the foreground, in a process group of its own so that its
	// filters and backends go with it; it dies with the test binary too.
	cmd := exec.Command(cupsd, "-f", "-c", filepath.Join(dir, "etc", "cupsd.conf"), "-s", filepath.Join(dir, "etc", "cups-files.conf"))
	console, err := os.Create(filepath.Join(s.logs, "cupsd.out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = console, console
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		console.Close()
		t.Fatalf("start cupsd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); console.Close() }()
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-exited
		}
	})

	// Ready when lpstat -r says so; a cupsd that exits says why in its log.
	deadline := s.wait(10 * time.Second)
	for {
		out, _ := s.command("lpstat", "-r").Output()
		if strings.Contains(string(out), "scheduler is running") {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the test's cupsd exited at once (%v); is another program in the way? Its log:\n%s", err, s.logTail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the test's cupsd did not answer on %s within 10 s. Its log:\n%s", s.socket, s.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}

	s.run(t, lpadmin, "-p", cupsQueue, "-v", "cups-pdf:/"+filepath.Base(dir), "-E", "-P", cupsPDFPPD)
	return s
}

// sweepPDFConfigs removes the cups-pdf settings that an earlier run killed
// before its cleanup left behind: those whose output directory is gone.
func sweepPDFConfigs() {
	old, _ := filepath.Glob("/etc/cups/cups-pdf-tochka-cups-*.conf")
	for _, cfg := range old {
		dir := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(cfg), "cups-pdf-"), ".conf")
		if _, err := os.Stat(filepath.Join(os.TempDir(), dir)); err == nil {
			continue
		}
		if _, err := os.Stat(filepath.Join("/tmp", dir)); err == nil {
			continue
		}
		os.Remove(cfg)
	}
}

// wait is when a wait of at most d must end: d from now, or the test's
// deadline if that comes first.
func (s *cupsServer) wait(d time.Duration) time.Time {
	if end := time.Now().Add(d); end.Before(s.deadline) {
		return end
	}
	return s.deadline
}

// command is a CUPS client command talking to this server, in the C locale.
func (s *cupsServer) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "CUPS_SERVER="+s.socket, "LC_ALL=C", "LANG=C")
	return cmd
}

// run runs a CUPS client command and fails the test if it fails.
func (s *cupsServer) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := s.command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\ncupsd's log:\n%s", name, strings.Join(args, " "), err, out, s.logTail())
	}
	return string(out)
}

// logTail is the end of cupsd's and cups-pdf's logs, for a failure message.
func (s *cupsServer) logTail() string {
	var b strings.Builder
	for _, name := range []string{"cupsd.out", "error_log", "cups-pdf-" + cupsQueue + "_log"} {
		data, err := os.ReadFile(filepath.Join(s.logs, name))
		if err != nil || len(data) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- %s\n%s\n", name, strings.Join(lines[max(0, len(lines)-25):], "\n"))
	}
	if b.Len() == 0 {
		return "(empty)"
	}
	return b.String()
}

// printer is the backend under test, on this server.
func (s *cupsServer) printer(queue string) *printer.CUPS {
	c := printer.NewCUPS(queue)
	c.Server = s.socket
	return c
}

var jobID = regexp.MustCompile(`^` + cupsQueue + `-([0-9]+)$`)

// printed waits for the job to complete and returns the document as CUPS
// spooled it and the PDF cups-pdf made of it.
func (s *cupsServer) printed(t *testing.T, id string) (spooled, out []byte) {
	t.Helper()
	m := jobID.FindStringSubmatch(id)
	if m == nil {
		t.Fatalf("Print returned %q, want a job id like %s-12", id, cupsQueue)
	}
	deadline := s.wait(30 * time.Second)
	for {
		done, _ := s.command("lpstat", "-W", "completed", "-o", cupsQueue).Output()
		if slices.ContainsFunc(strings.Split(string(done), "\n"), func(l string) bool { return strings.HasPrefix(l, id+" ") }) {
			break
		}
		if time.Now().After(deadline) {
			state, _ := s.command("lpstat", "-l", "-p", cupsQueue, "-o", cupsQueue).CombinedOutput()
			t.Fatalf("job %s did not complete in time:\n%s\nlogs:\n%s", id, state, s.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	n, _ := strconv.Atoi(m[1])
	files, _ := filepath.Glob(filepath.Join(s.out, fmt.Sprintf("*-job_%d.pdf", n)))
	if len(files) != 1 {
		all, _ := os.ReadDir(s.out)
		var names []string
		for _, e := range all {
			names = append(names, e.Name())
		}
		t.Fatalf("job %s completed, but cups-pdf's output for it is not in %s (%q there). Logs:\n%s", id, s.out, names, s.logTail())
	}
	out, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	spooled, err = os.ReadFile(filepath.Join(s.spool, fmt.Sprintf("d%05d-001", n)))
	if err != nil {
		t.Fatalf("the document of job %s is not in CUPS's spool: %v", id, err)
	}
	return spooled, out
}

// pageLog is the line of CUPS's page log for a completed job:
//
//	CARDS root 12 [26/Nov/2026:18:25:16 +0000] total 2 - localhost Купон K7QX-M2PA-9RTE - -
//
// (queue, user, job, time, "total" and the pages times the copies, billing,
// host, title, media, sides): how a job's title, copies and media are known
// to have reached CUPS, since cups-pdf makes one copy whatever the count.
func (s *cupsServer) pageLog(t *testing.T, id string) string {
	t.Helper()
	n := strings.TrimPrefix(id, cupsQueue+"-")
	deadline := s.wait(5 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(s.logs, "page_log"))
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) > 6 && f[0] == cupsQueue && f[2] == n && f[5] == "total" {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is not in CUPS's page log:\n%s", id, data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wantPageLog checks a job's page log line for the title, the pages times
// the copies, and the media (or "-" for none).
func (s *cupsServer) wantPageLog(t *testing.T, id, title string, total int, media string) {
	t.Helper()
	line := s.pageLog(t, id)
	want := fmt.Sprintf(" total %d - localhost %s %s ", total, title, media)
	if !strings.Contains(line, want) {
		t.Errorf("CUPS's page log for %s says\n\t%s\nwant\n\t...%s...", id, line, want)
	}
}

// pageSize is a rasterised page's size in pixels.
func pageSize(t *testing.T, picture string) (w, h int) {
	t.Helper()
	f, err := os.Open(picture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Width, cfg.Height
}

func TestCUPS(t *testing.T) {
	start := time.Now()
	s := startCUPS(t)
	t.Logf("private cupsd ready in %v", time.Since(start).Round(time.Millisecond))
	ctx, cancel := context.WithDeadline(context.Background(), s.deadline)
	defer cancel()
	cards := s.printer(cupsQueue)

	t.Run("card", func(t *testing.T) {
		c := cardsFixture(t, printer.LangBG, 1)
		num := c.Cards[0].Number
		pdf, err := printer.CardPDF(c)
		if err != nil {
			t.Fatal(err)
		}
		title := "КООП: карта " + num
		id, err := cards.Print(ctx, printer.Job{Title: title, Format: printer.FormatPDF, Data: pdf,
			Media: "Custom.85.6x53.98mm"})
		if err != nil {
			t.Fatal(err)
		}
		spooled, out := s.printed(t, id)
		s.wantPageLog(t, id, title, 2, "Custom.85.6x53.98mm")
		if !bytes.Equal(spooled, pdf) {
			t.Errorf("CUPS spooled %d bytes, not the %d-byte PDF sent", len(spooled), len(pdf))
		}
		pages := printertest.Rasterise(t, "cups-card", out)
		if len(pages) != 2 {
			t.Fatalf("%d pages, want front and back", len(pages))
		}
		// The media reached the printer: a CR80 page, 85.6 × 53.98 mm at
		// 300 dpi, not the queue's A4.
		if w, h := pageSize(t, pages[0]); abs(w-1011) > 3 || abs(h-638) > 3 {
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
		pdf, err := printer.CardSheetPDF(c)
		if err != nil {
			t.Fatal(err)
		}
		title := "Хорошая связь: 12 карт"
		id, err := cards.Print(ctx, printer.Job{Title: title, Format: printer.FormatPDF, Data: pdf, Media: "A4"})
		if err != nil {
			t.Fatal(err)
		}
		spooled, out := s.printed(t, id)
		s.wantPageLog(t, id, title, 4, "A4")
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
		id, err := cards.Print(ctx, printer.Job{Title: title, Format: printer.FormatPDF, Data: pdf, Copies: 2})
		if err != nil {
			t.Fatal(err)
		}
		spooled, out := s.printed(t, id)
		s.wantPageLog(t, id, title, 2, "-")
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

	t.Run("status", func(t *testing.T) {
		got, err := cards.Status(ctx)
		if err != nil || !strings.HasPrefix(got, cupsQueue+": idle") {
			t.Errorf("Status: %q, %v; want %q", got, err, cupsQueue+": idle")
		}
	})

	job := printer.Job{Title: "refused", Format: printer.FormatPDF, Data: []byte("%PDF-1.4\n%%EOF\n")}

	t.Run("unknown queue", func(t *testing.T) {
		_, err := s.printer("NOPE").Print(ctx, job)
		wantCUPSError(t, err, rewards.ENOTFOUND, "printer NOPE is not set up in CUPS: it has no printer or class of that name")
		_, err = s.printer("NOPE").Status(ctx)
		wantCUPSError(t, err, rewards.ENOTFOUND, "printer NOPE is not set up in CUPS")
	})

	t.Run("stopped", func(t *testing.T) {
		s.run(t, sbin(t, "cupsdisable", "cups-client"), "-r", "card hopper empty", cupsQueue)
		defer s.run(t, sbin(t, "cupsenable", "cups-client"), cupsQueue)
		_, err := cards.Print(ctx, job)
		wantCUPSError(t, err, rewards.EREFUSED, "printer CARDS is stopped in CUPS (card hopper empty): nothing was printed", "cupsenable CARDS")
		_, err = cards.Status(ctx)
		wantCUPSError(t, err, rewards.EREFUSED, "printer CARDS is stopped in CUPS (card hopper empty)")
		if queued := s.run(t, "lpstat", "-o", cupsQueue); strings.TrimSpace(queued) != "" {
			t.Errorf("a job was queued on the stopped printer:\n%s", queued)
		}
	})

	t.Run("rejecting", func(t *testing.T) {
		s.run(t, sbin(t, "cupsreject", "cups-client"), "-r", "closed for stocktaking", cupsQueue)
		defer s.run(t, sbin(t, "cupsaccept", "cups-client"), cupsQueue)
		_, err := cards.Print(ctx, job)
		wantCUPSError(t, err, rewards.EREFUSED, "printer CARDS is not accepting jobs in CUPS (closed for stocktaking): nothing was printed", "cupsaccept CARDS")
	})

	t.Run("CUPS not running", func(t *testing.T) {
		gone := printer.NewCUPS(cupsQueue)
		gone.Server = filepath.Join(s.dir, "nobody-listens.sock")
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
