package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// e2eScreen is the Xvfb screen the end-to-end run gets: a kiosk's full
// HD screen.
const e2eScreen = "1920x1080x24"

// e2eIdle is the kiosk's idle timeout in the end-to-end run: short, so
// that the return to attract does not keep the test waiting.
const e2eIdle = 4 * time.Second

// TestDemoEndToEnd runs the real tochka-kiosk --demo in an Xvfb of its
// own and uses it as a customer would: xdotool types a demo card's number
// and Enter as a keyboard-wedge scanner does, and clicks the buttons the
// status endpoint places (found by the catalog's words and the board's
// names, never by position); the status endpoint and a screenshot say
// what the screen shows; the voucher "printed" to a PDF is rasterised by
// poppler and its barcodes read by zbar; the central ledger is read for
// the voucher and the balance after; then the idle timeout takes the
// kiosk back to attract.
//
// $TOCHKA_KIOSK names a tochka-kiosk already built (make run's); without
// it the test builds one. $TOCHKA_SHOTS names a folder to keep the
// screenshots of each screen in (make run's on a machine without a
// display). Without Xvfb, xdotool, poppler or zbar the test fails saying
// to run make test, which installs them.
func TestDemoEndToEnd(t *testing.T) {
	for _, tool := range [][2]string{{"Xvfb", "xvfb"}, {"xdotool", "xdotool"}, {"pdftoppm", "poppler-utils"}, {"zbarimg", "zbar-tools"}} {
		if _, err := exec.LookPath(tool[0]); err != nil {
			t.Fatalf("%s is not installed: run `make test`, which installs it (the Debian package %s, through scripts/setup.sh test)", tool[0], tool[1])
		}
	}
	bin := kioskBinary(t)
	start := time.Now()
	k := startKiosk(t, bin, startXvfb(t), "--demo", "--idle", e2eIdle.String())

	// Attract, then a scan of Иван's card.
	k.waitFor(kiosk.ScreenAttract, 60*time.Second)
	attract := k.shot("1-attract")
	card := demoCards[1]
	k.xdo("type", "--delay", "40", card.Number)
	k.xdo("key", "Return")
	st := k.waitFor(kiosk.ScreenCustomer, 10*time.Second)
	if st.Available == nil || *st.Available != card.Balance {
		t.Fatalf("the customer screen of %s shows %v points, want %d", card.Number, st.Available, card.Balance)
	}
	customer := k.shot("2-customer")
	if changed(attract, customer) < 0.05 {
		t.Fatalf("the screenshot after the scan is the attract screen's still (%.1f %% of pixels changed)", 100*changed(attract, customer))
	}
	k.logf("scanned %s: the customer screen shows %d points", card.Number, card.Balance)

	// Take the cheapest reward, and confirm.
	rw := demoBoard[0]
	name := rw.Names.In(st.Lang)
	takeFor := lang.Text(st.Lang, "kiosk.take_for", lang.Args{"points": lang.M("unit.points", lang.Args{"count": lang.Number(rw.Points)})})
	k.tap(st, func(label string) bool { return label == takeFor }, takeFor)
	st = k.waitFor(kiosk.ScreenConfirm, 10*time.Second)
	k.shot("3-confirm")
	take := lang.Text(st.Lang, "kiosk.take", nil)
	k.tap(st, func(label string) bool { return label == take }, take)
	k.waitFor(kiosk.ScreenVoucher, 10*time.Second)
	voucher := k.shot("4-voucher")
	k.logf("took %s for %d points", name, rw.Points)

	// The voucher printed, as a till's scanner would read it, and as the
	// central ledger holds it.
	code := k.printedVoucher()
	server := sqlite.NewStore(filepath.Join(k.demoDir(), "ledgers", "server.db"))
	server.ReadOnly = true
	if err := server.Open(); err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	ctx := context.Background()
	v, err := server.Voucher(ctx, code)
	if err != nil || v.Card != card.Number || v.Reward != rw.ID || v.Status != rewards.VoucherOpen {
		t.Fatalf("the ledger's voucher %s: %+v %v; want an open voucher of %s for %s", code, v, err, card.Number, rw.ID)
	}
	bal, err := server.Balance(ctx, card.Number, time.Now())
	if err != nil || bal.Available != card.Balance-rw.Points {
		t.Fatalf("the ledger's balance of %s after the exchange: %+v %v, want %d", card.Number, bal, err, card.Balance-rw.Points)
	}
	k.logf("the voucher's PDF and ESC/POS files carry the code %s, which the ledger holds", code)

	// Left alone, the kiosk clears the customer and shows attract.
	k.waitFor(kiosk.ScreenAttract, e2eIdle+15*time.Second)
	if d := changed(voucher, k.shot("5-attract")); d < 0.05 {
		t.Fatalf("the screenshot back on attract is the voucher screen's still (%.1f %% of pixels changed)", 100*d)
	}
	k.logf("after %s without a touch the kiosk is back on attract; screenshots in %s", e2eIdle, k.shots)
	k.stop()
	t.Logf("the end-to-end run took %s", time.Since(start).Round(100*time.Millisecond))
}

// kioskBinary is the tochka-kiosk to run: $TOCHKA_KIOSK, else one built
// for the test.
func kioskBinary(tb testing.TB) string {
	tb.Helper()
	bin := os.Getenv("TOCHKA_KIOSK")
	if bin == "" {
		bin = filepath.Join(tb.TempDir(), "tochka-kiosk")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			tb.Fatalf("go build: %v\n%s", err, out)
		}
	}
	return bin
}

// kioskRun is a tochka-kiosk process under test, on an X display.
type kioskRun struct {
	t       testing.TB
	display string
	tmp     string // its TMPDIR, where the demo makes its folder
	status  string // the status endpoint's URL
	shots   string
	cmd     *exec.Cmd
	out     *syncBuffer
	exited  chan struct{}
	window  string // the X window's id
}

// startXvfb starts an Xvfb on a display number it picks itself
// (-displayfd) and returns the display (":N"); it stops with the test.
func startXvfb(t testing.TB) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var stderr syncBuffer
	x := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", e2eScreen)
	x.ExtraFiles = []*os.File{w}
	x.Stderr = &stderr
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		x.Process.Signal(syscall.SIGTERM)
		x.Wait()
	})
	number := make(chan string, 1)
	go func() {
		// Xvfb writes the number, then a newline: it stops if the pipe
		// is closed between the two.
		n, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(n)
	}()
	select {
	case n := <-number:
		if n == "" {
			t.Fatalf("Xvfb did not start: %s", stderr.String())
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		t.Fatalf("Xvfb did not say its display in 20 s: %s", stderr.String())
	}
	return ""
}

// startKiosk starts the kiosk with args on display, its status endpoint
// on a free port.
func startKiosk(t testing.TB, bin, display string, args ...string) *kioskRun {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	k := &kioskRun{t: t, display: display, tmp: t.TempDir(), status: "http://" + addr, out: &syncBuffer{}, exited: make(chan struct{}),
		shots: os.Getenv("TOCHKA_SHOTS")}
	if k.shots == "" {
		k.shots = t.TempDir()
	}
	k.cmd = exec.Command(bin, append(args, "--status-addr", addr)...)
	// LANG=C.UTF-8, and LANGUAGE=en, which Fyne reads first, for it
	// takes "C" for no language tag and says so; its own TMPDIR, where
	// the demo makes its folder, and its own configuration folder, where
	// Fyne keeps the app's preferences.
	k.cmd.Env = append(environ("DISPLAY", "WAYLAND_DISPLAY", "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "TMPDIR", "XDG_CONFIG_HOME"),
		"DISPLAY="+display, "LANG=C.UTF-8", "LANGUAGE=en", "TMPDIR="+k.tmp, "XDG_CONFIG_HOME="+k.tmp)
	k.cmd.Stdout, k.cmd.Stderr = k.out, k.out
	if err := k.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { k.cmd.Wait(); close(k.exited) }()
	t.Cleanup(func() {
		k.cmd.Process.Kill()
		<-k.exited
	})
	return k
}

// environ is this process's environment without the variables named.
func environ(without ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(without, name) {
			env = append(env, kv)
		}
	}
	return env
}

// fatalf fails the test with what the kiosk wrote.
func (k *kioskRun) fatalf(format string, args ...any) {
	k.t.Helper()
	k.t.Fatalf("%s\nthe kiosk wrote:\n%s", fmt.Sprintf(format, args...), k.out.String())
}

// logf says what the run did, as make run shows it.
func (k *kioskRun) logf(format string, args ...any) {
	k.t.Helper()
	k.t.Logf(format, args...)
}

// get reads the status endpoint's answer.
func (k *kioskRun) get() (kiosk.Status, error) {
	var st kiosk.Status
	resp, err := http.Get(k.status + "/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// waitFor polls the status endpoint until it names screen.
func (k *kioskRun) waitFor(screen string, d time.Duration) kiosk.Status {
	k.t.Helper()
	deadline := time.Now().Add(d)
	var st kiosk.Status
	var err error
	for {
		select {
		case <-k.exited:
			k.fatalf("the kiosk exited (%v) while the test waited for the %s screen", k.cmd.ProcessState, screen)
		default:
		}
		st, err = k.get()
		if err == nil && st.Screen == screen {
			return st
		}
		if time.Now().After(deadline) {
			k.fatalf("no %s screen after %s: the status endpoint says %+v (%v)", screen, d, st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// xdo runs xdotool on the kiosk's display, first finding the kiosk's
// window and putting the pointer on it, so that what is typed reaches it
// (a bare X server gives the keyboard to the window under the pointer).
func (k *kioskRun) xdo(args ...string) {
	k.t.Helper()
	run := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "xdotool", args...)
		cmd.Env = append(environ("DISPLAY"), "DISPLAY="+k.display)
		out, err := cmd.CombinedOutput()
		if err != nil {
			k.fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if k.window == "" {
		k.window = strings.Fields(run("search", "--sync", "--onlyvisible", "--name", "^Tochka$"))[0]
		run("mousemove", "--window", k.window, "8", "8")
	}
	run(args...)
}

// tap clicks the middle of the one enabled button st shows whose label is
// matched (named what), as a finger would.
func (k *kioskRun) tap(st kiosk.Status, match func(string) bool, what string) {
	k.t.Helper()
	var found []kiosk.Target
	for _, b := range st.Targets {
		if match(b.Label) && !b.Disabled {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		k.fatalf("on the %s screen %d buttons match %q: %+v", st.Screen, len(found), what, st.Targets)
	}
	b := found[0]
	k.xdo("mousemove", "--window", k.window, fmt.Sprint(b.X+b.W/2), fmt.Sprint(b.Y+b.H/2), "click", "1")
}

// shot saves the window as the status endpoint captures it to NAME.png in
// the screenshots' folder, and returns it; a screenshot that is not the
// window's size or is transparent throughout fails the test.
func (k *kioskRun) shot(name string) image.Image {
	k.t.Helper()
	resp, err := http.Get(k.status + "/screenshot")
	if err != nil {
		k.fatalf("GET /screenshot: %v", err)
	}
	defer resp.Body.Close()
	var data bytes.Buffer
	data.ReadFrom(resp.Body)
	img, err := png.Decode(bytes.NewReader(data.Bytes()))
	if err != nil {
		k.fatalf("GET /screenshot: %v (%d bytes, %s)", err, data.Len(), resp.Header.Get("Content-Type"))
	}
	if err := os.WriteFile(filepath.Join(k.shots, name+".png"), data.Bytes(), 0o644); err != nil {
		k.t.Fatal(err)
	}
	if img.Bounds().Dx() < 640 || img.Bounds().Dy() < 480 || opaque(img) < 0.5 {
		k.fatalf("the screenshot %s is %v with %.0f %% of it drawn", name, img.Bounds().Size(), 100*opaque(img))
	}
	return img
}

// demoDir is the folder the demo made in the kiosk's TMPDIR.
func (k *kioskRun) demoDir() string {
	k.t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(k.tmp, "tochka-demo-*"))
	if len(dirs) != 1 {
		k.fatalf("the kiosk's TMPDIR holds %q, want one tochka-demo-* folder", dirs)
	}
	return dirs[0]
}

// printedVoucher finds the one voucher printed, checks that its PDF and
// its ESC/POS stream carry its code in a Code 128 and a QR code, and
// returns the code as the file names it.
func (k *kioskRun) printedVoucher() string {
	k.t.Helper()
	pdfs, _ := filepath.Glob(filepath.Join(k.demoDir(), "printed", "voucher-*.pdf"))
	if len(pdfs) != 1 {
		k.fatalf("the printed folder holds the vouchers %q, want one", pdfs)
	}
	code := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(pdfs[0]), "voucher-"), ".pdf")
	bare := strings.ReplaceAll(code, "-", "")
	stream, err := os.ReadFile(strings.TrimSuffix(pdfs[0], ".pdf") + ".escpos")
	if err != nil {
		k.fatalf("the voucher's ESC/POS stream: %v", err)
	}
	page := printertest.Pages(k.t, pdfs[0])[0]
	for what, picture := range map[string]string{"PDF": page, "ESC/POS stream": printertest.ESCPOSPicture(k.t, stream)} {
		for _, symbology := range []string{"code128", "qrcode"} {
			if got := printertest.Decode(k.t, picture, symbology); !slices.Equal(got, []string{bare}) {
				k.fatalf("the voucher's %s: zbarimg reads the %s %q, want %q", what, symbology, got, bare)
			}
		}
	}
	// The voucher as it came out, beside the screens.
	if data, err := os.ReadFile(page); err == nil {
		os.WriteFile(filepath.Join(k.shots, "voucher-"+code+".png"), data, 0o644)
	}
	return code
}

// stop ends the kiosk as a service manager would (SIGTERM) and checks
// that it exits cleanly, saying where the printed files stay.
func (k *kioskRun) stop() {
	k.t.Helper()
	k.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-k.exited:
	case <-time.After(15 * time.Second):
		k.fatalf("the kiosk did not exit within 15 s of SIGTERM")
	}
	if !k.cmd.ProcessState.Success() {
		k.fatalf("the kiosk exited with %v after SIGTERM", k.cmd.ProcessState)
	}
	if !strings.Contains(k.out.String(), filepath.Join(k.demoDir(), "printed")) {
		k.fatalf("the kiosk did not name the printed folder")
	}
	if _, err := os.Stat(filepath.Join(k.demoDir(), "ledgers")); err == nil {
		k.fatalf("the demo's ledgers were left behind")
	}
}

// opaque is the share of an image's pixels that are drawn (not
// transparent).
func opaque(img image.Image) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// changed is the share of the pixels of a that differ in b (pixels
// outside b count as changed).
func changed(a, b image.Image) float64 {
	r := a.Bounds()
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !(image.Pt(x, y).In(b.Bounds())) || a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
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
