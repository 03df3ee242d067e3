package kiosk

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// KeyboardKey is the side of a key of the on-screen keyboard: well over
// the 48 px a touch target needs, and small enough for the twelve keys of
// a Cyrillic row on a portrait screen.
const KeyboardKey = 72

// The on-screen keyboard's layouts: Latin (QWERTY), the Russian ЙЦУКЕН
// and the Bulgarian phonetic ЯВЕРТЪ.
const (
	LayoutLatin = "latin"
	LayoutRU    = "ru"
	LayoutBG    = "bg"
)

// layoutOrder is the order the layout key goes through the layouts.
var layoutOrder = []string{LayoutLatin, LayoutRU, LayoutBG}

// layoutRows are the letter rows of each layout, under a row of digits.
var layoutRows = map[string][]string{
	LayoutLatin: {"qwertyuiop", "asdfghjkl", "zxcvbnm"},
	LayoutRU:    {"йцукенгшщзхъ", "фывапролджэ", "ячсмитьбюё"},
	LayoutBG:    {"явертъуиопшщ", "асдфгхйклю", "зьцжбнмч"},
}

// keyboardSymbols are the keys beside the space bar: what e-mails,
// double names and phones need.
const keyboardSymbols = "@.-_+"

// field is a line of a staff form: the text the in-app keyboard or keypad
// typed into it, shown on a button that makes it the line typed into. The
// kiosk keeps the text itself: no widget.Entry takes the keyboard focus,
// so that a wedge scanner's keys still reach the window.
type field struct {
	label  string // the catalog key of its name
	max    int    // characters at most
	only   string // the characters it takes; "" any
	secret bool   // shown as dots (a PIN)
	value  string
	shown  *widget.Button // where the value shows, once drawn
}

// set replaces the field's text and shows it.
func (f *field) set(v string) {
	f.value = v
	if f.shown != nil {
		f.shown.SetText(f.text())
	}
}

// typeRune adds r to the field's text, unless the field is full or does
// not take it.
func (f *field) typeRune(r rune) {
	if utf8.RuneCountInString(f.value) >= f.max || f.only != "" && !strings.ContainsRune(f.only, r) {
		return
	}
	f.set(f.value + string(r))
}

// erase takes the last character off the field's text.
func (f *field) erase() {
	if _, n := utf8.DecodeLastRuneInString(f.value); n > 0 {
		f.set(f.value[:len(f.value)-n])
	}
}

// text is what the field shows: its text, or dots for a secret.
func (f *field) text() string {
	if f.secret {
		return strings.Repeat("•", utf8.RuneCountInString(f.value))
	}
	return f.value
}

// digits are what a number's field takes.
const digits = "0123456789"

// keyboard is the in-app keyboard (a kiosk has none): a row of digits,
// the letters of one layout, a layout key that switches to the next
// layout, a shift key for one capital letter, the space bar, symbols and
// backspace. Its keys type into a field.
type keyboard struct {
	layout string
	shift  bool
}

// newKeyboard is a keyboard in the layout of the language l: ЙЦУКЕН for
// Russian, ЯВЕРТЪ for Bulgarian, else Latin.
func newKeyboard(l string) *keyboard {
	if _, ok := layoutRows[l]; ok {
		return &keyboard{layout: l}
	}
	return &keyboard{layout: LayoutLatin}
}

// next is the layout the layout key switches to.
func (kb *keyboard) next() string {
	for i, l := range layoutOrder {
		if l == kb.layout {
			return layoutOrder[(i+1)%len(layoutOrder)]
		}
	}
	return LayoutLatin
}

// draw draws the keys typing into f, labelled in the session's language.
// The layout and shift keys draw the screen again, with the keys
// relabelled.
func (kb *keyboard) draw(k *Kiosk, f *field) fyne.CanvasObject {
	key := func(label string, width float32, typed func()) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(width, KeyboardKey), k.secondary(label, typed))
	}
	row := func(chars string) fyne.CanvasObject {
		var keys []fyne.CanvasObject
		for _, r := range chars {
			if kb.shift {
				r = unicode.ToUpper(r)
			}
			keys = append(keys, key(string(r), KeyboardKey, func() {
				f.typeRune(r)
				if kb.shift && unicode.IsLetter(r) {
					kb.shift = false
					k.redraw()
				}
			}))
		}
		return container.NewCenter(container.NewHBox(keys...))
	}
	rows := []fyne.CanvasObject{row(digits[1:] + digits[:1])}
	for _, letters := range layoutRows[kb.layout] {
		rows = append(rows, row(letters))
	}
	shift := k.secondary(k.t("kioskstaff.key_shift", nil), func() {
		kb.shift = !kb.shift
		k.redraw()
	})
	if kb.shift {
		shift.Importance = widget.HighImportance
	}
	bottom := []fyne.CanvasObject{
		key(k.t("kioskstaff.layout."+kb.next(), nil), 3*KeyboardKey, func() {
			kb.layout, kb.shift = kb.next(), false
			k.redraw()
		}),
		container.NewGridWrap(fyne.NewSize(KeyboardKey, KeyboardKey), shift),
		key(k.t("kioskstaff.key_space", nil), 3*KeyboardKey, func() { f.typeRune(' ') }),
	}
	for _, r := range keyboardSymbols {
		bottom = append(bottom, key(string(r), KeyboardKey, func() { f.typeRune(r) }))
	}
	erase := k.secondary("", f.erase)
	erase.SetIcon(theme.NavigateBackIcon())
	bottom = append(bottom, container.NewGridWrap(fyne.NewSize(KeyboardKey, KeyboardKey), erase))
	rows = append(rows, container.NewCenter(container.NewHBox(bottom...)))
	return container.NewVBox(rows...)
}

// form is the lines of a staff form, one under the other, and the line
// the keyboard or keypad types into.
type form struct {
	fields []*field
	active *field
}

// newForm is a form of the fields, typed into from the first.
func newForm(fields ...*field) *form { return &form{fields: fields, active: fields[0]} }

// draw draws the form's lines: each one's name, and its text on a button
// that makes it the line typed into.
func (fm *form) draw(k *Kiosk) fyne.CanvasObject {
	var cells []fyne.CanvasObject
	for _, f := range fm.fields {
		b := k.secondary(f.text(), func() {
			fm.active = f
			k.redraw()
		})
		b.Alignment = widget.ButtonAlignLeading
		if f == fm.active {
			b.Importance = widget.HighImportance
		}
		f.shown = b
		cells = append(cells, widget.NewLabel(k.t(f.label, nil)), b)
	}
	return container.New(layout.NewFormLayout(), cells...)
}

// keypad is the numeric keypad typing into the form's line.
func (fm *form) keypad(k *Kiosk) fyne.CanvasObject {
	f := fm.active
	p := newKeypad(f.max, f.set)
	p.value = f.value
	return p.draw(k)
}

// next makes the next line the one typed into, after the last the first.
func (fm *form) next() {
	for i, f := range fm.fields {
		if f == fm.active {
			fm.active = fm.fields[(i+1)%len(fm.fields)]
			return
		}
	}
}
