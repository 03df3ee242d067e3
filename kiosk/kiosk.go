package kiosk

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/lang"
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

// VoucherPrinter prints a customer's voucher: asked whether it is ready
// before points are spent, then given the voucher.
type VoucherPrinter interface {
	Ready(ctx context.Context) error
	PrintVoucher(ctx context.Context, v rewards.Voucher, l string) error
}

// Kiosk is the app's screens over a ledger: attract, then, after a scan,
// the customer's, the exchange of points for a reward, the voucher. Its
// methods run on Fyne's goroutine: scans arrive through fyne.Do.
type Kiosk struct {
	Service     rewards.Service
	Coop, Store string
	Now         func() time.Time
	Printer     VoucherPrinter
	Idle        time.Duration // DefaultIdle when zero
	Window      fyne.Window
	// Devices and Sync, when set, say the devices' states (scanner,
	// printers) and the sync's freshness, for the status endpoint.
	Devices func() map[string]string
	Sync    func() any
	// Online, when set, says whether the kiosk's last call reached the
	// server and, when not, since when it has not (a replica's status):
	// attract shows an offline badge meanwhile.
	Online func() (online bool, since time.Time)
	// After calls f on Fyne's goroutine d from now, unless stopped first;
	// nil: a timer whose call comes through fyne.Do. Tests fire it
	// themselves.
	After func(d time.Duration, f func()) (stop func())

	lang     string // the session's language
	home     string // the language attract returns to
	screen   string
	customer *Customer
	message  string // what went wrong last, in the session's language
	stopIdle func() // stops the idle timer; nil when none runs
	session  int    // counts sessions, so that a late timer of an old one does nothing
	wedge    []rune // what a keyboard-wedge scanner typed so far
	board    []rewards.Reward
	page     int    // of the board, on attract
	stopPage func() // stops attract's page timer; nil when none runs
}

// What attract shows of the board: BoardPage rewards at a time, the next
// ones every BoardEvery.
const (
	BoardPage  = 4
	BoardEvery = 8 * time.Second
)

// Start shows the attract screen in language l, and takes what a
// keyboard-wedge scanner types into the window: its characters, then
// Enter (or Tab). No screen of a customer's has a text field to swallow
// them.
func (k *Kiosk) Start(l string) {
	k.home, k.lang = l, l
	c := k.Window.Canvas()
	c.SetOnTypedRune(func(r rune) { k.wedge = append(k.wedge, r) })
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		switch e.Name {
		case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyTab:
			code := string(k.wedge)
			k.wedge = k.wedge[:0]
			k.Scan(code)
		}
	})
	k.showAttract()
}

// Screen is the screen shown.
func (k *Kiosk) Screen() string { return k.screen }

// Customer is the customer shown, nil on attract.
func (k *Kiosk) Customer() *Customer { return k.customer }

// Scan takes a scanned code: a card opens its customer screen, from any
// screen (a new scan clears the last customer).
func (k *Kiosk) Scan(code string) {
	code = strings.TrimSpace(code)
	if code == "" {
		return
	}
	k.clear()
	c, err := LoadCustomer(context.Background(), k.Service, code, k.now(), k.Coop, k.Store)
	if err != nil {
		k.message = rewards.ErrorText(err, k.lang)
		k.showAttract()
		return
	}
	k.customer = &c
	k.showCustomer()
}

// SetLang switches the session's language and shows the screen again.
func (k *Kiosk) SetLang(l string) {
	k.lang = l
	k.redraw()
}

func (k *Kiosk) now() time.Time {
	if k.Now == nil {
		return time.Now()
	}
	return k.Now()
}

func (k *Kiosk) t(key string, args lang.Args) string { return lang.Text(k.lang, key, args) }

// clear forgets the customer and stops the idle timer.
func (k *Kiosk) clear() {
	k.customer, k.message = nil, ""
	k.session++
	if k.stopIdle != nil {
		k.stopIdle()
		k.stopIdle = nil
	}
}

// touched restarts the idle timer of a customer's session.
func (k *Kiosk) touched() {
	if k.stopIdle != nil {
		k.stopIdle()
	}
	d := k.Idle
	if d == 0 {
		d = DefaultIdle
	}
	session := k.session
	k.stopIdle = k.after(d, func() {
		if k.session == session {
			k.toAttract()
		}
	})
}

// after runs f on Fyne's goroutine d from now (After).
func (k *Kiosk) after(d time.Duration, f func()) (stop func()) {
	if k.After != nil {
		return k.After(d, f)
	}
	t := time.AfterFunc(d, func() { fyne.Do(f) })
	return func() { t.Stop() }
}

// toAttract clears everything personal and shows attract in the
// language attract speaks.
func (k *Kiosk) toAttract() {
	k.clear()
	k.lang = k.home
	k.showAttract()
}

func (k *Kiosk) redraw() {
	switch k.screen {
	case ScreenCustomer:
		k.showCustomer()
	default:
		k.showAttract()
	}
}

func (k *Kiosk) show(screen string, content fyne.CanvasObject) {
	if screen != ScreenAttract && k.stopPage != nil {
		k.stopPage()
		k.stopPage = nil
	}
	k.screen = screen
	k.Window.SetContent(content)
}

// text is a line of the screen, size points high, in the theme's
// foreground colour.
func text(s string, size float32) *canvas.Text {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize = size
	return t
}

// langButtons switch the session's language.
func (k *Kiosk) langButtons() fyne.CanvasObject {
	var row []fyne.CanvasObject
	for _, l := range lang.All {
		l := l
		row = append(row, widget.NewButton(strings.ToUpper(l), func() { k.SetLang(l) }))
	}
	return container.NewHBox(row...)
}

func (k *Kiosk) showAttract() {
	if k.screen != ScreenAttract {
		k.page = 0
		k.loadBoard()
	}
	lines := []fyne.CanvasObject{container.NewBorder(nil, nil, nil, k.langButtons())}
	lines = append(lines, k.attractBoard()...)
	lines = append(lines, text(k.t("kiosk.scan_card", nil), 64))
	if k.message != "" {
		lines = append(lines, text(k.message, 32))
	}
	if k.Online != nil {
		if online, since := k.Online(); !online {
			lines = append(lines, text(k.t("kiosk.offline_since", lang.Args{"time": since.In(k.location()).Format("15:04")}), 28))
		}
	}
	k.show(ScreenAttract, container.NewCenter(container.NewVBox(lines...)))
	if k.stopPage != nil {
		k.stopPage()
	}
	k.stopPage = k.after(BoardEvery, func() {
		if k.screen == ScreenAttract {
			k.page++
			k.showAttract()
		}
	})
}

// loadBoard reads the rewards attract shows: the store's board, in stock
// and offered now, by points.
func (k *Kiosk) loadBoard() {
	k.board = nil
	ctx := context.Background()
	p, err := k.Service.Program(ctx)
	if err != nil || p.KeepsBoard() != nil {
		return
	}
	board, err := k.Service.Rewards(ctx, k.Coop, k.Store)
	if err != nil {
		return
	}
	for _, rw := range board {
		if rw.InStock() && rw.OfferedAt(k.now(), k.Store, p.Location()) == nil {
			k.board = append(k.board, rw)
		}
	}
	slices.SortStableFunc(k.board, func(a, b rewards.Reward) int { return cmp.Compare(a.Points, b.Points) })
}

// attractBoard is what attract shows above its prompt: a page of the
// board, with pictures, names and prices; for a program with no board,
// what a bonus is worth.
func (k *Kiosk) attractBoard() []fyne.CanvasObject {
	ctx := context.Background()
	if len(k.board) == 0 {
		p, err := k.Service.Program(ctx)
		if err != nil || p.KeepsBoard() == nil {
			return nil
		}
		return []fyne.CanvasObject{text(k.t("kiosk.bonus_worth", lang.Args{"currency": p.Currency, "percent": p.Spend.MaxPercent}), 40)}
	}
	pages := (len(k.board) + BoardPage - 1) / BoardPage
	first := (k.page % pages) * BoardPage
	var rows []fyne.CanvasObject
	for _, rw := range k.board[first:min(first+BoardPage, len(k.board))] {
		row := []fyne.CanvasObject{}
		if rw.Picture != "" {
			if pic, err := k.Service.Picture(ctx, rw.Picture); err == nil {
				img := canvas.NewImageFromResource(fyne.NewStaticResource(pic.Hash, pic.Data))
				img.FillMode = canvas.ImageFillContain
				img.SetMinSize(fyne.NewSize(160, 120))
				row = append(row, img)
			}
		}
		row = append(row, text(rw.Names.In(k.lang), 40), text(k.t("unit.points", lang.Args{"count": lang.Number(rw.Points)}), 40))
		rows = append(rows, container.NewHBox(row...))
	}
	return rows
}

// location is the program's time zone, for the clock the screens show.
func (k *Kiosk) location() *time.Location {
	if p, err := k.Service.Program(context.Background()); err == nil {
		return p.Location()
	}
	return time.UTC
}

func (k *Kiosk) showCustomer() {
	c := k.customer
	k.touched()
	name := c.GivenName
	if name == "" {
		name = k.t("kiosk.customer", nil)
	}
	lines := []fyne.CanvasObject{
		container.NewBorder(nil, nil, text(k.t("kiosk.hello", lang.Args{"name": name}), 48), k.langButtons()),
		text(k.t("unit.points", lang.Args{"count": lang.Number(c.Available)}), 140),
	}
	for _, p := range c.Pending {
		lines = append(lines, text(k.t("kiosk.pending", lang.Args{"points": lang.M("unit.points", lang.Args{"count": lang.Number(p.Points)}), "date": lang.DayMonth(p.AvailableFrom)}), 32))
	}
	for _, e := range c.Expiring {
		lines = append(lines, text(k.t("kiosk.expiring", lang.Args{"points": lang.M("unit.points", lang.Args{"count": lang.Number(e.Points)}), "date": lang.DayMonth(e.ExpiresAt)}), 32))
	}
	for _, rw := range c.Affordable {
		rw := rw
		lines = append(lines, widget.NewButton(k.t("kiosk.take_reward", lang.Args{"reward": rw.Names, "points": lang.M("unit.points", lang.Args{"count": lang.Number(rw.Points)})}),
			func() { k.showConfirm(rw) }))
	}
	for _, n := range c.Later {
		lines = append(lines, text(k.t("kiosk.needs_more", lang.Args{"reward": n.Reward.Names, "points": lang.M("unit.points", lang.Args{"count": lang.Number(n.More)})}), 32))
	}
	if k.message != "" {
		lines = append(lines, text(k.message, 32))
	}
	lines = append(lines, widget.NewButton(k.t("kiosk.done", nil), k.toAttract))
	k.show(ScreenCustomer, container.NewVBox(lines...))
}

func (k *Kiosk) showConfirm(rw rewards.Reward) {
	k.touched()
	left := k.customer.Available - rw.Points
	k.show(ScreenConfirm, container.NewVBox(
		text(k.t("kiosk.confirm", lang.Args{"reward": rw.Names, "points": lang.M("unit.points", lang.Args{"count": lang.Number(rw.Points)}),
			"left": lang.M("unit.points", lang.Args{"count": lang.Number(left)})}), 40),
		widget.NewButton(k.t("kiosk.take", nil), func() { k.exchange(rw) }),
		widget.NewButton(k.t("kiosk.back", nil), k.showCustomer),
	))
}

// exchange redeems the reward and prints its voucher: the printer is
// asked first, so that no points are spent for a voucher it cannot print.
func (k *Kiosk) exchange(rw rewards.Reward) {
	ctx := context.Background()
	if k.Printer != nil {
		if err := k.Printer.Ready(ctx); err != nil {
			k.message = k.t("kiosk.printer_not_ready", nil)
			k.showCustomer()
			return
		}
	}
	v, err := k.Service.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: k.now()}, Card: k.customer.Card, Reward: rw.ID, Store: k.Store})
	if err != nil {
		k.message = rewards.ErrorText(err, k.lang)
		k.showCustomer()
		return
	}
	msg := k.t("kiosk.take_voucher", nil)
	if k.Printer != nil {
		if err := k.Printer.PrintVoucher(ctx, v, k.lang); err != nil {
			// The points are spent and the voucher is kept: staff print
			// it again by its code.
			msg = k.t("kiosk.voucher_not_printed", lang.Args{"code": v.Code})
		}
	}
	k.touched()
	k.show(ScreenVoucher, container.NewVBox(text(msg, 48), widget.NewButton(k.t("kiosk.done", nil), k.toAttract)))
}
