package usb

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/gousb"
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

	var descs []*gousb.DeviceDesc
	_, err = ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if hasPrinterInterface(d) {
			descs = append(descs, d)
		}
		return false // only looking: each is opened on its own below
	})
	if err != nil && len(descs) == 0 {
		return nil, fmt.Errorf("list USB devices: %w", err)
	}
	var out []Device
	for _, desc := range descs {
		d := Device{VID: uint16(desc.Vendor), PID: uint16(desc.Product), Bus: desc.Bus, Address: desc.Address}
		devs, err := ctx.OpenDevices(func(o *gousb.DeviceDesc) bool {
			return o.Bus == desc.Bus && o.Address == desc.Address
		})
		for _, dev := range devs {
			if !d.CanOpen {
				d.CanOpen = true
				d.Manufacturer, _ = dev.Manufacturer()
				d.Product, _ = dev.Product()
			}
			dev.Close()
		}
		switch {
		case d.CanOpen:
		case errors.Is(err, gousb.ErrorAccess):
			d.Problem = fmt.Sprintf("no permission to open it: add a udev rule (ATTR{idVendor}==\"%04x\", ATTR{idProduct}==\"%04x\", GROUP=\"lp\")", d.VID, d.PID)
		case err != nil:
			d.Problem = "cannot open it: " + err.Error()
		default:
			d.Problem = "it went away"
		}
		out = append(out, d)
	}
	return out, nil
}
