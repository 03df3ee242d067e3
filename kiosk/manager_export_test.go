package kiosk

import "github.com/tochka-loyalty/tochka/rewards"

// LogInForTest opens the member's staff session as the staff login does,
// with the server's session token (empty: a login checked offline), and
// shows a manager the manager's screen.
func (k *Kiosk) LogInForTest(m rewards.StaffMember, token string) {
	k.staff = &staffSession{member: m, token: token}
	if m.Role == rewards.StaffRoleManager {
		k.showManager()
	}
}

// ScanOnStaffForTest takes a scan as Scan does on a staff screen.
func (k *Kiosk) ScanOnStaffForTest(code string) bool { return k.scanOnStaff(code) }

// WaitBatch waits until the batch of cards printing has stopped and said
// so.
func (k *Kiosk) WaitBatch() { <-k.batch.done }
