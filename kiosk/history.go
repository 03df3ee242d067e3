package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/tochka-loyalty/tochka/lang"
)

// ScreenHistory is the customer's last movements.
const ScreenHistory = "history"

// masked is a card number as a screen in public shows it: its last four
// digits.
func (k *Kiosk) masked(number string) string {
	return k.t("kiosk.card_masked", lang.Args{"last": lastDigits(number, 4)})
}

// showHistory shows the customer's last movements, newest first: the
// day in words, what it was, the points in or out.
func (k *Kiosk) showHistory() {
	k.show(ScreenHistory, func() fyne.CanvasObject {
		rows := container.NewGridWithColumns(3)
		for _, e := range k.customer.Recent {
			sign := "+"
			if e.Points < 0 {
				sign = "−"
			}
			n := e.Points
			if n < 0 {
				n = -n
			}
			rows.Add(text(k.t("kiosk.history_day", lang.Args{"date": lang.DayMonth(e.At)}), SizeBody))
			rows.Add(text(k.t("out.entry."+e.Kind, nil), SizeBody))
			rows.Add(text(k.t("kiosk.history_points", lang.Args{"sign": sign, "points": points(n)}), SizeBody))
		}
		var body fyne.CanvasObject = rows
		if len(k.customer.Recent) == 0 {
			body = text(k.t("kiosk.history_none", nil), SizeBody)
		}
		return k.frame(k.t("kiosk.history", nil), body,
			k.secondary(k.t("kiosk.back", nil), k.showCustomer),
			k.button(k.t("kiosk.done", nil), k.toAttract))
	})
}
