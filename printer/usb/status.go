package usb

import (
	"context"
	"errors"
	"time"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Status is what a receipt printer says of itself when asked with ESC/POS's
// real-time status commands: DLE EOT 1 (the printer), DLE EOT 2 (why it is
// offline) and DLE EOT 4 (the roll paper sensor). A printer executes them
// as they arrive, ahead of what waits in its buffer, and answers each with
// one byte on its bulk IN endpoint.
type Status struct {
	Offline      bool // DLE EOT 1, bit 3: it does not print now, for whatever reason
	CoverOpen    bool // DLE EOT 2, bit 2
	PaperOut     bool // DLE EOT 2, bit 5 (printing stopped at the paper end), or DLE EOT 4, bits 5-6
	PaperNearEnd bool // DLE EOT 4, bits 2-3: it still prints, but the roll is nearly used up
	Fault        bool // DLE EOT 2, bit 6: another error (a jammed cutter, the head too hot)
}

// ErrNoStatus: the printer cannot be asked how it is. It has no bulk IN
// endpoint, or it did not answer DLE EOT, as some cheap printers do not:
// for those a job that stalls (Print) is the only sign of paper out.
var ErrNoStatus = errors.New("the printer does not answer status queries")

// statusWait is how long a printer may take to answer one status query;
// a printer that answers at all does so within milliseconds.
var statusWait = time.Second

// drainWait is how long Status reads what the printer sent unasked before
// it asks: an answer to an earlier query that came too late, or automatic
// status bytes, must not be taken for the answer to this one.
var drainWait = 20 * time.Millisecond

// The fixed bits of every DLE EOT answer: bits 1 and 4 set, 0 and 7 clear.
const (
	answerMask    = 0x93
	answerPattern = 0x12
)

// inEndpoint is where a printer answers: gousb's *InEndpoint in use, a
// fake in tests. It reads at most len(b) bytes, waiting until ctx ends.
type inEndpoint interface {
	ReadContext(ctx context.Context, b []byte) (int, error)
}

// Status asks the printer how it is: paper out or nearly out, cover open,
// offline. A printer that is not open is opened for the question and
// closed after it, as Print does; a kiosk opens it once and keeps it.
// ErrNoStatus says that the printer cannot tell.
func (p *Printer) Status(ctx context.Context) (_ Status, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out == nil {
		if err := p.open(); err != nil {
			return Status{}, err
		}
		defer func() {
			if cerr := p.close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
	}
	if p.in == nil {
		return Status{}, ErrNoStatus
	}
	buf := make([]byte, readSize(p.inPacket))
	dctx, cancel := context.WithTimeout(ctx, drainWait)
	_, derr := p.in.ReadContext(dctx, buf)
	cancel()
	if gone(derr) {
		return Status{}, rewards.Fail(rewards.ENOTFOUND, "usb.unplugged", lang.Args{"printer": p.label})
	}
	var answers [3]byte
	for i, n := range []byte{1, 2, 4} {
		if answers[i], err = p.ask(ctx, n, buf); err != nil {
			return Status{}, err
		}
	}
	return Status{
		Offline:      answers[0]&0x08 != 0,
		CoverOpen:    answers[1]&0x04 != 0,
		PaperOut:     answers[1]&0x20 != 0 || answers[2]&0x60 != 0,
		PaperNearEnd: answers[2]&0x0C != 0,
		Fault:        answers[1]&0x40 != 0,
	}, nil
}

// ask sends DLE EOT n and returns the answer: the last byte read that has
// the answers' fixed bits (what else comes is not an answer).
func (p *Printer) ask(ctx context.Context, n byte, buf []byte) (byte, error) {
	if err := write(ctx, p.out, p.packet, []byte{0x10, 0x04, n}, statusWait); err != nil {
		return 0, named(p.label, err)
	}
	rctx, cancel := context.WithTimeout(ctx, statusWait)
	defer cancel()
	for {
		k, err := p.in.ReadContext(rctx, buf)
		for i := min(k, len(buf)) - 1; i >= 0; i-- {
			if buf[i]&answerMask == answerPattern {
				return buf[i], nil
			}
		}
		switch {
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case rctx.Err() != nil:
			return 0, ErrNoStatus
		case gone(err):
			return 0, rewards.Fail(rewards.ENOTFOUND, "usb.unplugged", lang.Args{"printer": p.label})
		case err != nil:
			return 0, ErrNoStatus
		}
	}
}

// gone tells whether a transfer failed because the device went away.
func gone(err error) bool {
	return errors.Is(err, gousb.TransferNoDevice) || errors.Is(err, gousb.ErrorNoDevice)
}

// readSize is the buffer of a read from an endpoint of packet bytes: one
// whole packet, so that the device never sends more than it holds (an
// overflow).
func readSize(packet int) int {
	if packet <= 0 {
		return 64
	}
	return packet
}

// Err is what stops the printer printing now, in words a cashier can act
// on; nil when it prints (a roll nearly used up still prints).
func (s Status) Err() error {
	key := ""
	switch {
	case s.CoverOpen:
		key = "usb.status.cover_open"
	case s.PaperOut:
		key = "usb.status.paper_out"
	case s.Fault:
		key = "usb.status.fault"
	case s.Offline:
		key = "usb.status.offline"
	default:
		return nil
	}
	return rewards.Fail(rewards.EREFUSED, key, nil)
}
