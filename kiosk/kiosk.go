package kiosk

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Screens, as the status endpoint names them.
const (
	ScreenAttract  = "attract"
	ScreenCustomer = "customer"
	ScreenConfirm  = "confirm"
	ScreenVoucher  = "voucher"
)

// DefaultIdle is how long a customer screen stays without a touch before
// everything personal is cleared.
const DefaultIdle = 30 * time.Second

// Kiosk is the app's screens over a ledger: attract, then, after a scan
// or a phone login, the customer's, the exchange of points for a reward,
// the voucher; after a staff login, the staff's and the manager's. Its
// methods run on Fyne's goroutine: scans arrive through fyne.Do.
type Kiosk struct {
	Service     rewards.Service
	Coop, Store string
	Now         func() time.Time
	Printer     VoucherPrinter
	CardPrinter CardPrinter   // nil: no card printer at this kiosk
	Idle        time.Duration // DefaultIdle when zero
	Window      fyne.Window
	// PrintsTo, when set, is the folder the printers write files to (the
	// demo's), which attract names in small type.
	PrintsTo string
	// Sync, when set, says the sync's freshness (a replica's status),
	// for the status endpoint and the staff's screens.
	Sync func() any
	// Online, when set, says whether the kiosk's last call reached the
	// server and, when not, since when it has not (a replica's status):
	// attract shows an offline badge meanwhile.
	Online func() (online bool, since time.Time)
	// Phone, when set, sends customers' one-time codes and checks them
	// at the server (the API's client): attract offers phone login.
	Phone PhoneLogin
	// Server, when set, is the server as a staff session of the token
	// reaches it (api.NewClient with the kiosk's token and
	// api.WithStaffSession(token)): the board's edits, staff PINs,
	// conflicts and batches of cards go there. Nil: those screens say
	// they need the connection.
	Server func(session string) Remote
	// PosterPrinter prints the board's poster (an A4 PDF): an office
	// printer's queue; nil: the manager's screen says there is none.
	PosterPrinter printer.Printer
	// PictureDir is a folder of pictures for the board, listed beside
	// those of USB sticks (/media/*/*, /run/media/*/*); empty: the
	// sticks' only.
	PictureDir string
	// Work runs f away from Fyne's goroutine: a redemption and the
	// printing of its voucher, which may wait on the network or a
	// printer. Nil: a goroutine of its own; tests run it at once.
	Work func(f func())
	// After calls f on Fyne's goroutine d from now, unless stopped first;
	// nil: a timer whose call comes through fyne.Do. Tests fire it
	// themselves.
	After func(d time.Duration, f func()) (stop func())
	// Staff is the ledger's own staff (the replica's, which keeps their
	// PIN hashes): it tells a staff card from a customer's, and checks a
	// login at Device, the kiosk as the ledger knows it, while the server
	// cannot be reached. StaffServer, when set, opens staff sessions at
	// the server (the API client with the kiosk's token), whose token a
	// manager's server-only work carries (Server). Without Staff and
	// StaffServer the kiosk has no staff screens.
	Staff       StaffLedger
	Device      rewards.Device
	StaffServer StaffLogins

	lang       string // the session's language
	home       string // the language attract returns to
	screen     string
	draw       func() fyne.CanvasObject // draws the screen shown, again when the language changes
	customer   *Customer
	custPage   int           // of the customer's rewards
	staff      *staffSession // who works at the kiosk, on staff and manager screens
	message    string        // what went wrong last, in the session's language
	stopIdle   func()        // stops the idle timer or the countdown; nil when none runs
	left       int           // seconds the countdown shows; 0 when it does not run
	bar        *widget.ProgressBar
	session    int    // counts sessions, so that a late timer of an old one does nothing
	scans      int    // taken since the start
	wedge      *wedge // holds the keyboard's focus on every screen
	wedgeTyped []rune // what a keyboard-wedge scanner typed so far
	board      []rewards.Reward
	page       int    // of the board, on attract
	stopPage   func() // stops attract's page timer; nil when none runs
	langPages  int    // attract's pages shown since its language was chosen

	devices devices // the scanner's and the printers' states (devices.go)
	// scanned is what a scan does on the staff screen shown when it
	// waits for a card; nil: a scan opens the card.
	scanned func(code string)

	unprinted []string  // the codes of vouchers made here that did not print, for the staff
	batch     *batchRun // the batch of cards printing or printed last; nil before the first
}

// Start shows the attract screen in language l, and takes what a
// keyboard-wedge scanner types into the window: its characters, then
// Enter (or Tab). No screen of a customer's has a text field to swallow
// them.
func (k *Kiosk) Start(l string) {
	k.home, k.lang = l, l
	k.Window.SetPadded(false) // the header band reaches the screen's edges
	// Keys come to the wedge, which every screen holds focused, and to
	// the canvas when nothing is focused (a test's typing).
	k.wedge = newWedge(k)
	c := k.Window.Canvas()
	c.SetOnTypedRune(k.typedRune)
	c.SetOnTypedKey(k.typedKey)
	k.showAttract()
}

// Screen is the screen shown.
func (k *Kiosk) Screen() string { return k.screen }

// Customer is the customer shown, nil on attract.
func (k *Kiosk) Customer() *Customer { return k.customer }

// Scan takes a scanned code: a card opens its customer screen, from any
// screen (a new scan clears the last customer), and a staff card the
// staff login; a staff screen that waits for a card takes it instead.
func (k *Kiosk) Scan(code string) {
	code = strings.TrimSpace(code)
	if code == "" {
		return
	}
	k.scans++
	if k.staffScan(code) {
		return
	}
	k.clear()
	c, err := LoadCustomer(context.Background(), k.Service, code, k.now(), k.Coop, k.Store)
	if err != nil {
		if k.isStaffCard(code) {
			k.showLogin(code)
			return
		}
		k.message = rewards.ErrorText(err, k.lang)
		k.showAttract()
		return
	}
	k.customer = &c
	k.showCustomer()
}

// SetLang switches the session's language and shows the screen again.
func (k *Kiosk) SetLang(l string) {
	k.lang, k.langPages = l, 0
	k.redraw()
}

func (k *Kiosk) now() time.Time {
	if k.Now == nil {
		return time.Now()
	}
	return k.Now()
}

// t is the catalog's text of key in the session's language: every
// word a screen shows comes through here.
func (k *Kiosk) t(key string, args lang.Args) string {
	s := lang.Text(k.lang, key, args)
	if said != nil {
		said(s)
	}
	return s
}

// said, when set (by the package's tests), hears every text t gives, so
// that a test can tell a screen's words from the catalog's from any
// other.
var said func(string)

// clear forgets the customer and the staff member and stops the idle
// timer.
func (k *Kiosk) clear() {
	k.customer, k.staff, k.message, k.custPage = nil, nil, "", 0
	k.wedgeTyped = k.wedgeTyped[:0]
	k.session++
	k.stopTimers()
}

// stopTimers stops the idle timer or its countdown.
func (k *Kiosk) stopTimers() {
	if k.stopIdle != nil {
		k.stopIdle()
		k.stopIdle = nil
	}
	if k.left != 0 {
		k.left = 0
		if k.bar != nil {
			k.bar.Hide()
		}
	}
}

// touched restarts the idle timer of a session: the countdown starts
// Countdown before the timeout.
func (k *Kiosk) touched() {
	k.stopTimers()
	d := k.idle()
	session := k.session
	k.stopIdle = k.after(max(d-Countdown, 0), func() {
		if k.session == session {
			k.countdown(int(min(d, Countdown) / time.Second))
		}
	})
}

// idle is how long a session stays without a touch (Idle).
func (k *Kiosk) idle() time.Duration {
	if k.Idle == 0 {
		return DefaultIdle
	}
	return k.Idle
}

// countdown shows seconds left on the full-width bar, ticks them down and
// at zero clears everything personal.
func (k *Kiosk) countdown(seconds int) {
	if seconds <= 0 {
		k.toAttract()
		return
	}
	k.left = seconds
	if k.bar != nil {
		k.bar.SetValue(float64(seconds))
		k.bar.Show()
	}
	session := k.session
	k.stopIdle = k.after(time.Second, func() {
		if k.session == session {
			k.countdown(seconds - 1)
		}
	})
}

// after runs f on Fyne's goroutine d from now (After), unless stopped
// first: a call already on its way to Fyne's goroutine when it is
// stopped does nothing either.
func (k *Kiosk) after(d time.Duration, f func()) (stop func()) {
	stopped := false // read and written on Fyne's goroutine only
	call := func() {
		if !stopped {
			f()
		}
	}
	if k.After != nil {
		s := k.After(d, call)
		return func() { stopped = true; s() }
	}
	t := time.AfterFunc(d, func() { fyne.Do(call) })
	return func() { stopped = true; t.Stop() }
}

// toAttract clears everything personal and shows attract in the
// language attract speaks.
func (k *Kiosk) toAttract() {
	k.clear()
	k.lang = k.home
	k.showAttract()
}

// redraw draws the screen shown again (in another language).
func (k *Kiosk) redraw() {
	if k.draw == nil {
		k.showAttract()
		return
	}
	k.setContent()
}

// show shows a screen: draw builds its widgets, now and whenever the
// language changes. Every screen but attract stops attract's board
// timer.
func (k *Kiosk) show(screen string, draw func() fyne.CanvasObject) {
	if screen != ScreenAttract && k.stopPage != nil {
		k.stopPage()
		k.stopPage = nil
	}
	k.screen, k.draw, k.scanned = screen, draw, nil
	k.setContent()
}

// setContent draws the screen shown, with the wedge under it holding the
// focus: under, because a window gives a click to the last focusable or
// tappable object under the pointer, which must be the screen's button.
func (k *Kiosk) setContent() {
	k.Window.SetContent(container.NewStack(k.wedge, k.draw()))
	k.Window.Canvas().Focus(k.wedge)
}

// location is the program's time zone, for the clock the screens show.
func (k *Kiosk) location() *time.Location {
	if p, err := k.Service.Program(context.Background()); err == nil {
		return p.Location()
	}
	return time.UTC
}

// Lang is the language of the session shown.
func (k *Kiosk) Lang() string { return k.lang }
