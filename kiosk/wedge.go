package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// wedge takes what a keyboard-wedge scanner types: it lies, invisible,
// under every screen and holds the keyboard's focus, so that no widget
// can swallow a scan, and it takes Tab too (a scanner may end a code
// with it), which a window would otherwise use to move the focus.
type wedge struct {
	widget.BaseWidget
	k *Kiosk
}

func newWedge(k *Kiosk) *wedge {
	w := &wedge{k: k}
	w.ExtendBaseWidget(w)
	return w
}

// CreateRenderer implements fyne.Widget: nothing to draw.
func (w *wedge) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(&fyne.Container{})
}

// FocusGained implements fyne.Focusable.
func (w *wedge) FocusGained() {}

// FocusLost implements fyne.Focusable.
func (w *wedge) FocusLost() {}

// TypedRune implements fyne.Focusable: a character of a code.
func (w *wedge) TypedRune(r rune) { w.k.typedRune(r) }

// TypedKey implements fyne.Focusable: Enter or Tab ends a code.
func (w *wedge) TypedKey(e *fyne.KeyEvent) { w.k.typedKey(e) }

// AcceptsTab implements fyne.Tabbable: Tab is the scanner's, not the
// window's.
func (w *wedge) AcceptsTab() bool { return true }

// typedRune adds a character to the code being typed.
func (k *Kiosk) typedRune(r rune) { k.wedgeTyped = append(k.wedgeTyped, r) }

// typedKey ends the code being typed at Enter or Tab and scans it.
func (k *Kiosk) typedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyTab:
		code := string(k.wedgeTyped)
		k.wedgeTyped = k.wedgeTyped[:0]
		k.Scan(code)
	}
}
