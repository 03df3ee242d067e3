package usb

// These tests are inside the package: they check the pure parts (what the
// descriptors say, which interface is read) on hand-made descriptors, and
// the messages of Open and List against the real libusb of this machine.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
)

func TestModeString(t *testing.T) {
	for m, want := range map[Mode]string{ModeAuto: "unknown", ModeKeyboard: "keyboard", ModeHIDPOS: "hidpos", Mode(9): "unknown"} {
		if got := m.String(); got != want {
			t.Errorf("Mode(%d) = %q, want %q", m, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name                      string
		class, subclass, protocol int
		page                      uint16
		want                      Mode
		ok                        bool
	}{
		{"boot keyboard", 3, 1, 1, 0, ModeKeyboard, true},
		{"boot keyboard on generic desktop page", 3, 1, 1, 0x01, ModeKeyboard, true},
		{"HID POS", 3, 0, 0, 0x8C, ModeHIDPOS, true},
		{"HID POS on a boot interface", 3, 1, 1, 0x8C, ModeHIDPOS, true},
		{"boot mouse", 3, 1, 2, 0x01, 0, false},
		{"plain HID, page unknown", 3, 0, 0, 0, 0, false},
		{"printer", 7, 1, 2, 0, 0, false},
		{"vendor class on page 0x8C", 0xff, 0, 0, 0x8C, 0, false},
	}
	for _, tt := range tests {
		got, ok := classify(tt.class, tt.subclass, tt.protocol, tt.page)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: classify = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUsagePage(t *testing.T) {
	tests := []struct {
		name string
		desc []byte
		want uint16
	}{
		// A boot keyboard's descriptor: Usage Page (Generic Desktop), Usage (Keyboard), ...
		{"keyboard", []byte{0x05, 0x01, 0x09, 0x06, 0xA1, 0x01}, 0x01},
		// Honeywell HID POS: Usage Page (Bar Code Scanner), Usage (0x02), ...
		{"HID POS", []byte{0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01}, 0x8C},
		// Two-byte Usage Page item (0x06), little-endian.
		{"two-byte page", []byte{0x06, 0x8C, 0x00, 0x09, 0x02}, 0x8C},
		{"vendor page", []byte{0x06, 0x00, 0xFF, 0x09, 0x01}, 0xFF00},
		// Items before the Usage Page are skipped, a long item too.
		{"after other items", []byte{0x09, 0x01, 0xFE, 0x02, 0x10, 0xAA, 0xBB, 0x05, 0x8C}, 0x8C},
		{"empty", nil, 0},
		{"truncated", []byte{0x06, 0x8C}, 0},
		{"truncated long item", []byte{0xFE}, 0},
		{"no usage page", []byte{0x09, 0x01, 0xA1, 0x01, 0xC0}, 0},
	}
	for _, tt := range tests {
		if got := usagePage(tt.desc); got != tt.want {
			t.Errorf("%s: usagePage = %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

func FuzzUsagePage(f *testing.F) {
	f.Add([]byte{0x05, 0x8C})
	f.Add([]byte{0xFE, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) { usagePage(b) })
}

func TestNamesScanner(t *testing.T) {
	for s, want := range map[string]bool{
		"Honeywell Scanning and Mobility": true,
		"Barcode Reader":                  true,
		"USB Bar Code Scanner":            true,
		"Voyager 1200g":                   false,
		"USB Keyboard":                    false,
		"":                                false,
	} {
		if got := namesScanner(s); got != want {
			t.Errorf("namesScanner(%q) = %v, want %v", s, got, want)
		}
	}
}

// hidSetting is an interface setting with one interrupt IN endpoint.
func hidSetting(num int, sub, proto int, ep int, packet int) gousb.InterfaceSetting {
	addr := gousb.EndpointAddress(0x80 | ep)
	return gousb.InterfaceSetting{Number: num, Class: gousb.ClassHID, SubClass: gousb.Class(sub), Protocol: gousb.Protocol(proto),
		Endpoints: map[gousb.EndpointAddress]gousb.EndpointDesc{
			addr: {Address: addr, Number: ep, Direction: gousb.EndpointDirectionIn, MaxPacketSize: packet, TransferType: gousb.TransferTypeInterrupt},
		}}
}

// scannerDesc is a scanner with a boot keyboard on interface 0 (endpoint 1,
// 8-byte packets) and a HID POS-capable interface 1 (endpoint 2, 64 bytes).
func scannerDesc() *gousb.DeviceDesc {
	return &gousb.DeviceDesc{Vendor: 0x0c2e, Product: 0x0b61, Configs: map[int]gousb.ConfigDesc{
		1: {Number: 1, Interfaces: []gousb.InterfaceDesc{
			{Number: 0, AltSettings: []gousb.InterfaceSetting{hidSetting(0, 1, 1, 1, 8)}},
			{Number: 1, AltSettings: []gousb.InterfaceSetting{hidSetting(1, 0, 0, 2, 64)}},
		}},
	}}
}

func TestPickInterface(t *testing.T) {
	d := scannerDesc()
	pos := map[int]uint16{0: 0x01, 1: 0x8C}
	tests := []struct {
		name     string
		mode     Mode
		pages    map[int]uint16
		want     target
		wantNone bool
	}{
		{"auto prefers HID POS", ModeAuto, pos, target{mode: ModeHIDPOS, config: 1, intf: 1, endpoint: 2, packetSize: 64}, false},
		{"keyboard asked for", ModeKeyboard, pos, target{mode: ModeKeyboard, config: 1, intf: 0, endpoint: 1, packetSize: 8}, false},
		{"HID POS asked for", ModeHIDPOS, pos, target{mode: ModeHIDPOS, config: 1, intf: 1, endpoint: 2, packetSize: 64}, false},
		// usbhid holds the interfaces: no page known. Auto takes the boot
		// keyboard; HID POS asked for takes the other HID interface.
		{"auto, pages unread", ModeAuto, nil, target{mode: ModeKeyboard, config: 1, intf: 0, endpoint: 1, packetSize: 8}, false},
		{"HID POS, pages unread", ModeHIDPOS, nil, target{mode: ModeHIDPOS, config: 1, intf: 1, endpoint: 2, packetSize: 64}, false},
		// Interface 1 known to be something else (a vendor page): no HID POS.
		{"HID POS, other page", ModeHIDPOS, map[int]uint16{1: 0xFF00}, target{}, true},
	}
	for _, tt := range tests {
		got, ok := pickInterface(d, 1, tt.mode, tt.pages)
		if ok == tt.wantNone || got != tt.want {
			t.Errorf("%s: pickInterface = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, !tt.wantNone)
		}
	}
	// An unknown active configuration falls back to the lowest described.
	if got, ok := pickInterface(d, -1, ModeKeyboard, nil); !ok || got.config != 1 {
		t.Errorf("unknown config: %+v, %v", got, ok)
	}
	if _, ok := pickInterface(&gousb.DeviceDesc{}, 1, ModeAuto, nil); ok {
		t.Error("a device without configurations gave an interface")
	}
	// A boot keyboard without an interrupt IN endpoint cannot be read.
	noEP := &gousb.DeviceDesc{Configs: map[int]gousb.ConfigDesc{1: {Number: 1, Interfaces: []gousb.InterfaceDesc{
		{Number: 0, AltSettings: []gousb.InterfaceSetting{{Number: 0, Class: gousb.ClassHID, SubClass: 1, Protocol: 1}}},
	}}}}
	if _, ok := pickInterface(noEP, 1, ModeAuto, nil); ok {
		t.Error("an interface without an interrupt IN endpoint was picked")
	}
}

func TestDeviceMode(t *testing.T) {
	d := scannerDesc()
	if got := deviceMode(d, map[int]uint16{1: 0x8C}); got != ModeHIDPOS {
		t.Errorf("with page 0x8C: %v", got)
	}
	if got := deviceMode(d, nil); got != ModeKeyboard {
		t.Errorf("pages unread: %v", got)
	}
	plain := &gousb.DeviceDesc{Configs: map[int]gousb.ConfigDesc{1: {Number: 1, Interfaces: []gousb.InterfaceDesc{
		{Number: 0, AltSettings: []gousb.InterfaceSetting{hidSetting(0, 0, 0, 1, 64)}},
	}}}}
	if got := deviceMode(plain, nil); got != ModeAuto {
		t.Errorf("plain HID, page unread: %v, want unknown", got)
	}
	if nums, kbd := hidInterfaces(d); len(nums) != 2 || !kbd {
		t.Errorf("hidInterfaces = %v, %v", nums, kbd)
	}
}

func TestReadBuffer(t *testing.T) {
	for _, tt := range []struct{ want, packet, size int }{
		{64, 8, 64}, {64, 64, 64}, {100, 64, 64}, {8, 64, 64}, {0, 8, 8}, {64, 0, 64}, {130, 64, 128},
	} {
		got := readBuffer(tt.want, tt.packet)
		if got != tt.size || (tt.packet > 0 && got%tt.packet != 0) {
			t.Errorf("readBuffer(%d, %d) = %d, want %d", tt.want, tt.packet, got, tt.size)
		}
	}
}

func TestConfigIDAndDevice(t *testing.T) {
	if got := (Config{VID: 0x0c2e, PID: 0x0b61}).ID(); got != "0c2e:0b61" {
		t.Errorf("ID = %q", got)
	}
	if got := (Config{}).ID(); got != "" {
		t.Errorf("zero ID = %q", got)
	}
	d := Device{VID: 0x05e0, PID: 0x1200}
	if d.ID() != "05e0:1200" || d.Name() != "Zebra (Symbol)" {
		t.Errorf("Device %q %q", d.ID(), d.Name())
	}
	if (Device{VID: 0xffff}).Name() != "(name unknown)" {
		t.Error("unknown maker named")
	}
	if got := UdevRule(0x0c2e); got != `SUBSYSTEM=="usb", ATTR{idVendor}=="0c2e", MODE="0660", GROUP="plugdev"` {
		t.Errorf("UdevRule = %s", got)
	}
	err := permissionError("0c2e:0b61", 0x0c2e)
	if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), UdevRuleFile) || !strings.Contains(err.Error(), UdevRule(0x0c2e)) {
		t.Errorf("permissionError = %v", err)
	}
	if err := claimError("USB scanner 0c2e:0b61", 0x0c2e, errors.New("libusb: bad access [code -3]")); !errors.Is(err, ErrPermission) {
		t.Errorf("claimError(access) = %v", err)
	}
	if err := claimError("S", 0x0c2e, errors.New("libusb: device or resource busy [code -6]")); !strings.Contains(err.Error(), "in use") {
		t.Errorf("claimError(busy) = %v", err)
	}
}

// Open on real libusb, for a device no machine has: the message a
// technician reads when the scanner is not plugged in. A machine without
// USB access at all says that instead.
func TestAbsentScanner(t *testing.T) {
	open := Opener(Config{VID: 0xffff, PID: 0xfffe, Mode: ModeKeyboard})
	ep, err := open(context.Background())
	if ep != nil {
		ep.Close()
		t.Fatal("opened a device no machine has")
	}
	if errors.Is(err, ErrNoUSB) {
		t.Logf("this machine gives no USB access: %v", err)
		if !strings.Contains(err.Error(), "no USB access") {
			t.Errorf("message: %v", err)
		}
		return
	}
	if !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "no USB scanner ffff:fffe found: is it plugged in?") {
		t.Errorf("err = %v, want no USB scanner ffff:fffe found: is it plugged in?", err)
	}
	// A cancelled context opens nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := open(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	list, err := List()
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, d := range list {
		t.Logf("scanner: %s %s %v open=%v %s", d.ID(), d.Name(), d.Mode, d.CanOpen, d.Problem.In(lang.EN))
	}
}

// Closing an endpoint that never opened, or twice, does nothing; reading
// it says it is closed.
func TestEndpointClosed(t *testing.T) {
	e := &Endpoint{Name: "USB scanner ffff:fffe"}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Read(context.Background(), make([]byte, 8)); err == nil || !strings.Contains(err.Error(), "after close") {
		t.Errorf("Read after Close: %v", err)
	}
}
