package kiosk

// Said makes every catalog text the kiosk gives go to f as well; nil
// stops it.
func Said(f func(string)) { said = f }
