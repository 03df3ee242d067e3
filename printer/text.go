package printer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// texts are the words of every layout in one language. Sentences that take
// values are fmt formats; their verbs are noted.
type texts struct {
	cardPoints, cardBonus string // the card's subtitle, by programme kind

	termsTitle  string
	showCard    string
	earnPoints  string
	earnBonus   string // %s: currency sign, %d: the spend.max_percent
	activation  string // %s: the activation delay
	foundCard   string
	contactHead string
	tel         string

	sheetCards            string // %d–%d of %d
	sheetFront, sheetBack string

	voucherTitle string
	pointsSpent  string
	cardLabel    string
	storeLabel   string
	dateLabel    string
	validUntil   string
	showVoucher  string

	boardTitle string
	printed    string // %s: the date
	page       string // %d of %d
	from       string // %s: first day
	until      string // %s: last day
	always     string

	hours, minutes string // unit abbreviations

	// point and bonus are the unit's plural forms: one, few, many.
	point, bonus [3]string
	// thousands separates digit groups of numbers.
	thousands string
	// date and dateTime are time layouts (English month names are Go's).
	date, dateTime string
	// plural picks the index of the unit's form for a count.
	plural func(n int64) int
}

// words is the translation table, keyed by language.
var words = map[string]*texts{
	LangBG: {
		cardPoints: "Клиентска карта", cardBonus: "Бонус карта",
		termsTitle:  "Условия",
		showCard:    "Покажете картата на касата преди плащане.",
		earnPoints:  "Събирайте точки с всяка покупка и ги обменяйте за стоки от таблото с награди в магазина.",
		earnBonus:   "Бонуси за всяка покупка: 1 бонус = 1 %s отстъпка, до %d%% от цената на всеки артикул.",
		activation:  "Картата се активира %s след получаването ѝ.",
		foundCard:   "Намерихте тази карта? Моля, върнете я в някой от нашите магазини.",
		contactHead: "Баланс и условия:",
		tel:         "тел.",
		sheetCards:  "карти %d–%d от %d", sheetFront: "лице", sheetBack: "гръб",

		voucherTitle: "ВАУЧЕР",
		pointsSpent:  "Изразходвани точки",
		cardLabel:    "Карта",
		storeLabel:   "Магазин",
		dateLabel:    "Дата",
		validUntil:   "Валиден до",
		showVoucher:  "Покажете ваучера на касата.",

		boardTitle: "Награди за точки",
		printed:    "Отпечатано на %s",
		page:       "стр. %d от %d",
		from:       "от %s",
		until:      "до %s",
		always:     "без срок",

		hours: "ч", minutes: "мин",
		point:     [3]string{"точка", "точки", "точки"},
		bonus:     [3]string{"бонус", "бонуса", "бонуса"},
		thousands: "\u00a0",
		date:      "02.01.2006", dateTime: "02.01.2006 15:04",
		plural: pluralOneOther,
	},
	LangRU: {
		cardPoints: "Карта покупателя", cardBonus: "Бонусная карта",
		termsTitle:  "Условия",
		showCard:    "Предъявите карту на кассе до оплаты.",
		earnPoints:  "Копите баллы с каждой покупкой и обменивайте их на товары с доски подарков в магазине.",
		earnBonus:   "Бонусы за каждую покупку: 1 бонус = 1 %s скидки, до %d%% цены каждого товара.",
		activation:  "Карта начинает действовать через %s после выдачи.",
		foundCard:   "Нашли карту? Пожалуйста, верните её в любой наш магазин.",
		contactHead: "Баланс и условия:",
		tel:         "тел.",
		sheetCards:  "карты %d–%d из %d", sheetFront: "лицевая сторона", sheetBack: "оборот",

		voucherTitle: "КУПОН",
		pointsSpent:  "Списано баллов",
		cardLabel:    "Карта",
		storeLabel:   "Магазин",
		dateLabel:    "Дата",
		validUntil:   "Действителен до",
		showVoucher:  "Предъявите купон на кассе.",

		boardTitle: "Подарки за баллы",
		printed:    "Напечатано %s",
		page:       "стр. %d из %d",
		from:       "с %s",
		until:      "до %s",
		always:     "бессрочно",

		hours: "ч", minutes: "мин",
		point:     [3]string{"балл", "балла", "баллов"},
		bonus:     [3]string{"бонус", "бонуса", "бонусов"},
		thousands: "\u00a0",
		date:      "02.01.2006", dateTime: "02.01.2006 15:04",
		plural: pluralRussian,
	},
	LangEN: {
		cardPoints: "Customer card", cardBonus: "Bonus card",
		termsTitle:  "Terms",
		showCard:    "Show the card at the till before you pay.",
		earnPoints:  "Collect points with every purchase and exchange them for goods from the reward board in the store.",
		earnBonus:   "Bonuses for every purchase: 1 bonus = 1 %s off, up to %d%% of each item's price.",
		activation:  "The card works %s after it is handed over.",
		foundCard:   "Found this card? Please hand it in at any of our stores.",
		contactHead: "Balance and terms:",
		tel:         "tel.",
		sheetCards:  "cards %d–%d of %d", sheetFront: "front", sheetBack: "back",

		voucherTitle: "VOUCHER",
		pointsSpent:  "Points spent",
		cardLabel:    "Card",
		storeLabel:   "Store",
		dateLabel:    "Date",
		validUntil:   "Valid until",
		showVoucher:  "Show this voucher at the till.",

		boardTitle: "Rewards for points",
		printed:    "Printed %s",
		page:       "page %d of %d",
		from:       "from %s",
		until:      "until %s",
		always:     "no end date",

		hours: "h", minutes: "min",
		point:     [3]string{"point", "points", "points"},
		bonus:     [3]string{"bonus", "bonuses", "bonuses"},
		thousands: ",",
		date:      "2 Jan 2006", dateTime: "2 Jan 2006, 15:04",
		plural: pluralOneOther,
	},
}

// textsFor returns the words of lang, or says which languages there are.
func textsFor(lang string) (*texts, error) {
	if t, ok := words[lang]; ok {
		return t, nil
	}
	if lang == "" {
		return nil, rewards.Errorf(rewards.EINVALID, "no language chosen to print in: choose %s", strings.Join(Languages, ", "))
	}
	return nil, rewards.Errorf(rewards.EINVALID, "cannot print in language %q: choose %s", lang, strings.Join(Languages, ", "))
}

func pluralOneOther(n int64) int {
	if n == 1 || n == -1 {
		return 0
	}
	return 2
}

// pluralRussian picks the Russian form: 1 балл, 2 балла, 5 баллов, 21 балл.
func pluralRussian(n int64) int {
	if n < 0 {
		n = -n
	}
	switch {
	case n%10 == 1 && n%100 != 11:
		return 0
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return 1
	default:
		return 2
	}
}

// number writes n with its digit groups separated: "1 500", "1,500".
func (t *texts) number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(t.thousands)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// amount writes n of the programme's unit: "1 500 точки", "21 балл".
func (t *texts) amount(n int64, kind string) string {
	unit := t.point
	if kind == rewards.KindBonus {
		unit = t.bonus
	}
	return t.number(n) + "\u00a0" + unit[t.plural(n)]
}

// day writes the calendar day of tm in loc.
func (t *texts) day(tm time.Time, loc *time.Location) string {
	return tm.In(loc).Format(t.date)
}

// dayTime writes tm in loc to the minute.
func (t *texts) dayTime(tm time.Time, loc *time.Location) string {
	return tm.In(loc).Format(t.dateTime)
}

// duration writes a delay the way the card's terms say it: "24 h", "90 min".
func (t *texts) duration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d\u00a0%s", d/time.Hour, t.hours)
	}
	return fmt.Sprintf("%d\u00a0%s", (d+time.Minute-1)/time.Minute, t.minutes)
}

// validity writes when a reward is offered: "до 31.03.2026". The end of a
// reward is the first instant it is no longer offered, so the last day
// printed is the day before when it falls on midnight.
func (t *texts) validity(from, to *time.Time, loc *time.Location) string {
	switch {
	case from == nil && to == nil:
		return t.always
	case to == nil:
		return fmt.Sprintf(t.from, t.day(*from, loc))
	case from == nil:
		return fmt.Sprintf(t.until, t.day(to.Add(-time.Nanosecond), loc))
	}
	return t.day(*from, loc) + " – " + t.day(to.Add(-time.Nanosecond), loc)
}

// contact writes how to reach the programme: "тел. 8 (800) 555-47-35 ·
// coop.bg", or "" when the programme gives neither.
func (t *texts) contact(c rewards.ContactRules) string {
	var reach []string
	if phone := strings.TrimSpace(c.Phone); phone != "" {
		reach = append(reach, t.tel+"\u00a0"+phone)
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
