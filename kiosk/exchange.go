package kiosk

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// CustomerPage is how many rewards the customer screen shows at a time;
// paging buttons show the others (no customer has to discover a scroll).
const CustomerPage = 3

// points is a count of points in the session's language ("1 253 точки").
func points(n int64) lang.Msg { return lang.M("unit.points", lang.Args{"count": lang.Number(n)}) }

// showCustomer shows the customer's screen: the given name, the balance
// large, what is pending and what expires soon with their dates, the
// rewards the balance affords (a tap exchanges) and how far the rest
// are, a page at a time.
func (k *Kiosk) showCustomer() {
	k.touched()
	k.show(ScreenCustomer, k.drawCustomer)
}

func (k *Kiosk) drawCustomer() fyne.CanvasObject {
	c := k.customer
	name := c.GivenName
	if name == "" {
		name = k.t("kiosk.customer", nil)
	}
	balance := bold(k.t("unit.points", lang.Args{"count": lang.Number(c.Available)}), SizeBalance)
	balance.Alignment = fyne.TextAlignCenter
	lines := []fyne.CanvasObject{balance}
	if k.Online != nil {
		// Offline, the balance is the replica's: as of its last sync.
		if online, since := k.Online(); !online {
			lines = append(lines, centred(text(k.t("kiosk.balance_as_of", lang.Args{"time": since.In(k.location()).Format("15:04")}), SizeSmall)))
		}
	}
	for _, p := range c.Pending {
		lines = append(lines, text(k.t("kiosk.pending", lang.Args{"points": points(p.Points), "date": lang.DayMonth(p.AvailableFrom)}), SizeBody))
	}
	for _, e := range c.Expiring {
		lines = append(lines, text(k.t("kiosk.expiring", lang.Args{"points": points(e.Points), "date": lang.DayMonth(e.ExpiresAt)}), SizeBody))
	}
	// What the balance affords first, then how far the rest are.
	// An exchange is offered only when a voucher can be printed.
	problem := k.voucherPrinterProblem()
	var rows []fyne.CanvasObject
	for _, rw := range c.Affordable {
		rw := rw
		var take fyne.CanvasObject = text(k.t("unit.points", lang.Args{"count": lang.Number(rw.Points)}), SizeBody)
		if problem == "" {
			take = k.button(k.t("kiosk.take_for", lang.Args{"points": points(rw.Points)}), func() { k.showConfirm(rw) })
		}
		rows = append(rows, k.rewardRow(rw, para(rw.Names.In(k.lang), theme.SizeNameSubHeadingText, true), take))
	}
	for _, n := range c.Later {
		rows = append(rows, k.rewardRow(n.Reward, para(n.Reward.Names.In(k.lang), theme.SizeNameSubHeadingText, false),
			text(k.t("kiosk.more_points", lang.Args{"points": points(n.More)}), SizeBody)))
	}
	if len(c.Affordable) > 0 {
		lines = append(lines, bold(k.t("kiosk.you_can_take", nil), SizeHeading))
	}
	pages := max((len(rows)+CustomerPage-1)/CustomerPage, 1)
	k.custPage = min(k.custPage, pages-1)
	first := k.custPage * CustomerPage
	lines = append(lines, rows[first:min(first+CustomerPage, len(rows))]...)
	if pages > 1 {
		prev := k.secondary(k.t("kiosk.page_prev", nil), func() { k.custPage--; k.redraw() })
		next := k.secondary(k.t("kiosk.page_next", nil), func() { k.custPage++; k.redraw() })
		if k.custPage == 0 {
			prev.Disable()
		}
		if k.custPage == pages-1 {
			next.Disable()
		}
		lines = append(lines, container.NewGridWithColumns(2, prev, next))
	}
	if len(c.Family) > 0 {
		var masked []string
		for _, n := range c.Family {
			masked = append(masked, k.masked(n))
		}
		lines = append(lines, text(k.t("kiosk.family", lang.Args{"cards": strings.Join(masked, ", ")}), SizeBody))
	}
	if k.message == "" && problem != "" && len(c.Affordable) > 0 {
		lines = append(lines, wrapped(problem))
	}
	if k.message != "" {
		lines = append(lines, wrapped(k.message))
	}
	actions := []fyne.CanvasObject{k.secondary(k.t("kiosk.history", nil), k.showHistory), k.button(k.t("kiosk.done", nil), k.toAttract)}
	return k.frame(k.t("kiosk.hello", lang.Args{"name": name}), container.NewVBox(lines...), actions...)
}

// showConfirm asks once before points are spent, naming the reward and
// the balance after.
func (k *Kiosk) showConfirm(rw rewards.Reward) {
	k.show(ScreenConfirm, func() fyne.CanvasObject {
		left := k.customer.Available - rw.Points
		q := para(k.t("kiosk.confirm", lang.Args{"reward": rw.Names, "points": points(rw.Points), "left": points(left)}), theme.SizeNameSubHeadingText, false)
		return k.frame(k.t("kiosk.confirm_title", nil), container.NewVBox(k.rewardRow(rw, para(rw.Names.In(k.lang), theme.SizeNameHeadingText, true), nil), q),
			k.secondary(k.t("kiosk.back", nil), k.showCustomer),
			k.button(k.t("kiosk.take", nil), func() { k.exchange(rw) }))
	})
}

// ScreenPrinting is the wait while a voucher is made and printed.
const ScreenPrinting = "printing"

// exchange redeems the reward and prints its voucher, away from Fyne's
// goroutine (the server, or a printer, may be slow to answer) while the
// screen says the voucher is printing: the printer is asked first, so
// that no points are spent for a voucher it cannot print. A voucher that
// did not print is kept for the staff to print again (Unprinted).
func (k *Kiosk) exchange(rw rewards.Reward) {
	if k.Printer == nil {
		return // no exchange is offered
	}
	session, l := k.session, k.lang
	red := rewards.Redemption{Meta: rewards.Meta{At: k.now()}, Card: k.customer.Card, Reward: rw.ID, Store: k.Store}
	k.stopTimers() // no timeout while the voucher is made
	k.show(ScreenPrinting, func() fyne.CanvasObject {
		msg := bold(k.t("kiosk.printing", nil), SizeHeading)
		msg.Alignment = fyne.TextAlignCenter
		return k.frame(k.t("kiosk.voucher_title", nil), container.NewVBox(layout.NewSpacer(), msg, layout.NewSpacer()))
	})
	k.work(func() {
		ctx := context.Background()
		var v rewards.Voucher
		err := k.Printer.Ready(ctx)
		ready := err == nil
		if ready {
			v, err = k.Service.Redeem(ctx, red)
		}
		printed := err == nil && k.Printer.PrintVoucher(ctx, v, l) == nil
		after, aerr := LoadCustomer(ctx, k.Service, red.Card, k.now(), k.Coop, k.Store)
		k.ui(func() {
			if err == nil && !printed {
				k.unprinted = append(k.unprinted, v.Code)
			}
			if k.session != session {
				return // the customer has gone: the voucher is in the ledger
			}
			if aerr == nil {
				k.customer = &after
			}
			switch {
			case !ready:
				k.message = k.t("kiosk.printer_not_ready", nil)
				k.showCustomer()
			case err != nil:
				k.message = rewards.ErrorText(err, k.lang)
				k.showCustomer()
			default:
				k.showVoucher(v, printed)
			}
		})
	})
}

// work runs f away from Fyne's goroutine (Work).
func (k *Kiosk) work(f func()) {
	if k.Work != nil {
		k.Work(f)
		return
	}
	go f()
}

// showVoucher says where the voucher comes out, or, when it did not
// print, its code for the staff, who print it again.
func (k *Kiosk) showVoucher(v rewards.Voucher, printed bool) {
	k.touched()
	k.show(ScreenVoucher, func() fyne.CanvasObject {
		done := k.button(k.t("kiosk.done", nil), k.toAttract)
		if !printed {
			return k.frame(k.t("kiosk.voucher_title", nil), wrapped(k.t("kiosk.voucher_not_printed", lang.Args{"code": v.Code})), done)
		}
		msg := bold(k.t("kiosk.take_voucher", nil), SizeHeading)
		msg.Alignment = fyne.TextAlignCenter
		// Where the voucher comes out: below the screen.
		arrow := canvas.NewImageFromResource(theme.MoveDownIcon())
		arrow.FillMode = canvas.ImageFillContain
		arrow.SetMinSize(fyne.NewSquareSize(SizeBalance))
		return k.frame(k.t("kiosk.voucher_title", nil), container.NewVBox(layout.NewSpacer(), msg, arrow, layout.NewSpacer()), done)
	})
}
