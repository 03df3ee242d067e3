package usbhost_test

import (
	"errors"
	"testing"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// A device that could not be opened says why in the reader's language; one
// that could says nothing.
func TestSeenProblem(t *testing.T) {
	denied := lang.M("scanner.usb_denied", lang.Args{"file": "/etc/udev/rules.d/x.rules", "rule": "RULE"})
	for _, tc := range []struct {
		seen usbhost.Seen
		ru   string
	}{
		{usbhost.Seen{CanOpen: true}, ""},
		{usbhost.Seen{Err: gousb.ErrorAccess}, "нет прав на открытие: добавьте в /etc/udev/rules.d/x.rules правило RULE"},
		{usbhost.Seen{Err: errors.New("libusb: io error [code -1]")}, "не открывается: libusb: io error [code -1]"},
		{usbhost.Seen{}, "пропало"},
	} {
		if got := tc.seen.Problem(denied).In(lang.RU); got != tc.ru {
			t.Errorf("%+v: %q, want %q", tc.seen, got, tc.ru)
		}
	}
}
