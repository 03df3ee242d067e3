// Package lang is Tochka's one translation catalog: every text a person
// reads (domain errors, printed cards, vouchers and posters, the operator
// CLI's lines and, later, the kiosk's strings) by a stable key, in
// Bulgarian, Russian and English. Plural forms follow CLDR's rules through
// go-i18n (Russian: 1 бонус, 2 бонуса, 5 бонусов), not code of ours.
//
// The catalog is the TOML files under assets/i18n, one per area and
// language (errors.bg.toml, printer.ru.toml, ...); it is embedded and
// read-only, so it is parsed once and shared.
package lang

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/tochka-loyalty/tochka/assets"
)

// The languages of the catalog.
const (
	BG = "bg"
	RU = "ru"
	EN = "en"
)

// All lists the catalog's languages.
var All = []string{BG, RU, EN}

// Valid reports whether l is a language of the catalog.
func Valid(l string) bool { return l == BG || l == RU || l == EN }

// Args are a message's arguments by name. An argument named "count" picks
// the plural form. A value that is Localized, a time.Time, a Date or a
// Number is written in the reader's language.
type Args = map[string]any

// Localized is a value that reads differently by language: a reward's, a
// store's or a cooperative's name.
type Localized interface {
	In(lang string) string
}

// Date is a day, written without its time of day.
type Date time.Time

// Seconds is a moment written with its seconds.
type Seconds time.Time

// DayMonth is a day written as a person says it, the month in words and
// no year ("18 ноември", "18 ноября", "18 November"): what a customer reads
// on the kiosk.
type DayMonth time.Time

// Number is an integer written with the reader's digit grouping (1 500,
// 1,500); as the "count" argument it picks the plural form as an integer
// does.
type Number int64

// catalog is the parsed catalog with the keys each language has.
type catalog struct {
	bundle *i18n.Bundle
	keys   map[string]map[string]bool // language → keys
	plural map[string]bool            // keys whose messages have plural forms
}

var load = sync.OnceValues(func() (*catalog, error) {
	c := &catalog{bundle: i18n.NewBundle(language.English), keys: map[string]map[string]bool{}, plural: map[string]bool{}}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(assets.Messages, "i18n/*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		buf, err := fs.ReadFile(assets.Messages, f)
		if err != nil {
			return nil, err
		}
		mf, err := c.bundle.ParseMessageFileBytes(buf, path.Base(f))
		if err != nil {
			return nil, fmt.Errorf("translation catalog %s: %w", f, err)
		}
		l, _ := mf.Tag.Base()
		if !Valid(l.String()) {
			return nil, fmt.Errorf("translation catalog %s: %s is not a language of ours", f, mf.Tag)
		}
		if c.keys[l.String()] == nil {
			c.keys[l.String()] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			if c.keys[l.String()][m.ID] {
				return nil, fmt.Errorf("translation catalog %s: %s is defined twice", f, m.ID)
			}
			c.keys[l.String()][m.ID] = true
			if m.One != "" || m.Few != "" || m.Many != "" {
				c.plural[m.ID] = true
			}
		}
	}
	return c, nil
})

func must() *catalog {
	c, err := load()
	if err != nil {
		panic(err) // the catalog is embedded: a test fails before a build ships
	}
	return c
}

// Keys lists every key of the catalog, in any language, sorted.
func Keys() []string {
	seen := map[string]bool{}
	for _, ks := range must().keys {
		for k := range ks {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Has reports whether the catalog has key in language l.
func Has(l, key string) bool { return must().keys[l][key] }

// Plural reports whether key's message has plural forms.
func Plural(key string) bool { return must().plural[key] }

// Text renders the message key in language l with its arguments. A key
// the catalog lacks renders as the key itself, so that a missing text shows
// rather than hides; a test keeps every key in every language.
func Text(l, key string, args Args) string {
	s, err := Render(l, key, args)
	if err != nil {
		return key
	}
	return s
}

// Render is Text with the reason a message could not be rendered.
func Render(l, key string, args Args) (string, error) {
	if !Valid(l) {
		l = EN
	}
	data := make(map[string]any, len(args))
	var count any
	for k, v := range args {
		data[k] = localize(l, v)
		if k == "count" {
			count = v
			if n, ok := v.(Number); ok {
				count = int64(n)
			}
		}
	}
	if !must().plural[key] {
		count = nil // a message without plural forms has one text for every count
	}
	loc := i18n.NewLocalizer(must().bundle, l)
	s, tag, err := loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if err != nil {
		return "", err
	}
	if b, _ := tag.Base(); b.String() != l {
		return "", fmt.Errorf("%s has no %s text", key, l)
	}
	if strings.Contains(s, "<no value>") {
		return s, fmt.Errorf("%s: an argument is missing", key)
	}
	return s, nil
}

// localize writes a value the way a reader of l expects it.
func localize(l string, v any) any {
	switch v := v.(type) {
	case Localized:
		return v.In(l)
	case time.Time:
		return FormatTime(l, v)
	case Date:
		return FormatDate(l, time.Time(v))
	case DayMonth:
		t := time.Time(v)
		return Text(l, "date.day_month", Args{"day": t.Day(), "month": M(fmt.Sprintf("month.of.%d", t.Month()), nil)})
	case Seconds:
		return FormatTime(l, time.Time(v)) + time.Time(v).Format(":05")
	case time.Duration:
		return FormatDuration(l, v)
	case Number:
		return FormatNumber(l, int64(v))
	}
	return v
}

// FormatDuration writes a duration in hours, minutes and seconds as a
// reader of l abbreviates them ("1 h 30 min", "1 ч 30 мин"), leaving out
// the parts that are zero.
func FormatDuration(l string, d time.Duration) string {
	var parts []string
	for _, u := range []struct {
		key string
		n   time.Duration
	}{{"unit.hours_short", d / time.Hour}, {"unit.minutes_short", d % time.Hour / time.Minute}, {"unit.seconds_short", d % time.Minute / time.Second}} {
		if u.n != 0 {
			parts = append(parts, Text(l, u.key, Args{"n": int64(u.n)}))
		}
	}
	if len(parts) == 0 {
		return Text(l, "unit.seconds_short", Args{"n": 0})
	}
	return strings.Join(parts, " ")
}

// FormatTime writes a moment, in its own location, as a reader of l writes
// a date with a time of day.
func FormatTime(l string, t time.Time) string {
	if l == EN {
		return t.Format("2 Jan 2006 15:04")
	}
	return t.Format("02.01.2006 15:04")
}

// FormatDate writes the day of t, in its own location.
func FormatDate(l string, t time.Time) string {
	if l == EN {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02.01.2006")
}

// Msg is a message of the catalog as a value: an argument of another
// message (the problem of an invalid field, the name of a command), written
// in the reader's language where it is shown.
type Msg struct {
	Key  string `json:"key"`
	Args Args   `json:"args,omitempty"`
}

// M is the message key with its arguments, as a value.
func M(key string, args Args) Msg { return Msg{Key: key, Args: args} }

// In renders the message in language l.
func (m Msg) In(l string) string { return Text(l, m.Key, m.Args) }

// FormatNumber writes n with its digit groups separated as a reader of l
// expects: by a comma in English, by a no-break space in Bulgarian and
// Russian, so that "1 500" never breaks across lines.
func FormatNumber(l string, n int64) string {
	sep := "\u00a0"
	if l == EN {
		sep = ","
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
		s = s[1:]
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FormatMoney writes an amount in minor units (hundredths) as the currency
// amount a reader of l writes: 1,234.50 EUR in English, 1 234,50 EUR in
// Bulgarian and Russian.
func FormatMoney(l string, minor int64, currency string) string {
	sign, dec := "", ","
	if l == EN {
		dec = "."
	}
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-(minor+1))+1 // -MinInt64 does not fit an int64
	}
	return fmt.Sprintf("%s%s%s%02d %s", sign, FormatNumber(l, int64(u/100)), dec, u%100, currency)
}
