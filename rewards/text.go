package rewards

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tochka-loyalty/tochka/lang"
)

// Limits on text from outside. Ids are keys matched byte for byte (and
// indexed), so they are bounded in bytes; names are printed, so they are
// bounded in characters.
const (
	maxIDLen   = 128 // bytes: ids, SKUs, store and cooperative ids
	maxNameLen = 200 // characters: names of customers and of rewards
)

// The text checks below are the one place where text from outside is
// judged; every command's Validate uses them, so that a rule added here
// holds for every field of its kind.
//
// Every text must be valid UTF-8 without U+FFFD. encoding/json turns bytes
// that are not UTF-8, and lone surrogates such as "\ud800" and "\udbff", into
// U+FFFD: two different receipt ids would become one, and the second
// receipt would be acknowledged as a repeat of the first and never recorded.
// A Go caller's invalid bytes would be turned into U+FFFD when the event is
// written, so the ledger would hold something else than what was checked.

// validText checks text that another rule parses further (a card number, a
// phone, a voucher code): those rules say what they expect, this says that
// the bytes were not text at all.
func validText(s string) error { return scanText(s, nil, "") }

// validID checks an id, a SKU, a store or cooperative id: required, at most
// maxIDLen bytes, and no control or invisible formatting character (Unicode
// categories Cc and Cf, and the line and paragraph separators U+2028 and
// U+2029). An id is matched byte for byte but read off screens and paper:
// an invisible character (a zero-width space, a byte-order mark, a
// right-to-left override) makes two ids that print alike different, so a
// cashier typing the printed one would not find it; separators and control
// characters break the lines of logs, CSV exports and printed receipts.
func validID(s string) error { return validIDUpTo(s, maxIDLen) }

// validIDUpTo is validID with max bytes at most.
func validIDUpTo(s string, max int) error {
	if err := scanText(s, refusedInID, "problem.control_id"); err != nil {
		return err
	}
	if strings.TrimSpace(s) == "" {
		return wrong("problem.required", nil)
	}
	if len(s) > max {
		return wrong("problem.max_bytes", lang.Args{"max": max, "got": len(s)})
	}
	return nil
}

// validName checks a name (a customer's, a reward's in one language); empty
// is allowed, the caller says when a name is required. Names refuse control
// characters, the line and paragraph separators and the bidirectional
// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which
// reorder the text printed after them on a card, a voucher or the board.
// Other formatting characters stay allowed: zero-width joiners are part of
// how some scripts and emoji are written, and the left-to-right and
// right-to-left marks belong to names written in Arabic or Hebrew and
// reorder nothing beyond their neighbours.
func validName(s string) error {
	if err := scanText(s, refusedInName, "problem.control_name"); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s); n > maxNameLen {
		return wrong("problem.max_chars", lang.Args{"max": maxNameLen, "got": n})
	}
	return nil
}

// scanText returns the first thing wrong with s: bytes that are not UTF-8,
// U+FFFD, or a character that refused (when not nil) refuses, which the
// problem key says.
func scanText(s string, refused func(rune) bool, key string) error {
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return wrong("problem.not_utf8", lang.Args{"at": i, "byte": fmt.Sprintf("0x%02x", s[i])})
			}
			if r == utf8.RuneError {
				return wrong("problem.replacement_char", lang.Args{"at": i})
			}
		}
		if refused != nil && refused(r) {
			return wrong(key, lang.Args{"char": fmt.Sprintf("%U", r), "at": i})
		}
		i += size
	}
	return nil
}

func refusedInID(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

func refusedInName(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	return unicode.In(r, unicode.Cc, unicode.Zl, unicode.Zp) || isBidiControl(r)
}

// isBidiControl reports the bidirectional embeddings, overrides and
// isolates: the characters that change the order of the text after them.
func isBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// invalidField is the EINVALID error of a field of what ("receipt",
// "card issue"), err saying what is wrong with it.
func invalidField(what, field string, err error) error {
	return Fail(EINVALID, "invalid.field", lang.Args{"what": subject(what), "field": field, "problem": detail(err)})
}

// subject names what a field belongs to ("receipt", "card issue") in the
// reader's language.
func subject(what string) lang.Msg {
	return lang.M("subject."+strings.ReplaceAll(what, " ", "_"), nil)
}

// validCardField checks a card number given in a field.
func validCardField(s string) error {
	if err := validText(s); err != nil {
		return err
	}
	if s == "" {
		return wrong("problem.required", nil)
	}
	return ValidateCardNumber(s)
}

// validPhoneField checks an optional phone given in a field as text; its
// form is checked against the program's country (Program.Details).
func validPhoneField(s string) error { return validText(s) }

// validCodeField checks a voucher code given in a field.
func validCodeField(s string) error {
	if err := validText(s); err != nil {
		return err
	}
	if s == "" {
		return wrong("problem.required", nil)
	}
	_, err := NormalizeVoucherCode(s)
	return err
}

// validTime checks a business time from outside. JSON (RFC 3339) writes the
// years 0 to 9999 only, and zone offsets under 24 hours: a time outside
// them would be accepted and then fail to be written back (an event's body,
// a result), or be written as another time. Both the time as given and in
// UTC are checked, since stores keep times in UTC; the year 0 is refused
// too, since no business happened then. The zero time (year 1) passes: the
// caller says whether a time is required.
func validTime(t time.Time) error {
	if _, off := t.Zone(); off <= -24*60*60 || off >= 24*60*60 {
		return wrong("problem.zone_offset", nil)
	}
	for _, u := range []time.Time{t, t.UTC()} {
		switch y := u.Year(); {
		case y < 1:
			return wrong("problem.before_year_1", nil)
		case y > 9999:
			return wrong("problem.after_year_9999", nil)
		}
	}
	return nil
}

// between is the problem of a number outside [min, max].
func between[N int | int64](min, max, got N) error {
	return wrong("problem.between", lang.Args{"min": min, "max": max, "got": got})
}
