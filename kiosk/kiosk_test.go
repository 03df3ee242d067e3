package kiosk_test

import (
	"context"
	"errors"
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
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// testPrinter captures the vouchers printed; notReady makes it refuse.
type testPrinter struct {
	notReady bool
	printed  []rewards.Voucher
}

func (p *testPrinter) Ready(context.Context) error {
	if p.notReady {
		return errors.New("out of paper")
	}
	return nil
}

func (p *testPrinter) PrintVoucher(_ context.Context, v rewards.Voucher, _ string) error {
	p.printed = append(p.printed, v)
	return nil
}

// texts are the texts the window shows: lines and buttons.
func texts(o fyne.CanvasObject) []string {
	switch o := o.(type) {
	case *canvas.Text:
		return []string{o.Text}
	case *widget.Button:
		return []string{o.Text}
	case *fyne.Container:
		var out []string
		for _, c := range o.Objects {
			out = append(out, texts(c)...)
		}
		return out
	}
	return nil
}

// button finds the button whose text starts with prefix.
func button(t *testing.T, o fyne.CanvasObject, prefix string) *widget.Button {
	t.Helper()
	switch o := o.(type) {
	case *widget.Button:
		if strings.HasPrefix(o.Text, prefix) {
			return o
		}
	case *fyne.Container:
		for _, c := range o.Objects {
			if b := button(t, c, prefix); b != nil {
				return b
			}
		}
	}
	return nil
}

func shows(w fyne.Window, s string) bool {
	for _, line := range texts(w.Content()) {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// customerOf100 is the shop with Мария Петрова's card holding 100
// points at now.
func customerOf100(t *testing.T) (*sqlite.Store, time.Time, rewards.Card) {
	t.Helper()
	s, start := shop(t)
	now := start.Add(48 * 24 * time.Hour)
	c, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: start}, Handed: true,
		Details: rewards.Details{GivenName: "Мария", FamilyName: "Петрова", Consent: true}})
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
	a := test.NewApp()
	defer a.Quit()
	w := a.NewWindow("kiosk")
	p := &testPrinter{}
	var idle []func() // the idle timers running, fired by hand
	after := func(d time.Duration, f func()) func() {
		if d != kiosk.DefaultIdle {
			t.Errorf("an idle timer of %s", d)
		}
		i := len(idle)
		idle = append(idle, f)
		return func() { idle[i] = nil }
	}
	k := &kiosk.Kiosk{Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Printer: p, Window: w, After: after}
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
	test.Tap(button(t, w.Content(), "Mug"))
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
	// The voucher screen's own timer is the one running; the customer's
	// were stopped as each screen came.
	running := 0
	for _, f := range idle {
		if f != nil {
			running++
		}
	}
	if running != 1 || idle[len(idle)-1] == nil {
		t.Fatalf("%d idle timers run", running)
	}
	idle[len(idle)-1]()
	if k.Screen() != kiosk.ScreenAttract || k.Customer() != nil || shows(w, "Мария") || !shows(w, "Сканирайте картата си") {
		t.Fatalf("after the idle timeout: %s %q", k.Screen(), texts(w.Content()))
	}
}

// A printer that is not ready means no exchange: no points are spent, and
// the customer is told.
func TestPrinterNotReady(t *testing.T) {
	s, now, c := customerOf100(t)
	a := test.NewApp()
	defer a.Quit()
	w := a.NewWindow("kiosk")
	p := &testPrinter{notReady: true}
	k := &kiosk.Kiosk{Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Printer: p, Window: w}
	k.Start(lang.EN)
	k.Scan(c.Number)
	test.Tap(button(t, w.Content(), "Mug"))
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
