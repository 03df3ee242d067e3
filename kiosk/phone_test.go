package kiosk_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// gateway is a fake SMS gateway: the API server's code sender, keeping
// the messages it was given instead of sending them.
type gateway struct {
	mu   sync.Mutex
	sent []sms
}

// sms is a code a gateway was given to send.
type sms struct{ phone, code, lang string }

func (g *gateway) Send(_ context.Context, phone, code, l string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, sms{phone, code, l})
	return nil
}

// last is the last SMS the gateway was given.
func (g *gateway) last(t *testing.T) sms {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.sent) == 0 {
		t.Fatal("no code was sent")
	}
	return g.sent[len(g.sent)-1]
}

func (g *gateway) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sent)
}

// phoneShop is the shop behind a real API server whose SMS gateway is a
// fake, with Мария Петрова's card of phone 0888 123 456 holding 100
// points at now; the client calls the server as the store's kiosk.
type phoneShop struct {
	s      *sqlite.Store
	now    time.Time
	card   rewards.Card
	srv    *httptest.Server
	client *api.Client
	gw     *gateway
}

func newPhoneShop(t *testing.T) *phoneShop {
	t.Helper()
	s, start := shop(t)
	ps := &phoneShop{s: s, now: start.Add(48 * 24 * time.Hour), gw: &gateway{}}
	c, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: start}, Handed: true,
		Details: rewards.Details{GivenName: "Мария", FamilyName: "Петрова", Phone: "0888 123 456", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	ps.card = c
	if _, err := s.PostReceipt(ctx, rewards.Receipt{ID: "R1", Store: "s1", Card: c.Number, Time: ps.now.Add(-10 * 24 * time.Hour),
		Lines: []rewards.Line{{SKU: "bread", Qty: 1, Amount: 2500}}}); err != nil {
		t.Fatal(err)
	}
	ps.srv, ps.client = serve(t, s, ps.gw)
	return ps
}

// serve serves the store s over HTTP, its SMS gateway gw, and returns
// the server and a client of it as the store s1's kiosk.
func serve(t *testing.T, s *sqlite.Store, gw *gateway) (*httptest.Server, *api.Client) {
	t.Helper()
	dev, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "kiosk-1", Role: rewards.RoleKiosk, Store: "s1"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(s, api.Options{Devices: s, Sender: gw}))
	t.Cleanup(srv.Close)
	return srv, api.NewClient(srv.URL, srv.Client(), api.WithToken(dev.Token))
}

// family links a family card of Иван's to the phone's card, and returns
// it: the phone's household then has two cards.
func (ps *phoneShop) family(t *testing.T) rewards.Card {
	t.Helper()
	family, err := ps.s.IssueCard(ctx, rewards.CardIssue{Handed: true, Details: rewards.Details{GivenName: "Иван", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.s.LinkCard(ctx, rewards.CardLink{Card: family.Number, Holder: ps.card.Number}); err != nil {
		t.Fatal(err)
	}
	return family
}

// kiosk starts the shop's kiosk in language l, its phone login through
// the API's client, its timers the test's.
func (ps *phoneShop) kiosk(w fyne.Window, tm *timers, l string) *kiosk.Kiosk {
	k := &kiosk.Kiosk{Work: atOnce, Service: ps.s, Coop: "c1", Store: "s1", Now: func() time.Time { return ps.now }, Window: w, After: tm.after, Phone: ps.client}
	k.Start(l)
	return k
}

// clearKey finds the keypad's clear key, drawn as an icon.
func clearKey(t *testing.T, w fyne.Window) *widget.Button {
	t.Helper()
	var found *widget.Button
	objects(w.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Icon != nil && b.Icon.Name() == theme.ContentClearIcon().Name() {
			found = b
		}
	})
	if found == nil {
		t.Fatal("no clear key")
	}
	return found
}

// typePhone opens phone login from attract and types the shop's phone
// on the keypad, as a customer would in language l.
func typePhone(t *testing.T, w fyne.Window, l string) {
	t.Helper()
	tap(t, w, lang.Text(l, "kioskphone.use_phone", nil))
	keys(t, w, "888123456")
}

// askCode types the shop's phone (typePhone) and asks for a code.
func askCode(t *testing.T, w fyne.Window, l string) {
	t.Helper()
	typePhone(t, w, l)
	tap(t, w, lang.Text(l, "kioskphone.send", nil))
}

// A customer without a card taps the phone button, types the number on
// the keypad (seen in groups after the country's code), asks for a code,
// which the gateway is given in the session's language, types it, and
// sees their card's screen with its balance.
func TestPhoneLogin(t *testing.T) {
	ps := newPhoneShop(t)
	w := newWindow(t)
	tm := &timers{}
	k := ps.kiosk(w, tm, lang.BG)
	tap(t, w, "Нямате карта? Влезте с телефона")
	if k.Screen() != kiosk.ScreenPhone || !shows(w, "Въведете телефонния си номер") || !shows(w, "+359") {
		t.Fatalf("the phone screen: %s %q", k.Screen(), texts(w.Content()))
	}
	keys(t, w, "8881234")
	if !shows(w, "+359 888 123 4") || !exact(t, w, "Изпрати ми код").Disabled() {
		t.Fatalf("seven digits: %q, send enabled: %v", texts(w.Content()), !exact(t, w, "Изпрати ми код").Disabled())
	}
	keys(t, w, "56")
	if !shows(w, "+359 888 123 456") || exact(t, w, "Изпрати ми код").Disabled() {
		t.Fatalf("the whole number: %q", texts(w.Content()))
	}
	tap(t, w, "Изпрати ми код")
	got := ps.gw.last(t)
	if got.phone != "+359888123456" || got.lang != lang.BG || len(got.code) != rewards.OTPDigits {
		t.Fatalf("the gateway was given %+v", got)
	}
	if !shows(w, "Изпратихме код на …456") || !exact(t, w, "Изпрати нов код").Disabled() {
		t.Fatalf("the code's screen: %q", texts(w.Content()))
	}
	keys(t, w, got.code[:5])
	if k.Screen() != kiosk.ScreenPhone {
		t.Fatalf("five digits left the code's screen for %s", k.Screen())
	}
	keys(t, w, got.code[5:])
	if k.Screen() != kiosk.ScreenCustomer || k.Customer().Card != ps.card.Number || !shows(w, "Здравейте, Мария") || !shows(w, "100 точки") {
		t.Fatalf("after the code: %s %q", k.Screen(), texts(w.Content()))
	}
	// No key of the keypad took the keyboard's focus from the wedge.
	if f := w.Canvas().Focused(); f != kiosk.Wedge(k) {
		t.Fatalf("%T has the focus", f)
	}
}

// A phone whose household has two cards offers both, masked, with their
// holders' given names; the one chosen opens as a scan of it would.
func TestPhoneTwoCards(t *testing.T) {
	ps := newPhoneShop(t)
	family := ps.family(t)
	w := newWindow(t)
	k := ps.kiosk(w, &timers{}, lang.RU)
	askCode(t, w, lang.RU)
	keys(t, w, ps.gw.last(t).code)
	mine, his := "Мария: •••• "+ps.card.Number[len(ps.card.Number)-4:], "Иван: •••• "+family.Number[len(family.Number)-4:]
	if k.Screen() != kiosk.ScreenPhone || !shows(w, "Выберите свою карту") || !shows(w, mine) || !shows(w, his) {
		t.Fatalf("the choice: %s %q", k.Screen(), texts(w.Content()))
	}
	if shows(w, ps.card.Number) || shows(w, family.Number) {
		t.Fatalf("the choice shows a whole card number: %q", texts(w.Content()))
	}
	tap(t, w, his)
	b, err := ps.s.Balance(ctx, family.Number, ps.now)
	if err != nil {
		t.Fatal(err)
	}
	if k.Screen() != kiosk.ScreenCustomer || k.Customer().Card != family.Number || k.Customer().Available != b.Available || !shows(w, "Здравствуйте, Иван") {
		t.Fatalf("after choosing: %s %+v %q", k.Screen(), k.Customer(), texts(w.Content()))
	}
}

// A wrong code says so with the tries left and clears the boxes; a new
// code may be asked for only once its 60 s have passed, and it works.
func TestPhoneWrongCodeResend(t *testing.T) {
	ps := newPhoneShop(t)
	w := newWindow(t)
	tm := &timers{}
	k := ps.kiosk(w, tm, lang.EN)
	askCode(t, w, lang.EN)
	code := ps.gw.last(t).code
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	keys(t, w, wrong)
	if k.Screen() != kiosk.ScreenPhone || !shows(w, "The code is wrong: 4 tries left.") {
		t.Fatalf("a wrong code: %s %q", k.Screen(), texts(w.Content()))
	}
	k.SetLang(lang.BG)
	if !shows(w, "Кодът е грешен: остават 4 опита.") {
		t.Fatalf("a wrong code in Bulgarian: %q", texts(w.Content()))
	}
	if !exact(t, w, "Изпрати нов код").Disabled() {
		t.Fatal("a new code is offered before its time")
	}
	tm.fire(kiosk.ResendAfter)
	resend := exact(t, w, "Изпрати нов код")
	if resend.Disabled() {
		t.Fatal("no new code is offered after 60 s")
	}
	test.Tap(resend)
	again := ps.gw.last(t)
	if ps.gw.count() != 2 || again.lang != lang.BG || !exact(t, w, "Изпрати нов код").Disabled() || shows(w, "Кодът е грешен") {
		t.Fatalf("after a new code: %d sent, %q", ps.gw.count(), texts(w.Content()))
	}
	keys(t, w, again.code)
	if k.Screen() != kiosk.ScreenCustomer || k.Customer().Card != ps.card.Number {
		t.Fatalf("the new code: %s %q", k.Screen(), texts(w.Content()))
	}
}

// A fourth code within the server's window is refused in words that say
// when to try again.
func TestPhoneTooManyCodes(t *testing.T) {
	ps := newPhoneShop(t)
	w := newWindow(t)
	tm := &timers{}
	k := ps.kiosk(w, tm, lang.EN)
	askCode(t, w, lang.EN)
	for range rewards.OTPCodes {
		tm.fire(kiosk.ResendAfter)
		tap(t, w, "Send a new code")
	}
	if ps.gw.count() != rewards.OTPCodes || k.Screen() != kiosk.ScreenPhone ||
		!shows(w, "The phone was sent 3 codes in the last 15 minutes, which is the most: try again in 900 s.") {
		t.Fatalf("a fourth code: %d sent, %q", ps.gw.count(), texts(w.Content()))
	}
}

// With the server unreachable, phone login says that it needs the
// connection, in the session's language, and offers Back: when the
// kiosk knows it is offline, at once; else once the code cannot be sent.
func TestPhoneOffline(t *testing.T) {
	ps := newPhoneShop(t)
	w := newWindow(t)
	k := ps.kiosk(w, &timers{}, lang.RU)
	typePhone(t, w, lang.RU)
	ps.srv.Close()
	tap(t, w, "Прислать код")
	if k.Screen() != kiosk.ScreenPhone || !shows(w, "Для входа по телефону нужна связь с сервером") || shows(w, "Введите код") {
		t.Fatalf("the server stopped: %s %q", k.Screen(), texts(w.Content()))
	}
	tap(t, w, "Назад")
	if k.Screen() != kiosk.ScreenAttract {
		t.Fatalf("Back: %s", k.Screen())
	}

	k = &kiosk.Kiosk{Work: atOnce, Service: ps.s, Coop: "c1", Store: "s1", Window: w, After: (&timers{}).after, Phone: ps.client,
		Online: func() (bool, time.Time) { return false, ps.now }}
	k.Start(lang.BG)
	tap(t, w, "Нямате карта? Влезте с телефона")
	if !shows(w, "Входът с телефон изисква връзка със сървъра") || shows(w, "Въведете телефонния си номер") {
		t.Fatalf("offline: %q", texts(w.Content()))
	}
	if ps.gw.count() != 0 {
		t.Fatalf("%d codes sent offline", ps.gw.count())
	}
}

// The idle timeout ends a phone login and forgets what was typed; a card
// scanned on a phone screen opens that card.
func TestPhoneTimeoutScan(t *testing.T) {
	ps := newPhoneShop(t)
	w := newWindow(t)
	tm := &timers{}
	k := ps.kiosk(w, tm, lang.EN)
	tap(t, w, "No card? Use your phone")
	keys(t, w, "888123")
	tm.expire()
	if k.Screen() != kiosk.ScreenAttract || shows(w, "888") {
		t.Fatalf("after the idle timeout: %s %q", k.Screen(), texts(w.Content()))
	}
	tap(t, w, "No card? Use your phone")
	if shows(w, "888") || !exact(t, w, "Send me a code").Disabled() {
		t.Fatalf("the number outlived the timeout: %q", texts(w.Content()))
	}
	keys(t, w, "888")
	test.TypeOnCanvas(w.Canvas(), ps.card.Number)
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if k.Screen() != kiosk.ScreenCustomer || k.Customer().Card != ps.card.Number {
		t.Fatalf("a scan on the phone screen: %s %q", k.Screen(), texts(w.Content()))
	}
}

// The phone screens, the choice of a household's cards too, are laid out
// whole at each of the screen sizes a kiosk has (checkLayout).
func TestPhoneLayout(t *testing.T) {
	ps := newPhoneShop(t)
	ps.family(t)
	a := test.NewApp()
	defer a.Quit()
	a.Settings().SetTheme(kiosk.Theme{Primary: kiosk.ProgramColour(nil)})
	w := a.NewWindow("kiosk")
	k := ps.kiosk(w, &timers{}, lang.BG)
	screens := map[string]func(){
		"number": func() {
			typePhone(t, w, lang.BG)
		},
		"code": func() {
			tap(t, w, "Изпрати ми код")
			keys(t, w, "12")
		},
		"choice": func() {
			test.Tap(clearKey(t, w))
			keys(t, w, ps.gw.last(t).code)
		},
	}
	for _, name := range []string{"number", "code", "choice"} {
		screens[name]()
		for _, size := range kioskSizes {
			w.Resize(size)
			k.SetLang(lang.BG) // drawn again at this size
			checkLayout(t, w, size, name)
		}
	}
}
