package scanner

import (
	"sort"
	"strings"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Layout maps the key positions a boot keyboard reports (HID usage IDs of page
// 0x07) to the characters the host's keyboard layout makes of them. A scanner in
// keyboard mode sends positions, not characters, and it is set up for one host
// layout; decoding with any other layout turns card numbers into other strings.
type Layout struct {
	// Name is the layout's short name: "us", "de", "fr".
	Name string
	// Keys maps a usage ID to the character without and with Shift.
	Keys map[byte][2]rune
	// AltGr maps a usage ID to the character typed with AltGr (right Alt).
	AltGr map[byte]rune
}

// Layouts holds the layouts the boot decoder knows, by name. A new layout is a
// new entry here, as data; no code changes.
var Layouts = map[string]*Layout{
	"us": {Name: "us", Keys: withCommon(usKeys), AltGr: map[byte]rune{}},
	"de": {Name: "de", Keys: withCommon(deKeys), AltGr: deAltGr},
	"fr": {Name: "fr", Keys: withCommon(frKeys), AltGr: frAltGr},
}

// LayoutNames lists the known layout names, sorted, for flags and messages.
func LayoutNames() []string {
	names := make([]string, 0, len(Layouts))
	for n := range Layouts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupLayout returns the layout of that name, or an error naming the known ones.
func LookupLayout(name string) (*Layout, error) {
	if name == "" {
		name = "us"
	}
	l, ok := Layouts[name]
	if !ok {
		return nil, rewards.Fail(rewards.EINVALID, "scanner.layout_unknown",
			lang.Args{"got": name, "known": strings.Join(LayoutNames(), ", ")})
	}
	return l, nil
}

// Usage IDs with a meaning of their own rather than a character.
const (
	keyErrorRollOver = 0x01
	keyEnter         = 0x28
	keyTab           = 0x2B
	keyCapsLock      = 0x39
	keyNumLock       = 0x53
	keyPadEnter      = 0x58
)

// commonKeys are the same in every layout here: space, Tab (a character when it
// does not end scans) and the numeric keypad with Num Lock on.
var commonKeys = map[byte][2]rune{
	0x2B: {'\t', '\t'}, 0x2C: {' ', ' '},
	0x54: {'/', '/'}, 0x55: {'*', '*'}, 0x56: {'-', '-'}, 0x57: {'+', '+'},
	0x59: {'1', '1'}, 0x5A: {'2', '2'}, 0x5B: {'3', '3'}, 0x5C: {'4', '4'}, 0x5D: {'5', '5'},
	0x5E: {'6', '6'}, 0x5F: {'7', '7'}, 0x60: {'8', '8'}, 0x61: {'9', '9'}, 0x62: {'0', '0'},
	0x63: {'.', '.'},
}

func withCommon(keys map[byte][2]rune) map[byte][2]rune {
	out := make(map[byte][2]rune, len(keys)+len(commonKeys))
	for k, v := range commonKeys {
		out[k] = v
	}
	for k, v := range keys {
		out[k] = v
	}
	return out
}

// letters returns a–z on 0x04–0x1D, with the given positions swapped in.
func letters(over map[byte][2]rune) map[byte][2]rune {
	m := make(map[byte][2]rune, 64)
	for i := byte(0); i < 26; i++ {
		m[0x04+i] = [2]rune{rune('a' + i), rune('A' + i)}
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

func merge(a, b map[byte][2]rune) map[byte][2]rune {
	for k, v := range b {
		a[k] = v
	}
	return a
}

var usKeys = merge(letters(nil), map[byte][2]rune{
	0x1E: {'1', '!'}, 0x1F: {'2', '@'}, 0x20: {'3', '#'}, 0x21: {'4', '$'}, 0x22: {'5', '%'},
	0x23: {'6', '^'}, 0x24: {'7', '&'}, 0x25: {'8', '*'}, 0x26: {'9', '('}, 0x27: {'0', ')'},
	0x2D: {'-', '_'}, 0x2E: {'=', '+'}, 0x2F: {'[', '{'}, 0x30: {']', '}'}, 0x31: {'\\', '|'},
	0x32: {'\\', '|'}, 0x33: {';', ':'}, 0x34: {'\'', '"'}, 0x35: {'`', '~'}, 0x36: {',', '<'},
	0x37: {'.', '>'}, 0x38: {'/', '?'}, 0x64: {'\\', '|'},
})

// deKeys is German QWERTZ (Linux "de"); the dead keys (^ and ´) are left out, so
// a scan that uses them is reported as having an unknown key.
var deKeys = merge(letters(map[byte][2]rune{0x1C: {'z', 'Z'}, 0x1D: {'y', 'Y'}}), map[byte][2]rune{
	0x1E: {'1', '!'}, 0x1F: {'2', '"'}, 0x20: {'3', '§'}, 0x21: {'4', '$'}, 0x22: {'5', '%'},
	0x23: {'6', '&'}, 0x24: {'7', '/'}, 0x25: {'8', '('}, 0x26: {'9', ')'}, 0x27: {'0', '='},
	0x2D: {'ß', '?'}, 0x2F: {'ü', 'Ü'}, 0x30: {'+', '*'}, 0x31: {'#', '\''}, 0x32: {'#', '\''},
	0x33: {'ö', 'Ö'}, 0x34: {'ä', 'Ä'}, 0x36: {',', ';'}, 0x37: {'.', ':'}, 0x38: {'-', '_'},
	0x64: {'<', '>'}, 0x63: {',', ','},
})

var deAltGr = map[byte]rune{
	0x14: '@', 0x08: '€', 0x10: 'µ', 0x1F: '²', 0x20: '³', 0x24: '{', 0x25: '[', 0x26: ']',
	0x27: '}', 0x2D: '\\', 0x30: '~', 0x64: '|',
}

// frKeys is French AZERTY (Linux "fr"): the digit row types &é"'(-è_çà and
// gives the digits with Shift; a/q and z/w are swapped and m sits on 0x33. The
// dead key ^ is left out.
var frKeys = merge(letters(map[byte][2]rune{
	0x04: {'q', 'Q'}, 0x14: {'a', 'A'}, 0x1A: {'z', 'Z'}, 0x1D: {'w', 'W'}, 0x10: {',', '?'},
}), map[byte][2]rune{
	0x1E: {'&', '1'}, 0x1F: {'é', '2'}, 0x20: {'"', '3'}, 0x21: {'\'', '4'}, 0x22: {'(', '5'},
	0x23: {'-', '6'}, 0x24: {'è', '7'}, 0x25: {'_', '8'}, 0x26: {'ç', '9'}, 0x27: {'à', '0'},
	0x2D: {')', '°'}, 0x2E: {'=', '+'}, 0x30: {'$', '£'}, 0x31: {'*', 'µ'}, 0x32: {'*', 'µ'},
	0x33: {'m', 'M'}, 0x34: {'ù', '%'}, 0x36: {';', '.'}, 0x37: {':', '/'}, 0x38: {'!', '§'},
	0x64: {'<', '>'},
})

var frAltGr = map[byte]rune{
	0x08: '€', 0x1F: '~', 0x20: '#', 0x21: '{', 0x22: '[', 0x23: '|', 0x24: '`', 0x25: '\\',
	0x26: '^', 0x27: '@', 0x2D: ']', 0x2E: '}',
}
