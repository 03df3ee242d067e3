package kiosk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// testPrinter captures the vouchers printed; notReady makes it refuse,
// jam makes a print fail once it is under way.
type testPrinter struct {
	notReady, jam bool
	printed       []rewards.Voucher
}

func (p *testPrinter) Ready(context.Context) error {
	if p.notReady {
		return errors.New("out of paper")
	}
	return nil
}

func (p *testPrinter) PrintVoucher(_ context.Context, v rewards.Voucher, _ string) error {
	if p.jam {
		return errors.New("paper jam")
	}
	p.printed = append(p.printed, v)
	return nil
}

// objects calls f on o and every visible object drawn under it: containers'
// objects and widgets' rendered objects. A button is not entered: its
// text is its own.
func objects(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if !o.Visible() {
		return
	}
	f(o)
	switch o := o.(type) {
	case *widget.Button, *widget.Label, *widget.RichText:
	case *fyne.Container:
		for _, c := range o.Objects {
			objects(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(o).Objects() {
			objects(c, f)
		}
	}
}

// texts are the texts the window shows: lines, paragraphs and buttons.
func texts(o fyne.CanvasObject) []string {
	var out []string
	objects(o, func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *canvas.Text:
			out = append(out, o.Text)
		case *widget.Button:
			out = append(out, o.Text)
		case *widget.Label:
			out = append(out, o.Text)
		case *widget.RichText:
			out = append(out, o.String())
		}
	})
	return out
}

// images counts the pictures the window shows.
func images(o fyne.CanvasObject) int {
	n := 0
	objects(o, func(o fyne.CanvasObject) {
		if _, ok := o.(*canvas.Image); ok {
			n++
		}
	})
	return n
}

// button finds the button whose text starts with prefix.
func button(t *testing.T, o fyne.CanvasObject, prefix string) *widget.Button {
	t.Helper()
	var found *widget.Button
	objects(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && found == nil && strings.HasPrefix(b.Text, prefix) {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q among %q", prefix, texts(o))
	}
	return found
}

func shows(w fyne.Window, s string) bool {
	for _, line := range texts(w.Content()) {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// atOnce is a kiosk's Work in the tests: what it would run away from the
// screen's goroutine runs at once, so that a test sees its outcome.
func atOnce(f func()) { f() }

// timers are a kiosk's timers (Kiosk.After), fired by the test.
type timers struct {
	list []*timer
}

type timer struct {
	d       time.Duration
	f       func()
	stopped bool
}

func (tm *timers) after(d time.Duration, f func()) func() {
	t := &timer{d: d, f: f}
	tm.list = append(tm.list, t)
	return func() { t.stopped = true }
}

// expire fires the idle timer and then its countdown's seconds.
func (tm *timers) expire() {
	tm.fire(kiosk.DefaultIdle - kiosk.Countdown)
	for range int(kiosk.Countdown / time.Second) {
		tm.fire(time.Second)
	}
}

// running counts the timers of d that run.
func (tm *timers) running(d time.Duration) int {
	n := 0
	for _, t := range tm.list {
		if t.d == d && !t.stopped {
			n++
		}
	}
	return n
}

// fire runs the last running timer of d.
func (tm *timers) fire(d time.Duration) {
	for i := len(tm.list) - 1; i >= 0; i-- {
		if t := tm.list[i]; t.d == d && !t.stopped {
			t.stopped = true
			t.f()
			return
		}
	}
}

// fireStopped runs every stopped timer of d, as a timer whose call was
// already on its way to the screen's goroutine when it was stopped.
func (tm *timers) fireStopped(d time.Duration) {
	for _, t := range tm.list {
		if t.d == d && t.stopped {
			t.f()
		}
	}
}

// customerOf100 is the shop with Мария Петрова's card holding 100
// points at now.
func customerOf100(t *testing.T) (*sqlite.Store, time.Time, rewards.Card) {
	t.Helper()
	s, start := shop(t)
	now := start.Add(48 * 24 * time.Hour)
	c, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: start}, Handed: true,
		Details: rewards.Details{GivenName: "Мария", FamilyName: "Петрова", Phone: "0888 777 666", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostReceipt(ctx, rewards.Receipt{ID: "R1", Store: "s1", Card: c.Number, Time: now.Add(-10 * 24 * time.Hour),
		Lines: []rewards.Line{{SKU: "bread", Qty: 1, Amount: 2500}}}); err != nil {
		t.Fatal(err)
	}
	return s, now, c
}

// A scan opens the customer's screen with the balance; taking a reward
// asks to confirm with the balance after, prints the voucher and spends
// the points; the idle timeout clears the customer and goes back to
// attract.
func TestScanRedeemTimeout(t *testing.T) {
	s, now, c := customerOf100(t)
	w := newWindow(t)
	p := &testPrinter{}
	tm := &timers{}
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Printer: p, Window: w, After: tm.after}
	k.Start(lang.BG)
	if k.Screen() != kiosk.ScreenAttract || !shows(w, "Сканирайте картата си") {
		t.Fatalf("attract shows %q", texts(w.Content()))
	}
	// A keyboard-wedge scanner types the number and Enter.
	test.TypeOnCanvas(w.Canvas(), c.Number)
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if k.Screen() != kiosk.ScreenCustomer || !shows(w, "Здравейте, Мария") || !shows(w, "100 точки") {
		t.Fatalf("the customer screen shows %q", texts(w.Content()))
	}
	if shows(w, "Петрова") {
		t.Fatal("the customer screen shows the family name")
	}
	k.SetLang(lang.EN)
	if !shows(w, "Hello, Мария") || !shows(w, "100 points") {
		t.Fatalf("in English: %q", texts(w.Content()))
	}
	test.Tap(button(t, w.Content(), "Take for 40 points"))
	if k.Screen() != kiosk.ScreenConfirm || !shows(w, "you will have 60 points left") {
		t.Fatalf("the confirmation shows %q", texts(w.Content()))
	}
	test.Tap(button(t, w.Content(), "Take it"))
	if k.Screen() != kiosk.ScreenVoucher || len(p.printed) != 1 || p.printed[0].Points != 40 {
		t.Fatalf("after taking: %s, printed %+v", k.Screen(), p.printed)
	}
	if b, _ := s.Balance(ctx, c.Number, now); b.Available != 60 {
		t.Fatalf("the balance after: %d", b.Available)
	}
	// The voucher screen's own idle timer is the one running; the
	// customer's were stopped as each screen came, and so was attract's
	// board's.
	if n := tm.running(kiosk.DefaultIdle - kiosk.Countdown); n != 1 {
		t.Fatalf("%d idle timers run", n)
	}
	if n := tm.running(kiosk.BoardEvery); n != 0 {
		t.Fatalf("%d board timers run beside a customer", n)
	}
	tm.expire()
	if k.Screen() != kiosk.ScreenAttract || k.Customer() != nil || shows(w, "Мария") || !shows(w, "Сканирайте картата си") {
		t.Fatalf("after the idle timeout: %s %q", k.Screen(), texts(w.Content()))
	}
}

// A printer that is not ready means no exchange: no points are spent, and
// the customer is told.
func TestPrinterNotReady(t *testing.T) {
	s, now, c := customerOf100(t)
	w := newWindow(t)
	p := &testPrinter{notReady: true}
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Printer: p, Window: w}
	k.Start(lang.EN)
	k.Scan(c.Number)
	test.Tap(button(t, w.Content(), "Take for 40 points"))
	test.Tap(button(t, w.Content(), "Take it"))
	if len(p.printed) != 0 || !shows(w, "not ready") {
		t.Fatalf("with the printer not ready: %q", texts(w.Content()))
	}
	if b, _ := s.Balance(ctx, c.Number, now); b.Available != 100 {
		t.Fatalf("points spent with the printer not ready: %d left", b.Available)
	}
	k.Scan("2900000000018")
	if k.Screen() != kiosk.ScreenAttract || !shows(w, "2900000000018") {
		t.Fatalf("an unknown card: %s %q", k.Screen(), texts(w.Content()))
	}
}

// Attract shows the store's board a page at a time, by points, the next
// page when its timer fires, and an offline badge with the time in the
// program's zone while the server cannot be reached.
func TestAttractBoard(t *testing.T) {
	s, start := shop(t)
	for i, pts := range []int64{100, 200, 300} {
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: start}, Reward: rewards.Reward{ID: fmt.Sprintf("extra%d", i), Coop: "c1",
			Names: rewards.Names{EN: fmt.Sprintf("Extra %d", i)}, Points: pts}}); err != nil {
			t.Fatal(err)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	pic, err := s.PutPicture(ctx, rewards.Picture{Hash: rewards.PictureHash(buf.Bytes()), Data: buf.Bytes(), MediaType: rewards.MediaPNG, Width: 4, Height: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: start}, Reward: rewards.Reward{ID: "mug", Coop: "c1",
		Names: rewards.Names{BG: "Чаша", EN: "Mug"}, Points: 40, Picture: pic.Hash}}); err != nil {
		t.Fatal(err)
	}
	w := newWindow(t)
	tm := &timers{}
	since := time.Date(2026, 12, 20, 13, 55, 0, 0, time.UTC)
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return start.Add(48 * 24 * time.Hour) }, Window: w, After: tm.after,
		Online: func() (bool, time.Time) { return false, since }}
	k.Start(lang.EN)
	for _, want := range []string{"Mug", "40 points", "Oil", "Extra 0", "Extra 1", "offline since 15:55"} {
		if !shows(w, want) {
			t.Errorf("the first page has no %q: %q", want, texts(w.Content()))
		}
	}
	for _, not := range []string{"Extra 2", "Pot", "Gone", "Elsewhere"} {
		if shows(w, not) {
			t.Errorf("the first page shows %q", not)
		}
	}
	if n := images(w.Content()); n != 1 {
		t.Errorf("the first page shows %d pictures, want the mug's", n)
	}
	tm.fire(kiosk.BoardEvery)
	if !shows(w, "Extra 2") || !shows(w, "Pot") || shows(w, "Mug") {
		t.Errorf("the second page: %q", texts(w.Content()))
	}
	tm.fire(kiosk.BoardEvery)
	if !shows(w, "Mug") {
		t.Errorf("the board does not come round: %q", texts(w.Content()))
	}
}

// A bonus program has no board: attract says what a bonus is worth and
// how much of a purchase bonuses pay.
func TestAttractBonus(t *testing.T) {
	s := sqlite.NewStore(filepath.Join(t.TempDir(), "ledger.db"))
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Program: rewardstest.Program(t, "bonus")}); err != nil {
		t.Fatal(err)
	}
	w := newWindow(t)
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Store: "moscow-7", Window: w, After: (&timers{}).after}
	k.Start(lang.RU)
	if !shows(w, "1 бонус = 1 RUB: бонусами можно оплатить до 50 %") {
		t.Errorf("attract of a bonus program: %q", texts(w.Content()))
	}
}

// The status endpoint says the screen, the language, the balance on the
// customer screen (null elsewhere), the devices and the sync.
func TestStatus(t *testing.T) {
	s, now, c := customerOf100(t)
	w := newWindow(t)
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after,
		Printer: &testPrinter{},
		Sync:    func() any { return map[string]any{"online": true, "outbox": 0} }}
	k.Start(lang.RU)
	status := func() map[string]any {
		rec := httptest.NewRecorder()
		k.StatusHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status", nil))
		var st map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &st) != nil {
			t.Fatalf("GET /status: %d %s", rec.Code, rec.Body)
		}
		return st
	}
	st := status()
	if st["screen"] != kiosk.ScreenAttract || st["lang"] != "ru" || st["available"] != nil {
		t.Fatalf("on attract: %v", st)
	}
	k.CheckPrinters(ctx) // the printers asked, as the kiosk asks them every 30 s
	k.Scan(c.Number)
	st = status()
	devices, _ := st["devices"].(map[string]any)
	sync, _ := st["sync"].(map[string]any)
	if st["screen"] != kiosk.ScreenCustomer || st["available"] != float64(100) || devices["voucher-printer"] != "ready" || sync["online"] != true {
		t.Fatalf("on the customer screen: %v", st)
	}
}

// Every button of the customer screens is a touch target of at least
// 48 px either way, at each of the screen sizes a kiosk has.
func TestTouchTargets(t *testing.T) {
	s, now, c := customerOf100(t)
	a := test.NewApp()
	defer a.Quit()
	a.Settings().SetTheme(kiosk.Theme{})
	w := a.NewWindow("kiosk")
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after}
	k.Start(lang.BG)
	for _, size := range []fyne.Size{{Width: 1920, Height: 1080}, {Width: 1280, Height: 1024}, {Width: 1080, Height: 1920}} {
		w.Resize(size)
		for _, screen := range []func(){func() { k.Scan("") }, func() { k.Scan(c.Number) }} {
			screen()
			n := 0
			walk(w.Content(), func(b *widget.Button) {
				n++
				if b.Size().Width < 48 || b.Size().Height < 48 {
					t.Errorf("%s at %v: the button %q is %v", k.Screen(), size, b.Text, b.Size())
				}
			})
			if n == 0 {
				t.Errorf("%s at %v: no buttons", k.Screen(), size)
			}
		}
	}
}

// newWindow opens the window a test's kiosk shows in, in an app of
// Fyne's test driver that quits as the test ends.
func newWindow(t testing.TB) fyne.Window {
	t.Helper()
	a := test.NewApp()
	t.Cleanup(a.Quit)
	return a.NewWindow("kiosk")
}

// walk calls f on every button under o.
func walk(o fyne.CanvasObject, f func(*widget.Button)) {
	objects(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			f(b)
		}
	})
}

// The customer screen names the household's other cards by their last
// four digits only, offers no exchange at a kiosk without a voucher
// printer, and the last movements open with the day in words.
func TestHistoryAndFamily(t *testing.T) {
	s, now, c := richShop(t)
	w := newWindow(t)
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after}
	k.Start(lang.EN)
	k.Scan(c.Number)
	card, err := s.Card(ctx, c.Number, now)
	if err != nil || len(card.Family) != 1 {
		t.Fatalf("the family: %v %v", card.Family, err)
	}
	fam := card.Family[0]
	if !shows(w, "Family cards: •••• "+fam[len(fam)-4:]) || shows(w, fam) {
		t.Fatalf("the customer screen: %q", texts(w.Content()))
	}
	// This kiosk has no voucher printer: no exchange is offered.
	if !shows(w, "This kiosk has no voucher printer") || len(buttons(w.Content(), "Take for 40 points")) != 0 {
		t.Fatalf("an exchange offered without a voucher printer: %q", texts(w.Content()))
	}
	test.Tap(button(t, w.Content(), "Last movements"))
	if k.Screen() != kiosk.ScreenHistory || !shows(w, "+10,000 points") || !shows(w, "earn") || !shows(w, "10 December") {
		t.Fatalf("the history: %s %q", k.Screen(), texts(w.Content()))
	}
	test.Tap(button(t, w.Content(), "Back"))
	if k.Screen() != kiosk.ScreenCustomer {
		t.Fatalf("back from the history: %s", k.Screen())
	}
}

// A wedge scanner that ends its codes with Tab is read as one that ends
// them with Enter, on any screen: the keys go to what holds the focus,
// and a tapped button never takes it.
func TestWedgeTab(t *testing.T) {
	s, now, c := customerOf100(t)
	w := newWindow(t)
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after, Printer: &testPrinter{}}
	k.Start(lang.EN)
	scan := func() {
		f := w.Canvas().Focused()
		if f != kiosk.Wedge(k) {
			t.Fatalf("on %s, %T holds the focus", k.Screen(), f)
		}
		for _, r := range c.Number {
			f.TypedRune(r)
		}
		f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab})
	}
	scan()
	if k.Screen() != kiosk.ScreenCustomer || !shows(w, "100 points") {
		t.Fatalf("after a scan ended by Tab: %s %q", k.Screen(), texts(w.Content()))
	}
	test.Tap(button(t, w.Content(), "Take for 40 points"))
	scan()
	if k.Screen() != kiosk.ScreenCustomer {
		t.Fatalf("a scan on the confirmation: %s", k.Screen())
	}
}

// A program's colour is its file's [kiosk] colour, or its kind's, and
// each default holds white text at 4.5:1 or more.
func TestProgramColour(t *testing.T) {
	for _, kind := range []string{"coop", "bonus"} {
		p := rewardstest.Program(t, kind)
		c := color.NRGBAModel.Convert(kiosk.ProgramColour(p)).(color.NRGBA)
		if got := rewards.WhiteContrast(c.R, c.G, c.B); got < rewards.MinContrast {
			t.Errorf("%s: white on %v has a contrast of %.1f", kind, c, got)
		}
	}
	p := rewardstest.Program(t, "coop")
	p.Kiosk.Colour = "#123456"
	if c := color.NRGBAModel.Convert(kiosk.ProgramColour(p)).(color.NRGBA); c != (color.NRGBA{R: 0x12, G: 0x34, B: 0x56, A: 0xff}) {
		t.Errorf("the file's colour: %v", c)
	}
}

// A voucher whose print fails after the points are spent is not lost:
// the customer is told its code, the points are spent once, and the
// staff find it among the vouchers that did not print and print it again.
func TestVoucherNotPrinted(t *testing.T) {
	s, now, c := customerOf100(t)
	w := newWindow(t)
	p := &testPrinter{jam: true}
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Printer: p, Window: w, After: (&timers{}).after}
	k.Start(lang.EN)
	k.Scan(c.Number)
	test.Tap(button(t, w.Content(), "Take for 40 points"))
	test.Tap(button(t, w.Content(), "Take it"))
	if b, _ := s.Balance(ctx, c.Number, now); b.Available != 60 || k.Screen() != kiosk.ScreenVoucher || !shows(w, "could not be printed") {
		t.Fatalf("a print that failed: %d left, %s %q", b.Available, k.Screen(), texts(w.Content()))
	}
	// The customer tells the staff, who come later.
	p.jam = false
	k.LogInForTest(rewards.StaffMember{Number: "4711", Name: "Ана", Role: rewards.StaffRoleStaff, Store: "s1"}, "")
	test.Tap(button(t, w.Content(), lang.Text(lang.EN, "kioskmanager.voucher_check", nil)))
	if !shows(w, "1 voucher made here did not print:") {
		t.Fatalf("the voucher check: %q", texts(w.Content()))
	}
	var code string
	walk(w.Content(), func(b *widget.Button) {
		if strings.Count(b.Text, "-") == 2 {
			code = b.Text
		}
	})
	test.Tap(button(t, w.Content(), code))
	test.Tap(button(t, w.Content(), lang.Text(lang.EN, "kioskmanager.reprint", nil)))
	if len(p.printed) != 1 || p.printed[0].Code != code {
		t.Fatalf("printed again: %+v", p.printed)
	}
	if b, _ := s.Balance(ctx, c.Number, now); b.Available != 60 {
		t.Fatalf("the points after printing again: %d", b.Available)
	}
	k.LogInForTest(rewards.StaffMember{Number: "4711", Name: "Ана", Role: rewards.StaffRoleStaff, Store: "s1"}, "")
	test.Tap(button(t, w.Content(), lang.Text(lang.EN, "kioskmanager.voucher_check", nil)))
	if shows(w, "did not print") {
		t.Fatalf("a voucher printed again is still listed: %q", texts(w.Content()))
	}
}

// A touch restarts the idle timer: the timer it stopped does nothing
// even if its call was already on its way, so the session runs its whole
// idle time from the last touch.
func TestStoppedTimer(t *testing.T) {
	s, now, c := customerOf100(t)
	w := newWindow(t)
	tm := &timers{}
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: tm.after, Printer: &testPrinter{}}
	k.Start(lang.EN)
	k.Scan(c.Number)
	test.Tap(button(t, w.Content(), "Last movements")) // a touch: the first idle timer stopped
	tm.fireStopped(kiosk.DefaultIdle - kiosk.Countdown)
	tm.fireStopped(time.Second)
	if k.Screen() != kiosk.ScreenHistory || shows(w, "Closing in") {
		t.Fatalf("a stopped timer acted: %s %q", k.Screen(), texts(w.Content()))
	}
	tm.expire()
	if k.Screen() != kiosk.ScreenAttract {
		t.Fatalf("the idle timeout: %s", k.Screen())
	}
}

// A refused card's message leaves attract with its next page; a
// language chosen on attract and left returns to attract's own after the
// idle time.
func TestAttractForgets(t *testing.T) {
	s, now, _ := customerOf100(t)
	w := newWindow(t)
	tm := &timers{}
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: tm.after}
	k.Start(lang.EN)
	k.Scan("2900000000018")
	if !shows(w, "2900000000018") {
		t.Fatalf("an unknown card: %q", texts(w.Content()))
	}
	tm.fire(kiosk.BoardEvery)
	if shows(w, "2900000000018") {
		t.Fatalf("the refusal outlives its page: %q", texts(w.Content()))
	}
	test.Tap(button(t, w.Content(), "RU"))
	for i := 0; time.Duration(i)*kiosk.BoardEvery < kiosk.DefaultIdle; i++ {
		if k.Lang() != lang.RU {
			t.Fatalf("attract left Russian after %d pages", i)
		}
		tm.fire(kiosk.BoardEvery)
	}
	if k.Lang() != lang.EN || !shows(w, "Scan your card") {
		t.Fatalf("after the idle time attract speaks %s: %q", k.Lang(), texts(w.Content()))
	}
}

// The exchange runs away from the screen: meanwhile the screen says the
// voucher is printing, and no touch brings the idle timeout back; a
// customer gone before it ends (another card scanned) does not see it,
// and the voucher is in the ledger all the same.
func TestExchangeAway(t *testing.T) {
	s, now, c := customerOf100(t)
	w := newWindow(t)
	tm := &timers{}
	var held []func()
	p := &testPrinter{}
	k := &kiosk.Kiosk{Work: func(f func()) { held = append(held, f) }, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now },
		Window: w, After: tm.after, Printer: p}
	k.Start(lang.EN)
	k.Scan(c.Number)
	test.Tap(button(t, w.Content(), "Take for 40 points"))
	test.Tap(button(t, w.Content(), "Take it"))
	if k.Screen() != kiosk.ScreenPrinting || !shows(w, "Printing your voucher") || len(held) != 1 {
		t.Fatalf("while the voucher is made: %s %q", k.Screen(), texts(w.Content()))
	}
	test.Tap(button(t, w.Content(), "BG"))
	if n := tm.running(kiosk.DefaultIdle - kiosk.Countdown); n != 0 {
		t.Fatalf("%d idle timers run while the voucher is made", n)
	}
	held[0]()
	if k.Screen() != kiosk.ScreenVoucher || len(p.printed) != 1 {
		t.Fatalf("after it: %s, printed %d", k.Screen(), len(p.printed))
	}
	// Again, and the customer goes before it ends.
	k.Scan(c.Number)
	test.Tap(button(t, w.Content(), "Вземете за 40 точки"))
	test.Tap(button(t, w.Content(), "Вземи"))
	k.Scan("2900000000018")
	held[1]()
	if k.Screen() != kiosk.ScreenAttract || len(p.printed) != 2 {
		t.Fatalf("a voucher made for a customer gone: %s, printed %d", k.Screen(), len(p.printed))
	}
	if b, _ := s.Balance(ctx, c.Number, now); b.Available != 20 {
		t.Fatalf("the balance after two: %d", b.Available)
	}
}
