package kiosk

import "fyne.io/fyne/v2"

// Said makes every catalog text the kiosk gives go to f as well; nil
// stops it.
func Said(f func(string)) { said = f }

// Wedge is what holds the keyboard's focus on the kiosk's screens.
func Wedge(k *Kiosk) fyne.Focusable { return k.wedge }

// DeliverUI makes what the scanner's goroutine takes to the screens run
// through do instead of fyne.Do: a test runs it on its own goroutine, as
// Fyne's event loop would.
func DeliverUI(k *Kiosk, do func(func())) { k.devices.do = do }
