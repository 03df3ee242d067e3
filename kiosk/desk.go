package kiosk

import (
	"context"
	"crypto/rand"
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The staff's back-office screens, as the status endpoint names them.
const (
	ScreenVoucherCheck = "voucher-check" // a voucher's state, by its code
	ScreenTestPage     = "test-page"     // what the printers did with the test page
	ScreenBatchPrint   = "batch-print"   // a batch of cards issued and printed
)

// BatchChunk is how many cards of a batch go to the card printer at a
// time, a sheet's: a batch cancelled stops after the chunk printing.
const BatchChunk = printer.SheetCards

// deskBack goes back from a back-office screen to where the staff member
// works from: the manager's screen for a manager, the staff's menu for
// the rest (attract until it is there).
func (k *Kiosk) deskBack() {
	switch {
	case k.staff == nil:
		k.toAttract()
	case k.staff.member.Role == rewards.StaffRoleManager:
		k.showManager()
	default:
		k.showStaff()
	}
}

// scanOnStaff takes a scan made on a staff screen: a voucher's code, in
// any form a till reads (with or without dashes), opens that voucher. It
// says whether the code was a voucher's.
func (k *Kiosk) scanOnStaff(code string) bool {
	if k.staff == nil {
		return false
	}
	normal, err := rewards.NormalizeVoucherCode(code)
	if err != nil {
		return false
	}
	k.showVoucherCheck(normal)
	return true
}

// labelled is a line of a staff screen: a label, and its value beside it.
func labelled(label string, value fyne.CanvasObject) fyne.CanvasObject {
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(300, 0))
	return container.NewBorder(nil, nil, container.NewStack(width, container.NewVBox(layout.NewSpacer(), bold(label, SizeSmall), layout.NewSpacer())), nil, value)
}

// showVoucherCheck shows the voucher with the code: its state, reward,
// card (masked) and dates, and the way to print it again while it is
// open. With no code, or one the ledger does not hold, it asks for a
// voucher's scan.
func (k *Kiosk) showVoucherCheck(code string) { k.voucherScreen(code, "") }

// voucherScreen is showVoucherCheck with a note: what the last print did.
func (k *Kiosk) voucherScreen(code, note string) {
	var v rewards.Voucher
	var err error
	if code != "" {
		v, err = k.Service.Voucher(context.Background(), code)
	}
	k.show(ScreenVoucherCheck, func() fyne.CanvasObject {
		title := k.t("kioskmanager.voucher_check", nil)
		if code == "" || err != nil {
			body := []fyne.CanvasObject{bold(k.t("kioskmanager.scan_voucher", nil), SizeHeading)}
			if err != nil {
				body = append(body, wrapped(rewards.ErrorText(err, k.lang)))
			}
			// The vouchers made here that did not print and are still
			// open: the staff find them without their code.
			k.unprinted = slices.DeleteFunc(k.unprinted, func(c string) bool {
				v, err := k.Service.Voucher(context.Background(), c)
				return err == nil && v.StatusAt(k.now()) != rewards.VoucherOpen
			})
			if len(k.unprinted) > 0 {
				body = append(body, wrapped(k.t("kiosk.unprinted", lang.Args{"count": lang.Number(len(k.unprinted))})))
				for _, c := range k.unprinted {
					body = append(body, k.secondary(c, func() { k.showVoucherCheck(c) }))
				}
			}
			return k.managerFrame(title, container.NewVBox(body...), note, k.deskBack)
		}
		status := v.StatusAt(k.now())
		lines := []fyne.CanvasObject{
			bold(k.t("kioskmanager.voucher_code", lang.Args{"code": v.Code}), SizeHeading),
			text(k.t("kiosk.reward_points", lang.Args{"reward": v.Names, "points": points(v.Points)}), SizeBody),
			labelled(k.t("kioskmanager.voucher_status", nil), bold(k.t("out.voucher.status."+status, nil), SizeBody)),
			labelled(k.t("kioskmanager.card", nil), text(k.masked(v.Card), SizeBody)),
			labelled(k.t("kioskmanager.voucher_made", nil), text(k.when(v.CreatedAt), SizeBody)),
			labelled(k.t("kioskmanager.voucher_valid", nil), text(k.when(v.ValidUntil), SizeBody)),
		}
		if v.ClosedAt != nil {
			lines = append(lines, labelled(k.t("kioskmanager.voucher_closed", nil), text(k.when(*v.ClosedAt), SizeBody)))
		}
		var actions []fyne.CanvasObject
		if status == rewards.VoucherOpen && k.Printer != nil {
			actions = append(actions, k.button(k.t("kioskmanager.reprint", nil), func() { k.reprint(v) }))
		}
		return k.managerFrame(title, container.NewVBox(lines...), note, k.deskBack, actions...)
	})
}

// reprint prints a customer's voucher again (one whose print failed
// after the points were spent): the printer is asked first.
func (k *Kiosk) reprint(v rewards.Voucher) {
	ctx := k.deskCtx()
	err := k.Printer.Ready(ctx)
	if err == nil {
		err = k.Printer.PrintVoucher(ctx, v, k.lang)
	}
	note := k.t("kioskmanager.reprinted", lang.Args{"code": v.Code})
	if err == nil {
		k.unprinted = slices.DeleteFunc(k.unprinted, func(c string) bool { return c == v.Code })
	} else {
		note = k.t("kioskmanager.print_failed", lang.Args{"error": rewards.ErrorText(err, k.lang)})
	}
	k.voucherScreen(v.Code, note)
}

// printTestPage prints the test page (printer.TestCard and
// printer.TestVouchers, as tochkactl printer test does): the sample card
// to the card printer, the Russian and the Bulgarian voucher to the
// voucher printer, each asked first whether it is ready; the screen says
// what each printer did.
func (k *Kiosk) printTestPage() {
	ctx := k.deskCtx()
	outcome := func(err error) string {
		if err != nil {
			return k.t("kioskmanager.print_failed", lang.Args{"error": rewards.ErrorText(err, k.lang)})
		}
		return k.t("kioskmanager.printed", nil)
	}
	p, err := k.Service.Program(ctx)
	if err != nil {
		k.showManagerSaying(rewards.ErrorText(err, k.lang))
		return
	}
	now := k.now()
	card := printer.TestCard(p)
	cards, vouchers := k.t("kioskmanager.no_printer", nil), k.t("kioskmanager.no_printer", nil)
	if k.CardPrinter != nil {
		err := k.CardPrinter.Ready(ctx)
		if err == nil {
			err = k.CardPrinter.PrintCards(ctx, printer.Cards{Program: *p, Lang: k.lang, Cards: []rewards.Card{card}, Date: now})
		}
		cards = outcome(err)
	}
	if k.Printer != nil {
		err := k.Printer.Ready(ctx)
		for _, v := range printer.TestVouchers(p, card.Number, now) {
			if err == nil {
				err = k.Printer.PrintVoucher(ctx, v.Voucher, v.Lang)
			}
		}
		vouchers = outcome(err)
	}
	k.show(ScreenTestPage, func() fyne.CanvasObject {
		return k.managerFrame(k.t("kioskmanager.test_page", nil), container.NewVBox(
			labelled(k.t("kioskmanager.card_printer", nil), wrapped(cards)),
			labelled(k.t("kioskmanager.voucher_printer", nil), wrapped(vouchers))), "", k.deskBack)
	})
}

// batchRun is a batch of cards on its way: issued at the server, then
// printed a chunk at a time, each chunk's print recorded. Its goroutine
// writes issued, printed and err, and closes done once it has stopped
// and said so; cancel asks it to stop after the chunk it prints.
type batchRun struct {
	id              string
	total           int
	issued, printed int
	err             error
	cancel          atomic.Bool
	done            chan struct{}
}

// stopped says whether the batch has stopped.
func (b *batchRun) stopped() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// showBatchPrint asks how many cards to print, on the keypad, and starts
// the batch.
func (k *Kiosk) showBatchPrint() {
	var note string
	shown := bold("", SizeBalance/2)
	pad := newKeypad(len(strconv.Itoa(rewards.MaxPrintCards)), func(v string) { shown.Text = v; shown.Refresh() })
	var again func()
	again = func() {
		k.show(ScreenBatchPrint, func() fyne.CanvasObject {
			return k.managerFrame(k.t("kioskmanager.batch", nil), low(
				container.NewCenter(text(k.t("kioskmanager.batch_count", nil), SizeBody)), container.NewCenter(shown), pad.draw(k)), note, k.deskBack,
				k.button(k.t("kioskmanager.batch_start", nil), func() {
					n, _ := strconv.Atoi(pad.value)
					if note = k.startBatch(n); note != "" {
						again()
					}
				}))
		})
	}
	again()
}

// startBatch checks what a batch of n cards needs (a count within the
// limit, the card printer ready, the server, since the server keeps the
// batches), then issues and prints it from a goroutine, the screen
// showing how far it has come and a Cancel button: the screen never
// waits for it. It returns why it did not start, or "".
func (k *Kiosk) startBatch(n int) string {
	ctx := k.deskCtx()
	if n < 1 || n > rewards.MaxPrintCards {
		return k.t("kioskmanager.batch_count_bad", lang.Args{"max": lang.Number(rewards.MaxPrintCards)})
	}
	if k.CardPrinter == nil {
		return k.t("kioskmanager.no_card_printer", nil)
	}
	if k.batch != nil && !k.batch.stopped() {
		return k.t("kioskmanager.batch_running", lang.Args{"batch": k.batch.id})
	}
	r, err := k.remote()
	if err != nil {
		return k.serverText(err)
	}
	if err := k.CardPrinter.Ready(ctx); err != nil {
		return k.t("kioskmanager.print_failed", lang.Args{"error": rewards.ErrorText(err, k.lang)})
	}
	p, err := k.Service.Program(ctx)
	if err != nil {
		return rewards.ErrorText(err, k.lang)
	}
	b := &batchRun{id: rand.Text()[:10], total: n, done: make(chan struct{})}
	k.batch = b
	bar := widget.NewProgressBar()
	bar.Max = float64(2 * n) // each card issued, then printed
	state := text(k.t("kioskmanager.batch_issuing", lang.Args{"done": lang.Number(0), "total": lang.Number(int64(n))}), SizeBody)
	var stop *widget.Button
	stop = k.secondary(k.t("kioskmanager.cancel", nil), func() {
		b.cancel.Store(true)
		stop.Disable()
	})
	k.show(ScreenBatchPrint, func() fyne.CanvasObject {
		return k.frame(k.t("kioskmanager.batch", nil), container.NewVBox(
			text(k.t("kioskmanager.batch_id", lang.Args{"batch": b.id}), SizeSmall), state, bar), stop)
	})
	progress := func(key string, done, value int) {
		fyne.Do(func() {
			if k.batch != b || k.screen != ScreenBatchPrint {
				return
			}
			k.touched() // a batch at work keeps the session
			state.Text = k.t(key, lang.Args{"done": lang.Number(int64(done)), "total": lang.Number(int64(n))})
			state.Refresh()
			bar.SetValue(float64(value))
		})
	}
	cardPrinter, l := k.CardPrinter, k.lang
	go func() {
		b.run(ctx, r, cardPrinter, printer.Cards{Program: *p, Lang: l, Batch: b.id}, progress)
		fyne.Do(func() {
			if k.batch == b && k.screen == ScreenBatchPrint {
				k.showBatchDone(b, bar)
			}
		})
		close(b.done)
	}()
	return ""
}

// run issues the batch's cards at the server (card i with the client id
// rewards.BatchCardID, as tochkactl card batch issues them), then prints
// them BatchChunk at a time as layout lays them out, recording each
// chunk's print at the server, and says how far it has come. It stops at
// the first error, or, cancelled, before the next card or chunk: what it
// issued and did not print stays listed as unprinted.
func (b *batchRun) run(ctx context.Context, r Remote, cp CardPrinter, layout printer.Cards, progress func(key string, done, value int)) {
	var cards []rewards.Card
	for i := range b.total {
		if b.cancel.Load() {
			return
		}
		c, err := r.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{ID: rewards.BatchCardID(b.id, i)}})
		if err != nil {
			b.err = err
			return
		}
		cards = append(cards, c)
		b.issued = len(cards)
		progress("kioskmanager.batch_issuing", b.issued, b.issued)
	}
	for chunk := range slices.Chunk(cards, BatchChunk) {
		if b.cancel.Load() {
			return
		}
		layout.Cards = chunk
		if err := cp.PrintCards(ctx, layout); err != nil {
			b.err = err
			return
		}
		numbers := make([]string, len(chunk))
		for i, c := range chunk {
			numbers[i] = c.Number
		}
		job := fmt.Sprintf("%s/%d-%d", b.id, b.printed+1, b.printed+len(chunk))
		if _, err := r.RecordPrint(ctx, rewards.CardPrint{Job: job, Cards: numbers}); err != nil {
			b.err = err
			return
		}
		b.printed += len(chunk)
		progress("kioskmanager.batch_printing", b.printed, b.total+b.printed)
	}
}

// showBatchDone says what the batch did: how many cards it printed, how
// many it issued that stay listed as unprinted under its id, and what
// stopped it.
func (k *Kiosk) showBatchDone(b *batchRun, bar *widget.ProgressBar) {
	k.show(ScreenBatchPrint, func() fyne.CanvasObject {
		lines := []fyne.CanvasObject{
			text(k.t("kioskmanager.batch_id", lang.Args{"batch": b.id}), SizeSmall),
			bold(k.t("kioskmanager.batch_printed", lang.Args{"count": lang.Number(int64(b.printed)), "total": lang.Number(int64(b.total))}), SizeBody), bar,
		}
		if left := b.issued - b.printed; left > 0 {
			lines = append(lines, wrapped(k.t("kioskmanager.batch_unprinted", lang.Args{"count": lang.Number(int64(left)), "batch": b.id})))
		}
		if b.err != nil {
			lines = append(lines, wrapped(k.serverText(b.err)))
		}
		return k.frame(k.t("kioskmanager.batch", nil), container.NewVBox(lines...), k.button(k.t("kiosk.done", nil), k.deskBack))
	})
}
