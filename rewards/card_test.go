package rewards_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

func TestEANCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
	}{
		{"290000000001", 8}, // the example card 2900000000018
		{"400638133393", 1}, // 4006381333931, a well-known EAN-13
		{"590123412345", 7}, // 5901234123457
		{"978030640615", 7}, // ISBN 978-0-306-40615-7
		{"000000000000", 0},
		{"9638507", 4}, // EAN-8 96385074
	} {
		if got := rewards.EANCheckDigit(tc.body); got != tc.want {
			t.Errorf("EANCheckDigit(%s) = %d, want %d", tc.body, got, tc.want)
		}
	}
}

// WithCheckDigit appends the check digit, and what it makes of twelve
// digits is a card number ValidateCardNumber takes.
func TestWithCheckDigit(t *testing.T) {
	for body, want := range map[string]string{
		"290000000001": "2900000000018",
		"400638133393": "4006381333931",
		"000000000000": "0000000000000",
		"9638507":      "96385074",
	} {
		if got := rewards.WithCheckDigit(body); got != want {
			t.Errorf("WithCheckDigit(%s) = %s, want %s", body, got, want)
		}
	}
	for _, body := range []string{"210000004711", "271234567890", "999999999999"} {
		if err := rewards.ValidateCardNumber(rewards.WithCheckDigit(body)); err != nil {
			t.Errorf("WithCheckDigit(%s): %v", body, err)
		}
	}
}

func TestValidateCardNumber(t *testing.T) {
	for _, ok := range []string{"2900000000018", "4006381333931", "2712345678902"} {
		if err := rewards.ValidateCardNumber(ok); err != nil {
			t.Errorf("ValidateCardNumber(%s): %v", ok, err)
		}
	}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		// A wrong last digit: the message names the digit it should be.
		{"2900000000017", []string{"2900000000017", "check digit", "should be 8"}},
		{"2900000000010", []string{"should be 8"}},
		// A misread digit elsewhere changes the expected check digit.
		{"2900000100018", []string{"should be 5"}},
		{"290000000001", []string{"13 digits"}},
		{"29000000000180", []string{"13 digits"}},
		{"29000000000I8", []string{"13 digits"}},
		{"", []string{"13 digits"}},
		{" 2900000000018", []string{"13 digits"}},
		{"２９00000000018", []string{"13 digits"}},
	} {
		wantError(t, rewards.ValidateCardNumber(tc.in), rewards.EINVALID, tc.want...)
	}
}

func TestNewCardNumber(t *testing.T) {
	seen := map[string]bool{}
	var prev int64 = -1
	for i := 0; i < 500; i++ {
		n := rewards.NewCardNumber("29")
		if len(n) != 13 || !strings.HasPrefix(n, "29") {
			t.Fatalf("NewCardNumber(29) = %q", n)
		}
		if err := rewards.ValidateCardNumber(n); err != nil {
			t.Fatalf("NewCardNumber made an invalid number: %v", err)
		}
		if seen[n] {
			t.Fatalf("NewCardNumber repeated %s after %d numbers", n, i)
		}
		seen[n] = true
		body, _ := strconv.ParseInt(n[2:12], 10, 64)
		if body == prev+1 {
			t.Errorf("NewCardNumber looks sequential: %010d then %s", prev, n)
		}
		prev = body
	}
	if n := rewards.NewCardNumber("27"); !strings.HasPrefix(n, "27") || rewards.ValidateCardNumber(n) != nil {
		t.Errorf("NewCardNumber(27) = %q", n)
	}
}

// Statuses by moving the clock across the activation moment; blocked and
// replaced win over everything.
func TestCardStatus(t *testing.T) {
	coop := bundled(t, "coop")
	handed := at(t, "2026-11-01T10:00:00+02:00")
	from := handed.Add(coop.Card.ActivationDelay.D())
	for _, tc := range []struct {
		name       string
		blocked    bool
		replacedBy string
		activeFrom *time.Time
		at         time.Time
		want       string
	}{
		{"printed, not handed over", false, "", nil, handed.AddDate(1, 0, 0), rewards.CardIssued},
		{"just handed over", false, "", &from, handed, rewards.CardIssued},
		{"a second before 24 h", false, "", &from, from.Add(-time.Second), rewards.CardIssued},
		{"exactly 24 h", false, "", &from, from, rewards.CardActive},
		{"later", false, "", &from, from.AddDate(0, 6, 0), rewards.CardActive},
		{"blocked", true, "", &from, from.Add(time.Hour), rewards.CardBlocked},
		{"blocked before activation", true, "", &from, handed, rewards.CardBlocked},
		{"replaced", true, "2912345678906", &from, from.Add(time.Hour), rewards.CardReplaced},
		{"replaced, not blocked", false, "2912345678906", nil, handed, rewards.CardReplaced},
	} {
		if got := rewards.CardStatus(tc.blocked, tc.replacedBy, tc.activeFrom, tc.at); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// The refusal a cashier reads aloud, with the time in the program's zone.
func TestRefuseInactive(t *testing.T) {
	coop := bundled(t, "coop")
	sofia := coop.Location()
	// Handed over on 1 Nov 2026 at 10:00 in Sofia (08:00 UTC), active 24 h later.
	from := at(t, "2026-11-01T08:00:00Z").Add(coop.Card.ActivationDelay.D())
	card := rewards.Card{Number: "2900000000018", Status: rewards.CardIssued, ActiveFrom: &from}

	err := rewards.RefuseInactive(card, sofia)
	wantKey(t, err, rewards.EREFUSED, "card.activates", lang.Args{"card": "2900000000018"})
	if want := "Card 2900000000018 activates on 2 Nov 2026 10:00."; rewards.ErrorMessage(err) != want {
		t.Errorf("message %q, want %q", rewards.ErrorMessage(err), want)
	}
	// The cashier's language writes the date its own way, in the same zone.
	if got, want := rewards.ErrorText(err, lang.BG), "Картата 2900000000018 ще бъде активна от 02.11.2026 10:00."; got != want {
		t.Errorf("in Bulgarian: %q, want %q", got, want)
	}
	// The same moment told in Moscow's zone.
	if got := rewards.ErrorMessage(rewards.RefuseInactive(card, zone(t, "Europe/Moscow"))); !strings.HasSuffix(got, "activates on 2 Nov 2026 11:00.") {
		t.Errorf("in Moscow: %q", got)
	}
	// A single-digit day has no leading zero; in summer Sofia is UTC+3.
	summer := at(t, "2026-07-05T06:30:00Z")
	if got := rewards.ErrorMessage(rewards.RefuseInactive(rewards.Card{Number: "2900000000018", Status: rewards.CardIssued, ActiveFrom: &summer}, sofia)); !strings.HasSuffix(got, "activates on 5 Jul 2026 09:30.") {
		t.Errorf("summer: %q", got)
	}

	card.Status = rewards.CardActive
	if err := rewards.RefuseInactive(card, sofia); err != nil {
		t.Errorf("active card refused: %v", err)
	}
	for _, tc := range []struct {
		card rewards.Card
		key  string
		args lang.Args
	}{
		{rewards.Card{Number: "2900000000018", Status: rewards.CardBlocked, ActiveFrom: &from}, "card.blocked", lang.Args{"card": "2900000000018"}},
		{rewards.Card{Number: "2900000000018", Status: rewards.CardReplaced, ReplacedBy: "2912345678906"}, "card.replaced", lang.Args{"card": "2900000000018", "new": "2912345678906"}},
		{rewards.Card{Number: "2900000000018", Status: rewards.CardIssued}, "card.not_handed_over", lang.Args{"card": "2900000000018"}},
	} {
		wantKey(t, rewards.RefuseInactive(tc.card, sofia), rewards.EREFUSED, tc.key, tc.args)
	}
}

func TestFormatTime(t *testing.T) {
	sofia := zone(t, "Europe/Sofia")
	for _, tc := range []struct{ in, want string }{
		{"2026-11-02T08:00:00Z", "2 Nov 2026 at 10:00"},
		{"2026-12-31T22:30:00Z", "1 Jan 2027 at 00:30"},
		{"2026-10-25T00:59:00Z", "25 Oct 2026 at 03:59"}, // EEST
		{"2026-10-25T01:00:00Z", "25 Oct 2026 at 03:00"}, // EET: the hour repeats
	} {
		if got := rewards.FormatTime(at(t, tc.in), sofia); got != tc.want {
			t.Errorf("FormatTime(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
