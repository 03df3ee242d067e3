// Package scanner turns what barcode scanners send into scans: the decoders for
// USB boot-keyboard reports, USB HID POS reports, serial lines and a keyboard
// wedge, the AIM symbology prefixes, check digits, and the repeat filter that live
// sources put in front of the kiosk.
//
// This part of the package is pure: it reads no device, starts no goroutine and
// reads no clock of its own (each decoder takes a Now function). Every decoder is
// fed bytes (or runes) in whatever pieces they arrive and returns the scans they
// complete, so it is tested, fuzzed and used for captured streams the same way it
// is used live. No input makes a decoder panic, and none makes it hold more than
// its MaxLen bytes of a scan.
//
// A scan that cannot be trusted (a failing check digit, an unknown key, a scan
// longer than MaxLen, a malformed report) is still delivered, with Valid false and
// a Reason, so that the kiosk can ask the customer to scan again instead of staying
// silent or, worse, looking up a wrong card.
package scanner

import (
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// Symbology names, as they appear in Scan.Symbology and in the CLI's output.
const (
	EAN13   = "ean13"   // EAN-13: 13 digits, the last a check digit (AIM ]E0)
	EAN8    = "ean8"    // EAN-8: 8 digits, the last a check digit (AIM ]E4)
	UPCA    = "upca"    // UPC-A: 12 digits, the last a check digit (AIM ]E0)
	Code128 = "code128" // Code 128 (AIM ]C0)
	GS1128  = "gs1-128" // GS1-128, Code 128 with FNC1 first (AIM ]C1)
	QR      = "qr"      // QR Code (AIM ]Q1)
	Unknown = "unknown" // any other symbology, or none known
)

// DefaultMaxLen is the longest scan, in bytes, that a decoder keeps when its
// configuration leaves MaxLen at zero. Loyalty cards carry 8 to 20 characters;
// the cap keeps a stuck or hostile device from growing a scan without bound.
const DefaultMaxLen = 512

// Scan is one read of a barcode.
type Scan struct {
	// Code is the decoded data, without the AIM symbology prefix.
	Code string
	// Symbology is one of EAN13, EAN8, UPCA, Code128, GS1128, QR or Unknown.
	Symbology string
	// Valid is false when the scan must not be used as read: a failing check
	// digit, a malformed report, an unknown key or a scan longer than the cap.
	Valid bool
	// Reason says why Valid is false, in English words fit for a log line;
	// Why is the same in the catalog, for a reader's language. The kiosk
	// turns any invalid scan into "please scan again".
	Reason string
	Why    lang.Msg
	// Time is when the scan was completed, from the decoder's Now function
	// (zero when the decoder has none, as when decoding a capture file).
	Time time.Time
	// Device names the source, as given in the decoder's configuration.
	Device string
}

// ParseCode classifies a code as a scanner delivered it: it strips an AIM
// symbology identifier (such as "]E0") when the code starts with one and names the
// symbology from it; without one, a code of exactly 8, 12 or 13 digits is taken
// as EAN-8, UPC-A or EAN-13 and its check digit is verified. Time and Device are
// left zero.
func ParseCode(raw string) Scan {
	if aim, rest, ok := splitAIM(raw); ok {
		return classify(aim, rest)
	}
	return classify("", raw)
}

// splitAIM splits "]Cm..." into the AIM identifier and the data.
func splitAIM(s string) (aim, rest string, ok bool) {
	if len(s) < 3 || s[0] != ']' || !isAlpha(s[1]) || !isAlnum(s[2]) {
		return "", s, false
	}
	return s[:3], s[3:], true
}

func isAlpha(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }

// classify names the symbology of data, given its AIM identifier (empty when
// the scanner sent none) and checks what can be checked.
func classify(aim, data string) Scan {
	s := Scan{Code: data, Symbology: Unknown, Valid: true}
	if data == "" {
		return s.invalid("scanner.why.empty", nil)
	}
	switch aim {
	case "]E0":
		switch len(data) {
		case 13:
			s.Symbology = EAN13
		case 12:
			s.Symbology = UPCA
		default:
			s.Symbology = EAN13
			return s.invalid("scanner.why.length", lang.Args{"symbology": "EAN-13", "want": 13, "got": len(data)})
		}
		s = checkGTIN(s)
	case "]E4":
		s.Symbology = EAN8
		if len(data) != 8 {
			return s.invalid("scanner.why.length", lang.Args{"symbology": "EAN-8", "want": 8, "got": len(data)})
		}
		s = checkGTIN(s)
	case "]C0":
		s.Symbology = Code128
	case "]C1":
		s.Symbology = GS1128
	case "]Q1":
		s.Symbology = QR
	case "":
		if !allDigits(data) {
			return s
		}
		switch len(data) {
		case 8:
			s.Symbology = EAN8
		case 12:
			s.Symbology = UPCA
		case 13:
			s.Symbology = EAN13
		default:
			return s
		}
		s = checkGTIN(s)
	}
	return s
}

// invalid is the scan marked not to be used, for the reason the catalog's
// key says.
func (s Scan) invalid(key string, args lang.Args) Scan {
	s.Valid, s.Why = false, lang.M(key, args)
	s.Reason = s.Why.In(lang.EN)
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkGTIN verifies the mod-10 check digit shared by EAN-8, UPC-A and EAN-13:
// from the right, the digits before the check digit weigh 3, 1, 3, 1, ...
func checkGTIN(s Scan) Scan {
	code := s.Code
	if !allDigits(code) {
		return s.invalid("scanner.why.not_digit", nil)
	}
	sum := 0
	w := 3
	for i := len(code) - 2; i >= 0; i-- {
		sum += int(code[i]-'0') * w
		w = 4 - w
	}
	want := byte('0' + (10-sum%10)%10)
	if got := code[len(code)-1]; got != want {
		return s.invalid("scanner.why.check_digit", lang.Args{"want": string(want), "got": string(got)})
	}
	return s
}

// capped rewrites s as a scan that went over maxLen bytes.
func capped(s Scan, maxLen int) Scan {
	return s.invalid("scanner.why.too_long", lang.Args{"max": maxLen})
}

// settle marks a finished scan invalid when the decoder saw it run over
// maxLen or saw something wrong with it (bad: the reason).
func settle(s Scan, over bool, maxLen int, bad lang.Msg) Scan {
	switch {
	case over:
		return capped(s, maxLen)
	case bad.Key != "":
		return s.invalid(bad.Key, bad.Args)
	}
	return s
}

func orMaxLen(n int) int {
	if n <= 0 {
		return DefaultMaxLen
	}
	return n
}

// stamp sets the time and device of a completed scan.
func stamp(s Scan, now func() time.Time, device string) Scan {
	if now != nil {
		s.Time = now()
	}
	s.Device = device
	return s
}
