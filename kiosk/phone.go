package kiosk

import (
	"context"
	"errors"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
)

// Phone login: a customer without a card types their phone number on the
// keypad, the server sends a code to it by SMS, the customer types the
// code, and the server answers the cards of the phone's household: one
// opens as a scan of it would, several are chosen from. It needs the
// server: offline, the screen says so.

// ScreenPhone is every screen of phone login, as the status endpoint
// names them.
const ScreenPhone = "phone"

// ResendAfter is how long after a code was sent a new one may be asked
// for.
const ResendAfter = 60 * time.Second

// ChoicePage is how many cards the choice of a phone's cards shows at a
// time.
const ChoicePage = 4

// PhoneLogin sends customers' one-time codes and checks them at the
// server: the API's client (api.Client) does.
type PhoneLogin interface {
	SendCode(ctx context.Context, cmd rewards.OTPStart) (rewards.OTPSent, error)
	VerifyCode(ctx context.Context, cmd rewards.OTPVerify) (rewards.OTPVerified, error)
}

// phoneLogin is one customer's phone login, from the phone button to the
// customer screen. Only the screens' draw functions hold it, so that
// leaving (Back to attract, the idle timeout, a scan) forgets everything
// typed.
type phoneLogin struct {
	cc         string  // the program's country calling code, "" when it has none
	number     *keypad // the phone number typed, after +cc
	code       *keypad // the code typed
	sentTo     string  // the phone the code was sent to, in E.164
	resend     bool    // a new code may be asked for
	stopResend func()  // stops the timer that allows a new code; nil when none runs
	message    lang.Localized
	cards      []rewards.OTPCard // the phone's cards to choose from
	page       int               // of the cards
}

// failure is an error as a message on screen, in the reader's language.
type failure struct{ err error }

// In renders the error in language l.
func (f failure) In(l string) string { return rewards.ErrorText(f.err, l) }

// phoneButton is attract's way in for a customer without a card; nil when
// the kiosk has no phone login (no Phone).
func (k *Kiosk) phoneButton() fyne.CanvasObject {
	if k.Phone == nil {
		return nil
	}
	return k.secondary(k.t("kioskphone.use_phone", nil), k.showPhone)
}

// showPhone starts a phone login: the keypad for the number, or, while
// the server cannot be reached, the words that phone login needs it.
func (k *Kiosk) showPhone() {
	k.clear()
	k.touched()
	if k.Online != nil {
		if online, _ := k.Online(); !online {
			k.phoneMessage("kioskphone.needs_connection")
			return
		}
	}
	p := &phoneLogin{}
	if prog, err := k.Service.Program(context.Background()); err == nil {
		p.cc = prog.CallingCode()
	}
	// E.164 numbers have at most 15 digits, the calling code's included.
	p.number = newKeypad(15-len(p.cc), func(string) { k.redraw() })
	p.code = newKeypad(rewards.OTPDigits, func(code string) {
		if len(code) == rewards.OTPDigits {
			k.verifyCode(p)
			return
		}
		k.redraw()
	})
	k.showNumber(p)
}

// showNumber shows the phone number as typed, in groups, above the
// keypad; "send" is offered once the number is one. The phone screens
// keep to the bottom, within reach from a wheelchair on a portrait
// screen.
func (k *Kiosk) showNumber(p *phoneLogin) {
	k.show(ScreenPhone, func() fyne.CanvasObject {
		phone, err := rewards.NormalizePhone("+"+p.cc+p.number.value, p.cc)
		send := k.button(k.t("kioskphone.send", nil), func() { k.sendCode(p, phone) })
		if err != nil {
			send.Disable()
		}
		number := bold(groupPhone(p.cc, p.number.value), 64)
		number.Alignment = fyne.TextAlignCenter
		body := []fyne.CanvasObject{layout.NewSpacer(), centred(text(k.t("kioskphone.type_number", nil), SizeBody)), number}
		body = append(body, p.messageLine(k)...)
		body = append(body, p.number.draw(k))
		return k.frame(k.t("kioskphone.title", nil), container.NewVBox(body...),
			k.secondary(k.t("kiosk.back", nil), k.toAttract), send)
	})
}

// sendCode asks the server to send a code to the phone and shows the
// code's screen; a new code may be asked for ResendAfter later.
func (k *Kiosk) sendCode(p *phoneLogin, phone string) {
	sent, err := k.Phone.SendCode(context.Background(), rewards.OTPStart{Phone: phone, Lang: k.lang})
	if k.needsConnection(err) {
		return
	}
	p.message = nil
	if err != nil {
		p.message = failure{err}
		k.redraw()
		return
	}
	p.sentTo, p.resend, p.code.value = sent.Phone, false, ""
	if p.stopResend != nil {
		p.stopResend()
	}
	session := k.session
	p.stopResend = k.after(ResendAfter, func() {
		if k.session == session {
			p.resend = true
			k.redraw()
		}
	})
	k.showCode(p)
}

// showCode shows the six boxes of the code above the keypad, and where
// it was sent; the sixth digit checks it.
func (k *Kiosk) showCode(p *phoneLogin) {
	k.show(ScreenPhone, func() fyne.CanvasObject {
		resend := k.secondary(k.t("kioskphone.resend", nil), func() { k.sendCode(p, p.sentTo) })
		if !p.resend {
			resend.Disable()
		}
		sent := text(k.t("kioskphone.sent", lang.Args{"last": lastDigits(p.sentTo, 3)}), SizeBody)
		body := []fyne.CanvasObject{layout.NewSpacer(), centred(sent), codeBoxes(p.code.value)}
		body = append(body, p.messageLine(k)...)
		body = append(body, p.code.draw(k))
		return k.frame(k.t("kioskphone.code_title", nil), container.NewVBox(body...),
			k.secondary(k.t("kiosk.back", nil), func() { k.showNumber(p) }), resend)
	})
}

// verifyCode checks the code typed: the phone's one card opens as a scan
// of it would, several are chosen from; a refusal says why (the tries
// left, or that a new code is needed, which is then offered at once).
func (k *Kiosk) verifyCode(p *phoneLogin) {
	code := p.code.value
	p.code.value = ""
	v, err := k.Phone.VerifyCode(context.Background(), rewards.OTPVerify{Phone: p.sentTo, Code: code})
	if k.needsConnection(err) {
		return
	}
	if err != nil {
		p.message = failure{err}
		var e *rewards.Error
		if errors.As(err, &e) && e.Key != "otp.wrong" {
			p.resend = true // the code is no good any more: a new one is the way on
		}
		k.redraw()
		return
	}
	p.cards = nil
	for _, c := range v.Cards {
		if c.Status != rewards.CardBlocked {
			p.cards = append(p.cards, c)
		}
	}
	switch len(p.cards) {
	case 0:
		k.phoneMessage("kioskphone.no_cards")
	case 1:
		k.Scan(p.cards[0].Number)
	default:
		k.showChoice(p)
	}
}

// showChoice offers the phone's cards, masked, with their holders' given
// names, ChoicePage at a time; the one chosen opens as a scan of it would.
func (k *Kiosk) showChoice(p *phoneLogin) {
	k.show(ScreenPhone, func() fyne.CanvasObject {
		first := (p.page * ChoicePage) % len(p.cards)
		rows := []fyne.CanvasObject{layout.NewSpacer()}
		for _, c := range p.cards[first:min(first+ChoicePage, len(p.cards))] {
			label := k.t("kioskphone.card", lang.Args{"last": lastDigits(c.Number, 4)})
			if c.GivenName != "" {
				label = k.t("kioskphone.card_named", lang.Args{"name": c.GivenName, "last": lastDigits(c.Number, 4)})
			}
			number := c.Number
			rows = append(rows, tall(k.button(label, func() { k.Scan(number) }), KeySize))
		}
		actions := []fyne.CanvasObject{k.secondary(k.t("kiosk.back", nil), k.toAttract)}
		if len(p.cards) > ChoicePage {
			actions = append(actions, k.secondary(k.t("kioskphone.more_cards", nil), func() {
				p.page++
				k.redraw()
			}))
		}
		return k.frame(k.t("kioskphone.choose", nil), container.NewVBox(rows...), actions...)
	})
}

// phoneMessage shows words in place of phone login (it needs the
// connection; the phone has no cards), and Back.
func (k *Kiosk) phoneMessage(key string) {
	k.show(ScreenPhone, func() fyne.CanvasObject {
		return k.frame(k.t("kioskphone.title", nil), wrapped(k.t(key, nil)), k.secondary(k.t("kiosk.back", nil), k.toAttract))
	})
}

// needsConnection shows that phone login needs the connection when err is a
// call that did not reach the server, and reports whether it was.
func (k *Kiosk) needsConnection(err error) bool {
	if err == nil || !api.Unreachable(err) {
		return false
	}
	k.phoneMessage("kioskphone.needs_connection")
	return true
}

// messageLine is what went wrong last, as a paragraph; none when nothing
// did.
func (p *phoneLogin) messageLine(k *Kiosk) []fyne.CanvasObject {
	if p.message == nil {
		return nil
	}
	m := wrapped(p.message.In(k.lang))
	m.Alignment = fyne.TextAlignCenter
	return []fyne.CanvasObject{m}
}

// groupPhone writes a phone number being typed as its country writes it,
// after the calling code cc: in groups of three (+359 888 123 456), or as
// Russia does (+7 912 345 67 89).
func groupPhone(cc, national string) string {
	sizes := []int{3}
	if cc == "7" {
		sizes = []int{3, 3, 2, 2}
	}
	out := "+" + cc
	for i := 0; national != ""; i++ {
		n := min(sizes[min(i, len(sizes)-1)], len(national))
		if out != "+" {
			out += " "
		}
		out += national[:n]
		national = national[n:]
	}
	return out
}

// lastDigits is the last n characters of s (a card number, a phone): what
// a screen shows of it to whoever may look on.
func lastDigits(s string, n int) string { return s[max(len(s)-n, 0):] }

// codeBoxes are the code's OTPDigits boxes, each with its digit once
// typed.
func codeBoxes(code string) fyne.CanvasObject {
	var boxes []fyne.CanvasObject
	for i := range rewards.OTPDigits {
		frame := canvas.NewRectangle(color.Transparent)
		frame.StrokeColor = theme.Color(theme.ColorNameForeground)
		frame.StrokeWidth = 3
		frame.CornerRadius = 8
		d := ""
		if i < len(code) {
			d = code[i : i+1]
		}
		digit := bold(d, 72)
		boxes = append(boxes, container.NewGridWrap(fyne.NewSize(96, 112), container.NewStack(frame, container.NewCenter(digit))))
	}
	return container.NewCenter(container.NewGridWithColumns(len(boxes), boxes...))
}

// centred is a line centred on the screen.
func centred(t *canvas.Text) *canvas.Text {
	t.Alignment = fyne.TextAlignCenter
	return t
}
