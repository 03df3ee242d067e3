package usb

import (
	"testing"

	"github.com/tochka-loyalty/tochka/scanner"
)

// The source's decoder follows the interface that was opened: HID POS
// reports after a HID POS interface, key reports after a keyboard one
// (with ModeAuto, that is known only once the scanner is open); Reset
// drops a partial scan.
func TestDecoderFollowsMode(t *testing.T) {
	boot, err := scanner.NewBootDecoder(scanner.BootConfig{})
	if err != nil {
		t.Fatal(err)
	}
	d := &modeDecoder{boot: boot, pos: scanner.NewHIDPOSDecoder(scanner.HIDPOSConfig{}), cur: boot}
	d.use(ModeHIDPOS)
	pos := make([]byte, 64) // report id 2, 10 data bytes, AIM ]C0
	pos[0], pos[1] = 0x02, 10
	copy(pos[2:], "]C0LOYALTY-42")
	if got := d.Feed(pos); len(got) != 1 || got[0].Code != "LOYALTY-42" {
		t.Errorf("HID POS: %+v", got)
	}
	// "8", "9", Enter: a press report and a release each.
	keys := func(usages ...byte) []byte {
		var out []byte
		for _, u := range usages {
			out = append(out, 0, 0, u, 0, 0, 0, 0, 0)
			out = append(out, make([]byte, 8)...)
		}
		return out
	}
	d.use(ModeKeyboard)
	if got := d.Feed(keys(0x25, 0x26, 0x28)); len(got) != 1 || got[0].Code != "89" {
		t.Errorf("keyboard: %+v", got)
	}
	d.Feed(keys(0x25))
	d.Reset()
	if got := d.Feed(keys(0x28)); len(got) != 0 {
		t.Errorf("Reset kept a partial scan: %+v", got)
	}
}
