// Package usb prints ESC/POS streams on USB receipt printers, written to
// directly with libusb (github.com/google/gousb): no CUPS queue, no driver,
// and no kernel usblp device node, which many kiosk images lack.
//
// A printer is found by its vendor and product id, or as the first device
// with a printer-class interface (USB class 7). The kernel's driver is
// detached from the interface when it is claimed; the bulk OUT endpoint is
// read from the interface's descriptors, because clones of the same printer
// number it differently. A job is written in slices, each of which the
// printer must take within a timeout: a thermal printer with its paper out
// or its cover open simply stops taking data, and that silence is the only
// sign a cheap one gives.
//
// gousb v1.1.3 has no hotplug: a printer plugged in later is found by the
// next Open (Print opens the printer itself when it is not open).
package usb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// DefaultTimeout is how long a printer may take no data before a job fails.
const DefaultTimeout = 10 * time.Second

// Printer is a USB ESC/POS receipt printer.
type Printer struct {
	// VID and PID select the printer; both zero select the first device
	// with a printer-class interface.
	VID, PID uint16
	// Timeout is how long the printer may take no data before Print gives
	// up (paper out, cover open); zero means DefaultTimeout. A deadline on
	// Print's context bounds the whole job besides.
	Timeout time.Duration
	// Logger, when set, is told which device and endpoint were opened.
	Logger *slog.Logger

	mu       sync.Mutex
	claim    usbhost.Claim // the device and its printer interface
	out      endpoint
	packet   int        // the endpoint's max packet size
	in       inEndpoint // where the printer answers status queries; nil when it has none
	inPacket int        // its max packet size
	name     string     // "USB printer 0416:5011 (POS58 Printer)"
	label    lang.Msg   // the printer as a message names it, in the reader's language
}

var _ printer.Printer = (*Printer)(nil)

// NewPrinter returns the printer with the vendor and product id (0, 0: the
// first USB printer found). It is not opened yet.
func NewPrinter(vid, pid uint16) *Printer { return &Printer{VID: vid, PID: pid} }

// id is "0416:5011", or "" for the first printer found.
func (p *Printer) id() string { return usbhost.Selector(p.VID, p.PID) }

// Open finds the printer, detaches the kernel's driver, claims its printer
// interface and opens its bulk OUT endpoint. Opening an open printer does
// nothing.
func (p *Printer) Open() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open()
}

func (p *Printer) open() (err error) {
	if p.out != nil {
		return nil
	}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	if p.claim.USB, err = usbhost.Start(); err != nil {
		return usbhost.Refusal(err)
	}
	p.claim.Dev, err = p.find()
	if err != nil {
		return err
	}
	dev := p.claim.Dev
	id, product := usbhost.DescID(dev.Desc), usbhost.Product(dev)
	p.name = "USB printer " + id
	if product != "" {
		p.name += " (" + product + ")"
	}
	p.label = lang.M("usb.printer", lang.Args{"id": id, "product": product})
	if err := dev.SetAutoDetach(true); err != nil {
		return fmt.Errorf("%s: detach the kernel driver: %w", p.name, err)
	}
	active, err := dev.ActiveConfigNum()
	if err != nil {
		return fmt.Errorf("%s: read the active configuration: %w", p.name, err)
	}
	t, err := pickInterface(dev.Desc, active, p.id() != "")
	if err != nil {
		return rewards.Fail(rewards.ENOTFOUND, "usb.named", lang.Args{"printer": p.label, "problem": rewards.Detail(err)})
	}
	if p.claim.Cfg, err = dev.Config(t.config); err != nil {
		return p.claimError(err)
	}
	if p.claim.Intf, err = p.claim.Cfg.Interface(t.intf, t.alt); err != nil {
		return p.claimError(err)
	}
	ep, err := p.claim.Intf.OutEndpoint(t.endpoint)
	if err != nil {
		return fmt.Errorf("%s: open endpoint %d: %w", p.name, t.endpoint, err)
	}
	p.out, p.packet = ep, t.packet
	if t.in != 0 {
		// A printer whose IN endpoint will not open still prints; only
		// Status cannot ask it.
		if in, err := p.claim.Intf.InEndpoint(t.in); err == nil {
			p.in, p.inPacket = in, t.inPacket
		}
	}
	if p.Logger != nil {
		p.Logger.Info("usb printer opened", "printer", p.name, "config", t.config,
			"interface", t.intf, "alt", t.alt, "endpoint", t.endpoint, "packet", t.packet, "status endpoint", t.in)
	}
	return nil
}

// find opens the printer's device: the first match that opens, the others
// closed again.
func (p *Printer) find() (*gousb.Device, error) {
	devs, err := p.claim.USB.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if p.id() == "" {
			return hasPrinterInterface(d)
		}
		return uint16(d.Vendor) == p.VID && uint16(d.Product) == p.PID
	})
	var dev *gousb.Device
	for _, d := range devs {
		if dev == nil {
			dev = d
		} else {
			d.Close()
		}
	}
	if dev != nil {
		return dev, nil
	}
	switch {
	case errors.Is(err, gousb.ErrorAccess):
		return nil, p.permissionError()
	case err != nil:
		return nil, fmt.Errorf("look for USB printers: %w", err)
	}
	return nil, rewards.Fail(rewards.ENOTFOUND, "usb.not_found", lang.Args{"id": p.id()})
}

func (p *Printer) permissionError() error {
	id := p.id()
	rule := `SUBSYSTEM=="usb", ATTR{idVendor}=="VVVV", ATTR{idProduct}=="PPPP", MODE="0660", GROUP="lp"`
	if id != "" {
		rule = strings.NewReplacer("VVVV", id[:4], "PPPP", id[5:]).Replace(rule)
	}
	return rewards.Fail(rewards.EFORBIDDEN, "usb.permission", lang.Args{"id": id, "rule": rule})
}

// claimError explains why the printer's interface could not be claimed.
func (p *Printer) claimError(err error) error {
	switch usbhost.ClaimFault(err) {
	case gousb.ErrorAccess:
		return p.permissionError()
	case gousb.ErrorBusy:
		return rewards.Fail(rewards.EREFUSED, "usb.busy", lang.Args{"printer": p.label})
	case gousb.ErrorNoDevice:
		return rewards.Fail(rewards.ENOTFOUND, "usb.unplugged", lang.Args{"printer": p.label})
	}
	return fmt.Errorf("%s: claim the printer interface: %w", p.name, err)
}

// Close releases the interface (giving it back to the kernel's driver) and
// the device. Closing a closed printer does nothing.
func (p *Printer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.close()
}

func (p *Printer) close() error {
	err := p.claim.Close()
	p.out, p.in = nil, nil
	if err != nil {
		return fmt.Errorf("close usb printer: %w", err)
	}
	return nil
}

// Print writes an ESC/POS job to the printer, Copies times, and returns the
// printer's name. A printer that is not open is opened for the job and
// closed after it; a kiosk opens it once and keeps it.
func (p *Printer) Print(ctx context.Context, j printer.Job) (_ printer.Sent, err error) {
	if j.Format != printer.FormatESCPOS {
		return printer.Sent{}, rewards.Fail(rewards.EINVALID, "usb.not_escpos", lang.Args{"format": j.Format})
	}
	if len(j.Data) == 0 {
		return printer.Sent{}, rewards.Fail(rewards.EINVALID, "usb.empty", nil)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out == nil {
		if err := p.open(); err != nil {
			return printer.Sent{}, err
		}
		defer func() {
			if cerr := p.close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
	}
	for range max(j.Copies, 1) {
		if err := write(ctx, p.out, p.packet, j.Data, p.Timeout); err != nil {
			return printer.Sent{}, named(p.label, err)
		}
	}
	return printer.Sent{Jobs: []string{p.name}}, nil
}

// named puts the printer's name before an error's message, keeping a
// domain error's code (its message is what a person reads).
func named(name lang.Msg, err error) error {
	var e *rewards.Error
	if errors.As(err, &e) {
		return rewards.Fail(e.Code, "usb.named", lang.Args{"printer": name, "problem": rewards.Detail(err)})
	}
	return fmt.Errorf("%s: %w", name.In(lang.EN), err)
}
