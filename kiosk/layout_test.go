package kiosk_test

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// The screen sizes a kiosk has: landscape full HD, 5:4, portrait.
var kioskSizes = []fyne.Size{{Width: 1920, Height: 1080}, {Width: 1280, Height: 1024}, {Width: 1080, Height: 1920}}

// placed is an object drawn on the window, where it is drawn.
type placed struct {
	o        fyne.CanvasObject
	pos      fyne.Position // on the window
	parent   *fyne.Container
	inWidget bool // drawn by a widget's renderer, not laid out by the screen
}

// drawn lists the visible objects under o, with their places on the
// window.
func drawn(o fyne.CanvasObject, pos fyne.Position, parent *fyne.Container, inWidget bool, out *[]placed) {
	if !o.Visible() {
		return
	}
	pos = pos.Add(o.Position())
	*out = append(*out, placed{o: o, pos: pos, parent: parent, inWidget: inWidget})
	switch o := o.(type) {
	case *fyne.Container:
		for _, c := range o.Objects {
			drawn(c, pos, o, inWidget, out)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(o).Objects() {
			drawn(c, pos, nil, true, out)
		}
	}
}

// overlaps says whether two places' rectangles share more than a pixel
// either way.
func overlaps(a, b placed) bool {
	const slack = 1
	ax, ay := a.pos.X, a.pos.Y
	bx, by := b.pos.X, b.pos.Y
	return ax+a.o.Size().Width-slack > bx && bx+b.o.Size().Width-slack > ax &&
		ay+a.o.Size().Height-slack > by && by+b.o.Size().Height-slack > ay
}

// name says what an object is, for a failure's message.
func name(o fyne.CanvasObject) string {
	switch o := o.(type) {
	case *widget.Button:
		return fmt.Sprintf("button %q", o.Text)
	case *canvas.Text:
		return fmt.Sprintf("text %q", o.Text)
	case *widget.Label:
		return fmt.Sprintf("label %q", o.Text)
	}
	return fmt.Sprintf("%T", o)
}

// checkLayout fails on what is wrong with the window's layout at the
// screen's size: an object drawn smaller than it needs (its text overflows), one
// outside the window, two siblings laid over each other, a touch target
// under 48 px.
func checkLayout(t *testing.T, w fyne.Window, size fyne.Size, screen string) {
	t.Helper()
	if min := w.Content().MinSize(); min.Width > size.Width || min.Height > size.Height {
		t.Errorf("%s at %v×%v: needs %v×%v", screen, size.Width, size.Height, min.Width, min.Height)
		return
	}
	w.Resize(size) // the test driver's canvas grows to its content and stays so
	// Wrapped text knows its height once its width is known: a window
	// lays out again when a minimum size changes, as this does.
	for range 3 {
		w.Content().Refresh()
	}
	var all []placed
	drawn(w.Content(), fyne.Position{}, nil, false, &all)
	where := fmt.Sprintf("%s at %v×%v", screen, size.Width, size.Height)
	for _, p := range all {
		s, min := p.o.Size(), p.o.MinSize()
		if _, ok := p.o.(*canvas.Text); ok || !p.inWidget {
			if s.Width+0.5 < min.Width || s.Height+0.5 < min.Height {
				t.Errorf("%s: %s is drawn %v×%v, needs %v×%v", where, name(p.o), s.Width, s.Height, min.Width, min.Height)
			}
		}
		if p.pos.X < -0.5 || p.pos.Y < -0.5 || p.pos.X+s.Width > size.Width+0.5 || p.pos.Y+s.Height > size.Height+0.5 {
			t.Errorf("%s: %s at %v size %v leaves the window", where, name(p.o), p.pos, s)
		}
		if b, ok := p.o.(*widget.Button); ok && (s.Width < 48 || s.Height < 48) {
			t.Errorf("%s: the button %q is %v×%v, under 48 px", where, b.Text, s.Width, s.Height)
		}
	}
	for i, a := range all {
		if a.inWidget || a.parent == nil {
			continue
		}
		if _, stacked := a.parent.Layout.(interface{ isStack() }); stacked {
			continue
		}
		for _, b := range all[i+1:] {
			if b.parent != a.parent || isStack(a.parent) || a.o.Size().IsZero() || b.o.Size().IsZero() {
				continue
			}
			if overlaps(a, b) {
				t.Errorf("%s: %s and %s overlap", where, name(a.o), name(b.o))
			}
		}
	}
}

// isStack says whether a container lays its objects over each other on
// purpose (a band behind a header's text).
func isStack(c *fyne.Container) bool {
	return c.Layout == nil || fmt.Sprintf("%T", c.Layout) == fmt.Sprintf("%T", layout.NewStackLayout())
}

// screen is a screen of the kiosk's, shown by show from attract.
type screen struct {
	name string
	show func()
}

// kioskScreens are the screens of a kiosk k, in window w, for the card
// whose customer has points enough for every exchange; the kiosk is
// online unless *offline, which only the offline attract sets.
func kioskScreens(t *testing.T, k *kiosk.Kiosk, w fyne.Window, card string, offline *bool) []screen {
	return []screen{
		{"attract", func() { k.Start(k.Lang()) }},
		{"attract offline", func() { *offline = true; k.Start(k.Lang()) }},
		{"customer", func() { k.Scan(card) }},
		{"confirm", func() { k.Scan(card); test.Tap(button(t, w.Content(), takeLabel(k.Lang(), 95))) }},
		{"phone", func() {
			k.Start(k.Lang())
			test.Tap(button(t, w.Content(), lang.Text(k.Lang(), "kioskphone.use_phone", nil)))
		}},
		{"phone code", func() {
			k.Start(k.Lang())
			test.Tap(button(t, w.Content(), lang.Text(k.Lang(), "kioskphone.use_phone", nil)))
			keys(t, w, "888777666")
			test.Tap(button(t, w.Content(), lang.Text(k.Lang(), "kioskphone.send", nil)))
		}},
		{"history", func() { k.Scan(card); test.Tap(button(t, w.Content(), lang.Text(k.Lang(), "kiosk.history", nil))) }},
		{"printing", func() {
			k.Scan(card)
			k.Work = func(func()) {} // the voucher is being made all along
			test.Tap(button(t, w.Content(), takeLabel(k.Lang(), 40)))
			test.Tap(button(t, w.Content(), lang.Text(k.Lang(), "kiosk.take", nil)))
		}},
		{"voucher", func() {
			k.Scan(card)
			test.Tap(button(t, w.Content(), takeLabel(k.Lang(), 40)))
			test.Tap(button(t, w.Content(), lang.Text(k.Lang(), "kiosk.take", nil)))
		}},
	}
}

// richShop is the shop of customerOf100 with a reward whose name is one
// long word, a reward out of anyone's reach, points enough on the card
// for every exchange the screens' walk makes, and a family card.
func richShop(t *testing.T) (*sqlite.Store, time.Time, rewards.Card) {
	s, now, c := customerOf100(t)
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: now.Add(-time.Hour)}, Reward: rewards.Reward{ID: "set", Coop: "c1", Points: 95,
		Names: rewards.Names{BG: "Тенджера-тиган-комплект-неръждаема-стомана-Tefal", RU: "Кастрюля-сковорода-комплект-нержавеющая-сталь-Tefal",
			EN: "Saucepan-and-frying-pan-set-stainless-steel-Tefal"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostReceipt(ctx, rewards.Receipt{ID: "R2", Store: "s1", Card: c.Number, Time: now.Add(-9 * 24 * time.Hour),
		Lines: []rewards.Line{{SKU: "tv", Qty: 1, Amount: 250000}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: now.Add(-time.Hour)}, Reward: rewards.Reward{ID: "car", Coop: "c1", Points: 1000000,
		Names: rewards.Names{BG: "Кола", RU: "Машина", EN: "Car"}}}); err != nil {
		t.Fatal(err)
	}
	fam, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: now.Add(-time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkCard(ctx, rewards.CardLink{Meta: rewards.Meta{At: now.Add(-time.Hour)}, Card: fam.Number, Holder: c.Number, Pool: true}); err != nil {
		t.Fatal(err)
	}
	return s, now, c
}

// Every screen is laid out whole, with nothing squeezed, overlapping or
// off the window, and every button a touch target, in each language at
// each of the kiosk's sizes, with a reward whose name is one long word.
func TestLayout(t *testing.T) {
	s, now, c := richShop(t)
	a := test.NewApp()
	defer a.Quit()
	a.Settings().SetTheme(kiosk.Theme{Primary: kiosk.ProgramColour(nil)})
	w := a.NewWindow("kiosk")
	_, phone := serve(t, s, &gateway{})
	offline := false
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after,
		Online: func() (bool, time.Time) { return !offline, now.Add(-time.Hour) }, Phone: phone, Printer: &testPrinter{}}
	for _, l := range lang.All {
		for _, size := range kioskSizes {
			k.Start(l)
			for _, sc := range kioskScreens(t, k, w, c.Number, &offline) {
				offline, k.Work = false, atOnce
				sc.show()
				checkLayout(t, w, size, fmt.Sprintf("%s in %s", sc.name, l))
			}
		}
	}
}

// Every word a screen shows comes from the catalog in the session's
// language, or is data: a reward's name, the customer's given name, the
// clock, the store's name, what the customer typed.
func TestOnlyCatalogText(t *testing.T) {
	s, now, c := richShop(t)
	said := map[string]bool{}
	kiosk.Said(func(s string) { said[s] = true })
	defer kiosk.Said(nil)
	board, err := s.Rewards(ctx, "c1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	w := newWindow(t)
	_, phone := serve(t, s, &gateway{})
	offline := false
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after,
		Online: func() (bool, time.Time) { return !offline, now.Add(-time.Hour) }, Phone: phone, Printer: &testPrinter{}}
	// The clock, the phone number typed, a digit of the code.
	typed := regexp.MustCompile(`^([0-2]?[0-9]:[0-5][0-9]|\+[0-9 ]+|[0-9]?)$`)
	for _, l := range lang.All {
		clear(said) // what another language said is no word of this one's
		data := map[string]bool{"Мария": true, "Store s1": true}
		for _, rw := range board {
			data[rw.Names.In(l)] = true
		}
		k.Start(l)
		for _, sc := range kioskScreens(t, k, w, c.Number, &offline) {
			offline, k.Work = false, atOnce
			sc.show()
			for _, s := range texts(w.Content()) {
				if rest := unsaid(s, said, slices.Collect(maps.Keys(data))...); rest != "" && !typed.MatchString(s) {
					t.Errorf("%s in %s shows %q, not from the catalog: %q", sc.name, l, s, rest)
				}
			}
		}
	}
}

// unsaid is what is left of a text shown once every catalog text the
// kiosk said and every piece of data are taken out of it, and the
// spaces, digits and punctuation between them: the words that came from
// nowhere.
func unsaid(shown string, said map[string]bool, data ...string) string {
	pieces := slices.Collect(maps.Keys(said))
	pieces = append(pieces, data...)
	// The longest first: a sentence before the word it holds.
	slices.SortFunc(pieces, func(a, b string) int { return len(b) - len(a) })
	for _, p := range pieces {
		if p != "" {
			shown = strings.ReplaceAll(shown, p, " ")
		}
	}
	return strings.TrimFunc(shown, func(r rune) bool { return !unicode.IsLetter(r) })
}

// takeLabel is the label of the button that takes a reward of pts
// points, in language l.
func takeLabel(l string, pts int64) string {
	return lang.Text(l, "kiosk.take_for", lang.Args{"points": lang.M("unit.points", lang.Args{"count": lang.Number(pts)})})
}
