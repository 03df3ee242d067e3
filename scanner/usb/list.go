package usb

import (
	"strings"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/usbhost"
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
	// why not, with the udev rule that fixes it, in the reader's language.
	CanOpen bool
	Problem lang.Msg
}

// ID is the device's "0c2e:0b61", as lsusb and --device write it.
func (d Device) ID() string { return usbhost.ID(d.VID, d.PID) }

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
	// What only an open device tells, by bus and address.
	type opened struct {
		scanner bool
		pages   map[int]uint16
	}
	looked := map[[2]int]opened{}
	seen, err := usbhost.Look(ctx, func(d *gousb.DeviceDesc) bool {
		nums, _ := hidInterfaces(d)
		return len(nums) > 0
	}, func(dev *gousb.Device) {
		looked[[2]int{dev.Desc.Bus, dev.Desc.Address}] = opened{looksLikeScanner(dev), readPages(dev)}
	})
	if err != nil {
		return nil, err
	}
	var out []Device
	for _, s := range seen {
		o := looked[[2]int{s.Desc.Bus, s.Desc.Address}] // zero when it could not be opened
		d := Device{VID: uint16(s.Desc.Vendor), PID: uint16(s.Desc.Product), Bus: s.Desc.Bus, Address: s.Desc.Address,
			CanOpen: s.CanOpen, Manufacturer: s.Manufacturer, Product: s.Product, Mode: deviceMode(s.Desc, o.pages)}
		scanner := o.scanner
		if _, known := knownVendors[d.VID]; !scanner && !known {
			continue
		}
		d.Problem = s.Problem(lang.M("scanner.usb_denied", lang.Args{"file": UdevRuleFile, "rule": UdevRule(d.VID)}))
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
