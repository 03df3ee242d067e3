package serial

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/scanner"
	"github.com/tochka-loyalty/tochka/scanner/serial/serialtest"
)

func TestMissingPort(t *testing.T) {
	name := filepath.Join(t.TempDir(), "ttyACM9")
	ep, err := Opener(Config{Port: name})(context.Background())
	if ep != nil || !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open(%s) = %v, %v; want ErrNotFound", name, ep, err)
	}
	want := "no serial scanner at " + name + ": is it plugged in and set to USB CDC (serial) mode?"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start %q", err, want)
	}
	var e *rewards.Error
	if !errors.As(err, &e) || e.Code != rewards.ENOTFOUND || e.Key != "scanner.serial_not_found" {
		t.Errorf("%v: want the domain error scanner.serial_not_found", err)
	}
	if got := rewards.ErrorText(err, lang.RU); !strings.HasPrefix(got, "нет последовательного сканера на "+name+": ") {
		t.Errorf("in Russian: %q", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Opener(Config{Port: name})(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestNotASerialPort(t *testing.T) {
	name := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(name, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Config{Port: name}); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("a plain file opened as a port: %v", err)
	}
}

func TestGlobPorts(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"ttyUSB0", "ttyACM1", "ttyACM0", "ttyS0"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := globPorts([]string{filepath.Join(dir, "ttyACM*"), filepath.Join(dir, "ttyUSB*")})
	want := []string{filepath.Join(dir, "ttyACM0"), filepath.Join(dir, "ttyACM1"), filepath.Join(dir, "ttyUSB0")}
	if !slices.Equal(got, want) {
		t.Errorf("globPorts = %v, want %v", got, want)
	}
	for _, p := range Ports() {
		if !strings.HasPrefix(p, "/dev/ttyACM") && !strings.HasPrefix(p, "/dev/ttyUSB") {
			t.Errorf("Ports gave %s", p)
		}
	}
}

// A scan written to the other end of a pty arrives through a ReportSource
// with a LineDecoder, as it would from a scanner on /dev/ttyACM0.
func TestPTYScan(t *testing.T) {
	master, name := serialtest.PTY(t)
	src, err := scanner.NewReportSource(scanner.ReportSourceConfig{
		Device: name, Open: Opener(Config{Port: name, Baud: 9600}),
		Decoder: scanner.NewLineDecoder(scanner.LineConfig{}), PollInterval: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out := make(chan scanner.Event)
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, out) }()

	ev := <-out
	if !ev.Connected {
		t.Fatalf("first event %+v, want connected", ev)
	}
	if _, err := master.Write([]byte("]E04006381333931\r")); err != nil {
		t.Fatal(err)
	}
	ev = <-out
	if ev.Scan == nil || ev.Scan.Code != "4006381333931" || ev.Scan.Symbology != scanner.EAN13 || !ev.Scan.Valid {
		t.Fatalf("event %+v, want the EAN-13 scan", ev)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// Read of a silent port returns soon after its context ends.
func TestPTYReadHonoursContext(t *testing.T) {
	_, name := serialtest.PTY(t)
	p, err := Open(Config{Port: name})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	n, err := p.Read(ctx, make([]byte, 64))
	if n != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Read = %d, %v; want the deadline", n, err)
	}
	if d := time.Since(start); d > 200*time.Millisecond+3*PollTimeout {
		t.Errorf("Read took %v after a 200ms deadline", d)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Read(context.Background(), make([]byte, 8)); err == nil {
		t.Error("Read after Close succeeded")
	}
}
