package kiosk

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/usb"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// The kiosk's devices, as the status endpoint's devices map and
// DeviceStates name them.
const (
	DeviceScanner        = "scanner"
	DeviceVoucherPrinter = "voucher-printer"
	DeviceCardPrinter    = "card-printer"
)

// DeviceState is how one of the kiosk's devices is now.
type DeviceState struct {
	// Device is DeviceScanner, DeviceVoucherPrinter or DeviceCardPrinter.
	Device string
	// State is what the status endpoint says of it, for fleet monitoring:
	// "usb 05e0:1200 connected", "usb 05e0:1200 unplugged", "wedge";
	// "cups CARDS ready", "usb 0416:5011 not ready: ...", "none".
	State string
	// OK tells whether it works: the scanner connected (or only the
	// keyboard wedge set up), the printer ready (or none there).
	OK bool
	// What is which device it is, as a person reads it, What.In(l): "CUPS
	// queue CARDS", "USB 05e0:1200"; the zero Msg when it does not say.
	What lang.Msg
	// Words is the state as a person reads it, Words.In(l): "ready",
	// "not ready: the paper has run out: put in a new roll".
	Words lang.Msg
}

// Name is the device's name in language l: "Принтер за ваучери".
func (d DeviceState) Name(l string) string {
	return lang.Text(l, "kioskdevices.device."+strings.ReplaceAll(d.Device, "-", "_"), nil)
}

// devices is what the kiosk knows of its devices: the scanner's state,
// which the scanner's goroutine writes (RunScanner), and the printers' as
// last asked (CheckPrinters). The status endpoint and the screens read it.
type devices struct {
	mu       sync.Mutex
	scanner  *DeviceState           // nil: no scanner but the keyboard wedge
	printers map[string]DeviceState // by device, as last asked
	// do runs a function on Fyne's goroutine; nil: fyne.Do. Tests run
	// it on their own (DeliverUI).
	do func(func())
}

// DeviceStates are the kiosk's devices and how each is: the scanner, the
// voucher printer and the card printer, in that order. The printers are
// as CheckPrinters last found them. It may be called on any goroutine.
func (k *Kiosk) DeviceStates() []DeviceState {
	k.devices.mu.Lock()
	defer k.devices.mu.Unlock()
	sc := DeviceState{Device: DeviceScanner, State: "wedge", OK: true, Words: lang.M("kioskdevices.state.wedge", nil)}
	if k.devices.scanner != nil {
		sc = *k.devices.scanner
	}
	out := []DeviceState{sc}
	for _, p := range k.printers() {
		st, asked := k.devices.printers[p.device]
		switch {
		case p.ready == nil:
			st = DeviceState{Device: p.device, State: "none", OK: true, Words: lang.M("kioskdevices.state.none", nil)}
		case !asked:
			id, what := describe(p.ready)
			st = DeviceState{Device: p.device, State: join(id, "unknown"), What: what, Words: lang.M("kioskdevices.state.unknown", nil)}
		}
		out = append(out, st)
	}
	return out
}

// voucherPrinterProblem is why no exchange can be offered now, in the
// session's language: no voucher printer at this kiosk, or one whose last
// check found it not ready; "" when one may be (it is asked again before
// points are spent).
func (k *Kiosk) voucherPrinterProblem() string {
	if k.Printer == nil {
		return k.t("kiosk.no_voucher_printer", nil)
	}
	k.devices.mu.Lock()
	st, asked := k.devices.printers[DeviceVoucherPrinter]
	k.devices.mu.Unlock()
	if asked && !st.OK {
		return k.t("kiosk.printer_not_ready", nil)
	}
	return ""
}

// deviceLines are the kiosk's devices, each with its state, as the staff
// read them: "Принтер за карти (опашка CARDS): готов".
func (k *Kiosk) deviceLines() []string {
	var out []string
	for _, d := range k.DeviceStates() {
		device := lang.M("kioskdevices.device."+strings.ReplaceAll(d.Device, "-", "_"), nil)
		if d.What.Key != "" {
			out = append(out, k.t("kioskdevices.line_what", lang.Args{"device": device, "what": d.What, "state": d.Words}))
		} else {
			out = append(out, k.t("kioskdevices.line", lang.Args{"device": device, "state": d.Words}))
		}
	}
	return out
}

// DeviceMap is DeviceStates as the status endpoint's devices map says it:
// each device's State by its name. Kiosk.Devices may be set to it.
func (k *Kiosk) DeviceMap() map[string]string {
	m := map[string]string{}
	for _, d := range k.DeviceStates() {
		m[d.Device] = d.State
	}
	return m
}

// readier is what the kiosk asks of a printer before it prints.
type readier interface {
	Ready(ctx context.Context) error
}

// checker is a printer that says more than Ready does: a remark on a
// ready one (its paper nearly used up).
type checker interface {
	Check(ctx context.Context) (note lang.Msg, err error)
}

// describer is a printer that says what it is: for the status endpoint
// ("cups CARDS", "usb 0416:5011") and in words.
type describer interface {
	Describe() (id string, words lang.Msg)
}

type kioskPrinter struct {
	device string
	ready  readier // nil: none at this kiosk
}

// printers are the kiosk's printers, nil where it has none.
func (k *Kiosk) printers() []kioskPrinter {
	out := []kioskPrinter{{device: DeviceVoucherPrinter}, {device: DeviceCardPrinter}}
	if k.Printer != nil {
		out[0].ready = k.Printer
	}
	if k.CardPrinter != nil {
		out[1].ready = k.CardPrinter
	}
	return out
}

// CheckTimeout bounds each printer's answer to CheckPrinters.
const CheckTimeout = 10 * time.Second

// CheckPrinters asks each printer whether it is ready and records what
// it says, for DeviceStates. It takes as long as the printers take to
// answer (a CUPS queue through lpstat, a USB printer over the wire): call
// it off Fyne's goroutine.
func (k *Kiosk) CheckPrinters(ctx context.Context) {
	for _, p := range k.printers() {
		if p.ready == nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, CheckTimeout)
		st := ask(cctx, p.device, p.ready)
		cancel()
		k.devices.mu.Lock()
		if k.devices.printers == nil {
			k.devices.printers = map[string]DeviceState{}
		}
		k.devices.printers[p.device] = st
		k.devices.mu.Unlock()
	}
}

// WatchPrinters asks the printers how they are now and every d until ctx
// is done (CheckPrinters). Run it on a goroutine of its own.
func (k *Kiosk) WatchPrinters(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		k.CheckPrinters(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ask asks one printer how it is.
func ask(ctx context.Context, device string, p readier) DeviceState {
	id, what := describe(p)
	var note lang.Msg
	var err error
	if c, ok := p.(checker); ok {
		note, err = c.Check(ctx)
	} else {
		err = p.Ready(ctx)
	}
	switch {
	case err != nil:
		return DeviceState{Device: device, State: join(id, "not ready: "+err.Error()), What: what,
			Words: lang.M("kioskdevices.state.not_ready", lang.Args{"problem": errorWords{err}})}
	case note.Key != "":
		return DeviceState{Device: device, State: join(id, "ready: "+note.In(lang.EN)), OK: true, What: what,
			Words: lang.M("kioskdevices.state.ready_but", lang.Args{"note": note})}
	}
	return DeviceState{Device: device, State: join(id, "ready"), OK: true, What: what, Words: lang.M("kioskdevices.state.ready", nil)}
}

// describe is what a printer is, for the status endpoint and in words,
// when it says so; "" and the zero Msg when it does not.
func describe(p readier) (id string, words lang.Msg) {
	if d, ok := p.(describer); ok {
		return d.Describe()
	}
	return "", lang.Msg{}
}

// join puts a device's id before its state: "cups CARDS ready".
func join(id, state string) string {
	if id == "" {
		return state
	}
	return id + " " + state
}

// errorWords is an error as a message's argument: its words in the
// reader's language (rewards.ErrorText).
type errorWords struct{ err error }

func (e errorWords) In(l string) string { return rewards.ErrorText(e.err, l) }

// ReceiptPrinter is a voucher printer: a CUPS queue, which gets the 80 mm
// PDF and is ready when the queue is enabled and accepts jobs, or a USB
// ESC/POS printer, which gets the raster and is ready when its real-time
// status says it has paper and its cover is closed. Set exactly one of
// CUPS and USB.
type ReceiptPrinter struct {
	// Service gives the program and the stores' names that the voucher
	// prints.
	Service rewards.Service
	CUPS    *printer.CUPS
	USB     *usb.Printer
}

var _ VoucherPrinter = (*ReceiptPrinter)(nil)

// NewReceiptPrinter returns the voucher printer a setting names:
// "usb:VID:PID" (a USB ESC/POS printer) or a CUPS queue's name. A setting
// that names neither is an error that says why.
func NewReceiptPrinter(setting string, svc rewards.Service) (*ReceiptPrinter, error) {
	if ids, ok := strings.CutPrefix(setting, "usb:"); ok {
		vid, pid, err := usbhost.ParseVIDPID(ids)
		if err != nil {
			return nil, err
		}
		return &ReceiptPrinter{Service: svc, USB: usb.NewPrinter(vid, pid)}, nil
	}
	if err := printer.CheckQueueName(setting); err != nil {
		return nil, err
	}
	return &ReceiptPrinter{Service: svc, CUPS: printer.NewCUPS(setting)}, nil
}

// Describe is "cups QUEUE" or "usb VID:PID", and the same in words.
func (r *ReceiptPrinter) Describe() (string, lang.Msg) {
	if r.USB != nil {
		id := usbhost.ID(r.USB.VID, r.USB.PID)
		return "usb " + id, lang.M("kioskdevices.usb", lang.Args{"id": id})
	}
	return describeQueue(r.CUPS)
}

// Ready says whether a voucher would print now.
func (r *ReceiptPrinter) Ready(ctx context.Context) error {
	_, err := r.Check(ctx)
	return err
}

// Check asks the printer: the queue's state, or the USB printer's
// real-time status (opening the printer, which the kiosk then keeps
// open). A ready printer's note says when its paper is nearly used up, or
// that it cannot tell (it does not answer status queries).
func (r *ReceiptPrinter) Check(ctx context.Context) (lang.Msg, error) {
	if r.USB == nil {
		_, err := r.CUPS.Status(ctx)
		return lang.Msg{}, err
	}
	if err := r.USB.Open(); err != nil {
		return lang.Msg{}, err
	}
	st, err := r.USB.Status(ctx)
	switch {
	case errors.Is(err, usb.ErrNoStatus):
		return lang.M("kioskdevices.note.no_status", nil), nil
	case err != nil:
		r.USB.Close() // it may be gone: the next question opens it again
		return lang.Msg{}, err
	case st.Err() != nil:
		return lang.Msg{}, st.Err()
	case st.PaperNearEnd:
		return lang.M("kioskdevices.note.paper_near_end", nil), nil
	}
	return lang.Msg{}, nil
}

// PrintVoucher prints the voucher in language l, naming the program and
// the store: the raster on a USB printer, the 80 mm PDF on a queue.
func (r *ReceiptPrinter) PrintVoucher(ctx context.Context, v rewards.Voucher, l string) error {
	doc, err := voucherDocument(ctx, r.Service, v, l)
	if err != nil {
		return err
	}
	job := printer.Job{Title: lang.Text(l, "jobs.title", lang.Args{"program": doc.Program.Name, "what": lang.M("out.what.voucher", lang.Args{"code": v.Code})})}
	if r.USB != nil {
		job.Format = printer.FormatESCPOS
		if job.Data, err = printer.VoucherESCPOS(doc); err != nil {
			return err
		}
		if _, err := r.USB.Print(ctx, job); err != nil {
			r.USB.Close() // it may be gone: the next question opens it again
			return err
		}
		return nil
	}
	job.Format = printer.FormatPDF
	if job.Data, err = printer.VoucherPDF(doc); err != nil {
		return err
	}
	if job.Media, err = printer.PageMedia(job.Data); err != nil {
		return err
	}
	_, err = r.CUPS.Print(ctx, job)
	return err
}

// CardQueue is a card printer on a CUPS queue: it prints each card on a
// CR80 page with its back (CardPDF), and a batch's cards (Cards.Batch set)
// ten to an A4 sheet for perforated card stock (CardSheetPDF). It is
// ready when the queue is enabled and accepts jobs.
type CardQueue struct {
	CUPS *printer.CUPS
}

var _ CardPrinter = (*CardQueue)(nil)

// NewCardQueue returns the card printer on the CUPS queue, or an error
// when the name is no queue's.
func NewCardQueue(queue string) (*CardQueue, error) {
	if err := printer.CheckQueueName(queue); err != nil {
		return nil, err
	}
	return &CardQueue{CUPS: printer.NewCUPS(queue)}, nil
}

// Describe is "cups QUEUE", and the same in words.
func (q *CardQueue) Describe() (string, lang.Msg) { return describeQueue(q.CUPS) }

// Ready says whether the queue would print now.
func (q *CardQueue) Ready(ctx context.Context) error {
	_, err := q.CUPS.Status(ctx)
	return err
}

// PrintCards prints the cards, both sides of each, on pages of the size
// they were laid out for.
func (q *CardQueue) PrintCards(ctx context.Context, c printer.Cards) error {
	layOut, what := printer.CardPDF, lang.M("out.what.cards", lang.Args{"count": len(c.Cards)})
	if c.Batch != "" {
		layOut, what = printer.CardSheetPDF, lang.M("jobs.what.batch_cards", lang.Args{"cards": what, "batch": c.Batch})
	}
	data, _, err := layOut(c)
	if err != nil {
		return err
	}
	media, err := printer.PageMedia(data)
	if err != nil {
		return err
	}
	_, err = q.CUPS.Print(ctx, printer.Job{Title: lang.Text(c.Lang, "jobs.title", lang.Args{"program": c.Program.Name, "what": what}),
		Format: printer.FormatPDF, Data: data, Media: media, Sides: printer.TwoSidedLongEdge})
	return err
}

// describeQueue is "cups QUEUE", and the same in words.
func describeQueue(c *printer.CUPS) (string, lang.Msg) {
	return "cups " + c.Queue, lang.M("kioskdevices.cups", lang.Args{"queue": c.Queue})
}

// storeIn is the store's name in language l, or its id when no store of
// that id is recorded.
func storeIn(ctx context.Context, svc rewards.Service, id, l string) string {
	stores, err := svc.Stores(ctx)
	if err == nil {
		for _, s := range stores {
			if s.ID == id {
				return s.In(l)
			}
		}
	}
	return id
}
