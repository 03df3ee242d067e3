package usb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// endpoint is all of a USB device that printing needs: gousb's
// *OutEndpoint in use, a fake that keeps its bytes in tests. It writes at
// most len(b) bytes and may return fewer with or without an error; when ctx
// ends it gives up (gousb cancels the transfer) and says how many bytes the
// device took.
type endpoint interface {
	WriteContext(ctx context.Context, b []byte) (int, error)
}

// sliceTarget is about how many bytes go to the printer in one transfer:
// under a cheap printer's input buffer, so that a transfer completes as the
// printer prints and a stalled one means the printer stopped, not that a
// long job is still printing.
const sliceTarget = 4096

// sliceSize is the largest multiple of the endpoint's max packet size not
// over sliceTarget (at least one packet), so that only a job's last
// transfer ends in a short packet.
func sliceSize(packet int) int {
	if packet <= 0 {
		packet = 64 // a full-speed bulk endpoint's
	}
	return max(sliceTarget/packet, 1) * packet
}

// write sends data to ep in slices, each of which must be taken within
// stall (zero: DefaultTimeout); ctx bounds the whole. A short write goes on
// from where the device stopped.
func write(ctx context.Context, ep endpoint, packet int, data []byte, stall time.Duration) error {
	if stall <= 0 {
		stall = DefaultTimeout
	}
	size := sliceSize(packet)
	sent, idle := 0, 0
	for sent < len(data) {
		if err := ctx.Err(); err != nil {
			return cancelled(err, sent, len(data))
		}
		end := min(sent+size, len(data))
		wctx, cancel := context.WithTimeout(ctx, stall)
		n, err := ep.WriteContext(wctx, data[sent:end])
		stalled := err != nil && errors.Is(wctx.Err(), context.DeadlineExceeded)
		cancel()
		n = min(max(n, 0), end-sent)
		sent += n
		switch {
		case err != nil && ctx.Err() != nil:
			// The caller's deadline or cancellation, not the printer's.
			return cancelled(ctx.Err(), sent, len(data))
		case stalled, errors.Is(err, gousb.TransferTimedOut), errors.Is(err, gousb.ErrorTimeout):
			return rewards.Fail(rewards.EREFUSED, "usb.stalled", lang.Args{"wait": seconds(stall), "sent": lang.Number(sent), "total": lang.Number(len(data))})
		case errors.Is(err, gousb.TransferNoDevice), errors.Is(err, gousb.ErrorNoDevice):
			return rewards.Fail(rewards.EREFUSED, "usb.gone", lang.Args{"sent": lang.Number(sent), "total": lang.Number(len(data))})
		case errors.Is(err, gousb.TransferStall), errors.Is(err, gousb.ErrorPipe):
			return rewards.Fail(rewards.EREFUSED, "usb.endpoint_stalled", lang.Args{"sent": lang.Number(sent), "total": lang.Number(len(data))})
		case err != nil:
			return fmt.Errorf("usb write: %w (%d of %d bytes sent)", err, sent, len(data))
		case n == 0:
			// Neither data taken nor an error: a device that says so
			// three times in a row will not take any more.
			if idle++; idle == 3 {
				return rewards.Fail(rewards.EREFUSED, "usb.no_data", lang.Args{"sent": lang.Number(sent), "total": lang.Number(len(data))})
			}
		default:
			idle = 0
		}
	}
	return nil
}

func cancelled(err error, sent, total int) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return rewards.Fail(rewards.EREFUSED, "usb.deadline", lang.Args{"sent": lang.Number(sent), "total": lang.Number(total)})
	}
	return fmt.Errorf("printing stopped after %d of %d bytes: %w", sent, total, err)
}

// seconds writes a timeout as a person says it: "10 s", "1.5 s", "250ms".
func seconds(d time.Duration) string {
	if d < time.Second {
		return d.String()
	}
	return fmt.Sprintf("%g s", d.Seconds())
}

// target is where a job goes on a device: a configuration, an interface
// with its alternate setting, and its bulk OUT endpoint; and the bulk IN
// endpoint the printer answers status queries on, when it has one.
type target struct {
	config, intf, alt int
	endpoint          int // the endpoint number (address 0x02 is number 2)
	packet            int // its max packet size
	in, inPacket      int // the bulk IN endpoint's number (0: none) and max packet size
}

// pickInterface finds the printer-class interface with a bulk OUT endpoint
// in the configuration numbered config (or the device's first one, when
// that number is not described). With anyClass, as when the printer was
// named by its ids, a vendor-specific interface with a bulk OUT endpoint
// does too: some clones do not say they are printers.
func pickInterface(d *gousb.DeviceDesc, config int, anyClass bool) (target, error) {
	cfg, ok := usbhost.Configuration(d, config)
	if !ok {
		return target{}, rewards.Fail(rewards.ENOTFOUND, "usb.no_config", nil)
	}
	classes := []gousb.Class{gousb.ClassPrinter}
	if anyClass {
		classes = append(classes, gousb.ClassVendorSpec)
	}
	for _, class := range classes {
		for _, intf := range cfg.Interfaces {
			for _, alt := range intf.AltSettings {
				if alt.Class != class {
					continue
				}
				if ep, ok := usbhost.Endpoint(alt, gousb.EndpointDirectionOut, gousb.TransferTypeBulk); ok {
					t := target{config: cfg.Number, intf: alt.Number, alt: alt.Alternate,
						endpoint: ep.Number, packet: ep.MaxPacketSize}
					if in, ok := usbhost.Endpoint(alt, gousb.EndpointDirectionIn, gousb.TransferTypeBulk); ok {
						t.in, t.inPacket = in.Number, in.MaxPacketSize
					}
					return t, nil
				}
			}
		}
	}
	if !anyClass || hasPrinterClass(cfg) {
		return target{}, rewards.Fail(rewards.ENOTFOUND, "usb.no_endpoint", nil)
	}
	return target{}, rewards.Fail(rewards.ENOTFOUND, "usb.no_printer_interface", nil)
}

func hasPrinterClass(cfg gousb.ConfigDesc) bool {
	for _, intf := range cfg.Interfaces {
		for _, alt := range intf.AltSettings {
			if alt.Class == gousb.ClassPrinter {
				return true
			}
		}
	}
	return false
}

// hasPrinterInterface tells whether any configuration of the device has a
// printer-class interface.
func hasPrinterInterface(d *gousb.DeviceDesc) bool {
	if d.Class == gousb.ClassPrinter {
		return true
	}
	for _, cfg := range d.Configs {
		if hasPrinterClass(cfg) {
			return true
		}
	}
	return false
}
