package scanner

import (
	"context"
	"errors"
	"time"
)

// Decoder turns a device's byte stream into scans. BootDecoder, HIDPOSDecoder
// and LineDecoder are decoders; a ReportSource drives one.
type Decoder interface {
	// Feed decodes p, any part of the stream, and returns the scans it completes.
	Feed(p []byte) []Scan
	// Reset drops whatever partial report or scan the decoder holds.
	Reset()
}

var (
	_ Decoder = (*BootDecoder)(nil)
	_ Decoder = (*HIDPOSDecoder)(nil)
	_ Decoder = (*LineDecoder)(nil)
)

// Source delivers what happens at one scanner: its scans, and it coming and
// going.
type Source interface {
	// Run delivers events on out until ctx is done, then returns nil. It
	// returns an error only when it cannot run at all. Run never closes out,
	// and does not return while it is still sending on it.
	Run(ctx context.Context, out chan<- Event) error
}

// Event is one thing that happened at a source. Exactly one of Scan,
// Connected, Disconnected is set, or none of them when Err reports a device
// that could not be opened.
type Event struct {
	// Scan is a scan, invalid ones included (see Scan.Valid), repeats
	// within the source's repeat window left out.
	Scan *Scan
	// Connected is set when the device was opened and reading starts.
	Connected bool
	// Disconnected is set when reading failed, as when the scanner was
	// unplugged; Err says why. A scan in progress at that moment is dropped.
	Disconnected bool
	// Device names the source.
	Device string
	// Err is why the device went away (with Disconnected) or why it could
	// not be opened (alone). An open failure is reported once, not on every
	// poll, until the device has been connected again.
	Err error
}

// Endpoint is a device's stream of input reports, as a USB interrupt IN
// endpoint, a /dev/hidrawN file or a serial port gives it. The gousb, hidraw
// and serial glue implement it; tests replay recorded reports through it.
type Endpoint interface {
	// Read reads the next bytes of the stream into p, waiting for them
	// until ctx is done. An error means the device is gone (or ctx is done);
	// it is not called again after one.
	Read(ctx context.Context, p []byte) (int, error)
	// Close releases the device.
	Close() error
}

// Defaults of ReportSourceConfig.
const (
	// DefaultPollInterval is how often a ReportSource tries to open a device
	// that is not there. gousb has no hotplug events, so it polls.
	DefaultPollInterval = time.Second
	// DefaultReadSize is the buffer given to each Endpoint.Read: a whole HID
	// POS report, or several boot-keyboard ones.
	DefaultReadSize = HIDPOSReportSize
)

// ReportSourceConfig configures a ReportSource.
type ReportSourceConfig struct {
	// Device names the source in its events and in scans that carry no
	// device of their own.
	Device string
	// Open opens the device; it is called again every PollInterval while
	// it fails, and after the device went away. Required.
	Open func(ctx context.Context) (Endpoint, error)
	// Decoder decodes the reports. Required. The source owns it while it
	// runs, and resets it when the device goes away.
	Decoder Decoder
	// RepeatWindow is the repeat filter's window (see RepeatFilter): zero
	// means DefaultRepeatWindow, negative lets every scan through.
	RepeatWindow time.Duration
	// PollInterval is the pause between attempts to open the device; zero
	// means DefaultPollInterval.
	PollInterval time.Duration
	// ReadSize is the size of each read; zero means DefaultReadSize.
	ReadSize int
	// Now stamps scans whose decoder left Time zero, so the repeat filter
	// can work; nil means time.Now.
	Now func() time.Time
}

// ReportSource is a Source that reads reports from an Endpoint, decodes them
// with a Decoder, drops repeats and survives the device being unplugged and
// plugged back: on a read error it drops the partial scan, reports
// Disconnected, and polls Open until the device is back.
type ReportSource struct {
	cfg ReportSourceConfig
}

var _ Source = (*ReportSource)(nil)

// NewReportSource returns a source for cfg, with defaults filled in, or an
// error when Open or Decoder is missing.
func NewReportSource(cfg ReportSourceConfig) (*ReportSource, error) {
	if cfg.Open == nil {
		return nil, errors.New("scanner: report source without an Open function")
	}
	if cfg.Decoder == nil {
		return nil, errors.New("scanner: report source without a decoder")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.ReadSize <= 0 {
		cfg.ReadSize = DefaultReadSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &ReportSource{cfg: cfg}, nil
}

// Run opens the device, reads and decodes it and sends the events on out
// until ctx is done; then it closes the device and returns nil. Run must not
// be called again before it has returned.
func (s *ReportSource) Run(ctx context.Context, out chan<- Event) error {
	filter := NewRepeatFilter(s.cfg.RepeatWindow)
	buf := make([]byte, s.cfg.ReadSize)
	quiet := false // an open failure was reported since the last connect
	for ctx.Err() == nil {
		ep, err := s.cfg.Open(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if !quiet {
				quiet = true
				if !s.send(ctx, out, Event{Device: s.cfg.Device, Err: err}) {
					break
				}
			}
			if !sleep(ctx, s.cfg.PollInterval) {
				break
			}
			continue
		}
		quiet = false
		err = s.read(ctx, ep, buf, filter, out)
		ep.Close() // the device may be gone already: nothing to do about an error
		s.cfg.Decoder.Reset()
		if ctx.Err() != nil || err == nil {
			break
		}
		if !s.send(ctx, out, Event{Device: s.cfg.Device, Disconnected: true, Err: err}) {
			break
		}
		// Wait before reopening, so a device that opens but fails every read
		// does not make the loop spin.
		if !sleep(ctx, s.cfg.PollInterval) {
			break
		}
	}
	return nil
}

// read reports the device connected, then reads and delivers its scans until
// a read fails (that error) or ctx is done (nil).
func (s *ReportSource) read(ctx context.Context, ep Endpoint, buf []byte, filter *RepeatFilter, out chan<- Event) error {
	if !s.send(ctx, out, Event{Device: s.cfg.Device, Connected: true}) {
		return nil
	}
	for {
		n, err := ep.Read(ctx, buf)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			// Bytes that came with the error are the start of a scan that
			// will never end: they go with the Reset.
			return err
		}
		for _, sc := range s.cfg.Decoder.Feed(buf[:n]) {
			if sc.Time.IsZero() {
				sc.Time = s.cfg.Now()
			}
			if sc.Device == "" {
				sc.Device = s.cfg.Device
			}
			if !filter.Allow(sc) {
				continue
			}
			if !s.send(ctx, out, Event{Device: s.cfg.Device, Scan: &sc}) {
				return nil
			}
		}
	}
}

// send delivers ev unless ctx is done first, and reports whether it did.
func (s *ReportSource) send(ctx context.Context, out chan<- Event, ev Event) bool {
	select {
	case out <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// sleep waits d, and reports false when ctx was done first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
