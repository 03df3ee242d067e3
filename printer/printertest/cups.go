package printertest

import (
	"encoding/binary"
	"fmt"
	"net"
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
)

// CUPS is a private cupsd for the tests that print through a real CUPS: its
// own configuration, spool, logs and listener, all in a temporary
// directory, so that it neither needs nor disturbs the machine's CUPS. Its
// queues print on the cups-pdf virtual printer, behind the same filters a
// card printer's queue has (pdftopdf, pdftops, then cups-pdf's
// Ghostscript), and it keeps every job's document and attributes in its
// spool, so that a test reads back what reached CUPS: the options of a job
// (JobAttributes), the document as spooled and the PDF cups-pdf made of it
// (Printed).
//
// It does not skip. cupsd must run as root (it runs the cups-pdf backend as
// root); make test installs the packages through scripts/setup.sh and CI
// runs as root. Anything missing fails the test, saying what to do.
type CUPS struct {
	// Server is where the cupsd listens, as CUPS_SERVER and printer.CUPS's
	// Server take it: a loopback address and a port of its own. (Not a
	// socket: the CUPS client reads a queue's options, lpoptions -l, from
	// the server that printer-uri-supported names, which for a socket
	// other than the system's is not this one.)
	Server string
	Dir    string // everything of this server, removed at the end
	Out    string // where cups-pdf writes the PDFs
	Spool  string // cupsd's RequestRoot: each job's document and attributes, kept
	Logs   string

	pdfCfg   string // /etc/cups/cups-pdf-NAME.conf, cups-pdf's settings for this server's queues
	device   string // the queues' device URI: cups-pdf:/NAME
	deadline time.Time
}

// CUPSPackages is what scripts/setup.sh installs for the CUPS tests.
const CUPSPackages = "cups printer-driver-cups-pdf cups-client cups-bsd"

// The files of the packages the private server uses (Debian's paths).
const (
	cupsPDFBackend = "/usr/lib/cups/backend/cups-pdf"
	// CUPSPDFPPD is cups-pdf's driver: a queue that prints one side only.
	CUPSPDFPPD    = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"
	pdftopsFilter = "/usr/lib/cups/filter/pdftops"
)

// Sbin finds an administration command (lpadmin, cupsdisable, ...), which
// may be outside a user's PATH, or fails the test naming its package.
func Sbin(t testing.TB, name, pkg string) string {
	t.Helper()
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		if path := filepath.Join(dir, name); isExecutable(path) {
			return path
		}
	}
	t.Fatalf("%s not found: install the Debian package %s (apt-get install %s; make test does it through scripts/setup.sh test)", name, pkg, CUPSPackages)
	return ""
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
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

// needFile fails the test when a file a package installs is missing.
func needFile(t testing.TB, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s not found: install the Debian package %s (apt-get install %s; make test does it through scripts/setup.sh test)", path, pkg, CUPSPackages)
	}
}

// freePort is a loopback TCP port that nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartCUPS starts a private cupsd with no queue and returns once it
// answers; every wait of the test is bounded so that it ends (failing,
// with the logs) within budget whatever hangs. The cupsd is stopped and
// its directory removed when the test ends.
func StartCUPS(t *testing.T, budget time.Duration) *CUPS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("the CUPS tests start their own cupsd with a cups-pdf printer, and cupsd runs the cups-pdf backend as root: " +
			"run the tests as root (CI does; on a workstation: sudo make test, or sudo go test ./...)")
	}
	cupsd := Sbin(t, "cupsd", "cups")
	Sbin(t, "lpadmin", "cups-client")
	Tool(t, "lp", "cups-client")
	Tool(t, "lpstat", "cups-client")
	Tool(t, "lpoptions", "cups-client")
	Tool(t, "gs", "ghostscript")
	needFile(t, cupsPDFBackend, "printer-driver-cups-pdf")
	needFile(t, CUPSPDFPPD, "printer-driver-cups-pdf")
	needFile(t, pdftopsFilter, "cups-filters")
	needFile(t, "/etc/cups", "cups")

	// Not t.TempDir: cupsd runs its filters as the user lp, which must
	// reach the spool through every directory above it.
	base := os.TempDir()
	if len(base) > 60 || !othersMayEnter(base) {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "tochka-cups-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &CUPS{
		deadline: time.Now().Add(budget),
		Server:   "127.0.0.1:" + strconv.Itoa(freePort(t)),
		Dir:      dir,
		Out:      filepath.Join(dir, "out"),
		Spool:    filepath.Join(dir, "spool"),
		Logs:     filepath.Join(dir, "log"),
		// cups-pdf reads its settings from /etc/cups only: from
		// cups-pdf-NAME.conf for a queue whose device is cups-pdf:/NAME.
		pdfCfg: filepath.Join("/etc/cups", "cups-pdf-"+filepath.Base(dir)+".conf"),
		device: "cups-pdf:/" + filepath.Base(dir),
	}
	for _, d := range []string{dir, s.Out, s.Spool, filepath.Join(s.Spool, "tmp"), s.Logs,
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
			t.Fatalf("%v (the CUPS test writes cups-pdf's settings for its queues there: run it as root)", err)
		}
	}
	// DirtyCleanInterval 0: a job's attributes are in its control file
	// as soon as the job is queued, for JobAttributes to read.
	write(filepath.Join(dir, "etc", "cupsd.conf"), fmt.Sprintf(`# A private cupsd for Tochka's tests: one loopback port, no sharing.
LogLevel info
Listen %s
Browsing No
WebInterface No
DefaultAuthType None
PreserveJobFiles Yes
PreserveJobHistory Yes
DirtyCleanInterval 0
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
`, s.Server))
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
`, dir, s.Spool, s.Logs))
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
`, dir, s.Out, s.Logs))

	// cupsd in the foreground, in a process group of its own so that its
	// filters and backends go with it; it dies with the test binary too.
	cmd := exec.Command(cupsd, "-f", "-c", filepath.Join(dir, "etc", "cupsd.conf"), "-s", filepath.Join(dir, "etc", "cups-files.conf"))
	console, err := os.Create(filepath.Join(s.Logs, "cupsd.out"))
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
	deadline := s.Wait(10 * time.Second)
	for {
		out, _ := s.Command("lpstat", "-r").Output()
		if strings.Contains(string(out), "scheduler is running") {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the test's cupsd exited at once (%v); is another program in the way? Its log:\n%s", err, s.LogTail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the test's cupsd did not answer on %s within 10 s. Its log:\n%s", s.Server, s.LogTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// AddQueue adds an enabled queue on the cups-pdf printer with the driver
// ppd: CUPSPDFPPD for a printer of one side, DuplexPPD's for one that
// prints both.
func (s *CUPS) AddQueue(t testing.TB, name, ppd string) {
	t.Helper()
	s.Run(t, Sbin(t, "lpadmin", "cups-client"), "-p", name, "-v", s.device, "-E", "-P", ppd)
}

// DuplexPPD writes cups-pdf's driver with a Duplex option added, as a
// printer that prints both sides declares it (cups-pdf itself cannot, and
// ignores it), and returns its path.
func (s *CUPS) DuplexPPD(t testing.TB) string {
	t.Helper()
	ppd, err := os.ReadFile(CUPSPDFPPD)
	if err != nil {
		t.Fatal(err)
	}
	ppd = append(ppd, `
*OpenUI *Duplex/Double-Sided Printing: PickOne
*OrderDependency: 10 AnySetup *Duplex
*DefaultDuplex: None
*Duplex None/Off: ""
*Duplex DuplexNoTumble/Long Edge: ""
*Duplex DuplexTumble/Short Edge: ""
*CloseUI: *Duplex
`...)
	path := filepath.Join(s.Dir, "duplex.ppd")
	if err := os.WriteFile(path, ppd, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
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

// Deadline is when the test's budget ends.
func (s *CUPS) Deadline() time.Time { return s.deadline }

// Wait is when a wait of at most d must end: d from now, or the test's
// deadline if that comes first.
func (s *CUPS) Wait(d time.Duration) time.Time {
	if end := time.Now().Add(d); end.Before(s.deadline) {
		return end
	}
	return s.deadline
}

// Command is a CUPS client command talking to this server, in the C locale.
func (s *CUPS) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "CUPS_SERVER="+s.Server, "LC_ALL=C", "LANG=C")
	return cmd
}

// Run runs a CUPS client command and fails the test if it fails.
func (s *CUPS) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := s.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\ncupsd's log:\n%s", name, strings.Join(args, " "), err, out, s.LogTail())
	}
	return string(out)
}

// LogTail is the end of cupsd's and cups-pdf's logs, for a failure message.
func (s *CUPS) LogTail() string {
	var b strings.Builder
	names := []string{"cupsd.out", "error_log"}
	logs, _ := filepath.Glob(filepath.Join(s.Logs, "cups-pdf-*_log"))
	for _, l := range logs {
		names = append(names, filepath.Base(l))
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(s.Logs, name))
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

// jobID is a CUPS job id, QUEUE-N.
var jobID = regexp.MustCompile(`^(.+)-([0-9]+)$`)

// Job splits a job id into its queue and number, or fails the test.
func Job(t testing.TB, id string) (queue string, n int) {
	t.Helper()
	m := jobID.FindStringSubmatch(id)
	if m == nil {
		t.Fatalf("%q is not a CUPS job id like CARDS-12", id)
	}
	n, _ = strconv.Atoi(m[2])
	return m[1], n
}

// Printed waits for the job to complete and returns the document as CUPS
// spooled it and the PDF cups-pdf made of it.
func (s *CUPS) Printed(t testing.TB, id string) (spooled, out []byte) {
	t.Helper()
	queue, n := Job(t, id)
	deadline := s.Wait(30 * time.Second)
	for {
		done, _ := s.Command("lpstat", "-W", "completed", "-o", queue).Output()
		if slices.ContainsFunc(strings.Split(string(done), "\n"), func(l string) bool { return strings.HasPrefix(l, id+" ") }) {
			break
		}
		if time.Now().After(deadline) {
			state, _ := s.Command("lpstat", "-l", "-p", queue, "-o", queue).CombinedOutput()
			t.Fatalf("job %s did not complete in time:\n%s\nlogs:\n%s", id, state, s.LogTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	files, _ := filepath.Glob(filepath.Join(s.Out, fmt.Sprintf("*-job_%d.pdf", n)))
	if len(files) != 1 {
		all, _ := os.ReadDir(s.Out)
		var names []string
		for _, e := range all {
			names = append(names, e.Name())
		}
		t.Fatalf("job %s completed, but cups-pdf's output for it is not in %s (%q there). Logs:\n%s", id, s.Out, names, s.LogTail())
	}
	out, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	spooled, err = os.ReadFile(filepath.Join(s.Spool, fmt.Sprintf("d%05d-001", n)))
	if err != nil {
		t.Fatalf("the document of job %s is not in CUPS's spool: %v", id, err)
	}
	return spooled, out
}

// PageLog is the line of CUPS's page log for a completed job:
//
//	CARDS root 12 [26/Nov/2026:18:25:16 +0000] total 2 - localhost Купон K7QX-M2PA-9RTE - -
//
// (queue, user, job, time, "total" and the pages times the copies, billing,
// host, title, media, sides): how a job's title, copies and media are known
// to have reached CUPS, since cups-pdf makes one copy whatever the count.
func (s *CUPS) PageLog(t testing.TB, id string) string {
	t.Helper()
	queue, n := Job(t, id)
	deadline := s.Wait(5 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(s.Logs, "page_log"))
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) > 6 && f[0] == queue && f[2] == strconv.Itoa(n) && f[5] == "total" {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is not in CUPS's page log:\n%s", id, data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// JobAttributes reads the attributes CUPS keeps for a job (its control
// file in the spool, the IPP attributes as the job was created with them):
// "job-name", "media", "sides", "page-set", "job-hold-until", ...; each
// value as text (integers and enums in decimal).
func (s *CUPS) JobAttributes(t testing.TB, id string) map[string][]string {
	t.Helper()
	_, n := Job(t, id)
	path := filepath.Join(s.Spool, fmt.Sprintf("c%05d", n))
	var data []byte
	deadline := s.Wait(5 * time.Second)
	for {
		var err error
		if data, err = os.ReadFile(path); err == nil && len(data) > 8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s has no control file in CUPS's spool: %v", id, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	attrs, err := decodeIPP(data)
	if err != nil {
		t.Fatalf("job %s's control file: %v", id, err)
	}
	return attrs
}

// decodeIPP reads the attributes of an IPP message (RFC 8010): the
// version, operation and request id, then groups of attributes, each a
// value tag, a name (empty for a further value of the one before) and a
// value. Only integers, enums and texts are read; the rest (out-of-band
// values, dates, collections) are left out.
func decodeIPP(data []byte) (map[string][]string, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%d bytes: not an IPP message", len(data))
	}
	attrs := map[string][]string{}
	p, last := 8, ""
	for p < len(data) {
		tag := data[p]
		p++
		switch {
		case tag == 0x03: // end of attributes
			return attrs, nil
		case tag < 0x10: // a group's start
			continue
		}
		if p+2 > len(data) {
			return nil, fmt.Errorf("truncated at byte %d", p)
		}
		nl := int(binary.BigEndian.Uint16(data[p:]))
		p += 2
		if p+nl+2 > len(data) {
			return nil, fmt.Errorf("truncated at byte %d", p)
		}
		name := string(data[p : p+nl])
		p += nl
		vl := int(binary.BigEndian.Uint16(data[p:]))
		p += 2
		if p+vl > len(data) {
			return nil, fmt.Errorf("truncated at byte %d", p)
		}
		value := data[p : p+vl]
		p += vl
		if name == "" {
			name = last
		}
		last = name
		switch {
		case tag == 0x21 || tag == 0x23: // integer, enum
			if vl == 4 {
				attrs[name] = append(attrs[name], strconv.Itoa(int(int32(binary.BigEndian.Uint32(value)))))
			}
		case tag >= 0x41 && tag <= 0x49: // text, name, keyword, uri, charset, language, mime type
			attrs[name] = append(attrs[name], string(value))
		}
	}
	return attrs, nil
}
