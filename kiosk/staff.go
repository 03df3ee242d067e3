package kiosk

import (
	"context"
	"image/color"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
)

// Screens of the staff, as the status endpoint names them: the login,
// then every screen of a staff session.
const (
	ScreenStaffLogin = "staff-login"
	ScreenStaff      = "staff"
)

// StaffLedger is a ledger's own staff as the kiosk reads them: a kiosk's
// replica (rewards/sqlite's Store, or replica.Service over it) keeps its
// staff members with their PIN hashes, so that they log in while the
// server cannot be reached.
type StaffLedger interface {
	StaffList(ctx context.Context) ([]rewards.StaffMember, error)
	LoginStaff(ctx context.Context, c rewards.StaffLogin, d rewards.Device) (rewards.NewStaffSession, error)
}

// StaffLogins opens staff sessions at the server: the API client
// (rewards/api) with the kiosk's token.
type StaffLogins interface {
	LoginStaff(ctx context.Context, c rewards.StaffLogin) (rewards.NewStaffSession, error)
}

// staffSession is the staff member who proved who they are at the
// kiosk (a staff card, or a staff number and PIN), until they leave or
// the idle timeout ends it; token is the server's session token when the
// login reached the server, empty when it was checked offline against the
// replica's staff.
type staffSession struct {
	member rewards.StaffMember
	token  string
}

// staffAction is an entry of the staff menu: the catalog key of its
// label, and the screen it opens.
type staffAction struct {
	label string
	open  func()
}

// staffActions are the staff menu's entries, in order: another entry is
// one more line.
func (k *Kiosk) staffActions() []staffAction {
	return []staffAction{
		{"kioskstaff.enrol", k.showEnrol},
		{"kioskstaff.lost", k.showLost},
		{"kioskstaff.link", k.showLink},
		{"kioskmanager.voucher_check", func() { k.showVoucherCheck("") }},
		{"kioskmanager.test_page", k.printTestPage},
		{"kioskmanager.batch", k.showBatchPrint},
	}
}

// staffButton is attract's small way in for staff; nil when the kiosk
// has no staff to log in.
func (k *Kiosk) staffButton() fyne.CanvasObject {
	if k.Staff == nil && k.StaffServer == nil {
		return nil
	}
	return k.secondary(k.t("kioskstaff.staff", nil), func() { k.showLogin("") })
}

// isStaffCard says whether code is a staff member's staff card.
func (k *Kiosk) isStaffCard(code string) bool {
	if k.Staff == nil || rewards.ValidStaffCard(code) != nil {
		return false
	}
	staff, err := k.Staff.StaffList(context.Background())
	return err == nil && slices.ContainsFunc(staff, func(m rewards.StaffMember) bool { return m.Card == code })
}

// staffScan gives a scanned code to the staff screen shown when it
// waits for a card, and says whether it did. A staff card is no card to
// wait for: it starts a login of its own.
func (k *Kiosk) staffScan(code string) bool {
	if k.staff == nil || k.isStaffCard(code) {
		return false
	}
	// A voucher's code opens the voucher on any staff screen, one that
	// waits for a card too (a card's number is no voucher's code).
	if k.scanOnStaff(code) {
		return true
	}
	if k.scanned == nil {
		return false
	}
	k.touched()
	k.message = ""
	k.scanned(code)
	return true
}

// showLogin shows the staff login: the staff number and the PIN on the
// keypad, or, after a staff card was scanned (card), the PIN only.
func (k *Kiosk) showLogin(card string) {
	k.clear()
	k.touched()
	number := &field{label: "kioskstaff.number", max: 32, only: digits}
	pin := &field{label: "kioskstaff.pin", max: 16, only: digits, secret: true}
	fm, hint := newForm(number, pin), "kioskstaff.login_hint"
	if card != "" {
		fm, hint = newForm(pin), "kioskstaff.login_card"
	}
	k.show(ScreenStaffLogin, func() fyne.CanvasObject {
		return k.staffFrame(k.t("kioskstaff.login_title", nil), k.besideKeypad(fm, wrapped(k.t(hint, nil)), fm.draw(k)),
			k.secondary(k.t("kioskstaff.cancel", nil), k.toAttract),
			k.button(k.t("kioskstaff.log_in", nil), func() {
				if number.value == "" && card == "" {
					k.say(k.t("kioskstaff.number_missing", nil))
					return
				}
				s, err := k.loginStaff(context.Background(), rewards.StaffLogin{Number: number.value, Card: card, PIN: pin.value})
				if err != nil {
					pin.value, fm.active = "", pin
					k.say(rewards.ErrorText(err, k.lang))
					return
				}
				k.staff = &s
				if s.member.Role == rewards.StaffRoleManager {
					k.showManager()
					return
				}
				k.showStaff()
			}))
	})
}

// loginStaff opens a staff session: at the server when the kiosk has one
// (its session token kept for the server-only work), and against the
// ledger's own staff at the kiosk's Device while the server cannot be
// reached.
func (k *Kiosk) loginStaff(ctx context.Context, l rewards.StaffLogin) (staffSession, error) {
	if k.StaffServer != nil {
		s, err := k.StaffServer.LoginStaff(ctx, l)
		if err == nil {
			return staffSession{member: s.Staff, token: s.Token}, nil
		}
		if k.Staff == nil || !api.Unreachable(err) {
			return staffSession{}, err
		}
	}
	s, err := k.Staff.LoginStaff(ctx, l, k.Device)
	return staffSession{member: s.Staff}, err
}

// staffCtx is the context of a change the staff member makes: the
// ledger records their number beside it.
func (k *Kiosk) staffCtx() context.Context {
	return rewards.WithStaff(context.Background(), k.staff.member.Number)
}

// staffShow shows a screen of the staff session: what went wrong on the
// last one is forgotten, and scanned (nil: nothing) takes the cards
// scanned while it shows.
func (k *Kiosk) staffShow(draw func() fyne.CanvasObject, scanned func(code string)) {
	k.message = ""
	k.show(ScreenStaff, draw)
	k.scanned = scanned
}

// say shows what went wrong on the screen shown.
func (k *Kiosk) say(message string) {
	k.message = message
	k.redraw()
}

// staffFrame draws a staff screen: the frame of every screen, and what
// went wrong (k.message) above the body, low on the screen.
func (k *Kiosk) staffFrame(title string, body fyne.CanvasObject, actions ...fyne.CanvasObject) fyne.CanvasObject {
	// At the bottom, near the actions: within reach on a portrait screen.
	lines := []fyne.CanvasObject{layout.NewSpacer()}
	if k.message != "" {
		m := wrapped(k.message)
		m.TextStyle.Bold = true
		lines = append(lines, m)
	}
	return k.frame(title, container.NewVBox(append(lines, body)...), actions...)
}

// showStaff shows the staff menu: its entries (staffActions) and the
// way out.
func (k *Kiosk) showStaff() {
	k.staffShow(func() fyne.CanvasObject {
		var entries []fyne.CanvasObject
		for _, a := range k.staffActions() {
			tall := canvas.NewRectangle(color.Transparent)
			tall.SetMinSize(fyne.NewSize(0, 120))
			entries = append(entries, container.NewStack(tall, k.button(k.t(a.label, nil), a.open)))
		}
		return k.staffFrame(k.t("kioskstaff.menu_title", lang.Args{"name": k.staff.member.Name}),
			container.NewVBox(container.NewGridWithColumns(2, entries...), k.statusStrip()),
			k.secondary(k.t("kioskstaff.log_out", nil), k.toAttract))
	}, nil)
}

// syncState is what the staff's screens read of Sync's answer, as the
// status endpoint writes it (a replica's status): whether the server
// answers, when the replica last caught up, what waits for the server,
// the conflicts open.
type syncState struct {
	Online    *bool      `json:"online"`
	PulledAt  *time.Time `json:"pulled_at"`
	Outbox    *int       `json:"outbox"`
	Conflicts *int       `json:"conflicts"`
}

// statusStrip is the strip under the staff's and the manager's menus: the states
// of the scanner and the printers, and whether the server answers, when
// the replica last caught up with it and how many of the kiosk's changes
// wait for it; in three columns, each line cut short enough for half a
// portrait screen.
func (k *Kiosk) statusStrip() fyne.CanvasObject {
	var parts []fyne.CanvasObject
	for _, line := range append(k.deviceLines(), k.syncLines()...) {
		l := widget.NewLabel(line) // a line each, cut short: the manager's screen says it whole
		l.Truncation = fyne.TextTruncateEllipsis
		parts = append(parts, l)
	}
	return container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameButton)),
		container.NewPadded(container.NewGridWithColumns(3, parts...)))
}

// syncLines say how the sync is, as the staff read it: whether the
// server answers and when the replica last caught up with it, and how
// many of the kiosk's changes wait for it; none without Sync.
func (k *Kiosk) syncLines() []string {
	st, _ := k.syncNow()
	var out []string
	switch {
	case st.Online != nil && st.PulledAt != nil:
		out = append(out, k.t("kioskstaff.synced."+strconv.FormatBool(*st.Online), lang.Args{"time": k.when(*st.PulledAt)}))
	case st.Online != nil:
		out = append(out, k.t("kioskstaff.online."+strconv.FormatBool(*st.Online), nil))
	}
	if st.Outbox != nil {
		out = append(out, k.t("kioskstaff.outbox", lang.Args{"count": lang.Number(*st.Outbox)}))
	}
	return out
}

// when is a moment in the program's time zone: its time of day, with
// the day in words when it is not today.
func (k *Kiosk) when(t time.Time) string {
	loc := k.location()
	t = t.In(loc)
	if y, m, d := k.now().In(loc).Date(); t.Year() == y && t.Month() == m && t.Day() == d {
		return t.Format("15:04")
	}
	return k.t("kioskstaff.day_time", lang.Args{"day": lang.DayMonth(t), "time": t.Format("15:04")})
}

// toggle is a line to tick on a staff form, drawn as a button with a tick
// box: a widget.Check would take the keyboard focus when tapped, and
// then swallow what a wedge scanner types.
func (k *Kiosk) toggle(key string, on *bool) fyne.CanvasObject {
	b := k.secondary(k.t(key, nil), func() {
		*on = !*on
		k.redraw()
	})
	b.Alignment = widget.ButtonAlignLeading
	if *on {
		b.SetIcon(theme.CheckButtonCheckedIcon())
	} else {
		b.SetIcon(theme.CheckButtonIcon())
	}
	return b
}

// showDone shows what the staff just did, in words, with the number of
// the card it was done to, and the way back to the menu; more are
// actions before it.
func (k *Kiosk) showDone(card, done string, more ...fyne.CanvasObject) {
	k.staffShow(func() fyne.CanvasObject {
		return k.staffFrame(k.t("kioskstaff.done_title", nil), container.NewVBox(bold(card, SizeHeading), wrapped(done)),
			append(more, k.button(k.t("kioskstaff.done", nil), k.showStaff))...)
	}, nil)
}

// cardPrinterProblem says why no card can be printed now, "" when the
// card printer is ready.
func (k *Kiosk) cardPrinterProblem() string {
	if k.CardPrinter == nil {
		return k.t("kioskstaff.no_card_printer", nil)
	}
	if err := k.CardPrinter.Ready(context.Background()); err != nil {
		return k.t("kioskstaff.card_printer_not_ready", lang.Args{"problem": rewards.ErrorText(err, k.lang)})
	}
	return ""
}

// printCardButton is the action that prints a card, or, with no card
// printer at the kiosk, says so and does nothing.
func (k *Kiosk) printCardButton(print func()) *widget.Button {
	if k.CardPrinter == nil {
		b := k.secondary(k.t("kioskstaff.no_card_printer", nil), func() {})
		b.Disable()
		return b
	}
	return k.button(k.t("kioskstaff.print_card", nil), print)
}

// showCardDone prints a card the staff just issued, on the spot, and
// shows what was done (done) and whether it printed. A card that could
// not be printed is issued all the same: it may be printed again.
func (k *Kiosk) showCardDone(c rewards.Card, done string) {
	err := k.printCard(c)
	if err == nil {
		k.showDone(c.Number, done+"\n"+k.t("kioskstaff.printed", nil))
		return
	}
	k.showDone(c.Number, done+"\n"+k.t("kioskstaff.not_printed", lang.Args{"problem": rewards.ErrorText(err, k.lang)}),
		k.secondary(k.t("kioskstaff.print_again", nil), func() { k.showCardDone(c, done) }))
}

// printCard prints a card on the card printer, in the session's
// language.
func (k *Kiosk) printCard(c rewards.Card) error {
	ctx := context.Background()
	p, err := k.Service.Program(ctx)
	if err != nil {
		return err
	}
	return k.CardPrinter.PrintCards(ctx, printer.Cards{Program: *p, Lang: k.lang, Cards: []rewards.Card{c}, Date: k.now()})
}

// besideKeypad lays a form's lines out, one under the other, beside
// the numeric keypad that types into it.
func (k *Kiosk) besideKeypad(fm *form, lines ...fyne.CanvasObject) fyne.CanvasObject {
	if k.portrait() {
		return container.NewVBox(append(lines, fm.keypad(k))...)
	}
	return container.NewBorder(nil, nil, nil, fm.keypad(k), container.NewVBox(lines...))
}

// cardField is a line for a card's number, typed on the keypad or
// scanned.
func cardField(label string) *field { return &field{label: label, max: 32, only: digits} }

// enrolment is a customer's enrolment as the staff type it: the names,
// the phone and the e-mail on the in-app keyboard, the consents and the
// application to be a member-cooperator.
type enrolment struct {
	given, family, phone, email *field
	names                       *form
	kb                          *keyboard
	consent, marketing, member  bool
}

// details are the personal data the enrolment gives.
func (e *enrolment) details() rewards.Details {
	return rewards.Details{GivenName: strings.TrimSpace(e.given.value), FamilyName: strings.TrimSpace(e.family.value),
		Phone: e.phone.value, Email: strings.TrimSpace(e.email.value), Consent: e.consent, Marketing: e.marketing}
}

// showEnrol starts a customer's enrolment: the names, the phone and the
// e-mail, typed on the in-app keyboard in the session language's layout.
func (k *Kiosk) showEnrol() {
	e := &enrolment{
		given:  &field{label: "kioskstaff.given_name", max: 100},
		family: &field{label: "kioskstaff.family_name", max: 100},
		phone:  &field{label: "kioskstaff.phone", max: 16, only: digits + "+"},
		email:  &field{label: "kioskstaff.email", max: 100},
		kb:     newKeyboard(k.lang),
	}
	e.names = newForm(e.given, e.family, e.phone, e.email)
	k.showEnrolNames(e)
}

// showEnrolNames shows the enrolment's lines and the keyboard; the next
// step asks for the consents once the names and the phone are there.
func (k *Kiosk) showEnrolNames(e *enrolment) {
	k.staffShow(func() fyne.CanvasObject {
		return k.staffFrame(k.t("kioskstaff.enrol_title", nil), container.NewVBox(e.names.draw(k), e.kb.draw(k, e.names.active)),
			k.secondary(k.t("kioskstaff.cancel", nil), k.showStaff),
			k.button(k.t("kioskstaff.next", nil), func() {
				for _, f := range []*field{e.given, e.family, e.phone} {
					if strings.TrimSpace(f.value) == "" {
						e.names.active = f
						k.say(k.t("kioskstaff.required", lang.Args{"field": lang.M(f.label, nil)}))
						return
					}
				}
				k.showEnrolConsent(e)
			}))
	}, nil)
}

// showEnrolConsent shows what was typed, the consent to the processing
// of the data (required), the marketing consent (unticked unless the
// customer asks) and the member's application; then the card is printed
// on the spot, or a pre-printed one registered.
func (k *Kiosk) showEnrolConsent(e *enrolment) {
	consented := func(then func()) func() {
		return func() {
			if !e.consent {
				k.say(k.t("kioskstaff.consent_required", nil))
				return
			}
			then()
		}
	}
	k.staffShow(func() fyne.CanvasObject {
		d := e.details()
		typed := container.NewVBox(bold(d.GivenName+" "+d.FamilyName, SizeHeading), text(d.Phone, SizeBody))
		if d.Email != "" {
			typed.Add(text(d.Email, SizeBody))
		}
		return k.staffFrame(k.t("kioskstaff.enrol_title", nil), container.NewVBox(typed,
			k.toggle("kioskstaff.consent", &e.consent), k.toggle("kioskstaff.marketing", &e.marketing), k.toggle("kioskstaff.member", &e.member),
			container.NewGridWithColumns(2, k.printCardButton(consented(func() { k.enrolPrinted(e) })),
				k.button(k.t("kioskstaff.preprinted", nil), consented(func() { k.showEnrolBatch(e) })))),
			k.secondary(k.t("kioskstaff.back", nil), func() { k.showEnrolNames(e) }))
	}, nil)
}

// enrolPrinted issues the customer's card and prints it: the card
// printer is asked first, so that no card is issued that it cannot print.
func (k *Kiosk) enrolPrinted(e *enrolment) {
	if problem := k.cardPrinterProblem(); problem != "" {
		k.say(problem)
		return
	}
	c, err := k.Service.IssueCard(k.staffCtx(), rewards.CardIssue{Meta: rewards.Meta{At: k.now()}, Handed: true, Member: e.member, Details: e.details()})
	if err != nil {
		k.say(rewards.ErrorText(err, k.lang))
		return
	}
	k.showCardDone(c, k.t("kioskstaff.issued", lang.Args{"name": e.details().GivenName}))
}

// showEnrolBatch registers the enrolment on a pre-printed card of a
// batch, scanned or typed on the keypad.
func (k *Kiosk) showEnrolBatch(e *enrolment) {
	card := cardField("kioskstaff.card_number")
	fm := newForm(card)
	k.staffShow(func() fyne.CanvasObject {
		return k.staffFrame(k.t("kioskstaff.preprinted", nil), k.besideKeypad(fm, wrapped(k.t("kioskstaff.scan_or_type", nil)), fm.draw(k)),
			k.secondary(k.t("kioskstaff.back", nil), func() { k.showEnrolConsent(e) }),
			k.button(k.t("kioskstaff.register", nil), func() {
				c, err := k.Service.RegisterCard(k.staffCtx(), rewards.CardRegister{Meta: rewards.Meta{At: k.now()}, Card: card.value, Details: e.details(), Member: e.member})
				if err != nil {
					k.say(rewards.ErrorText(err, k.lang))
					return
				}
				k.showDone(c.Number, k.t("kioskstaff.issued", lang.Args{"name": e.details().GivenName}))
			}))
	}, func(code string) {
		card.set(code)
		k.redraw()
	})
}

// showLost finds a lost card: by its number (typed or scanned), or by
// the customer's phone at the server.
func (k *Kiosk) showLost() {
	number, phone := cardField("kioskstaff.card_number"), &field{label: "kioskstaff.phone", max: 16, only: digits}
	fm := newForm(number, phone)
	k.staffShow(func() fyne.CanvasObject {
		return k.staffFrame(k.t("kioskstaff.lost", nil), k.besideKeypad(fm, wrapped(k.t("kioskstaff.lost_hint", nil)), fm.draw(k)),
			k.secondary(k.t("kioskstaff.back", nil), k.showStaff),
			k.button(k.t("kioskstaff.find", nil), func() {
				if fm.active == phone {
					k.findByPhone(phone.value)
				} else {
					k.findCard(number.value)
				}
			}))
	}, k.findCard)
}

// findCard shows the card numbered number, or says why not.
func (k *Kiosk) findCard(number string) {
	c, err := k.Service.Card(k.staffCtx(), number, k.now())
	if err != nil {
		k.say(rewards.ErrorText(err, k.lang))
		return
	}
	k.showLostCard(c)
}

// findByPhone finds the cards of a phone's household at the server, in
// the staff session opened there: a session opened offline, or a server
// that does not answer, cannot.
func (k *Kiosk) findByPhone(phone string) {
	if k.Server == nil || k.staff.token == "" {
		k.say(k.t("sync.needs_server", nil))
		return
	}
	found, err := k.Server(k.staff.token).CardsOfPhone(k.staffCtx(), phone)
	switch {
	case api.Unreachable(err):
		k.say(k.t("sync.needs_server", nil))
		return
	case err != nil:
		k.say(rewards.ErrorText(err, k.lang))
		return
	case len(found.Cards) == 0:
		k.say(k.t("kioskstaff.phone_none", nil))
		return
	case len(found.Cards) == 1:
		k.findCard(found.Cards[0].Number)
		return
	}
	k.staffShow(func() fyne.CanvasObject {
		var cards []fyne.CanvasObject
		for _, c := range found.Cards {
			cards = append(cards, k.secondary(k.t("kioskstaff.card_line", lang.Args{"card": c.Number, "name": k.givenName(c.GivenName),
				"status": lang.M("kioskstaff.status."+c.Status, nil)}), func() { k.findCard(c.Number) }))
		}
		return k.staffFrame(k.t("kioskstaff.lost", nil), container.NewVBox(append([]fyne.CanvasObject{wrapped(k.t("kioskstaff.phone_cards", nil))}, cards...)...),
			k.secondary(k.t("kioskstaff.back", nil), k.showLost))
	}, nil)
}

// givenName is a customer's given name, or a word for a card without one.
func (k *Kiosk) givenName(name string) string {
	if name == "" {
		return k.t("kioskstaff.no_name", nil)
	}
	return name
}

// showLostCard shows a card found: its number, its customer's given name
// and its status, and what may be done: block it, or, once blocked,
// issue its replacement.
func (k *Kiosk) showLostCard(c rewards.Card) {
	k.staffShow(func() fyne.CanvasObject {
		lines := container.NewVBox(bold(c.Number, SizeHeading), text(k.givenName(c.GivenName), SizeBody),
			text(k.t("kioskstaff.status."+c.Status, nil), SizeBody))
		actions := []fyne.CanvasObject{k.secondary(k.t("kioskstaff.back", nil), k.showLost)}
		switch c.Status {
		case rewards.CardReplaced:
			lines.Add(text(k.t("kioskstaff.replaced_by", lang.Args{"card": c.ReplacedBy}), SizeBody))
		case rewards.CardBlocked:
			actions = append(actions, k.button(k.t("kioskstaff.replacement", nil), func() { k.showReplace(c) }))
		default:
			actions = append(actions, k.button(k.t("kioskstaff.block", nil), func() { k.showBlock(c) }))
		}
		return k.staffFrame(k.t("kioskstaff.lost", nil), lines, actions...)
	}, nil)
}

// showBlock asks once before a card is blocked, naming it.
func (k *Kiosk) showBlock(c rewards.Card) {
	k.staffShow(func() fyne.CanvasObject {
		q := wrapped(k.t("kioskstaff.block_confirm", lang.Args{"card": c.Number, "name": k.givenName(c.GivenName)}))
		return k.staffFrame(k.t("kioskstaff.lost", nil), q,
			k.secondary(k.t("kioskstaff.back", nil), func() { k.showLostCard(c) }),
			k.button(k.t("kioskstaff.block", nil), func() {
				blocked, err := k.Service.BlockCard(k.staffCtx(), rewards.CardAction{Meta: rewards.Meta{At: k.now()}, Card: c.Number})
				if err != nil {
					k.say(rewards.ErrorText(err, k.lang))
					return
				}
				k.showReplace(blocked)
			}))
	}, nil)
}

// showReplace issues a blocked card's replacement, which takes over its
// account: a new card printed on the spot, or a pre-printed one, scanned
// or typed.
func (k *Kiosk) showReplace(old rewards.Card) {
	number := cardField("kioskstaff.new_card")
	fm := newForm(number)
	replace := func(number string) {
		nc, err := k.Service.ReplaceCard(k.staffCtx(), rewards.CardReplace{Meta: rewards.Meta{At: k.now()}, Card: old.Number, NewNumber: number})
		if err != nil {
			k.say(rewards.ErrorText(err, k.lang))
			return
		}
		done := k.t("kioskstaff.replaced", lang.Args{"old": old.Number, "new": nc.Number})
		if number == "" {
			k.showCardDone(nc, done)
		} else {
			k.showDone(nc.Number, done)
		}
	}
	k.staffShow(func() fyne.CanvasObject {
		print := k.printCardButton(func() {
			if problem := k.cardPrinterProblem(); problem != "" {
				k.say(problem)
				return
			}
			replace("")
		})
		body := k.besideKeypad(fm, wrapped(k.t("kioskstaff.blocked", lang.Args{"card": old.Number})+" "+k.t("kioskstaff.replace_hint", nil)),
			print, fm.draw(k))
		return k.staffFrame(k.t("kioskstaff.replacement", nil), body,
			k.secondary(k.t("kioskstaff.done", nil), k.showStaff),
			k.button(k.t("kioskstaff.use_card", nil), func() {
				if number.value == "" { // an empty number would make the ledger draw one for a card nobody holds
					k.say(k.t("kioskstaff.card_missing", nil))
					return
				}
				replace(number.value)
			}))
	}, func(code string) {
		number.set(code)
		k.redraw()
	})
}

// showLink links a family card to its holder's card, each scanned or
// typed; the family card's points may go to the holder's account.
func (k *Kiosk) showLink() {
	holder, family := cardField("kioskstaff.holder_card"), cardField("kioskstaff.family_card")
	fm := newForm(holder, family)
	pool := false
	k.staffShow(func() fyne.CanvasObject {
		return k.staffFrame(k.t("kioskstaff.link", nil), k.besideKeypad(fm, wrapped(k.t("kioskstaff.link_hint", nil)), fm.draw(k), k.toggle("kioskstaff.pool", &pool)),
			k.secondary(k.t("kioskstaff.back", nil), k.showStaff),
			k.button(k.t("kioskstaff.link_cards", nil), func() {
				c, err := k.Service.LinkCard(k.staffCtx(), rewards.CardLink{Meta: rewards.Meta{At: k.now()}, Card: family.value, Holder: holder.value, Pool: pool})
				if err != nil {
					k.say(rewards.ErrorText(err, k.lang))
					return
				}
				k.showDone(c.Number, k.t("kioskstaff.linked", lang.Args{"card": c.Number, "holder": c.Holder}))
			}))
	}, func(code string) {
		fm.active.set(code)
		fm.next()
		k.redraw()
	})
}
