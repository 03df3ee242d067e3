package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/scanner/serial/serialtest"
)

// scanner list runs on any machine and exits 0: with no scanner, and with
// no USB access at all, it says so.
func TestScannerList(t *testing.T) {
	c := newCLI(t)
	code, out, errOut := c.exec("", "scanner", "list")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "USB scanners: ") && !strings.HasPrefix(out, "VID:PID") {
		t.Errorf("stdout: %s", out)
	}
	if !strings.Contains(out, "serial ports: ") {
		t.Errorf("no serial ports line: %s", out)
	}
	t.Logf("scanner list:\n%s", out)

	code, out, _ = c.exec("", "scanner", "list", "--json")
	var res scannerListJSON
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Scanners == nil || res.SerialPorts == nil {
		t.Fatalf("--json: exit %d: %s", code, out)
	}
	if !res.USB && !strings.Contains(res.Problem, "no USB access") {
		t.Errorf("no USB, and the problem does not say so: %+v", res)
	}
}

// scanner watch for a scanner that is not there says so once, keeps
// polling quietly, and stops at --for with exit 0.
func TestScannerWatchAbsentDevice(t *testing.T) {
	c := newCLI(t)
	start := time.Now()
	code, out, errOut := c.exec("", "scanner", "watch", "--device", "ffff:fffe", "--for", "1300ms")
	if d := time.Since(start); d < 1300*time.Millisecond {
		t.Errorf("watch stopped after %v, before --for 1300ms", d)
	}
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	want := "waiting: no USB scanner ffff:fffe found: is it plugged in? (trying again every 1 s)\n"
	if strings.Contains(out, "no USB access") {
		t.Logf("this machine gives no USB access: %s", out)
		want = out
	}
	// Reported once, though it was tried twice within 1.3 s.
	if out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}

	code, out, _ = c.exec("", "scanner", "watch", "--device", "ffff:fffe", "--for", "200ms", "--json")
	var ev watchEventJSON
	if code != 0 || json.Unmarshal([]byte(out), &ev) != nil || ev.Event != "waiting" || ev.Device != "USB scanner ffff:fffe" || ev.Error == "" {
		t.Errorf("--json: exit %d: %s", code, out)
	}

	// In the reader's language, the scanner's problem included.
	code, out, _ = c.exec("", "--lang", "ru", "scanner", "watch", "--device", "ffff:fffe", "--for", "200ms")
	want = "ожидание: USB-сканер ffff:fffe не найден: он подключён? (новая попытка каждые 1 с)\n"
	if strings.HasPrefix(out, "ожидание: нет доступа к USB: ") {
		want = out
	}
	if code != 0 || out != want {
		t.Errorf("--lang ru: exit %d, stdout %q, want %q", code, out, want)
	}
}

func TestScannerWatchUsage(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--device", "zz"}, `flag --device: "zz" is not a USB vendor and product id`},
		{[]string{"--mode", "wedge"}, `flag --mode takes keyboard, hidpos or serial, not "wedge"`},
		{[]string{"--mode", "hidpos", "--port", "/dev/ttyACM0"}, "--port goes with --mode serial only"},
		{[]string{"--suffix", "lf"}, "--suffix goes with --mode serial only"},
		{[]string{"--port", "/dev/ttyACM0", "--layout", "fr"}, "--layout goes with --mode keyboard only"},
		{[]string{"--mode", "hidpos", "--tab"}, "--tab goes with --mode keyboard only"},
		{[]string{"--port", "/dev/ttyACM0", "--device", "0c2e:0b61"}, "--device names a USB scanner: a serial one is given with --port"},
		{[]string{"--for", "soon"}, `flag --for: "soon" is not a duration such as 30s or 5m`},
		{[]string{"--for", "-1s"}, `flag --for: "-1s" is not a duration`},
	}
	for _, tt := range tests {
		c := newCLI(t)
		code, out, errOut := c.exec("", append([]string{"scanner", "watch"}, tt.args...)...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "tochkactl: "+tt.msg) {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", strings.Join(tt.args, " "), code, out, errOut)
		}
	}
}

// scanner watch on a serial port, end to end: a pty stands for the
// scanner's /dev/ttyACM0, and what is written to its other end comes out as
// scans, a repeat within the window dropped and a misread rejected.
func TestScannerWatchSerial(t *testing.T) {
	master, port := serialtest.PTY(t)
	go func() {
		time.Sleep(400 * time.Millisecond) // the port is open by then
		master.Write([]byte("]E04006381333931\r4006381333931\r4006381333938\r"))
	}()
	c := newCLI(t)
	code, out, errOut := c.exec("", "scanner", "watch", "--port", port, "--for", "1200ms", "--json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var evs []watchEventJSON
	for _, l := range lines {
		var ev watchEventJSON
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		evs = append(evs, ev)
	}
	if len(evs) != 3 || evs[0].Event != "connected" || evs[0].Device != port ||
		evs[1].Event != "scan" || *evs[1].Code != "4006381333931" || evs[1].Symbology != "ean13" || !*evs[1].Valid ||
		evs[2].Event != "scan" || *evs[2].Code != "4006381333938" || *evs[2].Valid || evs[2].Reason == "" {
		t.Errorf("events:\n%s", out)
	}
}

// scanner watch --device is the command's own flag, the scanner to read;
// on the commands that change the ledger --device is still the global flag,
// the device recorded on the change.
func TestScannerWatchOwnDevice(t *testing.T) {
	in, err := parseLine([]string{"scanner", "watch", "--device", "0c2e:0b61", "--json"})
	if err != nil {
		t.Fatal(err)
	}
	if in.str["device"] != "0c2e:0b61" || in.global["device"] != "" || !in.globalBool("json") {
		t.Errorf("scanner watch --device: command flags %v, global flags %v", in.str, in.global)
	}

	c := newCLI(t)
	code, out, errOut := c.exec("", "scanner", "watch", "--device", "ffff:fffe", "--for", "500ms", "--json")
	var ev watchEventJSON
	if code != 0 || json.Unmarshal([]byte(out), &ev) != nil || ev.Device != "USB scanner ffff:fffe" {
		t.Errorf("scanner watch --device ffff:fffe: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	// Before the command words it would be the global flag, which scanner
	// watch has no use for: it says where its own goes.
	code, out, errOut = c.exec("", "--device", "ffff:fffe", "scanner", "watch", "--for", "100ms")
	if code != 2 || out != "" || !strings.Contains(errOut, "--device of scanner watch goes after the command: tochkactl scanner watch --device VID:PID") {
		t.Errorf("--device before scanner watch: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	c.ok("init", "--program", "coop")
	issue(c, "--device", "till-3")
	issue(c)
	c.ok("--device", "till-4", "card", "issue")
	host, _ := os.Hostname()
	if got, want := eventDevices(t, c), []string{"tochkactl@" + host, "till-3", "tochkactl@" + host, "till-4"}; !slices.Equal(got, want) {
		t.Errorf("devices recorded = %v, want %v", got, want)
	}
}
