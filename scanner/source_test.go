package scanner_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/scanner"
)

var (
	errUnplugged = errors.New("libusb: no device [code -4]")
	errNoDevice  = errors.New("no scanner 0c2e:0b61 on the bus")
)

// session is what one opening of a fake device replays: the chunks each Read
// returns in turn, then err; a nil err means the device stays, and Read
// waits for the context.
type session struct {
	chunks [][]byte
	err    error
}

// fakeDevice is a scanner that replays recorded report streams. Each Open
// takes the next entry of script: a session, or an open error. When the
// script is used up, Open fails with errNoDevice.
type fakeDevice struct {
	mu     sync.Mutex
	script []any // session or error
	opens  int   // successful opens
	closes int
}

func (f *fakeDevice) Open(ctx context.Context) (scanner.Endpoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.script) == 0 {
		return nil, errNoDevice
	}
	next := f.script[0]
	f.script = f.script[1:]
	if err, ok := next.(error); ok {
		return nil, err
	}
	f.opens++
	return &fakeEndpoint{dev: f, s: next.(session)}, nil
}

func (f *fakeDevice) counts() (opens, closes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opens, f.closes
}

type fakeEndpoint struct {
	dev    *fakeDevice
	s      session
	closed bool
}

func (e *fakeEndpoint) Read(ctx context.Context, p []byte) (int, error) {
	if e.closed {
		return 0, errors.New("read from a closed endpoint")
	}
	if len(e.s.chunks) > 0 {
		c := e.s.chunks[0]
		n := copy(p, c)
		if n < len(c) {
			e.s.chunks[0] = c[n:]
		} else {
			e.s.chunks = e.s.chunks[1:]
		}
		return n, nil
	}
	if e.s.err != nil {
		return 0, e.s.err
	}
	<-ctx.Done()
	return 0, ctx.Err()
}

func (e *fakeEndpoint) Close() error {
	e.closed = true
	e.dev.mu.Lock()
	e.dev.closes++
	e.dev.mu.Unlock()
	return nil
}

// split cuts b into chunks of at most n bytes.
func split(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		k := min(n, len(b))
		out = append(out, b[:k])
		b = b[k:]
	}
	return out
}

// runSource runs a source over dev until want events came, then cancels it
// and waits for Run to return, so no test leaves a goroutine behind.
func runSource(t *testing.T, dev *fakeDevice, cfg scanner.ReportSourceConfig, want int) []scanner.Event {
	t.Helper()
	cfg.Open = dev.Open
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Millisecond
	}
	src, err := scanner.NewReportSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan scanner.Event)
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, out) }()
	var got []scanner.Event
	timeout := time.After(5 * time.Second)
	for len(got) < want {
		select {
		case ev := <-out:
			got = append(got, ev)
		case <-timeout:
			cancel()
			<-done
			t.Fatalf("got %d events, want %d: %s", len(got), want, describe(got))
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if opens, closes := dev.counts(); opens != closes {
		t.Errorf("opened the device %d times, closed it %d times", opens, closes)
	}
	return got
}

// describe writes events as one short word each, for comparing sequences:
// "connected", "disconnected", "open-error", or the scan's code.
func describe(evs []scanner.Event) string {
	var w []string
	for _, ev := range evs {
		switch {
		case ev.Scan != nil:
			w = append(w, ev.Scan.Code)
		case ev.Connected:
			w = append(w, "connected")
		case ev.Disconnected:
			w = append(w, "disconnected")
		case ev.Err != nil:
			w = append(w, "open-error")
		default:
			w = append(w, "empty")
		}
	}
	return strings.Join(w, " ")
}

func bootDecoder(t *testing.T) scanner.Decoder {
	t.Helper()
	d, err := scanner.NewBootDecoder(scanner.BootConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestReportSourceScan(t *testing.T) {
	dev := &fakeDevice{script: []any{session{chunks: [][]byte{bootReports("us", "4006381333931", 0x28)}}}}
	got := runSource(t, dev, scanner.ReportSourceConfig{Device: "kbd0", Decoder: bootDecoder(t), Now: clock(t0, time.Second)}, 2)
	if d := describe(got); d != "connected 4006381333931" {
		t.Fatalf("events: %s", d)
	}
	if got[0].Device != "kbd0" {
		t.Errorf("connected event: %+v", got[0])
	}
	s := got[1].Scan
	if !s.Valid || s.Symbology != scanner.EAN13 || s.Device != "kbd0" || !s.Time.Equal(t0) || got[1].Device != "kbd0" {
		t.Errorf("scan: %+v", *s)
	}
}

func TestReportSourceSplitReads(t *testing.T) {
	t.Run("boot", func(t *testing.T) {
		// 3-byte reads cut every 8-byte report apart.
		dev := &fakeDevice{script: []any{session{chunks: split(bootReports("us", "CARD-0042", 0x28), 3)}}}
		got := runSource(t, dev, scanner.ReportSourceConfig{Decoder: bootDecoder(t)}, 2)
		if d := describe(got); d != "connected CARD-0042" {
			t.Fatalf("events: %s", d)
		}
	})
	t.Run("hidpos continuation", func(t *testing.T) {
		data := "https://tochka.example/card/" + strings.Repeat("0123456789", 10)
		dev := &fakeDevice{script: []any{session{chunks: split(posReports("]Q1", 's', data, 56), 50)}}}
		got := runSource(t, dev, scanner.ReportSourceConfig{Decoder: scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{})}, 2)
		if len(got) != 2 || got[1].Scan == nil || got[1].Scan.Code != data || got[1].Scan.Symbology != scanner.QR {
			t.Fatalf("events: %s", describe(got))
		}
	})
	t.Run("reads smaller than the buffer", func(t *testing.T) {
		// ReadSize 5: a 64-byte HID POS report needs thirteen reads.
		dev := &fakeDevice{script: []any{session{chunks: [][]byte{posReports("]E0", 'd', "4006381333931", 56)}}}}
		got := runSource(t, dev, scanner.ReportSourceConfig{ReadSize: 5, Decoder: scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{})}, 2)
		if d := describe(got); d != "connected 4006381333931" {
			t.Fatalf("events: %s", d)
		}
	})
}

func TestReportSourceUnpluggedMidScan(t *testing.T) {
	full := bootReports("us", "4006381333931", 0x28)
	// Five keys and half of the sixth key's report, then the cable is pulled.
	partial := full[:5*16+3]
	dev := &fakeDevice{script: []any{
		session{chunks: split(partial, 8), err: errUnplugged},
		errNoDevice, // still unplugged at the first poll
		errNoDevice, // and the second: reported once only
		session{chunks: [][]byte{full}},
	}}
	got := runSource(t, dev, scanner.ReportSourceConfig{Device: "kbd0", Decoder: bootDecoder(t)}, 5)
	if d := describe(got); d != "connected disconnected open-error connected 4006381333931" {
		t.Fatalf("events: %s", d)
	}
	if !errors.Is(got[1].Err, errUnplugged) || got[1].Device != "kbd0" {
		t.Errorf("disconnected event: %+v", got[1])
	}
	if !errors.Is(got[2].Err, errNoDevice) {
		t.Errorf("open error event: %+v", got[2])
	}
	if s := got[4].Scan; !s.Valid {
		t.Errorf("scan after replug: %+v", *s)
	}
}

func TestReportSourceHIDPOSUnpluggedBetweenReports(t *testing.T) {
	// The first of two continued reports arrives, then the scanner goes:
	// the half-joined scan must not prefix the next one.
	long := posReports("]C0", 'j', strings.Repeat("A", 60), 56)
	dev := &fakeDevice{script: []any{
		session{chunks: [][]byte{long[:64]}, err: errUnplugged},
		session{chunks: [][]byte{posReports("]C0", 'j', "CARD-0042", 56)}},
	}}
	got := runSource(t, dev, scanner.ReportSourceConfig{Decoder: scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{})}, 4)
	if d := describe(got); d != "connected disconnected connected CARD-0042" {
		t.Fatalf("events: %s", d)
	}
}

func TestReportSourceRepeat(t *testing.T) {
	card := bootReports("us", "4006381333931", 0x28)
	other := bootReports("us", "96385074", 0x28)
	stream := append(append(append(append([]byte{}, card...), card...), other...), card...)
	t.Run("default window", func(t *testing.T) {
		// Scans 0.5 s apart: the second read of the card is dropped; after
		// another card, the first one counts again.
		dev := &fakeDevice{script: []any{session{chunks: [][]byte{stream}}}}
		got := runSource(t, dev, scanner.ReportSourceConfig{Decoder: bootDecoder(t), Now: clock(t0, 500*time.Millisecond)}, 4)
		if d := describe(got); d != "connected 4006381333931 96385074 4006381333931" {
			t.Fatalf("events: %s", d)
		}
	})
	t.Run("window off", func(t *testing.T) {
		dev := &fakeDevice{script: []any{session{chunks: [][]byte{stream}}}}
		got := runSource(t, dev, scanner.ReportSourceConfig{Decoder: bootDecoder(t), RepeatWindow: -1, Now: clock(t0, 500*time.Millisecond)}, 5)
		if d := describe(got); d != "connected 4006381333931 4006381333931 96385074 4006381333931" {
			t.Fatalf("events: %s", d)
		}
	})
	t.Run("short window", func(t *testing.T) {
		dev := &fakeDevice{script: []any{session{chunks: [][]byte{stream}}}}
		got := runSource(t, dev, scanner.ReportSourceConfig{Decoder: bootDecoder(t), RepeatWindow: 400 * time.Millisecond, Now: clock(t0, 500*time.Millisecond)}, 5)
		if d := describe(got); d != "connected 4006381333931 4006381333931 96385074 4006381333931" {
			t.Fatalf("events: %s", d)
		}
	})
}

func TestReportSourceInvalidDelivered(t *testing.T) {
	dev := &fakeDevice{script: []any{session{chunks: [][]byte{bootReports("us", "4006381333938", 0x28)}}}}
	got := runSource(t, dev, scanner.ReportSourceConfig{Decoder: bootDecoder(t)}, 2)
	s := got[1].Scan
	if s == nil || s.Valid || s.Reason != "check digit should be 1, not 8" {
		t.Fatalf("events: %s, %+v", describe(got), got[1])
	}
}

// TestReportSourceCancel ends Run in each place it can wait: in a read, on a
// send nobody receives, and between polls of an absent device.
func TestReportSourceCancel(t *testing.T) {
	tests := []struct {
		name    string
		script  []any
		receive int // events to take before cancelling
	}{
		{"reading", []any{session{}}, 1},
		{"sending", []any{session{chunks: [][]byte{bootReports("us", "4006381333931", 0x28)}}}, 0},
		{"polling", nil, 1},
		{"open error unread", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := &fakeDevice{script: tt.script}
			src, err := scanner.NewReportSource(scanner.ReportSourceConfig{Open: dev.Open, Decoder: bootDecoder(t), PollInterval: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			out := make(chan scanner.Event)
			done := make(chan error, 1)
			go func() { done <- src.Run(ctx, out) }()
			for range tt.receive {
				select {
				case <-out:
				case <-time.After(5 * time.Second):
					t.Fatal("no event")
				}
			}
			time.Sleep(10 * time.Millisecond) // let Run reach its wait
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(time.Second):
				t.Fatal("Run did not return promptly after cancel")
			}
			if opens, closes := dev.counts(); opens != closes {
				t.Errorf("opened %d, closed %d", opens, closes)
			}
		})
	}
}

func TestNewReportSourceNeedsOpenAndDecoder(t *testing.T) {
	dev := &fakeDevice{}
	if _, err := scanner.NewReportSource(scanner.ReportSourceConfig{Decoder: bootDecoder(t)}); err == nil {
		t.Error("no error without Open")
	}
	if _, err := scanner.NewReportSource(scanner.ReportSourceConfig{Open: dev.Open}); err == nil {
		t.Error("no error without Decoder")
	}
}
