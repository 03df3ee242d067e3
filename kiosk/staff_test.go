package kiosk_test

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/time/rate"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// The staff member of store s1 the tests log in as: number 4711, this
// PIN, and a staff card.
const (
	staffNumber = "4711"
	staffPIN    = "471123"
	staffCard   = "770011223344"
)

// cardPrinter captures the cards printed; notReady makes it refuse.
type cardPrinter struct {
	notReady bool
	printed  []printer.Cards
}

func (p *cardPrinter) Ready(context.Context) error {
	if p.notReady {
		return errors.New("no cards in the hopper")
	}
	return nil
}

func (p *cardPrinter) PrintCards(_ context.Context, c printer.Cards) error {
	p.printed = append(p.printed, c)
	return nil
}

// addStaff adds the staff member 4711 of store s1, with the staff card.
func addStaff(t *testing.T, s *sqlite.Store) {
	t.Helper()
	if _, err := s.AddStaff(ctx, rewards.StaffAdd{PIN: staffPIN, Staff: rewards.StaffMember{Number: staffNumber, Name: "Ана", Role: rewards.StaffRoleStaff,
		Store: "s1", Card: staffCard}}); err != nil {
		t.Fatal(err)
	}
}

// staffKiosk is a kiosk in language l over the shop with Мария's card
// of 100 points and its staff, checked at the kiosk of store s1.
func staffKiosk(t *testing.T, l string) (*kiosk.Kiosk, fyne.Window, *sqlite.Store, rewards.Card, *timers) {
	t.Helper()
	s, now, c := customerOf100(t)
	addStaff(t, s)
	a := test.NewApp()
	t.Cleanup(a.Quit)
	w := a.NewWindow("kiosk")
	tm := &timers{}
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: tm.after,
		Staff: s, Device: rewards.Device{Name: "kiosk-s1", Role: rewards.RoleKiosk, Store: "s1", Coop: "c1"}}
	k.Start(l)
	return k, w, s, c, tm
}

// exact finds the button whose text is label.
func exact(t *testing.T, w fyne.Window, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(w.Content(), func(b *widget.Button) {
		if found == nil && b.Text == label {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q among %q", label, texts(w.Content()))
	}
	return found
}

// tap taps the button whose text is label.
func tap(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	test.Tap(exact(t, w, label))
}

// keys taps the keys of s one by one, as a finger would on the keypad
// or the keyboard.
func keys(t *testing.T, w fyne.Window, s string) {
	t.Helper()
	for _, r := range s {
		tap(t, w, string(r))
	}
}

// line finds the button of a form's line named label, which shows its
// text and makes it the line typed into.
func line(t *testing.T, w fyne.Window, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	objects(w.Content(), func(o fyne.CanvasObject) {
		c, ok := o.(*fyne.Container)
		if !ok || found != nil {
			return
		}
		for i, o := range c.Objects[:max(len(c.Objects)-1, 0)] {
			if l, ok := o.(*widget.Label); ok && l.Text == label {
				found, _ = c.Objects[i+1].(*widget.Button)
			}
		}
	})
	if found == nil {
		t.Fatalf("no line %q among %q", label, texts(w.Content()))
	}
	return found
}

// fillEnrol types a customer's given and family names, each after the
// shift key for its capital, and phone into the enrolment form.
func fillEnrol(t *testing.T, w fyne.Window, given, family, phone string) {
	t.Helper()
	tap(t, w, "Аа")
	keys(t, w, given)
	test.Tap(line(t, w, "Фамилия"))
	tap(t, w, "Аа")
	keys(t, w, family)
	test.Tap(line(t, w, "Телефон"))
	keys(t, w, phone)
}

// says says whether the window shows s, perhaps wrapped over lines.
func says(w fyne.Window, s string) bool {
	return strings.Contains(strings.Join(texts(w.Content()), " "), s)
}

// scan types code and Enter as a keyboard-wedge scanner does.
func scan(w fyne.Window, code string) {
	test.TypeOnCanvas(w.Canvas(), code)
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

// cardLogin logs in on the staff login screen with the staff card
// scanned and the PIN, in language l.
func cardLogin(t *testing.T, w fyne.Window, l string) {
	t.Helper()
	scan(w, staffCard)
	keys(t, w, staffPIN)
	tap(t, w, lang.Text(l, "kioskstaff.log_in", nil))
}

// login logs in from attract with the staff number and pin, in
// Bulgarian.
func login(t *testing.T, w fyne.Window, pin string) {
	t.Helper()
	tap(t, w, "Персонал")
	keys(t, w, staffNumber)
	test.Tap(line(t, w, "ПИН"))
	keys(t, w, pin)
	tap(t, w, "Вход")
}

// auditBy says whether the ledger recorded a change of kind made by the
// staff member 4711.
func auditBy(t *testing.T, s *sqlite.Store, kind string) bool {
	t.Helper()
	entries, err := s.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Kind == kind && e.Staff == staffNumber {
			return true
		}
	}
	return false
}

// Staff log in from attract's corner with their number and PIN on the
// keypad: a wrong PIN says so and how many tries are left, the right one
// opens the staff menu, the idle timeout ends the session, and too many
// wrong PINs lock the member out, in words.
func TestStaffLogin(t *testing.T) {
	k, w, _, _, tm := staffKiosk(t, lang.BG)
	login(t, w, "000000")
	if k.Screen() != kiosk.ScreenStaffLogin || !says(w, "е грешен; още 4 грешни ПИН-а") {
		t.Fatalf("a wrong PIN: %s %q", k.Screen(), texts(w.Content()))
	}
	if got := line(t, w, "ПИН").Text; got != "" {
		t.Fatalf("the PIN stays after a wrong one: %q", got)
	}
	keys(t, w, staffPIN)
	if got := line(t, w, "ПИН").Text; got != "••••••" {
		t.Fatalf("the PIN shows as %q", got)
	}
	tap(t, w, "Вход")
	if k.Screen() != kiosk.ScreenStaff || !says(w, "Персонал: Ана") || !says(w, "Нов клиент") {
		t.Fatalf("after the right PIN: %s %q", k.Screen(), texts(w.Content()))
	}
	if f := w.Canvas().Focused(); f != nil && f != kiosk.Wedge(k) {
		t.Fatalf("%T has the keyboard focus: a scan would go to it", f)
	}
	tm.expire()
	if k.Screen() != kiosk.ScreenAttract || says(w, "Ана") {
		t.Fatalf("after the idle timeout: %s %q", k.Screen(), texts(w.Content()))
	}
	for range rewards.PINMaxFailures {
		login(t, w, "000000")
		tap(t, w, "Откажи")
	}
	login(t, w, staffPIN)
	if k.Screen() != kiosk.ScreenStaffLogin || !says(w, "е заключен след твърде много грешни ПИН-ове") {
		t.Fatalf("locked out: %s %q", k.Screen(), texts(w.Content()))
	}
}

// A staff card scanned on any screen opens the staff login with the card
// named: the PIN alone logs in. A customer's card still opens the
// customer's screen.
func TestStaffCardScan(t *testing.T) {
	k, w, _, c, _ := staffKiosk(t, lang.BG)
	scan(w, c.Number)
	if k.Screen() != kiosk.ScreenCustomer {
		t.Fatalf("a customer's card: %s", k.Screen())
	}
	scan(w, staffCard)
	if k.Screen() != kiosk.ScreenStaffLogin || !says(w, "Служебната карта е сканирана") || says(w, "Мария") {
		t.Fatalf("a staff card on the customer screen: %s %q", k.Screen(), texts(w.Content()))
	}
	keys(t, w, staffPIN)
	tap(t, w, "Вход")
	if k.Screen() != kiosk.ScreenStaff || !says(w, "Персонал: Ана") {
		t.Fatalf("after the PIN: %s %q", k.Screen(), texts(w.Content()))
	}
	tap(t, w, "Изход")
	if k.Screen() != kiosk.ScreenAttract {
		t.Fatalf("after logging out: %s", k.Screen())
	}
}

// A customer is enrolled on the on-screen keyboard in its Russian
// layout; the consent to the processing of their data is required, the
// marketing consent is not given unless ticked; the card is printed on
// the spot, and the ledger records who issued it.
func TestEnrolPrint(t *testing.T) {
	k, w, s, _, _ := staffKiosk(t, lang.RU)
	cp := &cardPrinter{}
	k.CardPrinter = cp
	tap(t, w, "Персонал")
	keys(t, w, staffNumber)
	test.Tap(line(t, w, "ПИН-код"))
	keys(t, w, staffPIN)
	tap(t, w, "Войти")
	tap(t, w, "Новый покупатель")
	tap(t, w, "Далее")
	if !says(w, "Заполните «Имя»") {
		t.Fatalf("no name: %q", texts(w.Content()))
	}
	fillEnrol(t, w, "Мария", "Иванова", "0888123456")
	if got := line(t, w, "Имя").Text + " " + line(t, w, "Фамилия").Text + " " + line(t, w, "Телефон").Text; got != "Мария Иванова 0888123456" {
		t.Fatalf("typed %q", got)
	}
	tap(t, w, "Далее")
	test.Tap(button(t, w.Content(), "Напечатать карту"))
	if len(cp.printed) != 0 || !says(w, "Без согласия покупателя") {
		t.Fatalf("without consent: printed %d, %q", len(cp.printed), texts(w.Content()))
	}
	test.Tap(button(t, w.Content(), "Согласие на обработку"))
	test.Tap(button(t, w.Content(), "Напечатать карту"))
	if len(cp.printed) != 1 || len(cp.printed[0].Cards) != 1 || cp.printed[0].Lang != lang.RU || !says(w, "Возьмите карту из принтера") {
		t.Fatalf("printed %+v, %q", cp.printed, texts(w.Content()))
	}
	if f := w.Canvas().Focused(); f != nil && f != kiosk.Wedge(k) {
		t.Fatalf("%T has the keyboard focus: a scan would go to it", f)
	}
	number := cp.printed[0].Cards[0].Number
	data, err := s.ExportCard(ctx, number, k.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p := data.Person; p == nil || p.GivenName != "Мария" || p.FamilyName != "Иванова" || p.Phone != "+359888123456" || p.ConsentAt == nil || p.MarketingAt != nil {
		t.Fatalf("the customer recorded: %+v", data.Person)
	}
	if !auditBy(t, s, rewards.EventCardIssue) {
		t.Fatal("the card's issue does not record the staff member")
	}
}

// The keyboard speaks the session's language: the Bulgarian phonetic
// layout in Bulgarian, and the layout key goes round to Latin.
func TestKeyboardLayouts(t *testing.T) {
	k, w, _, _, _ := staffKiosk(t, lang.BG)
	login(t, w, staffPIN)
	tap(t, w, "Нов клиент")
	for _, key := range []string{"я", "в", "е", "р", "т", "ъ", "ю", "ч", "ь", "щ"} {
		exact(t, w, key)
	}
	tap(t, w, "QWERTY")
	keys(t, w, "ana")
	tap(t, w, "ЙЦУКЕН")
	keys(t, w, "ы")
	tap(t, w, "ЯВЕРТЪ")
	if got := line(t, w, "Име").Text; got != "anaы" || k.Screen() != kiosk.ScreenStaff {
		t.Fatalf("typed %q", got)
	}
}

// A pre-printed card of a batch is registered to the customer enrolled,
// its number scanned; a kiosk without a card printer says it has none.
func TestEnrolPreprinted(t *testing.T) {
	k, w, s, _, _ := staffKiosk(t, lang.EN)
	batch, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	cardLogin(t, w, lang.EN)
	tap(t, w, "New customer")
	tap(t, w, "Aa")
	keys(t, w, "Ivan")
	test.Tap(line(t, w, "Family name"))
	tap(t, w, "Aa")
	keys(t, w, "Petrov")
	test.Tap(line(t, w, "Phone"))
	keys(t, w, "+359888765432")
	tap(t, w, "Next")
	if b := exact(t, w, "No card printer at this kiosk"); !b.Disabled() {
		t.Fatal("the print button works without a card printer")
	}
	test.Tap(button(t, w.Content(), "Consents"))
	test.Tap(button(t, w.Content(), "Member-cooperator"))
	tap(t, w, "Pre-printed card")
	scan(w, batch.Number)
	if got := line(t, w, "Card number").Text; got != batch.Number || k.Screen() != kiosk.ScreenStaff {
		t.Fatalf("scanned into %q on %s", got, k.Screen())
	}
	tap(t, w, "Register the card")
	if !says(w, "The card is Ivan's.") || !says(w, batch.Number) {
		t.Fatalf("after registering: %q", texts(w.Content()))
	}
	c, err := s.Card(ctx, batch.Number, k.Now())
	if err != nil || c.GivenName != "Ivan" || c.HandedAt == nil || !c.Member {
		t.Fatalf("the batch card: %+v %v", c, err)
	}
	if !auditBy(t, s, rewards.EventCardRegister) {
		t.Fatal("the registration does not record the staff member")
	}
}

// A lost card, found by its number, is blocked after one question naming
// it, and its replacement printed: the points are on the new card, and
// the old one is refused at a scan.
func TestLostCardReplacement(t *testing.T) {
	k, w, s, c, _ := staffKiosk(t, lang.BG)
	cp := &cardPrinter{}
	k.CardPrinter = cp
	login(t, w, staffPIN)
	tap(t, w, "Изгубена карта")
	keys(t, w, c.Number)
	tap(t, w, "Търси")
	if !says(w, c.Number) || !says(w, "Мария") || !says(w, "активна") {
		t.Fatalf("the card found: %q", texts(w.Content()))
	}
	tap(t, w, "Блокирай")
	if !says(w, "Да се блокира ли карта "+c.Number+" (Мария)?") {
		t.Fatalf("the question: %q", texts(w.Content()))
	}
	if got, _ := s.Card(ctx, c.Number, k.Now()); got.Status == rewards.CardBlocked {
		t.Fatal("blocked before the answer")
	}
	tap(t, w, "Блокирай")
	if !says(w, "Карта "+c.Number+" е блокирана.") {
		t.Fatalf("after blocking: %q", texts(w.Content()))
	}
	tap(t, w, "Отпечатай картата")
	if len(cp.printed) != 1 {
		t.Fatalf("printed %+v: %q", cp.printed, texts(w.Content()))
	}
	nc := cp.printed[0].Cards[0]
	if !says(w, "Всичко от карта "+c.Number+" вече е на карта "+nc.Number+".") {
		t.Fatalf("after the replacement: %q", texts(w.Content()))
	}
	if !auditBy(t, s, rewards.EventCardBlock) || !auditBy(t, s, rewards.EventCardReplace) {
		t.Fatal("the block and the replacement do not record the staff member")
	}
	tap(t, w, "Готово")
	tap(t, w, "Изход")
	scan(w, c.Number)
	if k.Screen() != kiosk.ScreenAttract || !says(w, nc.Number) {
		t.Fatalf("the old card scanned: %s %q", k.Screen(), texts(w.Content()))
	}
	scan(w, nc.Number)
	if k.Screen() != kiosk.ScreenCustomer || !says(w, "100 точки") {
		t.Fatalf("the new card scanned: %s %q", k.Screen(), texts(w.Content()))
	}
}

// A lost card scanned is found at once; once blocked, its replacement
// may be a pre-printed card whose number is typed.
func TestLostCardPreprinted(t *testing.T) {
	k, w, s, c, _ := staffKiosk(t, lang.EN)
	cardLogin(t, w, lang.EN)
	tap(t, w, "Lost card")
	scan(w, c.Number)
	tap(t, w, "Block")
	if !says(w, "Block card "+c.Number+" (Мария)?") {
		t.Fatalf("the question: %q", texts(w.Content()))
	}
	tap(t, w, "Block")
	exact(t, w, "No card printer at this kiosk")
	// No number yet: nothing is replaced (the ledger would draw one for
	// a card nobody holds).
	tap(t, w, "Use this card")
	if got, _ := s.Card(ctx, c.Number, k.Now()); got.ReplacedBy != "" || !says(w, "Scan or type the number of the new card first.") {
		t.Fatalf("replaced by no number: %+v %q", got, texts(w.Content()))
	}
	fresh := rewards.WithCheckDigit("290000000777")
	keys(t, w, fresh)
	tap(t, w, "Use this card")
	if !says(w, "Everything on card "+c.Number+" is now on card "+fresh+".") {
		t.Fatalf("after the replacement: %q", texts(w.Content()))
	}
	if b, err := s.Balance(ctx, fresh, k.Now()); err != nil || b.Available != 100 {
		t.Fatalf("the new card's balance: %+v %v", b, err)
	}
}

// A voucher's code scanned on a screen that waits for a card opens the
// voucher: a card's number is no voucher's code.
func TestVoucherOnCardScreen(t *testing.T) {
	k, w, s, c, _ := staffKiosk(t, lang.EN)
	v, err := s.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: k.Now()}, Card: c.Number, Reward: "mug", Store: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	cardLogin(t, w, lang.EN)
	tap(t, w, "Family card")
	scan(w, v.Code)
	if k.Screen() != kiosk.ScreenVoucherCheck || !says(w, "Voucher "+v.Code) {
		t.Fatalf("a voucher scanned on the family card's screen: %s %q", k.Screen(), texts(w.Content()))
	}
}

// A family card is linked to its holder's card, both scanned.
func TestLinkFamilyCard(t *testing.T) {
	k, w, s, c, _ := staffKiosk(t, lang.RU)
	fam, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}, Handed: true})
	if err != nil {
		t.Fatal(err)
	}
	cardLogin(t, w, lang.RU)
	tap(t, w, "Семейная карта")
	scan(w, c.Number)
	scan(w, fam.Number)
	if line(t, w, "Карта владельца").Text != c.Number || line(t, w, "Семейная карта").Text != fam.Number || k.Screen() != kiosk.ScreenStaff {
		t.Fatalf("scanned: %q", texts(w.Content()))
	}
	tap(t, w, "Связать")
	if !says(w, "Карта "+fam.Number+" связана с картой владельца "+c.Number+".") {
		t.Fatalf("after linking: %q", texts(w.Content()))
	}
	if got, err := s.Card(ctx, fam.Number, k.Now()); err != nil || got.Holder != c.Number {
		t.Fatalf("the family card: %+v %v", got, err)
	}
	if !auditBy(t, s, rewards.EventCardLink) {
		t.Fatal("the link does not record the staff member")
	}
}

// store is a kiosk of store s1 over a replica of a central ledger served
// over real HTTP, with the staff member 4711 and Мария's card with a
// phone; the link to the server is up.
type store struct {
	srv    *sqlite.Store
	ledger *sqlite.Store
	k      *kiosk.Kiosk
	w      fyne.Window
	link   *link
	sync   *replica.Replica
	card   rewards.Card
}

func newStore(t *testing.T) *store {
	t.Helper()
	now := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := sqlite.NewStore(filepath.Join(t.TempDir(), "server.db"))
	srv.Create, srv.Now, srv.Device = true, clock, "server"
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if _, err := srv.InstallProgram(ctx, rewards.ProgramInstall{Program: rewardstest.Program(t, "coop")}); err != nil {
		t.Fatal(err)
	}
	rewardstest.MustPlaces(t, srv, "c1", "s1")
	addStaff(t, srv)
	c, err := srv.IssueCard(ctx, rewards.CardIssue{Handed: true, Details: rewards.Details{GivenName: "Мария", Phone: "+359888123456", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	nd, err := srv.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "kiosk-s1", Role: rewards.RoleKiosk, Store: "s1"}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.NewHandler(srv, api.Options{Now: clock, Devices: srv, Staff: srv, KioskCardLookups: rate.Inf}))
	t.Cleanup(hs.Close)
	st := &store{srv: srv, link: &link{}, card: c}
	hc := &http.Client{Transport: st.link}
	client := api.NewClient(hs.URL, hc, api.WithToken(nd.Token))
	path := filepath.Join(t.TempDir(), "kiosk.db")
	if err := replica.Init(ctx, path, hs.URL, nd.Token, client); err != nil {
		t.Fatal(err)
	}
	st.ledger = sqlite.NewStore(path)
	st.ledger.Now, st.ledger.Device = clock, "kiosk-s1"
	if err := st.ledger.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.ledger.Close() })
	info, err := st.ledger.ReplicaInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.sync = replica.New(st.ledger, client)
	a := test.NewApp()
	t.Cleanup(a.Quit)
	st.w = a.NewWindow("kiosk")
	st.k = &kiosk.Kiosk{Work: atOnce, Service: replica.NewService(st.sync, client), Coop: info.Coop, Store: info.Store, Now: clock, Window: st.w, After: (&timers{}).after,
		Staff: st.ledger, Device: rewards.Device{Name: info.Device, Role: rewards.RoleKiosk, Store: info.Store, Coop: info.Coop}, StaffServer: client,
		Server: func(token string) kiosk.Remote {
			return api.NewClient(hs.URL, hc, api.WithToken(nd.Token), api.WithStaffSession(token))
		},
		Sync: func() any {
			st, err := replica.StatusOf(context.Background(), st.ledger)
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
	}
	st.k.Start(lang.RU)
	return st
}

// While the server cannot be reached a staff member logs in against the
// replica's staff and enrols a customer: the card is issued from the
// kiosk's leased numbers, its event waits in the outbox with the staff
// member's number, and the status strip says so; once the link is back
// the server records who issued it. Finding a card by phone needs the
// connection, and says so.
func TestOfflineEnrolment(t *testing.T) {
	st := newStore(t)
	w := st.w
	st.link.down.Store(true)
	if _, err := st.sync.Sync(ctx); err == nil {
		t.Fatal("a sync with the link down")
	}
	cp := &cardPrinter{}
	st.k.CardPrinter = cp
	cardLogin(t, w, lang.RU)
	if st.k.Screen() != kiosk.ScreenStaff || !says(w, "Нет связи с") || !says(w, "Сканер: ввод с клавиатуры") {
		t.Fatalf("logged in offline: %s %q", st.k.Screen(), texts(w.Content()))
	}
	tap(t, w, "Потерянная карта")
	test.Tap(line(t, w, "Телефон"))
	keys(t, w, "0888123456")
	tap(t, w, "Найти")
	if !says(w, "нужна связь с сервером") {
		t.Fatalf("finding by phone offline: %q", texts(w.Content()))
	}
	tap(t, w, "Назад")
	tap(t, w, "Новый покупатель")
	fillEnrol(t, w, "Иван", "Офлайнов", "0877111222")
	tap(t, w, "Далее")
	test.Tap(button(t, w.Content(), "Согласие на обработку"))
	test.Tap(button(t, w.Content(), "Напечатать карту"))
	if len(cp.printed) != 1 {
		t.Fatalf("enrolled offline: printed %d, %q", len(cp.printed), texts(w.Content()))
	}
	tap(t, w, "Готово")
	if !says(w, "1 изменение ждёт отправки") {
		t.Fatalf("the staff's menu after the enrolment: %q", texts(w.Content()))
	}
	number := cp.printed[0].Cards[0].Number
	out, err := st.ledger.Outbox(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Kind != rewards.EventCardIssue || out[0].Staff != staffNumber || out[0].Personal == nil || out[0].Personal.FamilyName != "Офлайнов" {
		t.Fatalf("the outbox: %+v", out)
	}
	st.link.down.Store(false)
	if _, err := st.sync.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := st.srv.Card(ctx, number, time.Now()); err != nil || c.FamilyName != "Офлайнов" {
		t.Fatalf("the server's card: %+v %v", c, err)
	}
	if !auditBy(t, st.srv, rewards.EventCardIssue) {
		t.Fatal("the server does not record who issued the card")
	}
}

// Online, a staff member's session is the server's, and a lost card is
// found by the customer's phone there.
func TestLostCardByPhone(t *testing.T) {
	st := newStore(t)
	w := st.w
	cardLogin(t, w, lang.RU)
	if !says(w, "Синхронизация") {
		t.Fatalf("logged in online: %q", texts(w.Content()))
	}
	tap(t, w, "Потерянная карта")
	test.Tap(line(t, w, "Телефон"))
	keys(t, w, "0888000000")
	tap(t, w, "Найти")
	if !says(w, "Покупателя с этим телефоном нет.") {
		t.Fatalf("a phone of nobody: %q", texts(w.Content()))
	}
	test.Tap(line(t, w, "Телефон"))
	test.Tap(clearKey(t, w))
	keys(t, w, "0888123456")
	tap(t, w, "Найти")
	if !says(w, st.card.Number) || !says(w, "Мария") || !says(w, "Заблокировать") {
		t.Fatalf("found by phone: %q", texts(w.Content()))
	}
}

// The staff screens keep their buttons at 48 px or more and inside the
// window at each of a kiosk's screen sizes; with TOCHKA_SHOTS set to a
// folder, each is saved there as a PNG to look at.
func TestStaffScreens(t *testing.T) {
	st := newStore(t)
	k, w := st.k, st.w
	fyne.CurrentApp().Settings().SetTheme(kiosk.Theme{Primary: kiosk.ProgramColour(nil)})
	k.CardPrinter = &cardPrinter{}
	screens := []struct {
		name string
		show func()
	}{
		{"login", func() { scan(w, staffCard) }},
		{"menu", func() { keys(t, w, staffPIN); tap(t, w, "Войти") }},
		{"enrol", func() { tap(t, w, "Новый покупатель"); tap(t, w, "Аа"); keys(t, w, "Мария") }},
		{"consent", func() {
			test.Tap(line(t, w, "Фамилия"))
			keys(t, w, "иванова")
			test.Tap(line(t, w, "Телефон"))
			keys(t, w, "0888123456")
			tap(t, w, "Далее")
		}},
		{"preprinted", func() {
			test.Tap(button(t, w.Content(), "Согласие на обработку"))
			tap(t, w, "Заранее напечатанная карта")
		}},
		{"lost", func() {
			tap(t, w, "Назад")
			tap(t, w, "Назад")
			tap(t, w, "Отмена")
			tap(t, w, "Потерянная карта")
		}},
		{"found", func() { scan(w, st.card.Number) }},
		{"block", func() { tap(t, w, "Заблокировать") }},
		{"replace", func() { tap(t, w, "Заблокировать") }},
		{"replaced", func() { tap(t, w, "Напечатать карту") }},
		{"link", func() { tap(t, w, "Готово"); tap(t, w, "Семейная карта") }},
	}
	dir := os.Getenv("TOCHKA_SHOTS")
	said := map[string]bool{}
	kiosk.Said(func(s string) { said[s] = true })
	defer kiosk.Said(nil)
	for _, s := range screens {
		s.show()
		for _, x := range texts(w.Content()) {
			// What the staff typed, and the keys of the keyboard.
			if rest := unsaid(x, said, "Мария", "иванова"); len([]rune(rest)) > 1 {
				t.Errorf("%s shows %q, not from the catalog: %q", s.name, x, rest)
			}
		}
		for _, size := range []fyne.Size{{Width: 1920, Height: 1080}, {Width: 1280, Height: 1024}, {Width: 1080, Height: 1920}} {
			w.Resize(size)
			k.SetLang(lang.RU) // drawn again at this size, as a kiosk draws its screens
			checkLayout(t, w, size, s.name)
			if dir != "" {
				f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%.0fx%.0f.png", s.name, size.Width, size.Height)))
				if err != nil {
					t.Fatal(err)
				}
				png.Encode(f, w.Canvas().Capture())
				f.Close()
			}
		}
	}
}
