package usb

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// fakeStatusPrinter stands where gousb's bulk OUT and IN endpoints stand:
// it answers each DLE EOT n written to it with answer(n), one transfer
// queued on its IN side behind those it already holds (unread, or sent
// unasked); a read takes one transfer, and with none queued waits for its
// context, then fails as gousb does. gone makes every transfer fail as an
// unplugged device's.
type fakeStatusPrinter struct {
	mu      sync.Mutex
	answer  func(n byte) []byte
	queued  [][]byte
	written []byte
	gone    bool
}

func (f *fakeStatusPrinter) WriteContext(ctx context.Context, b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone {
		return 0, gousb.TransferNoDevice
	}
	f.written = append(f.written, b...)
	if len(b) == 3 && b[0] == 0x10 && b[1] == 0x04 && f.answer != nil {
		f.queued = append(f.queued, f.answer(b[2]))
	}
	return len(b), nil
}

func (f *fakeStatusPrinter) ReadContext(ctx context.Context, b []byte) (int, error) {
	f.mu.Lock()
	if f.gone {
		f.mu.Unlock()
		return 0, gousb.TransferNoDevice
	}
	if len(f.queued) > 0 {
		n := copy(b, f.queued[0])
		f.queued = f.queued[1:]
		f.mu.Unlock()
		return n, nil
	}
	f.mu.Unlock()
	<-ctx.Done()
	return 0, gousb.TransferCancelled
}

// statusPrinter is a Printer opened on the fake, with its IN endpoint.
func statusPrinter(f *fakeStatusPrinter) *Printer {
	p := fakePrinter(&fakeEndpoint{}, 64)
	p.out, p.in, p.inPacket = f, f, 64
	return p
}

// answers is a printer that answers DLE EOT 1, 2 and 4 with these bytes.
func answers(one, two, four byte) func(n byte) []byte {
	return func(n byte) []byte {
		return []byte{map[byte]byte{1: one, 2: two, 4: four}[n]}
	}
}

// The answers of a real printer (an Epson TM-T20's, as its manual gives
// them) read as what they mean, and what stops printing is a refusal a
// cashier can act on; a roll near its end still prints.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name           string
		one, two, four byte
		want           Status
		refusal        string
	}{
		{"ready", 0x12, 0x12, 0x12, Status{}, ""},
		{"paper near end", 0x12, 0x12, 0x1E, Status{PaperNearEnd: true}, ""},
		{"paper out", 0x1A, 0x32, 0x7E, Status{Offline: true, PaperOut: true, PaperNearEnd: true}, "paper has run out"},
		{"paper out, sensor only", 0x1A, 0x12, 0x72, Status{Offline: true, PaperOut: true}, "paper has run out"},
		{"cover open", 0x1A, 0x16, 0x12, Status{Offline: true, CoverOpen: true}, "cover is open"},
		{"cover open and paper out", 0x1A, 0x36, 0x72, Status{Offline: true, CoverOpen: true, PaperOut: true}, "cover is open"},
		{"cutter jammed", 0x1A, 0x52, 0x12, Status{Offline: true, Fault: true}, "switch it off and on"},
		{"offline, no cause given", 0x1A, 0x12, 0x12, Status{Offline: true}, "offline"},
	} {
		f := &fakeStatusPrinter{answer: answers(tc.one, tc.two, tc.four)}
		got, err := statusPrinter(f).Status(context.Background())
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
			continue
		}
		if !bytes.Equal(f.written, []byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4}) {
			t.Errorf("%s: wrote % x, want DLE EOT 1, 2 and 4", tc.name, f.written)
		}
		err = got.Err()
		if tc.refusal == "" {
			if err != nil {
				t.Errorf("%s: %v, want ready", tc.name, err)
			}
			continue
		}
		wantError(t, err, rewards.EREFUSED, tc.refusal)
	}
	// In the cashier's language.
	if got := rewards.ErrorText(Status{PaperOut: true}.Err(), lang.RU); got != "в принтере кончилась бумага: вставьте новый рулон" {
		t.Errorf("paper out, in Russian: %q", got)
	}
}

// What the printer sent before it was asked (a late answer to an earlier
// query, automatic status bytes) is not taken for the answer, nor is a byte
// without the answers' fixed bits.
func TestStatusIgnoresStaleBytes(t *testing.T) {
	f := &fakeStatusPrinter{answer: answers(0x12, 0x12, 0x12), queued: [][]byte{{0x1A}}}
	got, err := statusPrinter(f).Status(context.Background())
	if err != nil || got != (Status{}) {
		t.Errorf("with stale answers queued: %+v, %v; want a ready printer", got, err)
	}
	// Automatic status back (4 bytes, the first 0x10 under the mask) in
	// front of the answer.
	f = &fakeStatusPrinter{answer: func(n byte) []byte {
		if n == 1 {
			return []byte{0x14, 0x00, 0x00, 0x0F, 0x12}
		}
		return []byte{0x12}
	}}
	if got, err := statusPrinter(f).Status(context.Background()); err != nil || got != (Status{}) {
		t.Errorf("with automatic status bytes: %+v, %v; want a ready printer", got, err)
	}
}

// A printer that cannot be asked says so (ErrNoStatus), soon; one that was
// unplugged says that.
func TestStatusUnknown(t *testing.T) {
	defer func(d time.Duration) { statusWait = d }(statusWait)
	statusWait = 100 * time.Millisecond

	p := fakePrinter(&fakeEndpoint{}, 64) // no IN endpoint
	if _, err := p.Status(context.Background()); !errors.Is(err, ErrNoStatus) {
		t.Errorf("without an IN endpoint: %v", err)
	}
	start := time.Now()
	_, err := statusPrinter(&fakeStatusPrinter{}).Status(context.Background())
	if !errors.Is(err, ErrNoStatus) {
		t.Errorf("a printer that does not answer: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("gave up after %v, want about %v", took, statusWait)
	}
	_, err = statusPrinter(&fakeStatusPrinter{gone: true}).Status(context.Background())
	wantError(t, err, rewards.ENOTFOUND, "USB printer 0416:5011 (fake) was unplugged or switched off")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := statusPrinter(&fakeStatusPrinter{}).Status(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
