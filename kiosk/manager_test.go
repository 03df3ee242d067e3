package kiosk_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

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

// link is the kiosk's connection to the server, which a test cuts.
type link struct{ down atomic.Bool }

// RoundTrip fails at once while the link is down.
func (l *link) RoundTrip(r *http.Request) (*http.Response, error) {
	if l.down.Load() {
		return nil, errors.New("the store's link is down")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// managerWorld is the shop of customerOf100 (Мария's card with 100
// points) with an offline cap, manager 101 (Mira) and staff member 102
// (Ivo) of store s1, served over real HTTP to kiosk s1, whose replica
// reaches it through a link the test cuts.
type managerWorld struct {
	srv   *sqlite.Store
	http  *httptest.Server
	token string // kiosk s1's
	link  *link
	rep   *replica.Replica
	svc   *replica.Service
	card  rewards.Card
	now   time.Time
}

func newManagerWorld(t *testing.T) *managerWorld {
	t.Helper()
	s, _, card := customerOf100(t)
	w := &managerWorld{srv: s, card: card, now: s.Now(), link: &link{}}
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Program: rewardstest.Program(t, "coop", `after = "never"`, `after = "40d"`,
		"[spend]", "[spend]\noffline_cap = 200")}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []rewards.StaffMember{
		{Number: "101", Name: "Mira", Role: rewards.StaffRoleManager, Store: "s1"},
		{Number: "102", Name: "Ivo", Role: rewards.StaffRoleStaff, Store: "s1"},
	} {
		if _, err := s.AddStaff(ctx, rewards.StaffAdd{PIN: staffPIN, Staff: m}); err != nil {
			t.Fatal(err)
		}
	}
	nd, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "kiosk-s1", Role: rewards.RoleKiosk, Store: "s1"}})
	if err != nil {
		t.Fatal(err)
	}
	w.token = nd.Token
	w.http = httptest.NewServer(api.NewHandler(s, api.Options{Now: s.Now, Devices: s, Staff: s, KioskCardLookups: rate.Inf}))
	t.Cleanup(w.http.Close)
	path := filepath.Join(t.TempDir(), "kiosk.db")
	if err := replica.Init(ctx, path, w.http.URL, w.token, w.client("")); err != nil {
		t.Fatal(err)
	}
	l := sqlite.NewStore(path)
	l.Now, l.Device = s.Now, "kiosk-s1"
	if err := l.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	w.rep = replica.New(l, w.client(""))
	w.svc = replica.NewService(w.rep, w.client(""))
	return w
}

// client is the kiosk's client of the server, in the staff session when
// session is not empty.
func (w *managerWorld) client(session string) *api.Client {
	opts := []api.ClientOption{api.WithToken(w.token)}
	if session != "" {
		opts = append(opts, api.WithStaffSession(session))
	}
	return api.NewClient(w.http.URL, &http.Client{Transport: w.link}, opts...)
}

// kiosk is kiosk s1 over the replica, in language l.
func (w *managerWorld) kiosk(t *testing.T, l string) (*kiosk.Kiosk, fyne.Window) {
	a := test.NewApp()
	t.Cleanup(a.Quit)
	win := a.NewWindow("kiosk")
	k := &kiosk.Kiosk{Work: atOnce, Service: w.svc, Coop: "c1", Store: "s1", Now: w.srv.Now, Window: win, After: (&timers{}).after,
		Server: func(session string) kiosk.Remote { return w.client(session) }}
	k.Start(l)
	return k, win
}

// logIn logs the staff member in at the server, through the kiosk's
// token, and opens the session at the kiosk.
func (w *managerWorld) logIn(t *testing.T, k *kiosk.Kiosk, number string) {
	t.Helper()
	s, err := w.client("").LoginStaff(ctx, rewards.StaffLogin{Number: number, PIN: staffPIN})
	if err != nil {
		t.Fatal(err)
	}
	k.LogInForTest(s.Staff, s.Token)
}

// buttons are the buttons under o whose text is label.
func buttons(o fyne.CanvasObject, label string) []*widget.Button {
	var out []*widget.Button
	walk(o, func(b *widget.Button) {
		if b.Text == label {
			out = append(out, b)
		}
	})
	return out
}

// typeLine types s on the in-app keyboard of the typing screen, in the
// session language l, as a finger would: the layout key until the letter
// shows, the shift key before a capital; then takes it.
func typeLine(t *testing.T, w fyne.Window, l, s string) {
	t.Helper()
	layoutKey := func() *widget.Button {
		for _, name := range []string{"latin", "ru", "bg"} {
			if bs := buttons(w.Content(), lang.Text(l, "kioskstaff.layout."+name, nil)); len(bs) > 0 {
				return bs[0]
			}
		}
		t.Fatalf("no layout key among %q", texts(w.Content()))
		return nil
	}
	for _, r := range s {
		label := string(unicode.ToLower(r))
		if r == ' ' {
			label = lang.Text(l, "kioskstaff.key_space", nil)
		}
		for try := 0; len(buttons(w.Content(), label)) == 0; try++ {
			if try == 3 {
				t.Fatalf("no key %q on any layout", label)
			}
			test.Tap(layoutKey())
		}
		if unicode.IsUpper(r) {
			test.Tap(buttons(w.Content(), lang.Text(l, "kioskstaff.key_shift", nil))[0])
			label = string(r)
		}
		test.Tap(buttons(w.Content(), label)[0])
	}
	test.Tap(button(t, w.Content(), lang.Text(l, "kioskmanager.ok", nil)))
}

// picturePNG is a small PNG picture.
func picturePNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A manager adds a reward to the board at the server: its names typed,
// its points and stock on the keypad, its last day chosen, its picture
// from a folder; it is on the board's list and, once the replica has
// pulled, on attract. Offline, saving says it needs the connection and
// changes nothing; removing it asks once, naming it.
func TestManagerBoardEdit(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.EN)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pot.png"), picturePNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	k.PictureDir = dir
	w.logIn(t, k, "101")
	if k.Screen() != kiosk.ScreenManager || !shows(win, "Manager: Mira") {
		t.Fatalf("after a manager's login: %s %q", k.Screen(), texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Edit the board"))
	if !shows(win, "Mug: 40 points") || !shows(win, "Pot: 900 points") {
		t.Fatalf("the board: %q", texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Add a reward"))
	change := func(row int) {
		t.Helper()
		bs := buttons(win.Content(), "Change")
		if len(bs) != 8 {
			t.Fatalf("the form has %d lines: %q", len(bs), texts(win.Content()))
		}
		test.Tap(bs[row])
	}
	change(0)
	typeLine(t, win, lang.EN, "Тенджерка")
	change(2)
	typeLine(t, win, lang.EN, "Small pot")
	change(3)
	keys(t, win, "120")
	test.Tap(button(t, win.Content(), "Done"))
	change(4)
	keys(t, win, "5")
	test.Tap(button(t, win.Content(), "Done"))
	change(6)
	test.Tap(button(t, win.Content(), "+ 1 month"))
	if !shows(win, "31 January 2027") {
		t.Errorf("the day chosen: %q", texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Done"))
	change(7)
	if k.Screen() != kiosk.ScreenManagerPicture || images(win.Content()) != 1 || !shows(win, "Choose a picture") {
		t.Fatalf("the pictures: %s, %d shown, %q", k.Screen(), images(win.Content()), texts(win.Content()))
	}
	test.Tap(buttons(win.Content(), "")[0])
	if k.Screen() != kiosk.ScreenManagerItem || images(win.Content()) != 1 {
		t.Fatalf("after choosing the picture: %s %q", k.Screen(), texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Save"))
	if k.Screen() != kiosk.ScreenManagerBoard || !shows(win, "Small pot is saved on the board.") || !shows(win, "Small pot: 120 points") ||
		!shows(win, "5 left · until 31 January 2027") {
		t.Fatalf("after saving: %s %q", k.Screen(), texts(win.Content()))
	}
	board, err := w.srv.Rewards(ctx, "c1", "")
	if err != nil {
		t.Fatal(err)
	}
	var added rewards.Reward
	for _, rw := range board {
		if rw.Names.EN == "Small pot" {
			added = rw
		}
	}
	sofia, _ := time.LoadLocation("Europe/Sofia")
	if added.Names.BG != "Тенджерка" || added.Points != 120 || added.Stock == nil || *added.Stock != 5 || added.Store != "s1" ||
		added.ValidTo == nil || !added.ValidTo.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, sofia)) || added.ValidFrom != nil {
		t.Fatalf("the reward at the server: %+v", added)
	}
	if _, err := w.srv.Picture(ctx, added.Picture); err != nil {
		t.Fatalf("its picture at the server: %v", err)
	}
	if _, err := w.rep.Pull(ctx); err != nil {
		t.Fatal(err)
	}
	test.Tap(button(t, win.Content(), "Back"))
	test.Tap(button(t, win.Content(), "Log out"))
	if k.Screen() != kiosk.ScreenAttract || !shows(win, "Small pot") {
		t.Fatalf("attract after the pull: %q", texts(win.Content()))
	}

	// Offline: nothing changes, and the screen says why.
	w.logIn(t, k, "101")
	test.Tap(button(t, win.Content(), "Edit the board"))
	test.Tap(button(t, win.Content(), "Small pot"))
	if !shows(win, "Edit: Small pot") || !shows(win, "Тенджерка") || images(win.Content()) != 1 {
		t.Fatalf("the form of the reward: %q", texts(win.Content()))
	}
	change(3)
	keys(t, win, "0")
	test.Tap(button(t, win.Content(), "Done"))
	w.link.down.Store(true)
	test.Tap(button(t, win.Content(), "Save"))
	if k.Screen() != kiosk.ScreenManagerItem || !shows(win, "needs the connection") || !shows(win, "1200") {
		t.Fatalf("saving offline: %s %q", k.Screen(), texts(win.Content()))
	}
	if rw, err := w.srv.Reward(ctx, added.ID); err != nil || rw.Points != 120 {
		t.Fatalf("after saving offline: %+v %v", rw, err)
	}
	test.Tap(button(t, win.Content(), "Back"))
	if !shows(win, "needs the connection") || shows(win, "Mug") {
		t.Fatalf("the board offline: %q", texts(win.Content()))
	}

	w.link.down.Store(false)
	test.Tap(button(t, win.Content(), "Back"))
	test.Tap(button(t, win.Content(), "Edit the board"))
	test.Tap(button(t, win.Content(), "Small pot"))
	test.Tap(button(t, win.Content(), "Remove"))
	if k.Screen() != kiosk.ScreenManagerRemove || !shows(win, "Remove Small pot from the board?") {
		t.Fatalf("removing asks: %s %q", k.Screen(), texts(win.Content()))
	}
	test.Tap(buttons(win.Content(), "Remove")[0])
	if !shows(win, "Small pot is off the board.") || shows(win, "Small pot: 120") {
		t.Fatalf("after removing: %q", texts(win.Content()))
	}
	if _, err := w.srv.Reward(ctx, added.ID); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Fatalf("the removed reward at the server: %v", err)
	}
}

// A redemption made offline for a card blocked meanwhile is a conflict
// at the server: the manager sees it, in words, and resolves it with a
// note, recorded as the manager's.
func TestManagerConflicts(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.EN)
	w.link.down.Store(true)
	if _, err := w.svc.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: w.now}, Card: w.card.Number, Reward: "mug", Store: "s1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.BlockCard(ctx, rewards.CardAction{Card: w.card.Number}); err != nil {
		t.Fatal(err)
	}
	w.link.down.Store(false)
	if _, err := w.rep.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	w.logIn(t, k, "101")
	test.Tap(button(t, win.Content(), "Conflicts of offline exchanges"))
	if k.Screen() != kiosk.ScreenManagerConflicts || !shows(win, "No. 1 · 10:00 · kiosk-s1 · rejected · "+w.card.Number) ||
		!shows(win, "Card "+w.card.Number+" is blocked.") {
		t.Fatalf("the conflicts: %s %q", k.Screen(), texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Resolve"))
	typeLine(t, win, lang.EN, "Called the customer")
	if !shows(win, "Conflict No. 1 is resolved.") || !shows(win, "No conflict waits to be resolved.") {
		t.Fatalf("after resolving: %q", texts(win.Content()))
	}
	list, err := w.srv.Conflicts(ctx, true)
	if err != nil || len(list) != 1 || list[0].ResolvedAt == nil || list[0].ResolvedBy != "101" || list[0].Note != "Called the customer" {
		t.Fatalf("the conflicts at the server: %+v %v", list, err)
	}
}

// A manager gives a staff member a new PIN, which logs in at once; a PIN
// too short is refused in words; offline the PIN stays as it was.
func TestManagerStaffPIN(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.EN)
	w.logIn(t, k, "101")
	test.Tap(button(t, win.Content(), "Staff PINs"))
	if !shows(win, "Mira (101) · manager") || !shows(win, "Ivo (102) · staff") {
		t.Fatalf("the staff: %q", texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Ivo"))
	keys(t, win, "12345")
	if !shows(win, "●●●●●") || shows(win, "12345") {
		t.Errorf("the PIN typed shows %q", texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Done"))
	if k.Screen() != kiosk.ScreenManagerNumber || !shows(win, "6 digits or more") {
		t.Fatalf("a short PIN: %s %q", k.Screen(), texts(win.Content()))
	}
	keys(t, win, "6")
	test.Tap(button(t, win.Content(), "Done"))
	if k.Screen() != kiosk.ScreenManagerStaff || !shows(win, "Ivo has a new PIN.") {
		t.Fatalf("after the new PIN: %s %q", k.Screen(), texts(win.Content()))
	}
	if _, err := w.client("").LoginStaff(ctx, rewards.StaffLogin{Number: "102", PIN: "123456"}); err != nil {
		t.Fatalf("the new PIN: %v", err)
	}
	trail, err := w.srv.Audit(ctx, time.Time{})
	if err != nil || !slices.ContainsFunc(trail, func(e rewards.AuditEntry) bool {
		return e.Kind == rewards.AuditStaffPIN && e.Subject == "102" && e.Staff == "101" && e.Device == "kiosk-s1"
	}) {
		t.Errorf("the new PIN in the audit trail: %+v %v", trail, err)
	}
	w.link.down.Store(true)
	test.Tap(button(t, win.Content(), "Ivo"))
	keys(t, win, "654321")
	test.Tap(button(t, win.Content(), "Done"))
	if !shows(win, "needs the connection") {
		t.Fatalf("offline: %q", texts(win.Content()))
	}
	w.link.down.Store(false)
	if _, err := w.client("").LoginStaff(ctx, rewards.StaffLogin{Number: "102", PIN: "123456"}); err != nil {
		t.Fatalf("the PIN after the offline try: %v", err)
	}
}

// The poster of the kiosk's board goes to the poster printer as a PDF,
// without the server; a kiosk without one says so.
func TestManagerPoster(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.RU)
	w.logIn(t, k, "101")
	w.link.down.Store(true)
	test.Tap(button(t, win.Content(), "Печать плаката"))
	if !shows(win, "нет принтера для плакатов") {
		t.Fatalf("without a poster printer: %q", texts(win.Content()))
	}
	path := filepath.Join(t.TempDir(), "poster.pdf")
	k.PosterPrinter = printer.NewFile(path)
	test.Tap(button(t, win.Content(), "Печать плаката"))
	data, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF")) {
		t.Fatalf("the poster: %v", err)
	}
	if !shows(win, "Плакат с 4 наградами отправлен на принтер.") {
		t.Fatalf("after printing: %q", texts(win.Content()))
	}
}

// The devices' screen says what Devices says of the scanner and the
// printers, and the replica's sync: the server out of reach, the last
// sync and what waits in the outbox, in the session's language.
func TestManagerDevices(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.BG)
	k.Printer, k.CardPrinter = &testPrinter{}, &testCardPrinter{notReady: true}
	k.CheckPrinters(ctx)
	k.Sync = func() any {
		st, err := replica.StatusOf(ctx, w.rep.Ledger)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	w.logIn(t, k, "101")
	if _, err := w.rep.Pull(ctx); err != nil { // at the world's clock
		t.Fatal(err)
	}
	w.link.down.Store(true)
	if _, err := w.svc.IssueCard(ctx, rewards.CardIssue{Handed: true}); err != nil {
		t.Fatal(err)
	}
	w.rep.Sync(ctx) // fails: the kiosk learns it is offline
	test.Tap(button(t, win.Content(), "Устройства и синхронизация"))
	for _, want := range []string{"Скенер: въвеждане от клавиатура", "Принтер за ваучери: готов", "Принтер за карти: не е готов",
		"Без връзка от 10:00", "1 промяна чака изпращане", "0 отворени конфликта"} {
		if !shows(win, want) {
			t.Errorf("the devices' screen has no %q: %q", want, texts(win.Content()))
		}
	}
}

// Every manager's and back-office screen has touch targets of at least
// 48 px, nothing squeezed, overlapping or outside the window, at each of
// a kiosk's sizes, and no word that is not the catalog's. With
// TOCHKA_SHOTS set to a folder, each is saved there as a PNG to look at.
func TestManagerScreensLayout(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.BG)
	fyne.CurrentApp().Settings().SetTheme(kiosk.Theme{Primary: kiosk.ProgramColour(nil)})
	k.Printer, k.CardPrinter = &testPrinter{}, &testCardPrinter{}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "снимка с дълго име на файла.png"), picturePNG(t), 0o644)
	k.PictureDir = dir
	v, err := w.svc.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: w.now}, Card: w.card.Number, Reward: "mug", Store: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("TOCHKA_SHOTS")
	said := map[string]bool{}
	kiosk.Said(func(s string) { said[s] = true })
	defer kiosk.Said(nil)
	screens := []struct {
		name string
		open func()
	}{
		{"manager", func() { w.logIn(t, k, "101") }},
		{"board", func() { test.Tap(button(t, win.Content(), "Таблото с награди")) }},
		{"item", func() { test.Tap(button(t, win.Content(), "Чаша")) }},
		{"number", func() { test.Tap(buttons(win.Content(), "Промени")[3]) }},
		{"date", func() {
			test.Tap(button(t, win.Content(), "Назад"))
			test.Tap(buttons(win.Content(), "Промени")[6])
		}},
		{"pictures", func() {
			test.Tap(button(t, win.Content(), "Назад"))
			test.Tap(buttons(win.Content(), "Промени")[7])
		}},
		{"remove", func() {
			test.Tap(button(t, win.Content(), "Назад"))
			test.Tap(button(t, win.Content(), "Премахни"))
		}},
		{"conflicts", func() { w.logIn(t, k, "101"); test.Tap(button(t, win.Content(), "Конфликти")) }},
		{"staff", func() {
			test.Tap(button(t, win.Content(), "Назад"))
			test.Tap(button(t, win.Content(), "ПИН-ове"))
		}},
		{"pin", func() { test.Tap(button(t, win.Content(), "Ivo")) }},
		{"devices", func() { w.logIn(t, k, "101"); test.Tap(button(t, win.Content(), "Устройства")) }},
		{"voucher", func() { k.Scan(v.Code) }},
		{"test-page", func() { w.logIn(t, k, "101"); test.Tap(button(t, win.Content(), "Пробна страница")) }},
		{"batch", func() { w.logIn(t, k, "101"); test.Tap(button(t, win.Content(), "Печат на партида")) }},
		{"batch-done", func() { keys(t, win, "3"); test.Tap(button(t, win.Content(), "Издай")); k.WaitBatch() }},
	}
	for _, size := range kioskSizes {
		win.Resize(size)
		for _, s := range screens {
			s.open()
			k.SetLang(k.Lang()) // drawn again at this size, as a kiosk draws its screens
			checkLayout(t, win, size, s.name)
			for _, x := range texts(win.Content()) {
				// The board's names, the picture's file name, the
				// voucher's code, a digit typed: data.
				if rest := unsaid(x, said, "Чаша", "Олио", "Тенджера", "Mug", "Oil", "Pot", "снимка с дълго име на файла.png", v.Code); len([]rune(rest)) > 1 {
					t.Errorf("%s shows %q, not from the catalog: %q", s.name, x, rest)
				}
			}
			if shots != "" {
				f, err := os.Create(filepath.Join(shots, fmt.Sprintf("%s-%.0fx%.0f.png", s.name, size.Width, size.Height)))
				if err != nil {
					t.Fatal(err)
				}
				png.Encode(f, win.Canvas().Capture())
				f.Close()
			}
		}
	}
}
