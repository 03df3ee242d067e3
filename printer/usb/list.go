package usb

import (
	"fmt"
	"strings"

	"github.com/tochka-loyalty/tochka/usbhost"
)

// Device is a USB printer seen on the bus.
type Device struct {
	VID, PID     uint16
	Bus, Address int
	// Manufacturer and Product are the device's own names; empty when it
	// could not be opened to ask.
	Manufacturer, Product string
	// CanOpen tells whether this user may open the device; Problem says
	// why not.
	CanOpen bool
	Problem string
}

// ID is the device's "0416:5011", as Open, ParseVIDPID and lsusb write it.
func (d Device) ID() string { return fmt.Sprintf("%04x:%04x", d.VID, d.PID) }

// String is one line for a person: "0416:5011 POS58 Printer (bus 1,
// device 4)", then what stops this user from printing on it, if anything.
func (d Device) String() string {
	name := strings.TrimSpace(d.Manufacturer + " " + d.Product)
	if name == "" {
		name = "(name unknown)"
	}
	s := fmt.Sprintf("%s %s (bus %d, device %d)", d.ID(), name, d.Bus, d.Address)
	if !d.CanOpen {
		s += ": " + d.Problem
	}
	return s
}

// List returns the USB devices with a printer-class interface, each opened
// for a moment to read its name and to learn whether this user may print on
// it. An error says the machine gives no USB access at all.
func List() ([]Device, error) {
	ctx, err := newContext()
	if err != nil {
		return nil, err
	}
	defer ctx.Close()
	seen, err := usbhost.Look(ctx, hasPrinterInterface, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Device, 0, len(seen))
	for _, s := range seen {
		d := Device{VID: uint16(s.Desc.Vendor), PID: uint16(s.Desc.Product), Bus: s.Desc.Bus, Address: s.Desc.Address,
			CanOpen: s.CanOpen, Manufacturer: s.Manufacturer, Product: s.Product}
		d.Problem = s.Problem(fmt.Sprintf("no permission to open it: add a udev rule (ATTR{idVendor}==\"%04x\", ATTR{idProduct}==\"%04x\", GROUP=\"lp\")", d.VID, d.PID))
		out = append(out, d)
	}
	return out, nil
}
