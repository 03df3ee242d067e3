package usbhost_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// "VID:PID" is read as lsusb writes it, in either case, with or without
// 0x, and written back as lsusb does; what is not one is refused, saying
// what one looks like, and so is 0000:0000, which names no device. Only an
// adapter left with vid and pid zero (Selector) takes the first device
// that fits.
func TestParseVIDPID(t *testing.T) {
	for _, tc := range []struct {
		in       string
		vid, pid uint16
	}{
		{"0416:5011", 0x0416, 0x5011},
		{"04b8:0202", 0x04b8, 0x0202},
		{" 04B8:0E15 ", 0x04b8, 0x0e15},
		{"0x0fe6:0x811e", 0x0fe6, 0x811e},
		{"1fc9:2016", 0x1fc9, 0x2016},
		{"c2e:b61", 0x0c2e, 0x0b61},
	} {
		vid, pid, err := usbhost.ParseVIDPID(tc.in)
		if err != nil || vid != tc.vid || pid != tc.pid {
			t.Errorf("ParseVIDPID(%q) = %04x, %04x, %v; want %04x, %04x", tc.in, vid, pid, err, tc.vid, tc.pid)
		}
	}
	for _, in := range []string{"", "0416", "0416:", ":5011", "0416-5011", "zzzz:5011", "10416:5011", "0416:5011:1", "0000:0000", "-416:5011"} {
		_, _, err := usbhost.ParseVIDPID(in)
		if rewards.ErrorCode(err) != rewards.EINVALID || !strings.Contains(rewards.ErrorMessage(err), "like 0416:5011") {
			t.Errorf("ParseVIDPID(%q): %v, want it refused saying what a VID:PID looks like", in, err)
		}
	}
	if got := usbhost.ID(0x0c2e, 0x0b61); got != "0c2e:0b61" {
		t.Errorf("ID = %q", got)
	}
	if got := usbhost.DescID(&gousb.DeviceDesc{Vendor: 0x05e0, Product: 0x1200}); got != "05e0:1200" {
		t.Errorf("DescID = %q", got)
	}
	if usbhost.Selector(0, 0) != "" || usbhost.Selector(0x0416, 0x5011) != "0416:5011" || usbhost.ID(0, 0) != "0000:0000" {
		t.Errorf("Selector(0, 0) = %q, Selector(0416, 5011) = %q, ID(0, 0) = %q", usbhost.Selector(0, 0), usbhost.Selector(0x0416, 0x5011), usbhost.ID(0, 0))
	}
}

// The active configuration, when the descriptors list it, else the
// lowest-numbered one; none on a device that lists none.
func TestConfiguration(t *testing.T) {
	d := &gousb.DeviceDesc{Configs: map[int]gousb.ConfigDesc{2: {Number: 2}, 3: {Number: 3}}}
	for _, tc := range []struct{ active, want int }{{3, 3}, {2, 2}, {0, 2}, {-1, 2}} {
		if cfg, ok := usbhost.Configuration(d, tc.active); !ok || cfg.Number != tc.want {
			t.Errorf("Configuration(active %d) = %d %v, want %d", tc.active, cfg.Number, ok, tc.want)
		}
	}
	if _, ok := usbhost.Configuration(&gousb.DeviceDesc{}, 1); ok {
		t.Error("a configuration of a device that lists none")
	}
}

// A claim's failure a person can act on is told by errors.Is or, as gousb
// formats these errors with %v, by its text; another is none of them.
func TestClaimFault(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want error
	}{
		{gousb.ErrorAccess, gousb.ErrorAccess},
		{errors.New("libusb: bad access [code -3]"), gousb.ErrorAccess},
		{errors.New("set config: libusb: device or resource busy [code -6]"), gousb.ErrorBusy},
		{errors.New("claim interface 0: libusb: no device [code -4]"), gousb.ErrorNoDevice},
		{errors.New("libusb: i/o error [code -1]"), nil},
		{nil, nil},
	} {
		if got := usbhost.ClaimFault(tc.err); got != tc.want {
			t.Errorf("ClaimFault(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// Closing an empty claim does nothing, twice over.
func TestClaimCloseEmpty(t *testing.T) {
	var c usbhost.Claim
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil || c != (usbhost.Claim{}) {
		t.Fatalf("closed twice: %+v %v", c, err)
	}
}

// libusb that cannot start is refused for a person in libusb's own words.
func TestRefusal(t *testing.T) {
	e := usbhost.Refusal(errors.New("LIBUSB_ERROR_OTHER"))
	if e.Code != rewards.EREFUSED || e.Key != "usb.no_access" || !strings.Contains(e.Message, "LIBUSB_ERROR_OTHER") {
		t.Errorf("Refusal: %+v", e)
	}
}
