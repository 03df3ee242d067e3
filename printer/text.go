package printer

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// texts are the words of every layout in one language, rendered from the
// translation catalog (assets/i18n/printer.*.toml, package lang): the fixed
// words once, the sentences that take values by the methods below.
type texts struct {
	lang string

	cardPoints, cardBonus string // the card's subtitle, by programme kind

	termsTitle  string
	showCard    string
	earnPoints  string
	foundCard   string
	contactHead string

	sheetFront, sheetBack string

	voucherTitle string
	pointsSpent  string
	cardLabel    string
	storeLabel   string
	dateLabel    string
	validUntil   string
	showVoucher  string

	boardTitle string
	always     string
}

// words are the fixed words of each language, read from the catalog once:
// it is embedded, so they never change while the program runs.
var words = sync.OnceValues(func() (map[string]*texts, error) {
	all := map[string]*texts{}
	for _, l := range lang.All {
		t := &texts{lang: l}
		for _, w := range []struct {
			to  *string
			key string
		}{
			{&t.cardPoints, "printer.card.subtitle.points"},
			{&t.cardBonus, "printer.card.subtitle.bonus"},
			{&t.termsTitle, "printer.card.terms"},
			{&t.showCard, "printer.card.show"},
			{&t.earnPoints, "printer.card.earn.points"},
			{&t.foundCard, "printer.card.found"},
			{&t.contactHead, "printer.card.contact"},
			{&t.sheetFront, "printer.sheet.front"},
			{&t.sheetBack, "printer.sheet.back"},
			{&t.voucherTitle, "printer.voucher.title"},
			{&t.pointsSpent, "printer.voucher.spent"},
			{&t.cardLabel, "printer.voucher.card"},
			{&t.storeLabel, "printer.voucher.store"},
			{&t.dateLabel, "printer.voucher.date"},
			{&t.validUntil, "printer.voucher.valid_until"},
			{&t.showVoucher, "printer.voucher.show"},
			{&t.boardTitle, "printer.poster.title"},
			{&t.always, "printer.poster.always"},
		} {
			s, err := lang.Render(l, w.key, nil)
			if err != nil {
				return nil, fmt.Errorf("printed texts: %w", err)
			}
			*w.to = s
		}
		all[l] = t
	}
	return all, nil
})

// textsFor returns the words of l, or says which languages there are.
func textsFor(l string) (*texts, error) {
	all, err := words()
	if err != nil {
		return nil, err
	}
	if t, ok := all[l]; ok {
		return t, nil
	}
	if l == "" {
		return nil, rewards.Fail(rewards.EINVALID, "printer.error.lang_missing", lang.Args{"choices": strings.Join(Languages, ", ")})
	}
	return nil, rewards.Fail(rewards.EINVALID, "printer.error.lang_bad", lang.Args{"got": l, "choices": strings.Join(Languages, ", ")})
}

// say renders a sentence of the catalog that takes values.
func (t *texts) say(key string, args lang.Args) string {
	return lang.Text(t.lang, key, args)
}

// amount writes n of the programme's unit: "1 500 точки", "21 балл"; the
// catalog's plural rules pick the form.
func (t *texts) amount(n int64, kind string) string {
	unit := "unit.points"
	if kind == rewards.KindBonus {
		unit = "unit.bonuses"
	}
	return t.say(unit, lang.Args{"count": lang.Number(n)})
}

// dayTime writes tm in loc to the minute.
func (t *texts) dayTime(tm time.Time, loc *time.Location) string {
	return lang.FormatTime(t.lang, tm.In(loc))
}

// day is the calendar day of tm in loc, for a sentence to write.
func day(tm time.Time, loc *time.Location) lang.Date {
	return lang.Date(tm.In(loc))
}

// duration writes a delay the way the card's terms say it: "24 h", "90 min".
func (t *texts) duration(d time.Duration) string {
	if d%time.Hour == 0 {
		return t.say("printer.hours", lang.Args{"hours": int64(d / time.Hour)})
	}
	return t.say("printer.minutes", lang.Args{"minutes": int64((d + time.Minute - 1) / time.Minute)})
}

// earnBonus is the bonus card's term: 1 bonus is 1 of currency off, up to
// percent of an item's price.
func (t *texts) earnBonus(currency string, percent int64) string {
	return t.say("printer.card.earn.bonus", lang.Args{"currency": currency, "percent": percent})
}

// activation is the card's term for the delay d before it works.
func (t *texts) activation(d time.Duration) string {
	return t.say("printer.card.activation", lang.Args{"delay": t.duration(d)})
}

// sheetCards names the cards first to last (counted from 1) of total in a
// sheet's margin: "1 карта" or "7 карти" when the sheet holds them all,
// else "карта 11 от 11" or "карти 1–10 от 25"; the catalog's plural rules
// pick the forms.
func (t *texts) sheetCards(first, last, total int) string {
	switch {
	case first == 1 && last == total:
		return t.say("printer.sheet.count", lang.Args{"count": lang.Number(total)})
	case first == last:
		return t.say("printer.sheet.card", lang.Args{"card": lang.Number(first), "total": lang.Number(total)})
	}
	return t.say("printer.sheet.cards", lang.Args{"first": lang.Number(first), "last": lang.Number(last), "total": lang.Number(total)})
}

// printed is the poster's footer: the day it was printed.
func (t *texts) printed(tm time.Time, loc *time.Location) string {
	return t.say("printer.poster.printed", lang.Args{"date": day(tm, loc)})
}

// page is the poster's page number.
func (t *texts) page(page, pages int) string {
	return t.say("printer.poster.page", lang.Args{"page": page, "pages": pages})
}

// validity writes when a reward is offered: "до 31.03.2026". The end of a
// reward is the first instant it is no longer offered, so the last day
// printed is the day before when it falls on midnight.
func (t *texts) validity(from, to *time.Time, loc *time.Location) string {
	switch {
	case from == nil && to == nil:
		return t.always
	case to == nil:
		return t.say("printer.poster.from", lang.Args{"from": day(*from, loc)})
	case from == nil:
		return t.say("printer.poster.until", lang.Args{"until": day(to.Add(-time.Nanosecond), loc)})
	}
	return t.say("printer.poster.between", lang.Args{"from": day(*from, loc), "until": day(to.Add(-time.Nanosecond), loc)})
}

// contact writes how to reach the programme: "тел. 8 (800) 555-47-35 ·
// coop.bg", or "" when the programme gives neither.
func (t *texts) contact(c rewards.ContactRules) string {
	var reach []string
	if phone := strings.TrimSpace(c.Phone); phone != "" {
		reach = append(reach, t.say("printer.tel", lang.Args{"phone": phone}))
	}
	if web := strings.TrimSpace(c.Web); web != "" {
		reach = append(reach, web)
	}
	return strings.Join(reach, "  ·  ")
}

// currencySign is the sign customers know a currency by, or its code.
func currencySign(code string) string {
	switch code {
	case "EUR":
		return "€"
	case "RUB":
		return "₽"
	case "BGN":
		return "лв."
	case "USD":
		return "$"
	case "GBP":
		return "£"
	}
	return code
}

// maskCard hides all but the last four digits of a card number.
func maskCard(number string) string {
	if len(number) <= 4 {
		return number
	}
	return strings.Repeat("•", len(number)-4) + " " + number[len(number)-4:]
}

// eanGroups writes an EAN-13 the way it is printed under its bars:
// "2 900123 456789".
func eanGroups(number string) string {
	return number[:1] + " " + number[1:7] + " " + number[7:]
}
