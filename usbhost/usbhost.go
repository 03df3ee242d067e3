// Package usbhost is the host side of USB through gousb (v1.1.3), shared by
// the printer and scanner adapters: reading a device's "VID:PID", starting
// libusb without a panic, looking at the devices that match without
// keeping them, choosing a configuration and an endpoint from a device's
// descriptors (clones differ, so neither is ever assumed), telling why an
// interface could not be claimed, and releasing what was claimed.
package usbhost

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// ParseVIDPID reads "0416:5011", the vendor and product id in hex as lsusb
// shows them (a 0x before either is taken too); 0000:0000 is no device.
func ParseVIDPID(s string) (vid, pid uint16, err error) {
	v, p, ok := strings.Cut(strings.TrimSpace(s), ":")
	bad := func() (uint16, uint16, error) {
		return 0, 0, rewards.Fail(rewards.EINVALID, "usb.vidpid_bad", lang.Args{"got": s})
	}
	v = strings.TrimPrefix(strings.ToLower(v), "0x")
	p = strings.TrimPrefix(strings.ToLower(p), "0x")
	if !ok || len(v) == 0 || len(v) > 4 || len(p) == 0 || len(p) > 4 {
		return bad()
	}
	vv, err1 := strconv.ParseUint(v, 16, 16)
	pp, err2 := strconv.ParseUint(p, 16, 16)
	if err1 != nil || err2 != nil || vv == 0 && pp == 0 {
		return bad()
	}
	return uint16(vv), uint16(pp), nil
}

// ID is a device's "0416:5011", as lsusb writes it and ParseVIDPID reads
// it.
func ID(vid, pid uint16) string { return fmt.Sprintf("%04x:%04x", vid, pid) }

// DescID is ID of the device described.
func DescID(d *gousb.DeviceDesc) string { return ID(uint16(d.Vendor), uint16(d.Product)) }

// Selector is the ID an adapter configured with vid and pid looks for, or
// "" for 0000:0000, which selects no device in particular: the first one
// that fits.
func Selector(vid, pid uint16) string {
	if vid == 0 && pid == 0 {
		return ""
	}
	return ID(vid, pid)
}

// ErrNoUSB says libusb could not start: the machine (or container) gives
// the program no /dev/bus/usb.
var ErrNoUSB = errors.New("no USB access")

// startError is why libusb could not start: libusb's own words.
type startError struct{ reason string }

func (e *startError) Error() string {
	return fmt.Sprintf("%v: libusb could not start (%s); this machine (or container) must give the program /dev/bus/usb", ErrNoUSB, e.reason)
}

func (e *startError) Unwrap() error { return ErrNoUSB }

// Start starts libusb. gousb panics when libusb cannot start; that is an
// answer here, an error wrapping ErrNoUSB, which Refusal words for a
// person.
func Start() (ctx *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			ctx, err = nil, &startError{reason: fmt.Sprint(r)}
		}
	}()
	return gousb.NewContext(), nil
}

// Refusal is what a person reads when Start fails: no USB access, in
// libusb's own words (for an error not of Start, its text).
func Refusal(err error) *rewards.Error {
	reason := err.Error()
	var e *startError
	if errors.As(err, &e) {
		reason = e.reason
	}
	return rewards.Fail(rewards.EREFUSED, "usb.no_access", lang.Args{"reason": reason})
}

// Product is the device's product string, trimmed; "" when it has none or
// it cannot be read.
func Product(dev *gousb.Device) string {
	s, err := dev.Product()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// Seen is a device as Look found it.
type Seen struct {
	Desc                  *gousb.DeviceDesc
	CanOpen               bool   // this user could open it
	Manufacturer, Product string // when it could be opened
	Err                   error  // why it could not be opened; nil and !CanOpen: it went away
}

// Look lists the devices match picks, opening each for a moment to read
// its names and, through look (may be nil), whatever else the caller needs
// of an open device. Each device is closed again before Look returns.
func Look(ctx *gousb.Context, match func(*gousb.DeviceDesc) bool, look func(*gousb.Device)) ([]Seen, error) {
	var descs []*gousb.DeviceDesc
	_, err := ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if match(d) {
			descs = append(descs, d)
		}
		return false // only looking: each is opened on its own below
	})
	if err != nil && len(descs) == 0 {
		return nil, fmt.Errorf("list USB devices: %w", err)
	}
	out := make([]Seen, 0, len(descs))
	for _, desc := range descs {
		s := Seen{Desc: desc}
		devs, err := ctx.OpenDevices(func(o *gousb.DeviceDesc) bool {
			return o.Bus == desc.Bus && o.Address == desc.Address
		})
		for _, dev := range devs {
			if !s.CanOpen {
				s.CanOpen = true
				s.Manufacturer, _ = dev.Manufacturer()
				s.Product, _ = dev.Product()
				if look != nil {
					look(dev)
				}
			}
			dev.Close()
		}
		if !s.CanOpen {
			s.Err = err
		}
		out = append(out, s)
	}
	return out, nil
}

// Problem says why a Seen device could not be opened, as a message of the
// catalog (the zero Msg when it could); denied is what to say when it is a
// matter of permission (the udev rule to add).
func (s Seen) Problem(denied lang.Msg) lang.Msg {
	switch {
	case s.CanOpen:
		return lang.Msg{}
	case errors.Is(s.Err, gousb.ErrorAccess):
		return denied
	case s.Err != nil:
		return lang.M("usb.cannot_open", lang.Args{"detail": s.Err.Error()})
	default:
		return lang.M("usb.went_away", nil)
	}
}

// Endpoint is the setting's endpoint of the direction and transfer type
// with the lowest address.
func Endpoint(s gousb.InterfaceSetting, dir gousb.EndpointDirection, typ gousb.TransferType) (gousb.EndpointDesc, bool) {
	var best gousb.EndpointDesc
	found := false
	for _, ep := range s.Endpoints {
		if ep.Direction == dir && ep.TransferType == typ && (!found || ep.Address < best.Address) {
			best, found = ep, true
		}
	}
	return best, found
}

// Configuration is the device's configuration numbered number (the
// active one, as a caller reads it) or, when the descriptors do not list
// that number, the lowest-numbered one; false when there is none.
func Configuration(d *gousb.DeviceDesc, number int) (gousb.ConfigDesc, bool) {
	if cfg, ok := d.Configs[number]; ok {
		return cfg, true
	}
	nums := make([]int, 0, len(d.Configs))
	for n := range d.Configs {
		nums = append(nums, n)
	}
	if len(nums) == 0 {
		return gousb.ConfigDesc{}, false
	}
	return d.Configs[slices.Min(nums)], true
}

// ClaimFault is why a configuration or an interface could not be claimed,
// when it is one a person can act on: gousb.ErrorAccess (no permission),
// gousb.ErrorBusy (another program holds it) or gousb.ErrorNoDevice
// (unplugged); nil for any other. gousb formats these errors with %v, so
// their text tells them apart where errors.Is cannot.
func ClaimFault(err error) error {
	for _, fault := range []gousb.Error{gousb.ErrorAccess, gousb.ErrorBusy, gousb.ErrorNoDevice} {
		if errors.Is(err, fault) || err != nil && strings.Contains(err.Error(), fault.Error()) {
			return fault
		}
	}
	return nil
}

// Claim is what an adapter holds of a device in use: the libusb context
// it started, the device, and the configuration and interface it claimed.
// Any may be nil, until it is opened.
type Claim struct {
	USB  *gousb.Context
	Dev  *gousb.Device
	Cfg  *gousb.Config
	Intf *gousb.Interface
}

// Close releases the interface (giving it back to the kernel's driver),
// the configuration, the device and the context, in that order, and
// leaves the claim empty; closing an empty claim does nothing.
func (c *Claim) Close() error {
	var errs []error
	if c.Intf != nil {
		c.Intf.Close()
	}
	if c.Cfg != nil {
		errs = append(errs, c.Cfg.Close())
	}
	if c.Dev != nil {
		errs = append(errs, c.Dev.Close())
	}
	if c.USB != nil {
		errs = append(errs, c.USB.Close())
	}
	*c = Claim{}
	return errors.Join(errs...)
}
