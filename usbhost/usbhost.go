// Package usbhost is the host side of USB through gousb (v1.1.3), shared by
// the printer and scanner adapters: starting libusb without a panic,
// looking at the devices that match without keeping them, and choosing an
// endpoint from an interface's descriptors (clones differ, so it is never
// assumed).
package usbhost

import (
	"errors"
	"fmt"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
)

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
// answer here, an error wrapping ErrNoUSB.
func Start() (ctx *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			ctx, err = nil, &startError{reason: fmt.Sprint(r)}
		}
	}()
	return gousb.NewContext(), nil
}

// Reason is libusb's own words for why it could not start, from an error
// of Start; for any other error, its text.
func Reason(err error) string {
	var e *startError
	if errors.As(err, &e) {
		return e.reason
	}
	return err.Error()
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
