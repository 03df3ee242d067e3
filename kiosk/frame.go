package kiosk

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/lang"
)

// Type sizes of the screens, in Fyne's units (pixels at scale 1): the
// balance is the largest thing on a screen, nothing is under Small.
const (
	SizeBalance = 140
	SizeHeading = 48
	SizeBody    = 36
	SizeSmall   = 28
)

// Countdown is how long before the idle timeout a full-width bar counts
// the seconds down; any touch stops it.
const Countdown = 10 * time.Second

// text is a line of the screen, size points high, in the theme's
// foreground colour.
func text(s string, size float32) *canvas.Text {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize = size
	return t
}

// bold is a line in bold.
func bold(s string, size float32) *canvas.Text {
	t := text(s, size)
	t.TextStyle.Bold = true
	return t
}

// onPrimary is a line on the header band.
func onPrimary(s string, size float32) *canvas.Text {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForegroundOnPrimary))
	t.TextSize = size
	t.TextStyle.Bold = true
	return t
}

// wrapped is a paragraph that wraps at the screen's width.
func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// para is a paragraph in the theme's text size of that name, wrapping at
// its width (a long word too), bold or not.
func para(s string, size fyne.ThemeSizeName, bold bool) *widget.RichText {
	r := widget.NewRichText(&widget.TextSegment{Text: s, Style: widget.RichTextStyle{
		ColorName: theme.ColorNameForeground, SizeName: size, TextStyle: fyne.TextStyle{Bold: bold}}})
	r.Wrapping = fyne.TextWrapWord
	return r
}

// button is a primary action in the program's colour; tapping it counts
// as a touch of the session.
func (k *Kiosk) button(label string, f func()) *widget.Button {
	b := k.secondary(label, f)
	b.Importance = widget.HighImportance
	return b
}

// secondary is an action drawn plainly; tapping it counts as a touch.
func (k *Kiosk) secondary(label string, f func()) *widget.Button {
	return widget.NewButton(label, func() {
		if k.customerScreen() {
			k.touched()
		}
		f()
	})
}

// customerScreen says whether the screen shown belongs to a session
// whose idle timeout a touch restarts: anything but attract, and but the
// wait while a voucher is made (which has no timeout).
func (k *Kiosk) customerScreen() bool { return k.screen != ScreenAttract && k.screen != ScreenPrinting }

// langButtons switch the session's language.
func (k *Kiosk) langButtons() fyne.CanvasObject {
	var row []fyne.CanvasObject
	for _, l := range lang.All {
		l := l
		b := k.secondary(lang.Text(l, "kiosk.lang_name", nil), func() { k.SetLang(l) })
		if said != nil {
			said(b.Text)
		}
		if l == k.lang {
			b.Importance = widget.SuccessImportance // the language spoken: white on the band
		}
		row = append(row, b)
	}
	return container.NewHBox(row...)
}

// header is the band at the top of every screen, in the program's
// colour: the title on the left; on the right what is given (a clock, a
// leave button) and the language buttons.
func (k *Kiosk) header(title string, right ...fyne.CanvasObject) fyne.CanvasObject {
	band := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	right = append(right, k.langButtons())
	// A title wraps on a narrow portrait screen; a landscape one has room
	// for it on a line, and a line takes less height.
	var heading fyne.CanvasObject = onPrimary(title, SizeHeading)
	if k.portrait() {
		r := widget.NewRichText(&widget.TextSegment{Text: title, Style: widget.RichTextStyle{
			ColorName: theme.ColorNameForegroundOnPrimary, SizeName: theme.SizeNameHeadingText, TextStyle: fyne.TextStyle{Bold: true}}})
		r.Wrapping = fyne.TextWrapWord
		heading = r
	}
	return container.NewStack(band, container.NewPadded(
		container.NewBorder(nil, nil, nil, container.NewVBox(layout.NewSpacer(), container.NewHBox(right...), layout.NewSpacer()), heading)))
}

// frame draws a screen of a session: the header band with the title, the
// body, the idle countdown when it runs, and the actions at the bottom in
// one row of large buttons.
func (k *Kiosk) frame(title string, body fyne.CanvasObject, actions ...fyne.CanvasObject) fyne.CanvasObject {
	var foot []fyne.CanvasObject
	k.bar = widget.NewProgressBar()
	k.bar.Max = Countdown.Seconds()
	k.bar.TextFormatter = func() string {
		return k.t("kiosk.countdown", lang.Args{"seconds": fmt.Sprint(int(k.bar.Value))})
	}
	if k.left == 0 {
		k.bar.Hide()
	} else {
		k.bar.SetValue(float64(k.left))
	}
	foot = append(foot, k.bar)
	if b := k.scannerBanner(); b != nil {
		foot = append(foot, b)
	}
	if len(actions) > 0 {
		foot = append(foot, container.NewGridWithColumns(len(actions), actions...))
	}
	return container.NewBorder(k.header(title), container.NewPadded(container.NewVBox(foot...)), nil, nil,
		container.NewPadded(container.New(reach{}, body)))
}

// portrait says whether the window is taller than it is wide: a screen
// drawn for it puts side by side what a landscape one does one under the
// other.
func (k *Kiosk) portrait() bool {
	s := k.Window.Canvas().Size()
	return s.Height > s.Width
}

// reach lays a screen's body out where a customer reaches it: at the top
// of a landscape screen, at the bottom of a portrait one, whose upper
// third is out of reach from a wheelchair.
type reach struct{}

// MinSize implements fyne.Layout: the body's.
func (reach) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

// Layout implements fyne.Layout.
func (reach) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	body := objs[0]
	h := min(body.MinSize().Height, size.Height)
	y := float32(0)
	if size.Height > size.Width {
		y = size.Height - h
	}
	body.Resize(fyne.NewSize(size.Width, h))
	body.Move(fyne.NewPos(0, y))
}

// tall makes o at least height high: a primary action a finger finds
// easily.
func tall(o fyne.CanvasObject, height float32) fyne.CanvasObject {
	room := canvas.NewRectangle(color.Transparent)
	room.SetMinSize(fyne.NewSize(0, height))
	return container.NewStack(room, o)
}
