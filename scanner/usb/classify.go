package usb

import (
	"slices"
	"strings"

	"github.com/google/gousb"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// Mode is how a scanner talks over USB.
type Mode int

const (
	// ModeAuto, in a Config, takes whichever scanner interface the device
	// has, HID POS first. In a listing it is "unknown": the interface could
	// not be told apart.
	ModeAuto Mode = iota
	// ModeKeyboard is a HID boot keyboard (class 3, subclass 1, protocol 1):
	// 8-byte key reports, decoded with scanner.BootDecoder.
	ModeKeyboard
	// ModeHIDPOS is a HID interface on the HID POS usage page 0x8C: 64-byte
	// reports, decoded with scanner.HIDPOSDecoder.
	ModeHIDPOS
)

// String is "keyboard", "hidpos" or "unknown", the names the CLI uses.
func (m Mode) String() string {
	switch m {
	case ModeKeyboard:
		return "keyboard"
	case ModeHIDPOS:
		return "hidpos"
	}
	return "unknown"
}

// Descriptor values that tell the modes apart.
const (
	hidSubclassBoot    = 1    // bInterfaceSubClass of a boot interface
	hidProtocolKbd     = 1    // bInterfaceProtocol of a boot keyboard
	usagePagePOS       = 0x8C // HID usage page "Bar Code Scanner"
	hidReportDescType  = 0x22 // descriptor type of a HID report descriptor
	maxReportDescBytes = 4096
)

// knownVendors are the vendor ids of makers that sell scanners only (or
// mostly), so that a device of theirs is listed even when it cannot be opened
// to ask its name. Never the only test: cheap scanners say anything.
var knownVendors = map[uint16]string{
	0x0c2e: "Honeywell",
	0x05e0: "Zebra (Symbol)",
	0x05f9: "Datalogic",
	0x1eab: "Newland",
}

// classify is the mode of one interface setting from its descriptor values
// and, for a HID interface, the usage page its report descriptor starts with
// (0 when it could not be read). A HID interface on page 0x8C is HID POS
// whatever its subclass; a boot keyboard is keyboard mode; anything else is
// not a scanner interface (ok false).
func classify(class, subclass, protocol int, page uint16) (Mode, bool) {
	if class != int(gousb.ClassHID) {
		return 0, false
	}
	switch {
	case page == usagePagePOS:
		return ModeHIDPOS, true
	case subclass == hidSubclassBoot && protocol == hidProtocolKbd:
		return ModeKeyboard, true
	}
	return 0, false
}

// usagePage is the first Usage Page of a HID report descriptor, or 0 when
// there is none. It walks the short items (prefix byte: size in bits 0-1,
// type and tag in bits 2-7; Usage Page is 0x04 plus size) and skips long
// items; it never reads past the end.
func usagePage(desc []byte) uint16 {
	for i := 0; i < len(desc); {
		prefix := desc[i]
		if prefix == 0xFE { // long item: size in the next byte
			if i+1 >= len(desc) {
				return 0
			}
			i += 3 + int(desc[i+1])
			continue
		}
		size := int(prefix & 0x03)
		if size == 3 {
			size = 4
		}
		if i+1+size > len(desc) {
			return 0
		}
		if prefix&0xFC == 0x04 { // global item, tag Usage Page
			var v uint32
			for k := size - 1; k >= 0; k-- {
				v = v<<8 | uint32(desc[i+1+k])
			}
			return uint16(v)
		}
		i += 1 + size
	}
	return 0
}

// namesScanner tells whether a product or maker string calls the device a
// scanner: it holds "scan" (scanner, scanning) or "barcode"/"bar code".
func namesScanner(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "scan") || strings.Contains(s, "barcode") || strings.Contains(s, "bar code")
}

// target is the interface a scanner is read through.
type target struct {
	mode                 Mode
	config, intf, alt    int
	endpoint, packetSize int
}

// pickInterface finds in configuration config of d (the lowest-numbered one
// when that is not described) the interface to read in mode want (ModeAuto:
// HID POS first, then keyboard), with an interrupt IN endpoint. pages holds
// the usage page of the HID interfaces whose report descriptor was read,
// by interface number; see pass 3 below for those it could not be read of.
func pickInterface(d *gousb.DeviceDesc, config int, want Mode, pages map[int]uint16) (target, bool) {
	cfg, ok := usbhost.Configuration(d, config)
	if !ok {
		return target{}, false
	}
	// Pass 3 takes a HID interface that is not a boot keyboard and whose
	// report descriptor could not be read (usbhid holds it) as HID POS: the
	// device was named, or is known to be a scanner, and that is what such
	// an interface of a scanner is.
	passes := []int{1, 2, 3}
	switch want {
	case ModeKeyboard:
		passes = []int{2}
	case ModeHIDPOS:
		passes = []int{1, 3}
	}
	for _, pass := range passes {
		for _, intf := range cfg.Interfaces {
			for _, alt := range intf.AltSettings {
				page, known := pages[alt.Number]
				got, ok := classify(int(alt.Class), int(alt.SubClass), int(alt.Protocol), page)
				switch pass {
				case 1:
					ok = ok && got == ModeHIDPOS
				case 2:
					ok = ok && got == ModeKeyboard
				case 3:
					got, ok = ModeHIDPOS, alt.Class == gousb.ClassHID && !known &&
						!(alt.SubClass == hidSubclassBoot && alt.Protocol == hidProtocolKbd)
				}
				if !ok {
					continue
				}
				if ep, ok := usbhost.Endpoint(alt, gousb.EndpointDirectionIn, gousb.TransferTypeInterrupt); ok {
					return target{mode: got, config: cfg.Number, intf: alt.Number, alt: alt.Alternate,
						endpoint: ep.Number, packetSize: ep.MaxPacketSize}, true
				}
			}
		}
	}
	return target{}, false
}

// hidInterfaces are the numbers of the HID interfaces of every
// configuration of d, and whether one of them is a boot keyboard.
func hidInterfaces(d *gousb.DeviceDesc) (nums []int, keyboard bool) {
	for _, cfg := range d.Configs {
		for _, intf := range cfg.Interfaces {
			for _, alt := range intf.AltSettings {
				if alt.Class != gousb.ClassHID {
					continue
				}
				if !slices.Contains(nums, alt.Number) {
					nums = append(nums, alt.Number)
				}
				if _, ok := classify(int(alt.Class), int(alt.SubClass), int(alt.Protocol), 0); ok {
					keyboard = true
				}
			}
		}
	}
	slices.Sort(nums)
	return nums, keyboard
}

// readBuffer is the size of the transfer buffer for a read of want bytes
// from an endpoint of packet bytes: a whole number of packets, at least
// one, so a device never sends more than the buffer holds (an overflow).
func readBuffer(want, packet int) int {
	if packet <= 0 {
		packet = 64
	}
	n := max(want/packet, 1)
	return n * packet
}
