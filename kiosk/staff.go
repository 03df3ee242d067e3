package kiosk

import (
	"fyne.io/fyne/v2"

	"github.com/tochka-loyalty/tochka/rewards"
)

// staffSession is the staff member who proved who they are at the
// kiosk (a staff card, or a staff number and PIN), until they leave or
// the idle timeout ends it; token is the server's session token when the
// login reached the server, empty when it was checked offline against the
// replica's staff.
type staffSession struct {
	member rewards.StaffMember
	token  string
}

// staffButton is attract's small way in for staff; nil while the staff
// screens are not built.
func (k *Kiosk) staffButton() fyne.CanvasObject { return nil }
