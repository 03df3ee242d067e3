package usb

// These tests are inside the package: the fake they use stands where gousb's
// *OutEndpoint stands, behind the unexported endpoint interface, and nowhere
// else. Everything above it (slicing, short writes, timeouts, the messages a
// cashier reads) is the code that runs against a real printer.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// fakeEndpoint is a printer that keeps the bytes it takes. take, when set,
// says how it answers the n-th write (from 0) of b: how many bytes it
// takes, and an error. A take that returns -1 blocks until the write's
// context ends, as a printer with its paper out does, and then answers as
// gousb does: the transfer cancelled.
type fakeEndpoint struct {
	mu     sync.Mutex
	got    []byte
	offers []int // the length of each write
	take   func(n int, b []byte) (int, error)
}

func (f *fakeEndpoint) WriteContext(ctx context.Context, b []byte) (int, error) {
	f.mu.Lock()
	call := len(f.offers)
	f.offers = append(f.offers, len(b))
	f.mu.Unlock()
	n, err := len(b), error(nil)
	if f.take != nil {
		n, err = f.take(call, b)
	}
	if n < 0 {
		<-ctx.Done()
		return 0, gousb.TransferCancelled
	}
	f.mu.Lock()
	f.got = append(f.got, b[:n]...)
	f.mu.Unlock()
	return n, err
}

// fakePrinter is a Printer opened on the fake, as Open leaves a real one.
func fakePrinter(ep *fakeEndpoint, packet int) *Printer {
	return &Printer{VID: 0x0416, PID: 0x5011, out: ep, packet: packet, name: "USB printer 0416:5011 (fake)",
		label: lang.M("usb.printer", lang.Args{"id": "0416:5011", "product": "fake"})}
}

// voucher is a real voucher stream, the golden file of the layouts' tests.
func voucher(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../testdata/voucher-ru.escpos")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func escpos(data []byte) printer.Job {
	return printer.Job{Title: "voucher", Format: printer.FormatESCPOS, Data: data}
}

// wantError checks an error's code and that its message, as a person reads
// it, says each of want.
func wantError(t *testing.T, err error, code string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want a %s error saying %q", code, want)
	}
	if got := rewards.ErrorCode(err); got != code {
		t.Errorf("code %q, want %q (%v)", got, code, err)
	}
	msg := rewards.ErrorMessage(err)
	if code == rewards.EINTERNAL {
		msg = err.Error()
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not say %q", msg, w)
		}
	}
}

func TestSlices(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000) // 10,000 bytes
	for _, tc := range []struct {
		packet int
		want   []int
	}{
		{64, []int{4096, 4096, 1808}},   // full speed
		{512, []int{4096, 4096, 1808}},  // high speed
		{0, []int{4096, 4096, 1808}},    // a descriptor saying 0: full speed assumed
		{1000, []int{4000, 4000, 2000}}, // not a power of two: still whole packets
		{8192, []int{8192, 1808}},       // a packet bigger than a slice: one packet
	} {
		ep := &fakeEndpoint{}
		if _, err := fakePrinter(ep, tc.packet).Print(context.Background(), escpos(data)); err != nil {
			t.Fatalf("packet %d: %v", tc.packet, err)
		}
		if !bytes.Equal(ep.got, data) {
			t.Errorf("packet %d: the printer got %d bytes, not the %d sent", tc.packet, len(ep.got), len(data))
		}
		if !slices.Equal(ep.offers, tc.want) {
			t.Errorf("packet %d: writes of %v bytes, want %v", tc.packet, ep.offers, tc.want)
		}
		for i, n := range ep.offers[:len(ep.offers)-1] {
			if p := max(tc.packet, 64); n%p != 0 {
				t.Errorf("packet %d: write %d of %d bytes is not whole packets", tc.packet, i, n)
			}
		}
	}
}

// A voucher arrives whole and in order, and still reads as the voucher,
// however the printer takes it.
func TestVoucherArrivesWhole(t *testing.T) {
	data := voucher(t)
	ep := &fakeEndpoint{}
	sent, err := fakePrinter(ep, 64).Print(context.Background(), escpos(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.Jobs) != 1 || sent.Jobs[0] != "USB printer 0416:5011 (fake)" {
		t.Errorf("Print returned %+v, want the printer's name", sent)
	}
	if !bytes.Equal(ep.got, data) {
		t.Fatalf("the printer got %d bytes, not the %d of the voucher", len(ep.got), len(data))
	}
	if _, err := printertest.DecodeESCPOS(ep.got); err != nil {
		t.Errorf("what the printer got does not decode: %v", err)
	}
}

func TestShortWrites(t *testing.T) {
	data := voucher(t)
	// A printer whose buffer takes 100 bytes at a time, and now and then
	// nothing at all (but says nothing is wrong).
	ep := &fakeEndpoint{take: func(n int, b []byte) (int, error) {
		if n%5 == 4 {
			return 0, nil
		}
		return min(len(b), 100), nil
	}}
	if _, err := fakePrinter(ep, 64).Print(context.Background(), escpos(data)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ep.got, data) {
		t.Fatalf("after short writes the printer got %d bytes, not the %d sent, or not in order", len(ep.got), len(data))
	}
	// One that reports an error with part of a slice taken: that part
	// counts.
	ep = &fakeEndpoint{take: func(n int, b []byte) (int, error) {
		if n == 1 {
			return 1000, gousb.TransferError
		}
		return len(b), nil
	}}
	_, err := fakePrinter(ep, 64).Print(context.Background(), escpos(data))
	wantError(t, err, rewards.EINTERNAL, "USB printer 0416:5011 (fake)", "transfer failed", "5096 of ")
}

func TestCopies(t *testing.T) {
	ep := &fakeEndpoint{}
	job := escpos([]byte("\x1b@hello\x1dVA\x03"))
	job.Copies = 3
	if _, err := fakePrinter(ep, 64).Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if want := bytes.Repeat(job.Data, 3); !bytes.Equal(ep.got, want) {
		t.Errorf("3 copies: the printer got %q", ep.got)
	}
}

func TestPaperOut(t *testing.T) {
	data := voucher(t)
	for _, tc := range []struct {
		name     string
		blockAt  int // the write at which the printer stops taking data
		wantSent string
	}{
		{"at once", 0, "(0 of "},
		{"half way", 2, "(8,192 of "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep := &fakeEndpoint{take: func(n int, b []byte) (int, error) {
				if n >= tc.blockAt {
					return -1, nil
				}
				return len(b), nil
			}}
			p := fakePrinter(ep, 64)
			p.Timeout = 50 * time.Millisecond
			start := time.Now()
			_, err := p.Print(context.Background(), escpos(data))
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("gave up after %v, want about 50ms", took)
			}
			wantError(t, err, rewards.EREFUSED,
				"USB printer 0416:5011 (fake): the printer took no data for 50ms: paper out or cover open?", tc.wantSent)
			if len(ep.offers) != tc.blockAt+1 {
				t.Errorf("%d writes, want %d: nothing more is sent after the printer stops", len(ep.offers), tc.blockAt+1)
			}
		})
	}
	// The default, as the cashier reads it.
	if got := seconds(DefaultTimeout); got != "10 s" {
		t.Errorf("the default timeout reads %q, want \"10 s\"", got)
	}
}

func TestCallerDeadlineAndCancel(t *testing.T) {
	data := voucher(t)
	block := func(n int, b []byte) (int, error) { return -1, nil }

	// The caller's deadline, shorter than the printer's timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := fakePrinter(&fakeEndpoint{take: block}, 64).Print(ctx, escpos(data))
	wantError(t, err, rewards.EREFUSED, "did not finish in the time allowed", "(0 of ")

	// The caller gives up: not the printer's fault, not a domain error.
	ctx, cancel = context.WithCancel(context.Background())
	ep := &fakeEndpoint{take: func(n int, b []byte) (int, error) {
		if n == 1 {
			cancel()
			return -1, nil
		}
		return len(b), nil
	}}
	_, err = fakePrinter(ep, 64).Print(ctx, escpos(data))
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "printing stopped after 4096 of ") {
		t.Errorf("cancelled: %v", err)
	}
}

func TestDeviceErrors(t *testing.T) {
	data := voucher(t)
	for _, tc := range []struct {
		err  error
		code string
		want string
	}{
		{gousb.TransferNoDevice, rewards.EREFUSED, "the printer was unplugged or switched off while printing (4,096 of "},
		{gousb.ErrorNoDevice, rewards.EREFUSED, "unplugged or switched off"},
		{gousb.TransferStall, rewards.EREFUSED, "the printer refused the data (its endpoint stalled): switch it off and on again"},
		{gousb.TransferTimedOut, rewards.EREFUSED, "the printer took no data for 10 s: paper out or cover open?"},
		{nil, rewards.EREFUSED, "the printer takes no data: paper out or cover open? (4,096 of "},
	} {
		ep := &fakeEndpoint{take: func(n int, b []byte) (int, error) {
			if n == 0 {
				return len(b), nil
			}
			return 0, tc.err
		}}
		_, err := fakePrinter(ep, 64).Print(context.Background(), escpos(data))
		wantError(t, err, tc.code, "USB printer 0416:5011 (fake): ", tc.want)
	}
}

func TestRefusesWhatIsNotESCPOS(t *testing.T) {
	ep := &fakeEndpoint{}
	p := fakePrinter(ep, 64)
	_, err := p.Print(context.Background(), printer.Job{Format: printer.FormatPDF, Data: []byte("%PDF-1.4\n")})
	wantError(t, err, rewards.EINVALID, "a USB receipt printer takes ESC/POS, not \"pdf\"", "CUPS queue")
	_, err = p.Print(context.Background(), escpos(nil))
	wantError(t, err, rewards.EINVALID, "nothing to print")
	if len(ep.offers) != 0 {
		t.Errorf("the printer was sent %d writes", len(ep.offers))
	}
}

// Descriptors as printers give them: clones of one model number their
// endpoints differently, some put the printer behind another interface,
// some do not say they are printers.
func TestPickInterface(t *testing.T) {
	ep := func(addr gousb.EndpointAddress, typ gousb.TransferType, packet int) (gousb.EndpointAddress, gousb.EndpointDesc) {
		dir := gousb.EndpointDirectionOut
		if addr&0x80 != 0 {
			dir = gousb.EndpointDirectionIn
		}
		return addr, gousb.EndpointDesc{Address: addr, Number: int(addr & 0x0f), Direction: dir, TransferType: typ, MaxPacketSize: packet}
	}
	setting := func(num int, class gousb.Class, eps ...func() (gousb.EndpointAddress, gousb.EndpointDesc)) gousb.InterfaceDesc {
		m := map[gousb.EndpointAddress]gousb.EndpointDesc{}
		for _, e := range eps {
			a, d := e()
			m[a] = d
		}
		return gousb.InterfaceDesc{Number: num, AltSettings: []gousb.InterfaceSetting{{Number: num, Class: class, Endpoints: m}}}
	}
	e := func(addr gousb.EndpointAddress, typ gousb.TransferType, packet int) func() (gousb.EndpointAddress, gousb.EndpointDesc) {
		return func() (gousb.EndpointAddress, gousb.EndpointDesc) { return ep(addr, typ, packet) }
	}
	device := func(intfs ...gousb.InterfaceDesc) *gousb.DeviceDesc {
		return &gousb.DeviceDesc{Configs: map[int]gousb.ConfigDesc{1: {Number: 1, Interfaces: intfs}}}
	}
	bulk, intr := gousb.TransferTypeBulk, gousb.TransferTypeInterrupt
	for _, tc := range []struct {
		name     string
		dev      *gousb.DeviceDesc
		anyClass bool
		want     target
		err      string
	}{
		{"plain", device(setting(0, gousb.ClassPrinter, e(0x81, bulk, 64), e(0x01, bulk, 64))), false,
			target{config: 1, intf: 0, endpoint: 1, packet: 64, in: 1, inPacket: 64}, ""},
		{"clone numbering its OUT endpoint 3", device(setting(0, gousb.ClassPrinter, e(0x82, bulk, 512), e(0x03, bulk, 512))), false,
			target{config: 1, intf: 0, endpoint: 3, packet: 512, in: 2, inPacket: 512}, ""},
		{"an interrupt OUT before the bulk one", device(setting(0, gousb.ClassPrinter, e(0x01, intr, 8), e(0x02, bulk, 64))), false,
			target{config: 1, intf: 0, endpoint: 2, packet: 64}, ""},
		{"printer behind a HID interface", device(setting(0, gousb.ClassHID, e(0x81, intr, 8), e(0x01, bulk, 64)),
			setting(1, gousb.ClassPrinter, e(0x02, bulk, 64))), false,
			target{config: 1, intf: 1, endpoint: 2, packet: 64}, ""},
		{"vendor class, named by its ids", device(setting(0, gousb.ClassVendorSpec, e(0x81, bulk, 64), e(0x01, bulk, 64))), true,
			target{config: 1, intf: 0, endpoint: 1, packet: 64, in: 1, inPacket: 64}, ""},
		{"printer class preferred to vendor class", device(setting(0, gousb.ClassVendorSpec, e(0x01, bulk, 64)),
			setting(1, gousb.ClassPrinter, e(0x02, bulk, 64))), true,
			target{config: 1, intf: 1, endpoint: 2, packet: 64}, ""},
		{"a scanner named by its ids", device(setting(0, gousb.ClassHID, e(0x81, intr, 8))), true,
			target{}, "no printer interface with a bulk OUT endpoint"},
		{"printer with only an IN endpoint", device(setting(0, gousb.ClassPrinter, e(0x81, bulk, 64))), false,
			target{}, "its printer interface has no bulk OUT endpoint"},
	} {
		got, err := pickInterface(tc.dev, 1, tc.anyClass)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case got != tc.want:
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	// An active configuration the descriptors do not list: the first one.
	dev := device(setting(0, gousb.ClassPrinter, e(0x01, bulk, 64)))
	if got, err := pickInterface(dev, 0, false); err != nil || got.config != 1 {
		t.Errorf("unlisted configuration: %+v, %v", got, err)
	}
	if !hasPrinterInterface(dev) || hasPrinterInterface(device(setting(0, gousb.ClassHID))) {
		t.Error("hasPrinterInterface is wrong")
	}
}

// Open on real libusb, for a device no machine has: the message a cashier
// reads when the printer is not plugged in. A machine without USB access
// at all says that instead.
func TestAbsentPrinter(t *testing.T) {
	p := NewPrinter(0xfffe, 0xfffd)
	err := p.Open()
	if err != nil && strings.Contains(err.Error(), "no USB access") {
		t.Logf("this machine gives no USB access: %v", err)
		wantError(t, err, rewards.EREFUSED, "no USB access")
		return
	}
	wantError(t, err, rewards.ENOTFOUND, "no USB printer fffe:fffd found: is it plugged in and switched on?")
	if err := p.Close(); err != nil {
		t.Errorf("Close after a failed Open: %v", err)
	}
	// Print opens the printer itself, and says the same.
	_, err = p.Print(context.Background(), escpos([]byte("\x1b@")))
	wantError(t, err, rewards.ENOTFOUND, "no USB printer fffe:fffd found")
}
