package kiosk

import "fyne.io/fyne/v2"

// Said makes every catalog text the kiosk gives go to f as well; nil
// stops it.
func Said(f func(string)) { said = f }

// Wedge is what holds the keyboard's focus on the kiosk's screens.
func Wedge(k *Kiosk) fyne.Focusable { return k.wedge }
