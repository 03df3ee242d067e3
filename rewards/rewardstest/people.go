package rewardstest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Personal data are kept apart from the event log: a card shows them, an
// export holds them with their consent times, and no event's body carries
// them. A phone is stored in E.164 form; personal data without consent, a
// phone that is not one and an e-mail that is not one are refused.
func personalData(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	at := ts("2026-11-02T10:00:00Z")
	anna := rewards.Details{GivenName: "Анна", FamilyName: "Смирнова", Phone: "8 (912) 345-67-89",
		Email: "anna.smirnova@example.ru", Consent: true, Marketing: true}
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: at}, Details: anna})
	c := cardAt(t, s, card, "2026-11-02T10:00:00Z")
	if c.Phone != "+79123456789" || c.GivenName != "Анна" || c.FamilyName != "Смирнова" || c.Name != "Анна Смирнова" ||
		c.Email != "anna.smirnova@example.ru" {
		t.Fatalf("card with personal data: %+v", c)
	}
	data, err := s.ExportCard(ctx, card, at)
	if err != nil {
		t.Fatal(err)
	}
	p := data.Person
	if p == nil || p.ID == "" || p.Phone != "+79123456789" || p.ConsentAt == nil || !p.ConsentAt.Equal(at) ||
		p.MarketingAt == nil || !p.MarketingAt.Equal(at) {
		t.Fatalf("exported person: %+v", p)
	}
	if len(data.Cards) != 1 || data.Cards[0].Number != card || data.Balance.Card != card {
		t.Fatalf("export: %+v", data)
	}

	// --name is a shorthand split at the first space; marketing is off
	// unless given.
	named := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: at}, Name: "Пётр Ильич Чайковский", Details: rewards.Details{Consent: true}})
	if c := cardAt(t, s, named, "2026-11-02T10:00:00Z"); c.GivenName != "Пётр" || c.FamilyName != "Ильич Чайковский" {
		t.Fatalf("a name split at its first space: %+v", c)
	}
	if d, err := s.ExportCard(ctx, named, at); err != nil || d.Person == nil || d.Person.MarketingAt != nil || d.Person.ConsentAt == nil {
		t.Fatalf("marketing consent not given: %+v %v", d.Person, err)
	}

	// A marketing consent is withdrawn, and when is recorded; on a card
	// with no record there is nothing to withdraw, and none is made.
	later := ts("2026-11-03T10:00:00Z")
	if _, err := s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: later}, Card: card, Details: rewards.Details{NoMarketing: true}}); err != nil {
		t.Fatal(err)
	}
	if d, err := s.ExportCard(ctx, card, later); err != nil || d.Person == nil || d.Person.MarketingAt != nil ||
		d.Person.MarketingWithdrawnAt == nil || !d.Person.MarketingWithdrawnAt.Equal(later) || d.Person.Phone != "+79123456789" {
		t.Fatalf("marketing consent withdrawn: %+v %v", d.Person, err)
	}
	bare := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: at}, Handed: true})
	if _, err := s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: later}, Card: bare, Details: rewards.Details{NoMarketing: true}}); err != nil {
		t.Fatal(err)
	}
	if d, err := s.ExportCard(ctx, bare, later); err != nil || d.Person != nil {
		t.Fatalf("a withdrawal on a card with no record: %+v %v", d.Person, err)
	}

	n, logged := eventCount(t, s)
	for _, tc := range []struct {
		what string
		d    rewards.Details
	}{
		{"a name without consent", rewards.Details{GivenName: "Олег"}},
		{"marketing without consent", rewards.Details{Marketing: true}},
		{"a phone that is not one", rewards.Details{Phone: "12-34", Consent: true}},
		{"letters in a phone", rewards.Details{Phone: "+7 912 CALL ME", Consent: true}},
		{"an e-mail that is not one", rewards.Details{Email: "anna at example.ru", Consent: true}},
	} {
		_, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: at}, Details: tc.d})
		wantCode(t, err, rewards.EINVALID, tc.what)
		_, err = s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: at}, Card: named, Details: tc.d})
		wantCode(t, err, rewards.EINVALID, tc.what+", registered")
	}
	// What only a ledger sets is not a caller's: a with_phone of its own
	// would be a welcome bonus without a phone.
	_, err = s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: at}, Card: named, WithPhone: true})
	wantCode(t, err, rewards.EINVALID, "a request with with_phone")
	if m, _ := eventCount(t, s); logged && m != n {
		t.Fatalf("refused commands recorded %d events", m-n)
	}
	if b := balance(t, s, named, "2026-11-10T10:00:00Z"); b.Available != 0 {
		t.Fatalf("no phone, no welcome bonus: %+v", b)
	}
	noPersonalData(t, s, "Анна", "Смирнова", "9123456789", "345-67-89", "anna.smirnova", "Чайковский")
	checkLedger(t, s)
}

// One phone belongs to one household: the holder's card and the family
// cards linked to it may share it; an unrelated card is refused with the
// card that holds it.
func onePhoneOneHousehold(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	at := "2026-11-02T10:00:00Z"
	meta := rewards.Meta{At: ts(at)}
	holder := mustCard(t, s, rewards.CardIssue{Meta: meta, Details: rewards.Details{Phone: "0888 123 456", Consent: true}})
	if c := cardAt(t, s, holder, at); c.Phone != "+359888123456" {
		t.Fatalf("a Bulgarian local phone: %+v", c)
	}
	family := mustCard(t, s, rewards.CardIssue{Meta: meta})
	other := mustCard(t, s, rewards.CardIssue{Meta: meta})
	if _, err := s.LinkCard(ctx, rewards.CardLink{Meta: meta, Card: family, Holder: holder}); err != nil {
		t.Fatal(err)
	}
	// Each card of the household names the others, and only them.
	if c := cardAt(t, s, holder, at); !slices.Equal(c.Family, []string{family}) {
		t.Fatalf("the holder's card names its household as %v, want %s", c.Family, family)
	}
	if c := cardAt(t, s, family, at); !slices.Equal(c.Family, []string{holder}) {
		t.Fatalf("the family card names its household as %v, want %s", c.Family, holder)
	}
	if c := cardAt(t, s, other, at); len(c.Family) != 0 {
		t.Fatalf("a card alone names a household: %v", c.Family)
	}
	if _, err := s.RegisterCard(ctx, rewards.CardRegister{Meta: meta, Card: family, Details: rewards.Details{Phone: "+359 888 123 456", Consent: true}}); err != nil {
		t.Fatalf("a family card shares its holder's phone: %v", err)
	}
	_, err := s.RegisterCard(ctx, rewards.CardRegister{Meta: meta, Card: other, Details: rewards.Details{Phone: "00359888123456", Consent: true}})
	wantCode(t, err, rewards.ECONFLICT, "the phone of another household")
	if !strings.Contains(rewards.ErrorMessage(err), holder) && !strings.Contains(rewards.ErrorMessage(err), family) {
		t.Fatalf("the refusal does not say which card holds the phone: %v", err)
	}
	if c := cardAt(t, s, other, at); c.Phone != "" {
		t.Fatalf("the refused phone was registered: %+v", c)
	}
	_, err = s.IssueCard(ctx, rewards.CardIssue{Meta: meta, Details: rewards.Details{Phone: "0888123456", Consent: true}})
	wantCode(t, err, rewards.ECONFLICT, "a new card with the phone of another household")
	// Forgotten, the holder's card no longer holds it; its family card
	// still does, and says so.
	if _, err := s.ForgetCard(ctx, rewards.CardAction{Meta: meta, Card: holder}); err != nil {
		t.Fatal(err)
	}
	_, err = s.RegisterCard(ctx, rewards.CardRegister{Meta: meta, Card: other, Details: rewards.Details{Phone: "0888 123 456", Consent: true}})
	wantCode(t, err, rewards.ECONFLICT, "the phone a family card still holds")
	if !strings.Contains(rewards.ErrorMessage(err), family) {
		t.Fatalf("the refusal names another card than the one holding the phone (%s): %v", family, err)
	}
	if _, err := s.ForgetCard(ctx, rewards.CardAction{Meta: meta, Card: family}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterCard(ctx, rewards.CardRegister{Meta: meta, Card: other, Details: rewards.Details{Phone: "0888 123 456", Consent: true}}); err != nil {
		t.Fatalf("a phone no one holds any more: %v", err)
	}
	checkLedger(t, s)
}

// Forgetting a customer erases their personal data and keeps the points:
// the card still earns and redeems, its history and balance are as they
// were, and the log still replays. A pooled family card's data are its
// holder's, forgotten there.
func forgetKeepsPoints(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	at := "2026-11-02T10:00:00Z"
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts(at)}, Details: rewards.Details{
		GivenName: "Ефросинья", FamilyName: "Кривошеева", Phone: "+7 903 111-22-33", Email: "efrosinya@example.ru", Consent: true}})
	mustPost(t, s, receipt("F-1", card, "2026-11-03T10:00:00Z", rewards.Line{SKU: "kettle", Qty: 1, Amount: 499000, Bonus: 300}))
	before := balance(t, s, card, "2026-12-01T10:00:00Z")
	history, err := s.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	if before.Available <= 0 {
		t.Fatalf("nothing to keep: %+v", before)
	}
	c, err := s.ForgetCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts("2026-11-04T10:00:00Z")}, Card: card})
	if err != nil {
		t.Fatal(err)
	}
	if c.Phone != "" || c.Name != "" || c.GivenName != "" || c.FamilyName != "" || c.Email != "" || c.Status != rewards.CardActive {
		t.Fatalf("a forgotten card: %+v", c)
	}
	if b := balance(t, s, card, "2026-12-01T10:00:00Z"); b.Available != before.Available {
		t.Fatalf("forgetting changed the balance: %d, was %d", b.Available, before.Available)
	}
	after, err := s.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, after), mustJSON(t, history); a != b {
		t.Fatalf("forgetting changed the history:\n%s\nwas\n%s", a, b)
	}
	data, err := s.ExportCard(ctx, card, ts("2026-11-04T10:00:00Z"))
	if err != nil || data.Person != nil {
		t.Fatalf("export of a forgotten card: %+v %v", data.Person, err)
	}
	// Forgetting again changes nothing more.
	if _, err := s.ForgetCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts("2026-11-04T11:00:00Z")}, Card: card}); err != nil {
		t.Fatal(err)
	}
	// The forgotten card still earns and pays with its bonuses.
	r := receipt("F-2", card, "2026-12-01T10:00:00Z", rewards.Line{SKU: "toaster", Qty: 1, Amount: 299000, Bonus: 100})
	r.PayWithPoints = 200
	res := mustPost(t, s, r)
	if res.Spent != 200 || res.Earned != 100 {
		t.Fatalf("a forgotten card's receipt: %+v", res)
	}
	// A pooled family card's data are its holder's.
	fam := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts(at)}})
	if _, err := s.LinkCard(ctx, rewards.CardLink{Meta: rewards.Meta{At: ts("2026-12-01T10:00:00Z")}, Card: fam, Holder: card, Pool: true}); err != nil {
		t.Fatal(err)
	}
	_, err = s.ForgetCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts("2026-12-01T10:00:00Z")}, Card: fam})
	wantCode(t, err, rewards.EREFUSED, "forgetting a pooled family card")
	noPersonalData(t, s, "Ефросинья", "Кривошеева", "9031112233", "111-22-33", "efrosinya@")
	checkLedger(t, s)
}

// An export answers a data-access request: it holds the history of every
// card of the account (a replaced card's, a pooled family card's), asked
// on any of them, and the account's vouchers.
func exportHoldsTheAccount(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	meta := func(at string) rewards.Meta { return rewards.Meta{At: ts(at)} }
	holder := mustCard(t, s, rewards.CardIssue{Meta: meta("2026-11-01T08:00:00Z"), Handed: true,
		Details: rewards.Details{GivenName: "Мария", Consent: true}})
	fam := mustCard(t, s, rewards.CardIssue{Meta: meta("2026-11-01T08:00:00Z"), Handed: true})
	mustPost(t, s, receipt("X-1", holder, "2026-11-03T10:00:00Z", rewards.Line{SKU: "tea", Qty: 1, Amount: 2000}))
	if _, err := s.LinkCard(ctx, rewards.CardLink{Meta: meta("2026-11-03T11:00:00Z"), Card: fam, Holder: holder, Pool: true}); err != nil {
		t.Fatal(err)
	}
	mustPost(t, s, receipt("X-2", fam, "2026-11-04T10:00:00Z", rewards.Line{SKU: "bread", Qty: 1, Amount: 3000}))
	replacement, err := s.ReplaceCard(ctx, rewards.CardReplace{Meta: meta("2026-11-05T10:00:00Z"), Card: holder})
	if err != nil {
		t.Fatal(err)
	}
	mustPost(t, s, receipt("X-3", replacement.Number, "2026-11-06T10:00:00Z", rewards.Line{SKU: "milk", Qty: 1, Amount: 4000}))
	for _, asked := range []string{holder, fam, replacement.Number} {
		data, err := s.ExportCard(ctx, asked, ts("2026-11-10T10:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		byCard := map[string]int{}
		refs := map[string]bool{}
		for i, h := range data.History {
			byCard[h.Card]++
			refs[h.Ref] = true
			if i > 0 && h.At.Before(data.History[i-1].At) {
				t.Fatalf("asked on %s, the history is not in time order: %+v", asked, data.History)
			}
		}
		for _, c := range []string{holder, fam, replacement.Number} {
			if byCard[c] == 0 {
				t.Errorf("asked on %s, the export holds nothing of card %s: %+v", asked, c, data.History)
			}
		}
		for _, r := range []string{"X-1", "X-2", "X-3"} {
			if !refs[r] {
				t.Errorf("asked on %s, the export lacks receipt %s: %+v", asked, r, data.History)
			}
		}
		if len(data.Cards) != 3 || data.Person == nil || data.Person.GivenName != "Мария" {
			t.Errorf("asked on %s: cards %+v, person %+v", asked, data.Cards, data.Person)
		}
	}
	checkLedger(t, s)
}

// noPersonalData fails the test when an event of s's log (where it keeps
// one) carries any of the texts.
func noPersonalData(t *testing.T, s Store, texts ...string) {
	t.Helper()
	log, ok := eventLog(s)
	if !ok {
		return
	}
	evs, err := log.Events(ctx, 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		for _, text := range texts {
			if strings.Contains(string(e.Body), text) {
				t.Fatalf("event %d (%s) carries personal data %q: %s", e.Seq, e.Kind, text, e.Body)
			}
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
