package kiosk

// DeliverUI makes what the scanner's goroutine takes to the screens run
// through do instead of fyne.Do: a test runs it on its own goroutine, as
// Fyne's event loop would.
func DeliverUI(k *Kiosk, do func(func())) { k.devices.do = do }
