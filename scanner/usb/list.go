package usb

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/gousb"
)

// Device is a USB device that looks like a scanner.
type Device struct {
	VID, PID     uint16
	Bus, Address int
	// Manufacturer and Product are the device's own names; empty when it
	// could not be opened to ask.
	Manufacturer, Product string
	// Mode is the mode it would be read in (ModeAuto, "unknown", when its
	// HID interface is neither a boot keyboard nor known to be HID POS).
	Mode Mode
	// CanOpen tells whether this user may open the device; Problem says
	// why not, with the udev rule that fixes it.
	CanOpen bool
	Problem string
}

// ID is the device's "0c2e:0b61", as lsusb and --device write it.
func (d Device) ID() string { return fmt.Sprintf("%04x:%04x", d.VID, d.PID) }

// Name is the maker and product, or the maker known from the vendor id, or
// "(name unknown)".
func (d Device) Name() string {
	name := strings.TrimSpace(d.Manufacturer + " " + d.Product)
	if name == "" {
		name = knownVendors[d.VID]
	}
	if name == "" {
		name = "(name unknown)"
	}
	return name
}

// List returns the USB devices that look like scanners: those the package's
// heuristic finds once opened, and those of a known scanner maker (Honeywell,
// Zebra, Datalogic, Newland) with a HID interface, which are listed even when
// this user may not open them. A scanner of another maker that this user may
// not open cannot be told from a keyboard, and is not listed. An error (with
// ErrNoUSB) says the machine gives no USB access at all.
func List() ([]Device, error) {
	ctx, err := newContext()
	if err != nil {
		return nil, err
	}
	defer ctx.Close()

	var descs []*gousb.DeviceDesc
	_, err = ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if nums, _ := hidInterfaces(d); len(nums) > 0 {
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
		scanner := false
		for _, dev := range devs {
			if !d.CanOpen {
				d.CanOpen = true
				d.Manufacturer, _ = dev.Manufacturer()
				d.Product, _ = dev.Product()
				scanner = looksLikeScanner(dev)
				d.Mode = deviceMode(desc, readPages(dev))
			}
			dev.Close()
		}
		_, known := knownVendors[d.VID]
		if !scanner && !known {
			continue
		}
		if !d.CanOpen {
			d.Mode = deviceMode(desc, nil)
		}
		switch {
		case d.CanOpen:
		case errors.Is(err, gousb.ErrorAccess):
			d.Problem = fmt.Sprintf("no permission to open it: add to %s the rule %s", UdevRuleFile, UdevRule(d.VID))
		case err != nil:
			d.Problem = "cannot open it: " + err.Error()
		default:
			d.Problem = "it went away"
		}
		out = append(out, d)
	}
	return out, nil
}

// deviceMode is the mode the device would be read in with ModeAuto: HID
// POS when an interface's report descriptor says so, keyboard when it has a
// boot keyboard, else unknown.
func deviceMode(desc *gousb.DeviceDesc, pages map[int]uint16) Mode {
	for _, cfg := range desc.Configs {
		if t, ok := pickInterface(desc, cfg.Number, ModeHIDPOS, pages); ok && pages[t.intf] == usagePagePOS {
			return ModeHIDPOS
		}
	}
	for _, cfg := range desc.Configs {
		if _, ok := pickInterface(desc, cfg.Number, ModeKeyboard, pages); ok {
			return ModeKeyboard
		}
	}
	return ModeAuto
}
