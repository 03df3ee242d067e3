package kiosk

import (
	"fyne.io/fyne/v2"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Said makes every catalog text the kiosk gives go to f as well; nil
// stops it.
func Said(f func(string)) { said = f }

// Wedge is what holds the keyboard's focus on the kiosk's screens.
func Wedge(k *Kiosk) fyne.Focusable { return k.wedge }

// DeliverUI makes what the scanner's goroutine takes to the screens run
// through do instead of fyne.Do: a test runs it on its own goroutine, as
// Fyne's event loop would.
func DeliverUI(k *Kiosk, do func(func())) { k.devices.do = do }

// LogInForTest opens the member's staff session as the staff login does,
// with the server's session token (empty: a login checked offline), and
// shows the staff's menu, or a manager the manager's screen.
func (k *Kiosk) LogInForTest(m rewards.StaffMember, token string) {
	k.staff = &staffSession{member: m, token: token}
	if m.Role == rewards.StaffRoleManager {
		k.showManager()
		return
	}
	k.showStaff()
}

// WaitBatch waits until the batch of cards printing has stopped and said
// so.
func (k *Kiosk) WaitBatch() { <-k.batch.done }
