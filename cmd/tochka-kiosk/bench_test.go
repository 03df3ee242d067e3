package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards/replica/replicatest"
	"github.com/tochka-loyalty/tochka/scanner/serial/serialtest"
)

// TestMain removes the replica the benchmarks share once they have run.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// shared is a replica of 200,000 cards, made once for the benchmarks.
var shared struct {
	once      sync.Once
	dir, path string
}

// bigReplica is the path of the shared replica of 200,000 cards.
func bigReplica(b *testing.B) string {
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "tochka-kiosk-bench-")
		if err != nil {
			b.Fatal(err)
		}
		shared.dir = dir
		shared.path = replicatest.Kiosk(b, dir, 200_000)
	})
	if shared.path == "" {
		b.Fatal("the shared replica could not be made")
	}
	return shared.path
}

// needX fails the benchmark when Xvfb or xdotool is missing.
func needX(b *testing.B) {
	for _, tool := range [][2]string{{"Xvfb", "xvfb"}, {"xdotool", "xdotool"}} {
		if _, err := exec.LookPath(tool[0]); err != nil {
			b.Fatalf("%s is not installed: run `make test`, which installs it (the Debian package %s)", tool[0], tool[1])
		}
	}
}

// BenchmarkColdStart: the real tochka-kiosk, on an existing replica of
// 200,000 cards and without --demo, from its start to the attract screen
// (polled on the status endpoint every 5 ms), the median of 5 starts as
// start-ms; one-card-start-ms, the baseline, is the same on a replica of
// one card. Target: start-ms ≤ 1,500.
func BenchmarkColdStart(b *testing.B) {
	needX(b)
	bin := kioskBinary(b)
	display := startXvfb(b)
	big := bigReplica(b)
	small := replicatest.Kiosk(b, b.TempDir(), 1)
	var on200k, on1 []float64
	for i := 0; i < b.N; i++ {
		for range 5 {
			on200k = append(on200k, coldStart(b, bin, display, big))
			on1 = append(on1, coldStart(b, bin, display, small))
		}
	}
	b.ReportMetric(median(on200k), "start-ms")
	b.ReportMetric(median(on1), "one-card-start-ms")
}

// coldStart starts the kiosk on the replica db and returns how many
// milliseconds it took to show attract; then it stops it.
func coldStart(b *testing.B, bin, display, db string) float64 {
	start := time.Now()
	k := startKiosk(b, bin, display, "--db", db)
	for {
		if st, err := k.get(); err == nil && st.Screen == kiosk.ScreenAttract {
			break
		}
		select {
		case <-k.exited:
			k.fatalf("the kiosk exited (%v) before attract", k.cmd.ProcessState)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(start) > time.Minute {
			k.fatalf("no attract screen after a minute")
		}
	}
	ms := float64(time.Since(start)) / float64(time.Millisecond)
	k.cmd.Process.Signal(syscall.SIGTERM)
	<-k.exited
	return ms
}

// BenchmarkKioskMemory: the real tochka-kiosk on a replica of 200,000
// cards takes 1,000 scans of different cards from a serial scanner (a
// pty stands for its port), each opening its customer screen, every
// tenth followed by a tap on Done (xdotool) back to attract: rss-mb is
// its resident memory after them, rss-growth-mb what it grew over the
// last 500, and idle-rss-mb, the baseline, its resident memory on
// attract before the first. Targets: rss-mb ≤ 200, rss-growth-mb ≤ 5.
func BenchmarkKioskMemory(b *testing.B) {
	needX(b)
	bin := kioskBinary(b)
	display := startXvfb(b)
	path := bigReplica(b)
	var idle, after, growth []float64
	for i := 0; i < b.N; i++ {
		port, name := serialtest.PTY(b)
		k := startKiosk(b, bin, display, "--db", path, "--idle", "1h", "--scanner", "serial:"+name)
		k.waitFor(kiosk.ScreenAttract, time.Minute)
		time.Sleep(time.Second) // the scanner's port open, the first screen drawn
		idle = append(idle, rss(b, k))
		var half float64
		for n := 0; n < 1000; n += 10 {
			for j := range 10 {
				if _, err := port.WriteString(replicatest.Card(1+(n+j)*197%200_000) + "\r"); err != nil {
					b.Fatal(err)
				}
			}
			k.waitForScans(n+10, 10*time.Second)
			time.Sleep(300 * time.Millisecond) // the last screen drawn
			st := k.waitFor(kiosk.ScreenCustomer, time.Second)
			done := lang.Text(st.Lang, "kiosk.done", nil)
			k.tap(st, func(l string) bool { return l == done }, done)
			k.waitFor(kiosk.ScreenAttract, 10*time.Second)
			if n+10 == 500 {
				half = rss(b, k)
			}
		}
		full := rss(b, k)
		after, growth = append(after, full), append(growth, full-half)
		k.cmd.Process.Signal(syscall.SIGTERM)
		<-k.exited
	}
	b.ReportMetric(median(after), "rss-mb")
	b.ReportMetric(median(growth), "rss-growth-mb")
	b.ReportMetric(median(idle), "idle-rss-mb")
}

// waitForScans polls the status endpoint until the kiosk has taken n
// scans, and returns what it says then.
func (k *kioskRun) waitForScans(n int, d time.Duration) kiosk.Status {
	deadline := time.Now().Add(d)
	for {
		st, err := k.get()
		if err == nil && st.Scans >= n {
			return st
		}
		if time.Now().After(deadline) {
			k.fatalf("%d scans taken after %s, not %d (%v)", st.Scans, d, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rss is the kiosk process's resident memory in MiB (VmRSS).
func rss(b *testing.B, k *kioskRun) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", k.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS in /proc/PID/status")
	return 0
}

// median is the middle of xs.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
