package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// KeySize is the side of a keypad's key: well over the 48 px a touch
// target needs, as the design asks of a keypad (120 px).
const KeySize = 120

// keypad is the in-app numeric keypad (a kiosk has no keyboard): 3×4
// keys of digits, a clear key and a backspace key. Each key calls typed
// with the value as it now stands; max limits its length.
type keypad struct {
	value string
	max   int
	typed func(value string)
}

// newKeypad makes a keypad for up to max digits.
func newKeypad(max int, typed func(string)) *keypad { return &keypad{max: max, typed: typed} }

// draw draws the keys, labelled in the session's language.
func (p *keypad) draw(k *Kiosk) fyne.CanvasObject {
	key := func(label string, f func()) fyne.CanvasObject {
		b := k.secondary(label, func() {
			f()
			p.typed(p.value)
		})
		return container.NewGridWrap(fyne.NewSize(KeySize, KeySize), b)
	}
	var keys []fyne.CanvasObject
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"} {
		d := d
		keys = append(keys, key(d, func() {
			if len(p.value) < p.max {
				p.value += d
			}
		}))
	}
	keys = append(keys,
		key("", func() { p.value = "" }),
		key("0", func() {
			if len(p.value) < p.max {
				p.value += "0"
			}
		}),
		key("", func() {
			if p.value != "" {
				p.value = p.value[:len(p.value)-1]
			}
		}))
	keys[len(keys)-3].(*fyne.Container).Objects[0].(*widget.Button).SetIcon(theme.ContentClearIcon())
	keys[len(keys)-1].(*fyne.Container).Objects[0].(*widget.Button).SetIcon(theme.NavigateBackIcon())
	return container.NewCenter(container.NewGridWithColumns(3, keys...))
}
