package rewards_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct{ in, cc, want string }{
		// Bulgaria's local forms.
		{"0888 123 456", "359", "+359888123456"},
		{"0888-123-456", "359", "+359888123456"},
		{"02 987 6543", "359", "+35929876543"},
		{" 0888123456 ", "359", "+359888123456"},
		// Russia's: a leading 8 or 7, or the ten digits alone.
		{"8 (912) 345-67-89", "7", "+79123456789"},
		{"89123456789", "7", "+79123456789"},
		{"7 912 345 67 89", "7", "+79123456789"},
		{"912 345-67-89", "7", "+79123456789"},
		{"8 (800) 555-47-35", "7", "+78005554735"},
		// International forms, in any program.
		{"+7 (912) 345-67-89", "359", "+79123456789"},
		{"+359 88 812 3456", "7", "+359888123456"},
		{"00359888123456", "7", "+359888123456"},
		{"0079123456789", "", "+79123456789"},
		{"+49 30 1234567", "359", "+49301234567"},
		{"+44.20.7946.0958", "", "+442079460958"},
	} {
		got, err := rewards.NormalizePhone(tc.in, tc.cc)
		if err != nil || got != tc.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tc.in, tc.cc, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, cc string }{
		{"", "359"},
		{"12-34", "359"},
		{"0888 123 456", ""},    // a local form with no country to read it in
		{"0888 123 456", "7"},   // not a Russian form
		{"8 912 345 67 89", ""}, // not an international one
		{"8 (912) 345-67-8", "7"},
		{"+7 912 345 67 8", "359"},   // a Russian number is ten digits after +7
		{"+359 88 812 34567", "7"},   // and a Bulgarian at most nine after +359
		{"+0 123 456 789", "359"},    // no country code starts with 0
		{"+1234567890123456", "359"}, // more than E.164's fifteen digits
		{"+7 912 CALL ME", "7"},      // letters
		{"7+9123456789", "7"},        // a + inside
		{"++79123456789", "7"},       // two of them
		{"+７９１２３４５６７８９", "7"},        // digits that are not ASCII
		{"0888 123 456 ext 12", "359"},
	} {
		got, err := rewards.NormalizePhone(tc.in, tc.cc)
		if got != "" {
			t.Errorf("NormalizePhone(%q, %q) = %q with an error", tc.in, tc.cc, got)
		}
		wantError(t, err, rewards.EINVALID, "is not a phone number")
	}
}

func TestCallingCode(t *testing.T) {
	if got := bundled(t, "coop").CallingCode(); got != "359" {
		t.Errorf("the coop program (EUR, Europe/Sofia): %q, want 359", got)
	}
	if got := bundled(t, "bonus").CallingCode(); got != "7" {
		t.Errorf("the bonus program (RUB): %q, want 7", got)
	}
	p := bundled(t, "coop")
	p.Currency, p.Timezone = "BGN", "UTC"
	if got := p.CallingCode(); got != "359" {
		t.Errorf("a BGN program: %q, want 359", got)
	}
	p.Currency, p.Timezone = "EUR", "Europe/Berlin"
	if got := p.CallingCode(); got != "" {
		t.Errorf("a program of another country: %q, want none", got)
	}
}

func TestValidateEmail(t *testing.T) {
	for _, ok := range []string{"maria@example.bg", "a.b+c@mail.example.ru", "иван@почта.рф"} {
		if err := rewards.ValidateEmail(ok); err != nil {
			t.Errorf("ValidateEmail(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"maria", "maria@", "@example.bg", "maria@example", "maria@@example.bg", "ma ria@example.bg",
		"maria@.bg", "maria@example.", "a@b@c.bg"} {
		wantError(t, rewards.ValidateEmail(bad), rewards.EINVALID, "is not an e-mail address")
	}
}

func TestSplitName(t *testing.T) {
	for _, tc := range []struct{ in, given, family string }{
		{"Мария Петрова", "Мария", "Петрова"},
		{"  Пётр  Ильич Чайковский ", "Пётр", "Ильич Чайковский"},
		{"Иван", "Иван", ""},
		{"", "", ""},
	} {
		if g, f := rewards.SplitName(tc.in); g != tc.given || f != tc.family {
			t.Errorf("SplitName(%q) = %q, %q; want %q, %q", tc.in, g, f, tc.given, tc.family)
		}
	}
	d := rewards.Personal(rewards.Details{}, "Мария Петрова")
	if d.GivenName != "Мария" || d.FamilyName != "Петрова" {
		t.Errorf("Personal with a name: %+v", d)
	}
	d = rewards.Personal(rewards.Details{FamilyName: "Иванова"}, "Мария Петрова")
	if d.GivenName != "" || d.FamilyName != "Иванова" {
		t.Errorf("the names given win over the shorthand: %+v", d)
	}
}

func TestDetails(t *testing.T) {
	p := bundled(t, "coop")
	d, err := p.Details(rewards.Details{GivenName: " Мария ", Phone: "0888 123 456", Email: " maria@example.bg ", Consent: true})
	if err != nil || d.GivenName != "Мария" || d.Phone != "+359888123456" || d.Email != "maria@example.bg" {
		t.Fatalf("Details: %+v, %v", d, err)
	}
	for _, tc := range []struct {
		what string
		d    rewards.Details
		want string
	}{
		{"a name without consent", rewards.Details{FamilyName: "Петрова"}, "consent"},
		{"a phone without consent", rewards.Details{Phone: "+359888123456"}, "consent"},
		{"an e-mail without consent", rewards.Details{Email: "maria@example.bg"}, "consent"},
		{"marketing without consent", rewards.Details{Marketing: true}, "consent"},
		{"a bad phone", rewards.Details{Phone: "0888", Consent: true}, "not a phone number"},
		{"a bad e-mail", rewards.Details{Email: "maria", Consent: true}, "not an e-mail address"},
		{"marketing given and withdrawn", rewards.Details{Marketing: true, NoMarketing: true, Consent: true}, "given and withdrawn"},
	} {
		_, err := p.Details(tc.d)
		wantError(t, err, rewards.EINVALID, tc.want)
	}
	// Consent alone, or nothing, is no personal data; a withdrawal needs
	// no consent.
	for _, d := range []rewards.Details{{}, {Consent: true}, {Consent: true, Marketing: true}, {NoMarketing: true}} {
		if _, err := p.Details(d); err != nil {
			t.Errorf("Details(%+v): %v", d, err)
		}
	}
}

func TestRecord(t *testing.T) {
	t1, t2 := at(t, "2026-11-02T10:00:00Z"), at(t, "2026-11-05T10:00:00Z")
	p := rewards.Record(rewards.Person{ID: "p1"}, rewards.Details{GivenName: "Мария", Phone: "+359888123456", Consent: true}, t1)
	if p.ID != "p1" || p.GivenName != "Мария" || p.Phone != "+359888123456" || !p.ConsentAt.Equal(t1) || p.MarketingAt != nil {
		t.Fatalf("a first record: %+v", p)
	}
	q := rewards.Record(p, rewards.Details{FamilyName: "Петрова", Consent: true, Marketing: true}, t2)
	if q.GivenName != "Мария" || q.FamilyName != "Петрова" || q.Phone != p.Phone || !q.ConsentAt.Equal(t2) || !q.MarketingAt.Equal(t2) {
		t.Fatalf("what a command leaves out stays: %+v", q)
	}
	if p.ConsentAt.Equal(t2) {
		t.Fatal("Record changed the record it was given")
	}
	if r := rewards.Record(q, rewards.Details{Consent: true, Marketing: true}, t2.Add(24*3600e9)); !r.MarketingAt.Equal(t2) {
		t.Fatalf("a marketing consent given again keeps its first time: %+v", r)
	}
	// A withdrawal clears the consent and records when; a consent given
	// again is dated anew, and the last withdrawal stays on record.
	t3, t4 := t2.Add(48*3600e9), t2.Add(96*3600e9)
	w := rewards.Record(q, rewards.Details{NoMarketing: true}, t3)
	if w.MarketingAt != nil || w.MarketingWithdrawnAt == nil || !w.MarketingWithdrawnAt.Equal(t3) || w.Phone != q.Phone || !w.ConsentAt.Equal(t2) {
		t.Fatalf("a marketing consent withdrawn: %+v", w)
	}
	if q.MarketingAt == nil {
		t.Fatal("Record changed the record it was given")
	}
	if again := rewards.Record(w, rewards.Details{NoMarketing: true}, t4); !again.MarketingWithdrawnAt.Equal(t3) {
		t.Fatalf("withdrawn again, with nothing to withdraw: %+v", again)
	}
	if g := rewards.Record(w, rewards.Details{Consent: true, Marketing: true}, t4); !g.MarketingAt.Equal(t4) || !g.MarketingWithdrawnAt.Equal(t3) {
		t.Fatalf("given again after a withdrawal: %+v", g)
	}
	if !(rewards.Details{NoMarketing: true}).Keeps(&w) || (rewards.Details{NoMarketing: true}).Keeps(nil) || (rewards.Details{}).Keeps(&w) {
		t.Fatal("Keeps")
	}
	if (rewards.Details{Phone: "+359888123456"}).Changes(&q) || !(rewards.Details{Phone: "+359888000000"}).Changes(&q) ||
		(rewards.Details{Consent: true}).Changes(nil) || !(rewards.Details{Email: "m@example.bg"}).Changes(nil) {
		t.Fatal("Changes")
	}
}

func TestSharePhone(t *testing.T) {
	holder := rewards.Card{Number: "2900000000018"}
	family := rewards.Card{Number: "2900000000025", Holder: holder.Number}
	sister := rewards.Card{Number: "2900000000032", Holder: holder.Number}
	other := rewards.Card{Number: "2900000000049"}
	for _, tc := range []struct {
		what   string
		c      rewards.Card
		others []rewards.Card
		taken  string // the card the refusal names; "": allowed
	}{
		{"no one holds it", other, nil, ""},
		{"a family card takes its holder's", family, []rewards.Card{holder}, ""},
		{"a holder takes its family card's", holder, []rewards.Card{family}, ""},
		{"two family cards of one holder", sister, []rewards.Card{holder, family}, ""},
		{"an unrelated card", other, []rewards.Card{holder}, holder.Number},
		{"a holder takes an unrelated card's", holder, []rewards.Card{other}, other.Number},
		{"a family card takes an unrelated card's", family, []rewards.Card{holder, other}, other.Number},
	} {
		err := rewards.SharePhone(tc.c, "+359888123456", tc.others)
		if tc.taken == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.what, err)
			}
			continue
		}
		wantError(t, err, rewards.ECONFLICT, "card "+tc.taken, "+359888123456")
		var e *rewards.Error
		if !errors.As(err, &e) || e.Key != "people.phone_taken" || e.In(lang.BG) == e.Message {
			t.Errorf("%s: not the keyed refusal: %+v", tc.what, err)
		}
	}
}

func TestForget(t *testing.T) {
	if err := rewards.RefuseForget(rewards.Card{Number: "2900000000018"}); err != nil {
		t.Fatal(err)
	}
	if err := rewards.RefuseForget(rewards.Card{Number: "2900000000025", Holder: "2900000000018"}); err != nil {
		t.Fatalf("a family card with an account of its own: %v", err)
	}
	err := rewards.RefuseForget(rewards.Card{Number: "2900000000025", Holder: "2900000000018", Pooled: true})
	wantError(t, err, rewards.EREFUSED, "2900000000018")
}

// What a ledger sets in a body (the record's id, that a phone was
// registered) is refused from a request, in the reader's language, and
// taken from an event made elsewhere only beside the data it stands for.
func TestLedgerSetFields(t *testing.T) {
	meta := rewards.Meta{At: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name         string
		issue        rewards.CardIssue
		request, evt string // the field each refuses, "" for none
	}{
		{"with_phone alone", rewards.CardIssue{Meta: meta, WithPhone: true}, "with_phone", "with_phone"},
		{"person alone", rewards.CardIssue{Meta: meta, Person: "p1"}, "person", "person"},
		{"with_phone and a phone", rewards.CardIssue{Meta: meta, WithPhone: true, Details: rewards.Details{Phone: "+79001234567", Consent: true}}, "with_phone", ""},
		{"person and a name", rewards.CardIssue{Meta: meta, Person: "p1", Name: "Анна Смирнова", Details: rewards.Details{Consent: true}}, "person", ""},
		{"person and a consent only", rewards.CardIssue{Meta: meta, Person: "p1", Details: rewards.Details{Consent: true}}, "person", "person"},
		{"neither", rewards.CardIssue{Meta: meta, Details: rewards.Details{Phone: "+79001234567", Consent: true}}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, check := range []struct {
				how   string
				err   error
				field string
			}{{"request", tc.issue.ValidateRequest(), tc.request}, {"event", tc.issue.ValidateEvent(), tc.evt}} {
				reg := rewards.CardRegister{Meta: tc.issue.Meta, Card: "2900000000018", Details: tc.issue.Details, Name: tc.issue.Name,
					Person: tc.issue.Person, WithPhone: tc.issue.WithPhone}
				regErr := reg.ValidateRequest()
				if check.how == "event" {
					regErr = reg.ValidateEvent()
				}
				for _, err := range []error{check.err, regErr} {
					if check.field == "" {
						if err != nil {
							t.Errorf("%s: %v", check.how, err)
						}
						continue
					}
					var e *rewards.Error
					if !errors.As(err, &e) || e.Code != rewards.EINVALID || e.Args["field"] != check.field {
						t.Fatalf("%s: %v, want field %s refused", check.how, err, check.field)
					}
					// No English inside another language's message.
					for _, l := range []string{lang.BG, lang.RU} {
						if m := e.In(l); strings.Contains(m, "ledger") || strings.Contains(m, "request") || strings.Contains(m, "given") {
							t.Errorf("%s in %s: %q", check.how, l, m)
						}
					}
				}
			}
		})
	}
}
