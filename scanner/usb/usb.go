// Package usb opens USB barcode scanners in keyboard mode and in HID POS mode
// as scanner.Endpoint values, read directly with libusb
// (github.com/google/gousb), and lists the scanners on the bus.
//
// A scanner is found by its vendor and product id, or, with both zero, as the
// first device that looks like a scanner. The heuristic is deliberately
// simple: a device looks like a scanner when one of its HID interfaces has a
// report descriptor starting on the HID POS usage page 0x8C, or when it has a
// boot-keyboard interface (class 3, subclass 1, protocol 1) and its product
// or maker string says "scan" or "barcode". A real keyboard never matches, so
// a kiosk with its own keyboard plugged in still finds the scanner; a scanner
// that calls itself something else must be given by VID:PID. The report
// descriptor is asked for with a control request; while the kernel's usbhid
// holds the interface it may be refused, and then a given device's HID
// interface that is not a boot keyboard is taken to be HID POS.
//
// The kernel's usbhid driver is detached from the interface when it is
// claimed (gousb's auto-detach), so a scanner read here stops typing into the
// desktop; it is given back when the endpoint is closed. The interrupt IN
// endpoint is read with a buffer of whole packets.
//
// gousb v1.1.3 has no hotplug: scanner.ReportSource calls the Opener again
// every poll interval until the scanner is back. Each attempt starts its own
// libusb context and the endpoint closes it, so nothing is held between
// attempts.
package usb

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/scanner"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// Errors that Open and List wrap, for errors.Is.
var (
	// ErrNoUSB: libusb could not start; the machine (or container) gives
	// the program no USB access at all.
	ErrNoUSB = usbhost.ErrNoUSB
	// ErrNotFound: no device matches.
	ErrNotFound = errors.New("no USB scanner found")
	// ErrPermission: the device is there but this user may not open it.
	ErrPermission = errors.New("no permission to open the USB scanner")
)

// UdevRuleFile is where the README's Scanners section puts the udev rule.
const UdevRuleFile = "/etc/udev/rules.d/60-tochka-scanner.rules"

// UdevRule is the rule that gives the group plugdev a scanner with that
// vendor id (as the README's Scanners section writes it).
func UdevRule(vid uint16) string {
	return fmt.Sprintf(`SUBSYSTEM=="usb", ATTR{idVendor}=="%04x", MODE="0660", GROUP="plugdev"`, vid)
}

// Config selects a scanner and the interface to read.
type Config struct {
	// VID and PID select the device; both zero take the first device that
	// looks like a scanner (see the package documentation).
	VID, PID uint16
	// Mode is the interface to read: ModeKeyboard, ModeHIDPOS, or ModeAuto
	// for whichever the device has (HID POS first).
	Mode Mode
}

// ID is "0c2e:0b61", or "" for the first scanner found.
func (c Config) ID() string { return usbhost.Selector(c.VID, c.PID) }

// Opener returns the function scanner.ReportSourceConfig.Open wants: each
// call finds the scanner, claims its interface and returns its interrupt IN
// endpoint, or an error that says what to do about it.
func Opener(cfg Config) func(ctx context.Context) (scanner.Endpoint, error) {
	return scanner.OpenerOf(func() (*Endpoint, error) { return Open(cfg) })
}

// Endpoint is an open scanner: its claimed interface and interrupt IN
// endpoint. It implements scanner.Endpoint.
type Endpoint struct {
	// Name is "USB scanner 0c2e:0b61 (Voyager 1200g)".
	Name string
	// Mode is the mode of the interface being read.
	Mode Mode

	mu     sync.Mutex
	claim  usbhost.Claim // the device and its scanner interface
	in     *gousb.InEndpoint
	packet int
	buf    []byte // transfer buffer, whole packets
	rest   []byte // read but not yet returned: p was smaller than a packet
}

var _ scanner.Endpoint = (*Endpoint)(nil)

// Open finds the scanner of cfg and opens it for reading.
func Open(cfg Config) (_ *Endpoint, err error) {
	e := &Endpoint{}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	if e.claim.USB, err = newContext(); err != nil {
		return nil, err
	}
	var t target
	e.claim.Dev, t, err = find(e.claim.USB, cfg)
	if err != nil {
		return nil, err
	}
	dev := e.claim.Dev
	e.Name = "USB scanner " + usbhost.DescID(dev.Desc)
	if product := usbhost.Product(dev); product != "" {
		e.Name += " (" + product + ")"
	}
	e.Mode, e.packet = t.mode, t.packetSize
	if err := dev.SetAutoDetach(true); err != nil {
		return nil, fmt.Errorf("%s: detach the kernel driver: %w", e.Name, err)
	}
	vid := uint16(dev.Desc.Vendor)
	if e.claim.Cfg, err = dev.Config(t.config); err != nil {
		return nil, claimError(e.Name, vid, err)
	}
	if e.claim.Intf, err = e.claim.Cfg.Interface(t.intf, t.alt); err != nil {
		return nil, claimError(e.Name, vid, err)
	}
	if e.in, err = e.claim.Intf.InEndpoint(t.endpoint); err != nil {
		return nil, fmt.Errorf("%s: open endpoint %d: %w", e.Name, t.endpoint, err)
	}
	return e, nil
}

// find opens the device of cfg and picks its interface; the other devices
// it opened on the way are closed again.
func find(ctx *gousb.Context, cfg Config) (*gousb.Device, target, error) {
	var denied *gousb.DeviceDesc
	devs, err := ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if cfg.ID() != "" {
			return uint16(d.Vendor) == cfg.VID && uint16(d.Product) == cfg.PID
		}
		nums, _ := hidInterfaces(d)
		return len(nums) > 0
	})
	if errors.Is(err, gousb.ErrorAccess) && cfg.ID() != "" {
		denied = &gousb.DeviceDesc{Vendor: gousb.ID(cfg.VID), Product: gousb.ID(cfg.PID)}
	}
	var found *gousb.Device
	var t target
	defer func() {
		for _, dev := range devs {
			if dev != found {
				dev.Close()
			}
		}
	}()
	for _, dev := range devs {
		if found != nil {
			break
		}
		if cfg.ID() == "" && !looksLikeScanner(dev) {
			continue
		}
		active, aerr := dev.ActiveConfigNum()
		if aerr != nil {
			active = -1
		}
		var ok bool
		if t, ok = pickInterface(dev.Desc, active, cfg.Mode, readPages(dev)); !ok {
			if cfg.ID() != "" {
				return nil, target{}, scanner.Problem(ErrNotFound, rewards.Fail(rewards.ENOTFOUND, "scanner.usb_no_interface",
					lang.Args{"id": cfg.ID(), "mode": modeWords(cfg.Mode)}))
			}
			continue
		}
		found = dev
	}
	if found != nil {
		return found, t, nil
	}
	switch {
	case denied != nil:
		return nil, target{}, permissionError(cfg.ID(), cfg.VID)
	case errors.Is(err, gousb.ErrorAccess):
		return nil, target{}, scanner.Problem(ErrNotFound, rewards.Fail(rewards.ENOTFOUND, "scanner.usb_none_openable", nil))
	case err != nil && cfg.ID() != "":
		return nil, target{}, scanner.Problem(ErrNotFound, rewards.Fail(rewards.ENOTFOUND, "scanner.usb_look_failed", lang.Args{"id": cfg.ID(), "detail": err.Error()}))
	case cfg.ID() != "":
		return nil, target{}, scanner.Problem(ErrNotFound, rewards.Fail(rewards.ENOTFOUND, "scanner.usb_not_found", lang.Args{"id": cfg.ID()}))
	}
	return nil, target{}, scanner.Problem(ErrNotFound, rewards.Fail(rewards.ENOTFOUND, "scanner.usb_none", nil))
}

func modeWords(m Mode) lang.Msg {
	switch m {
	case ModeKeyboard:
		return lang.M("scanner.mode.keyboard", nil)
	case ModeHIDPOS:
		return lang.M("scanner.mode.hidpos", nil)
	}
	return lang.M("scanner.mode.any", nil)
}

// looksLikeScanner applies the package's heuristic to an open device.
func looksLikeScanner(dev *gousb.Device) bool {
	for _, page := range readPages(dev) {
		if page == usagePagePOS {
			return true
		}
	}
	if _, kbd := hidInterfaces(dev.Desc); !kbd {
		return false
	}
	product, _ := dev.Product()
	maker, _ := dev.Manufacturer()
	return namesScanner(product) || namesScanner(maker)
}

// readPages reads the report descriptor of each HID interface of dev with a
// GET_DESCRIPTOR control request to the interface, and returns the usage
// page it starts with, by interface number. An interface whose descriptor
// cannot be read is left out.
func readPages(dev *gousb.Device) map[int]uint16 {
	nums, _ := hidInterfaces(dev.Desc)
	pages := map[int]uint16{}
	buf := make([]byte, maxReportDescBytes)
	for _, n := range nums {
		const requestTypeInIntf = 0x81 // device-to-host, standard, interface
		const getDescriptor = 0x06
		k, err := dev.Control(requestTypeInIntf, getDescriptor, hidReportDescType<<8, uint16(n), buf)
		if err != nil || k <= 0 {
			continue
		}
		pages[n] = usagePage(buf[:k])
	}
	return pages
}

func permissionError(id string, vid uint16) error {
	return scanner.Problem(ErrPermission, rewards.Fail(rewards.EFORBIDDEN, "scanner.usb_permission",
		lang.Args{"id": id, "file": UdevRuleFile, "rule": UdevRule(vid)}))
}

// claimError explains why the scanner's interface could not be claimed.
func claimError(name string, vid uint16, err error) error {
	switch usbhost.ClaimFault(err) {
	case gousb.ErrorAccess:
		return permissionError(name, vid)
	case gousb.ErrorBusy:
		return rewards.Fail(rewards.EREFUSED, "scanner.usb_busy", lang.Args{"scanner": name})
	case gousb.ErrorNoDevice:
		return scanner.Problem(ErrNotFound, rewards.Fail(rewards.ENOTFOUND, "scanner.usb_unplugged", lang.Args{"scanner": name}))
	}
	return fmt.Errorf("%s: claim the scanner interface: %w", name, err)
}

// Read reads the next bytes the scanner sends into p, waiting until ctx is
// done. The transfer buffer is a whole number of packets; when p is smaller
// than a packet, what does not fit is returned by the next Read.
func (e *Endpoint) Read(ctx context.Context, p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.in == nil {
		return 0, fmt.Errorf("%s: read after close", e.Name)
	}
	if len(e.rest) > 0 {
		n := copy(p, e.rest)
		e.rest = e.rest[n:]
		return n, nil
	}
	if size := readBuffer(len(p), e.packet); len(e.buf) != size {
		e.buf = make([]byte, size)
	}
	k, err := e.in.ReadContext(ctx, e.buf)
	n := copy(p, e.buf[:k])
	e.rest = e.buf[n:k]
	if err != nil {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		return n, fmt.Errorf("%s: read: %w (unplugged?)", e.Name, err)
	}
	return n, nil
}

// Close gives the interface back to the kernel's driver and releases the
// device and the libusb context. Closing twice does nothing.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.claim.Close()
	e.in, e.rest = nil, nil
	if err != nil {
		return fmt.Errorf("close %s: %w", e.Name, err)
	}
	return nil
}

// newContext starts libusb; no USB access at all is told as ErrNoUSB.
func newContext() (*gousb.Context, error) {
	ctx, err := usbhost.Start()
	if err != nil {
		return nil, scanner.Problem(ErrNoUSB, usbhost.Refusal(err))
	}
	return ctx, nil
}
