package kiosk_test

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The main screens look as their golden images in testdata/: attract,
// a customer's, the phone login, the staff's menu and the manager's, in
// bg, ru and en at 1920×1080 and portrait 1080×1920. A change that
// alters them leaves what it drew in testdata/failed/: look at it, and
// when it is right, copy it over the golden image.
func TestGolden(t *testing.T) {
	s, now, c := customerOf100(t)
	_, phone := serve(t, s, &gateway{})
	a := test.NewApp()
	defer a.Quit()
	a.Settings().SetTheme(kiosk.Theme{Primary: kiosk.ProgramColour(nil)})
	w := a.NewWindow("kiosk")
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after,
		Phone: phone, Staff: s, Printer: &testPrinter{}, CardPrinter: &cardPrinter{}}
	screens := []screen{
		{"attract", func() { k.Start(k.Lang()) }},
		{"customer", func() { k.Scan(c.Number) }},
		{"phone", func() {
			k.Start(k.Lang())
			test.Tap(button(t, w.Content(), lang.Text(k.Lang(), "kioskphone.use_phone", nil)))
			keys(t, w, "888777666")
		}},
		{"staff", func() {
			k.LogInForTest(rewards.StaffMember{Number: "4711", Name: "Ана", Role: rewards.StaffRoleStaff, Store: "s1"}, "")
		}},
		{"manager", func() {
			k.LogInForTest(rewards.StaffMember{Number: "101", Name: "Мира", Role: rewards.StaffRoleManager, Store: "s1"}, "")
		}},
	}
	for _, l := range lang.All {
		for _, size := range []fyne.Size{{Width: 1920, Height: 1080}, {Width: 1080, Height: 1920}} {
			k.Start(l)
			for _, sc := range screens {
				w.Resize(size)
				sc.show()
				k.SetLang(l) // drawn again at this size
				for range 3 {
					w.Content().Refresh()
				}
				test.AssertImageMatches(t, fmt.Sprintf("%s-%s-%.0fx%.0f.png", sc.name, l, size.Width, size.Height), w.Canvas().Capture())
			}
		}
	}
}
