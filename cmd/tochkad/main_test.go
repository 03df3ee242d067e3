package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/assets"
	"github.com/tochka-loyalty/tochka/docs/openapitest"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

var ctx = context.Background()

// newLedger makes a ledger file with the bundled co-op program, as
// `tochkactl init --program coop` does.
func newLedger(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "coop.db")
	s := sqlite.NewStore(path)
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data, err := assets.Programs.ReadFile("programs/coop.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := rewards.ParseProgram(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}, Program: p}); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer is a buffer the server logs into while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// devices records cooperative c1 with store s1 in the ledger at path and
// adds a till, a kiosk and a manager of s1; it returns their tokens.
func devices(t *testing.T, path string) (till, kiosk, manager string) {
	t.Helper()
	tokens := addDevices(t, path, []string{"s1"},
		rewards.Device{Name: "pos-1", Role: rewards.RolePOS, Store: "s1"},
		rewards.Device{Name: "kiosk-1", Role: rewards.RoleKiosk, Store: "s1"},
		rewards.Device{Name: "manager-1", Role: rewards.RoleManager, Store: "s1"})
	return tokens[0], tokens[1], tokens[2]
}

// addDevices records cooperative c1 with the stores in the ledger at path
// and adds the devices; it returns their tokens, in order.
func addDevices(tb testing.TB, path string, stores []string, devs ...rewards.Device) []string {
	tb.Helper()
	s := sqlite.NewStore(path)
	if err := s.Open(); err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	at := rewards.Meta{At: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Meta: at, Coop: rewards.Coop{ID: "c1", Names: rewards.Names{BG: "Кооп"}}}); err != nil {
		tb.Fatal(err)
	}
	for _, id := range stores {
		if _, err := s.AddStore(ctx, rewards.StoreAdd{Meta: at, Store: rewards.Store{ID: id, Coop: "c1", Names: rewards.Names{BG: id}}}); err != nil {
			tb.Fatal(err)
		}
	}
	var tokens []string
	for _, d := range devs {
		nd, err := s.AddDevice(ctx, rewards.DeviceAdd{Meta: at, Device: d})
		if err != nil {
			tb.Fatal(err)
		}
		tokens = append(tokens, nd.Token)
	}
	return tokens
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs tochkad in this process until the test ends; it returns the
// base URL and the log.
func start(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer) {
	t.Helper()
	runCtx, cancel := context.WithCancel(ctx)
	var logs, errs syncBuffer
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(runCtx, args, func(k string) string { return env[k] }, &logs, &errs, ready)
	}()
	select {
	case addr := <-ready:
		t.Cleanup(func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("tochkad exited %d after a stop\n%s%s", code, logs.String(), errs.String())
			}
		})
		return "http://" + addr, &logs
	case code := <-done:
		cancel()
		t.Fatalf("tochkad exited %d before it served\n%s%s", code, logs.String(), errs.String())
	}
	return "", nil
}

// get reads url, the request and its answer checked against
// docs/openapi.json.
func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := openapitest.Client(t).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

// The server answers its health routes and the API over its ledger, with a
// trace id on every answer and one JSON log line a request.
func TestServes(t *testing.T) {
	db := newLedger(t)
	till, kiosk, manager := devices(t, db)
	base, logs := start(t, map[string]string{"TOCHKA_NOW": "2026-11-05T10:00:00Z"}, "--db", "sqlite:"+db, "--listen", "127.0.0.1:0")
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body, h := get(t, base+path); code != 200 || body != "ok\n" || !validTrace(h.Get(traceHeader)) {
			t.Errorf("GET %s: %d %q, trace %q", path, code, body, h.Get(traceHeader))
		}
	}
	// The API needs a device's token, and answers by its rights.
	if code, body, _ := get(t, base+"/v1/program"); code != http.StatusUnauthorized || !strings.Contains(body, `"unauthenticated"`) {
		t.Errorf("the API without a token: %d %s", code, body)
	}
	card, err := api.NewClient(base, openapitest.Client(t), api.WithToken(kiosk)).IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}, Handed: true})
	if err != nil {
		t.Fatal(err)
	}
	c := api.NewClient(base, openapitest.Client(t), api.WithToken(till))
	if _, err := c.IssueCard(ctx, rewards.CardIssue{Handed: true}); rewards.ErrorCode(err) != rewards.EFORBIDDEN {
		t.Errorf("a till issues a card: %v", err)
	}
	res, err := c.PostReceipt(ctx, rewards.Receipt{ID: "R1", Store: "s1", Card: card.Number, Time: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC),
		Lines: []rewards.Line{{SKU: "bread", Qty: 1, Amount: 250}}})
	if err != nil || res.Earned == 0 {
		t.Fatalf("receipt through tochkad: %+v %v", res, err)
	}
	// The metrics, a manager's to read, count what was answered and time
	// each route.
	if code, _, _ := get(t, base+"/metrics"); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without a token: %d", code)
	}
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+manager)
	resp, err := openapitest.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(body)
	for _, want := range []string{"tochka_receipts_posted_total 1\n", fmt.Sprintf("tochka_points_earned_total %d\n", res.Earned),
		`tochka_http_request_duration_seconds_count{route="POST /v1/receipts",status="200"} 1`,
		`tochka_http_request_duration_seconds_count{route="GET /healthz",status="200"} 1`,
		"tochka_group_commit_writes_count 2\n"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("GET /metrics lacks %q:\n%s", want, metrics)
		}
	}
	// The caller's trace id comes back and names the request's log line.
	req, _ = http.NewRequest("GET", base+"/v1/cards/"+card.Number+"/balance", nil)
	req.Header.Set(traceHeader, "till-7-0001")
	req.Header.Set("Authorization", "Bearer "+till)
	resp, err = openapitest.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get(traceHeader); got != "till-7-0001" {
		t.Errorf("the caller's trace id came back as %q", got)
	}
	var line struct {
		Msg, Trace, Method, Route string
		Status                    int
	}
	found := false
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line that is not JSON: %q", sc.Text())
		}
		if line.Trace == "till-7-0001" {
			found = line.Msg == "request" && line.Method == "GET" && line.Route == "GET /v1/cards/{number}/balance" && line.Status == 200
		}
	}
	if !found {
		t.Errorf("no request line for the trace id till-7-0001 with its route:\n%s", logs.String())
	}
}

// Opening a v0.1.0 ledger whose rewards name picture files, the server
// imports those it can read and warns, once, of the one it cannot, naming
// the reward.
func TestUpgradeImportsPictures(t *testing.T) {
	dir := t.TempDir()
	ledgers := filepath.Join("..", "..", "rewards", "sqlite", "testdata", "ledgers")
	db := filepath.Join(dir, "pictures.db")
	for name, to := range map[string]string{"v0.1.0-pictures.db": db, "oil.png": filepath.Join(dir, "oil.png")} {
		data, err := os.ReadFile(filepath.Join(ledgers, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, logs := start(t, map[string]string{"TOCHKA_NOW": "2026-11-10T10:00:00Z"}, "--db", "sqlite:"+db, "--listen", "127.0.0.1:0")
	if got := logs.String(); strings.Count(got, "was not imported") != 1 || !strings.Contains(got, "Reward mug: picture gone.jpg was not imported") {
		t.Errorf("the upgrade's warnings:\n%s", got)
	}
}

// A trace id a caller sends that could write into the logs is replaced.
func TestTraceIDs(t *testing.T) {
	for id, ok := range map[string]bool{"till-7-0001": true, "a1b2c3d4": true, "short": false, "with space 123": false,
		"line\nbreak-1234": false, strings.Repeat("x", 65): false} {
		if validTrace(id) != ok {
			t.Errorf("validTrace(%q) = %v", id, !ok)
		}
	}
	if a, b := newTrace(), newTrace(); a == b || !validTrace(a) {
		t.Errorf("new trace ids %q and %q", a, b)
	}
}

// Bad settings are bad usage (2); a ledger that cannot be opened is a
// failure to start (1).
func TestSettings(t *testing.T) {
	db := newLedger(t)
	for _, tc := range []struct {
		args []string
		env  map[string]string
		code int
	}{
		{nil, nil, 2},
		{[]string{"--db", db, "--tls-cert", "cert.pem"}, nil, 2},
		{[]string{"--db", db, "extra"}, nil, 2},
		{nil, map[string]string{"TOCHKA_DB": db, "TOCHKA_NOW": "tomorrow"}, 2},
		{[]string{"--db", "postgres://db/tochka"}, nil, 1},
		{[]string{"--db", filepath.Join(t.TempDir(), "none.db")}, nil, 1},
		{[]string{"--db", db, "--listen", "256.0.0.1:1"}, nil, 1},
	} {
		var out, errs bytes.Buffer
		if code := run(ctx, tc.args, func(k string) string { return tc.env[k] }, &out, &errs, nil); code != tc.code {
			t.Errorf("tochkad %v %v: exit %d, want %d\n%s%s", tc.args, tc.env, code, tc.code, out.String(), errs.String())
		}
	}
}

// Told to stop, the server takes no new connection and lets the requests
// in flight finish.
func TestGracefulStop(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serve(runCtx, srv, ln, "", "") }()
	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			answer <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answer <- string(b)
	}()
	<-started
	stop()
	select {
	case err := <-served:
		t.Fatalf("serve returned %v with a request in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("a stopping server still takes connections")
	}
	close(release)
	if got := <-answer; got != "done" {
		t.Errorf("the request in flight got %q", got)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// tochkadBinary builds the tochkad binary once for the tests that start it
// as a process.
var tochkadBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tochkad-test")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "tochkad")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// process is a tochkad started as a process.
type process struct {
	cmd  *exec.Cmd
	addr string
}

// startProcess starts the tochkad binary with env beside this process's
// environment, and waits until it says where it serves.
func startProcess(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	bin, err := tochkadBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	p := &process{cmd: cmd}
	for p.addr == "" && sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "tochkad serves" {
			p.addr = line.Addr
		}
	}
	if p.addr == "" {
		t.Fatal("tochkad never said where it serves")
	}
	go io.Copy(io.Discard, stdout)
	return p
}

// The tochkad binary, as a service manager starts it: it serves, and on
// SIGTERM stops with status 0.
func TestProcess(t *testing.T) {
	p := startProcess(t, []string{"TOCHKA_DB=sqlite:" + newLedger(t)}, "--listen", "127.0.0.1:0")
	if code, body, _ := get(t, "http://"+p.addr+"/readyz"); code != 200 || body != "ok\n" {
		t.Errorf("GET /readyz: %d %q", code, body)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- p.cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("tochkad after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("tochkad did not stop on SIGTERM")
	}
}

// The systemd unit under deploy/ runs tochkad as its own user, with the
// file system read-only but for the ledger's directory, restarts it when it
// fails and stops it with SIGTERM.
func TestSystemdUnit(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "tochkad.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			unit[k] = append(unit[k], v)
		}
	}
	for k, want := range map[string]string{"User": "tochka", "ProtectSystem": "strict", "Restart": "on-failure",
		"KillSignal": "SIGTERM", "ExecStart": "/usr/local/bin/tochkad", "ReadWritePaths": "/var/lib/tochka", "NoNewPrivileges": "yes"} {
		if got := unit[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%v, want %s", k, got, want)
		}
	}
	if got := strings.Join(unit["Environment"], " "); !strings.Contains(got, "TOCHKA_DB=sqlite:/var/lib/tochka/") {
		t.Errorf("the ledger the unit names: %s", got)
	}
}
