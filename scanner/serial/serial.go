// Package serial opens a barcode scanner in serial mode (USB CDC-ACM, a
// virtual COM port: /dev/ttyACM*, or /dev/ttyUSB* behind a USB-serial
// adapter) as a scanner.Endpoint, through go.bug.st/serial.
//
// The port is read with a short read timeout, so that a Read notices its
// context being cancelled within PollTimeout even when the scanner is silent.
// What is read is the raw byte stream; scanner.LineDecoder cuts it into scans
// at the configured suffix. A scanner unplugged while open makes Read fail,
// and scanner.ReportSource opens the port again when it comes back (the
// kernel usually gives it the same name).
package serial

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	bugst "go.bug.st/serial"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/scanner"
)

// Defaults of Config.
const (
	DefaultPort = "/dev/ttyACM0"
	DefaultBaud = 9600
	// PollTimeout is the read timeout: how late a Read may notice its
	// context is done.
	PollTimeout = 100 * time.Millisecond
)

// Errors Open wraps, for errors.Is.
var (
	// ErrNotFound: there is no such port (the scanner is not plugged in,
	// or not in serial mode).
	ErrNotFound = errors.New("no such serial port")
	// ErrPermission: this user may not open the port.
	ErrPermission = errors.New("no permission to open the serial port")
)

// Config selects the port.
type Config struct {
	// Port is the device node; empty means DefaultPort.
	Port string
	// Baud is the speed; zero means DefaultBaud. A CDC-ACM scanner ignores
	// it, a USB-serial adapter does not.
	Baud int
}

func (c Config) port() string {
	if c.Port == "" {
		return DefaultPort
	}
	return c.Port
}

// Opener returns the function scanner.ReportSourceConfig.Open wants.
func Opener(cfg Config) func(ctx context.Context) (scanner.Endpoint, error) {
	return scanner.OpenerOf(func() (*Port, error) { return Open(cfg) })
}

// Port is an open serial scanner. It implements scanner.Endpoint.
type Port struct {
	// Name is the device node.
	Name string

	mu   sync.Mutex
	port bugst.Port
}

var _ scanner.Endpoint = (*Port)(nil)

// Open opens the port of cfg, 8N1 at cfg.Baud, in raw mode.
func Open(cfg Config) (*Port, error) {
	name := cfg.port()
	baud := cfg.Baud
	if baud <= 0 {
		baud = DefaultBaud
	}
	if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
		return nil, scanner.Problem(ErrNotFound, rewards.Fail(rewards.ENOTFOUND, "scanner.serial_not_found", lang.Args{"port": name}))
	}
	p, err := bugst.Open(name, &bugst.Mode{BaudRate: baud, DataBits: 8, Parity: bugst.NoParity, StopBits: bugst.OneStopBit})
	if err != nil {
		var pe *bugst.PortError
		switch {
		case errors.As(err, &pe) && pe.Code() == bugst.PermissionDenied, errors.Is(err, fs.ErrPermission):
			return nil, scanner.Problem(ErrPermission, rewards.Fail(rewards.EFORBIDDEN, "scanner.serial_permission", lang.Args{"port": name}))
		case errors.As(err, &pe) && pe.Code() == bugst.PortBusy:
			return nil, rewards.Fail(rewards.EREFUSED, "scanner.serial_busy", lang.Args{"port": name})
		case errors.Is(err, fs.ErrNotExist):
			return nil, scanner.Problem(ErrNotFound, rewards.Fail(rewards.ENOTFOUND, "scanner.serial_gone", lang.Args{"port": name}))
		}
		return nil, fmt.Errorf("open serial port %s: %w", name, err)
	}
	if err := p.SetReadTimeout(PollTimeout); err != nil {
		p.Close()
		return nil, fmt.Errorf("serial port %s: set the read timeout: %w", name, err)
	}
	return &Port{Name: name, port: p}, nil
}

// Read reads the next bytes the scanner sends into p, waiting until ctx is
// done (noticed within PollTimeout).
func (p *Port) Read(ctx context.Context, b []byte) (int, error) {
	p.mu.Lock()
	port := p.port
	p.mu.Unlock()
	if port == nil {
		return 0, fmt.Errorf("serial port %s: read after close", p.Name)
	}
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := port.Read(b)
		if err != nil {
			return n, fmt.Errorf("serial port %s: %w (unplugged?)", p.Name, err)
		}
		if n > 0 {
			return n, nil
		}
		// n == 0 and no error: the read timeout passed; look at ctx again.
	}
}

// Close closes the port. Closing twice does nothing.
func (p *Port) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.port == nil {
		return nil
	}
	err := p.port.Close()
	p.port = nil
	if err != nil {
		return fmt.Errorf("close serial port %s: %w", p.Name, err)
	}
	return nil
}

// portGlobs are the device nodes a serial scanner shows up as.
var portGlobs = []string{"/dev/ttyACM*", "/dev/ttyUSB*"}

// Ports lists the serial ports a scanner may be on: /dev/ttyACM* (CDC-ACM,
// what scanners in serial mode are) and /dev/ttyUSB* (USB-serial adapters),
// sorted.
func Ports() []string {
	return globPorts(portGlobs)
}

func globPorts(globs []string) []string {
	var out []string
	for _, g := range globs {
		m, _ := filepath.Glob(g) // the patterns are well-formed
		out = append(out, m...)
	}
	slices.Sort(out)
	return out
}
