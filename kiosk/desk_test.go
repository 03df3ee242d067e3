package kiosk_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
)

// testCardPrinter captures the cards printed, a call's at a time; with
// hold set, each call says it started and waits to be let go; notReady
// makes it refuse.
type testCardPrinter struct {
	mu       sync.Mutex
	notReady bool
	calls    []printer.Cards
	hold     bool
	started  chan struct{}
	release  chan struct{}
}

func (p *testCardPrinter) Ready(context.Context) error {
	if p.notReady {
		return errors.New("the card printer's ribbon is out")
	}
	return nil
}

func (p *testCardPrinter) PrintCards(_ context.Context, c printer.Cards) error {
	if p.hold {
		p.started <- struct{}{}
		<-p.release
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, c)
	return nil
}

// printed is how many cards each call printed.
func (p *testCardPrinter) printed() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for _, c := range p.calls {
		out = append(out, len(c.Cards))
	}
	return out
}

// progressBar is the progress bar the window shows.
func progressBar(t *testing.T, w fyne.Window) *widget.ProgressBar {
	t.Helper()
	var bar *widget.ProgressBar
	objects(w.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.ProgressBar); ok && b.Visible() {
			bar = b
		}
	})
	if bar == nil {
		t.Fatalf("no progress bar among %q", texts(w.Content()))
	}
	return bar
}

// A voucher's code scanned on a staff screen, without its dashes, opens
// the voucher: its reward, state, card masked and dates in words; an open
// one prints again. A card's number is no voucher's, and without a staff
// session no scan opens a voucher.
func TestVoucherCheck(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.EN)
	p := &testPrinter{}
	k.Printer = p
	v, err := w.svc.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: w.now}, Card: w.card.Number, Reward: "mug", Store: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	code := strings.ReplaceAll(v.Code, "-", "")
	k.Scan(code)
	if k.Screen() == kiosk.ScreenVoucherCheck {
		t.Fatal("a voucher opened without a staff session")
	}
	w.logIn(t, k, "101")
	k.Scan(w.card.Number)
	if k.Screen() == kiosk.ScreenVoucherCheck {
		t.Fatal("a card's number opened as a voucher")
	}
	w.logIn(t, k, "101")
	k.Scan(code)
	if k.Screen() != kiosk.ScreenVoucherCheck {
		t.Fatalf("the voucher's scan: %s", k.Screen())
	}
	for _, want := range []string{"Voucher " + v.Code, "Mug: 40 points", "open", "•••• " + w.card.Number[9:], "10:00", "30 January, 10:00"} {
		if !shows(win, want) {
			t.Errorf("the voucher shows no %q: %q", want, texts(win.Content()))
		}
	}
	if shows(win, w.card.Number) {
		t.Errorf("the voucher shows the card's number: %q", texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Print again"))
	if len(p.printed) != 1 || p.printed[0].Code != v.Code || !shows(win, "went to the printer again") {
		t.Fatalf("printed again: %+v %q", p.printed, texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Back"))
	if k.Screen() != kiosk.ScreenManager {
		t.Fatalf("back from the voucher: %s", k.Screen())
	}
}

// The test page prints the sample card to the card printer and the
// Russian and the Bulgarian voucher to the voucher printer, and says so;
// a printer that is not ready is said in words.
func TestTestPage(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.EN)
	vp, cp := &testPrinter{}, &testCardPrinter{}
	k.Printer, k.CardPrinter = vp, cp
	w.logIn(t, k, "101")
	test.Tap(button(t, win.Content(), "Print a test page"))
	p, err := w.svc.Program(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cp.calls) != 1 || cp.calls[0].Cards[0].Number != printer.TestCard(p).Number {
		t.Errorf("the card printer printed %+v", cp.calls)
	}
	if len(vp.printed) != 2 || vp.printed[0].Code != "TEST-PAGE-RU23" || vp.printed[1].Code != "TEST-PAGE-BG45" {
		t.Errorf("the voucher printer printed %+v", vp.printed)
	}
	if k.Screen() != kiosk.ScreenTestPage || len(buttonsShowing(win, "printed")) != 2 {
		t.Errorf("the test page's screen: %q", texts(win.Content()))
	}
	cp.notReady = true
	test.Tap(button(t, win.Content(), "Back"))
	test.Tap(button(t, win.Content(), "Print a test page"))
	if !shows(win, "Not printed: ") || len(cp.calls) != 1 || len(vp.printed) != 4 {
		t.Errorf("with the card printer not ready: %d cards, %d vouchers, %q", len(cp.calls), len(vp.printed), texts(win.Content()))
	}
}

// buttonsShowing are the lines of the window that say s.
func buttonsShowing(w fyne.Window, s string) []string {
	var out []string
	for _, line := range texts(w.Content()) {
		if line == s {
			out = append(out, line)
		}
	}
	return out
}

// A batch of 12 cards is issued at the server and printed a sheet at a
// time, the progress bar reaching its end; the server lists none of them
// as unprinted.
func TestBatchPrint(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.EN)
	cp := &testCardPrinter{}
	k.CardPrinter = cp
	w.logIn(t, k, "101")
	test.Tap(button(t, win.Content(), "Print a batch of cards"))
	keys(t, win, "12")
	test.Tap(button(t, win.Content(), "Issue and print"))
	k.WaitBatch()
	bar := progressBar(t, win)
	if bar.Value != bar.Max || !shows(win, "12 cards of 12 printed") || shows(win, "not printed") {
		t.Fatalf("after the batch: %v of %v, %q", bar.Value, bar.Max, texts(win.Content()))
	}
	if got := cp.printed(); len(got) != 2 || got[0] != kiosk.BatchChunk || got[1] != 12-kiosk.BatchChunk {
		t.Fatalf("printed %v", got)
	}
	batch := cp.calls[0].Batch
	for _, c := range append(cp.calls[0].Cards, cp.calls[1].Cards...) {
		card, err := w.srv.Card(ctx, c.Number, w.now)
		if err != nil || card.HandedAt != nil {
			t.Fatalf("card %s at the server: %+v %v", c.Number, card, err)
		}
	}
	if left, err := w.srv.UnprintedCards(ctx, batch); err != nil || len(left) != 0 {
		t.Fatalf("unprinted: %+v %v", left, err)
	}
	test.Tap(button(t, win.Content(), "Done"))
	if k.Screen() != kiosk.ScreenManager {
		t.Fatalf("after Done: %s", k.Screen())
	}
}

// Cancelled while its first sheet prints, a batch stops after that
// sheet: the rest of the cards it issued stay listed as unprinted at the
// server, and the screen says so.
func TestBatchCancel(t *testing.T) {
	w := newManagerWorld(t)
	k, win := w.kiosk(t, lang.EN)
	cp := &testCardPrinter{hold: true, started: make(chan struct{}, 3), release: make(chan struct{})}
	k.CardPrinter = cp
	w.logIn(t, k, "101")
	test.Tap(button(t, win.Content(), "Print a batch of cards"))
	keys(t, win, "25")
	test.Tap(button(t, win.Content(), "Issue and print"))
	<-cp.started
	if !shows(win, "Issuing cards: 25 of 25") {
		t.Errorf("while the first sheet prints: %q", texts(win.Content()))
	}
	test.Tap(button(t, win.Content(), "Cancel"))
	close(cp.release)
	k.WaitBatch()
	if got := cp.printed(); len(got) != 1 || got[0] != kiosk.BatchChunk {
		t.Fatalf("printed %v", got)
	}
	batch := cp.calls[0].Batch
	left, err := w.srv.UnprintedCards(ctx, batch)
	if err != nil || len(left) != 25-kiosk.BatchChunk {
		t.Fatalf("unprinted: %d %v", len(left), err)
	}
	if !shows(win, "10 cards of 25 printed") || !shows(win, "15 cards were issued and not printed: they stay listed as unprinted in batch") || !shows(win, batch) {
		t.Fatalf("after cancelling: %q", texts(win.Content()))
	}
}
