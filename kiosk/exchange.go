package kiosk

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// points is a count of points in the session's language ("1 253 точки").
func points(n int64) lang.Msg { return lang.M("unit.points", lang.Args{"count": lang.Number(n)}) }

// showCustomer shows the customer's screen: the given name, the balance
// large, what is pending and what expires soon with their dates, the
// rewards the balance affords (a tap exchanges) and how far the rest
// are.
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
	for _, p := range c.Pending {
		lines = append(lines, text(k.t("kiosk.pending", lang.Args{"points": points(p.Points), "date": lang.DayMonth(p.AvailableFrom)}), SizeBody))
	}
	for _, e := range c.Expiring {
		lines = append(lines, text(k.t("kiosk.expiring", lang.Args{"points": points(e.Points), "date": lang.DayMonth(e.ExpiresAt)}), SizeBody))
	}
	if len(c.Affordable) > 0 {
		lines = append(lines, bold(k.t("kiosk.you_can_take", nil), SizeHeading))
	}
	for _, rw := range c.Affordable {
		rw := rw
		lines = append(lines, k.rewardRow(rw, k.button(k.t("kiosk.take_reward", lang.Args{"reward": rw.Names, "points": points(rw.Points)}),
			func() { k.showConfirm(rw) }), nil))
	}
	for _, n := range c.Later {
		lines = append(lines, k.rewardRow(n.Reward, text(k.t("kiosk.needs_more", lang.Args{"reward": n.Reward.Names, "points": points(n.More)}), SizeBody), nil))
	}
	if k.message != "" {
		lines = append(lines, wrapped(k.message))
	}
	return k.frame(k.t("kiosk.hello", lang.Args{"name": name}), container.NewVBox(lines...),
		k.button(k.t("kiosk.done", nil), k.toAttract))
}

// showConfirm asks once before points are spent, naming the reward and
// the balance after.
func (k *Kiosk) showConfirm(rw rewards.Reward) {
	k.show(ScreenConfirm, func() fyne.CanvasObject {
		left := k.customer.Available - rw.Points
		q := wrapped(k.t("kiosk.confirm", lang.Args{"reward": rw.Names, "points": points(rw.Points), "left": points(left)}))
		return k.frame(k.t("kiosk.confirm_title", nil), container.NewVBox(k.rewardRow(rw, text(rw.Names.In(k.lang), SizeHeading), nil), q),
			k.secondary(k.t("kiosk.back", nil), k.showCustomer),
			k.button(k.t("kiosk.take", nil), func() { k.exchange(rw) }))
	})
}

// exchange redeems the reward and prints its voucher: the printer is
// asked first, so that no points are spent for a voucher it cannot print.
func (k *Kiosk) exchange(rw rewards.Reward) {
	ctx := context.Background()
	if k.Printer != nil {
		if err := k.Printer.Ready(ctx); err != nil {
			k.message = k.t("kiosk.printer_not_ready", nil)
			k.showCustomer()
			return
		}
	}
	v, err := k.Service.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: k.now()}, Card: k.customer.Card, Reward: rw.ID, Store: k.Store})
	if err != nil {
		k.message = rewards.ErrorText(err, k.lang)
		k.showCustomer()
		return
	}
	key := "kiosk.take_voucher"
	if k.Printer != nil {
		if err := k.Printer.PrintVoucher(ctx, v, k.lang); err != nil {
			// The points are spent and the voucher is kept: staff print
			// it again by its code.
			key = "kiosk.voucher_not_printed"
		}
	}
	k.touched()
	k.show(ScreenVoucher, func() fyne.CanvasObject {
		msg := bold(k.t(key, lang.Args{"code": v.Code}), SizeHeading)
		if key != "kiosk.take_voucher" {
			return k.frame(k.t("kiosk.voucher_title", nil), wrapped(k.t(key, lang.Args{"code": v.Code})), k.button(k.t("kiosk.done", nil), k.toAttract))
		}
		msg.Alignment = fyne.TextAlignCenter
		return k.frame(k.t("kiosk.voucher_title", nil), container.NewVBox(layout.NewSpacer(), msg, text("▼", SizeBalance), layout.NewSpacer()),
			k.button(k.t("kiosk.done", nil), k.toAttract))
	})
}
