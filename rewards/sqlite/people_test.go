package sqlite_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// ledgerBytes is what a ledger's files hold: the database and its
// write-ahead log.
func ledgerBytes(t *testing.T, path string) []byte {
	t.Helper()
	var out []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

// found lists the texts that the ledger's files hold.
func found(t *testing.T, path string, texts ...string) []string {
	t.Helper()
	raw := ledgerBytes(t, path)
	var out []string
	for _, text := range texts {
		if bytes.Contains(raw, []byte(text)) {
			out = append(out, text)
		}
	}
	return out
}

// Forgetting a customer erases their names, phone and e-mail from the
// ledger's files, its write-ahead log included: the values they had before
// a change too, and the request a command came with.
func TestForgetErasesFromTheFiles(t *testing.T) {
	s, clk := openStore(t, "coop")
	clk.set("2026-11-02T10:00:00Z")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{ID: "form-17", At: ts("2026-11-02T10:00:00Z")}, Details: rewards.Details{
		GivenName: "Радослава", FamilyName: "Кочева-Стоянова", Phone: "0888 123 456", Email: "radoslava.k@example.bg",
		Consent: true, Marketing: true}})
	clk.set("2026-11-03T10:00:00Z")
	mustPost(t, s, receipt("K-1", card, "2026-11-03T10:00:00Z", rewards.Line{SKU: "bread", Qty: 4, Amount: 300}))
	// A change leaves the old values behind in a page, where secure_delete
	// does not zero them.
	if _, err := s.RegisterCard(ctx, rewards.CardRegister{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: card,
		Details: rewards.Details{Phone: "0899 765 432", Email: "r.stoyanova@example.bg", Consent: true}}); err != nil {
		t.Fatal(err)
	}
	personal := []string{"Радослава", "Кочева", "Стоянова", "888123456", "888 123 456", "899765432", "899 765 432", "radoslava.k", "r.stoyanova"}
	if got := found(t, s.Path, "Радослава", "899765432", "r.stoyanova"); len(got) != 3 {
		t.Fatalf("before the forget, the files hold only %v of what the card's record holds: the search looks in the wrong place", got)
	}
	before := balance(t, s, card, "2026-11-10T10:00:00Z")
	if _, err := s.ForgetCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts("2026-11-03T10:00:00Z")}, Card: card}); err != nil {
		t.Fatal(err)
	}
	if got := found(t, s.Path, personal...); len(got) > 0 {
		t.Fatalf("after the forget the ledger's files still hold %q", got)
	}
	if b := balance(t, s, card, "2026-11-10T10:00:00Z"); b.Available != before.Available || b.Available == 0 {
		t.Fatalf("after the forget the card holds %d, before %d", b.Available, before.Available)
	}
	// A retry of the forgotten registration is not found by its hash: it
	// is a conflict, not the first answer.
	clk.set("2026-11-04T10:00:00Z")
	_, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{ID: "form-17", At: ts("2026-11-02T10:00:00Z")}, Details: rewards.Details{
		GivenName: "Радослава", FamilyName: "Кочева-Стоянова", Phone: "0888 123 456", Email: "radoslava.k@example.bg",
		Consent: true, Marketing: true}})
	wantRefused(t, err, rewards.ECONFLICT, "different contents")
	// The card still earns, and the log replays with nothing personal in it.
	mustPost(t, s, receipt("K-2", card, "2026-11-04T10:00:00Z", rewards.Line{SKU: "milk", Qty: 1, Amount: 200}))
	checkLedger(t, s)
	history, err := s.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(history); strings.Contains(string(b), "Радослава") || len(history) != 2 {
		t.Fatalf("history after the forget: %s", b)
	}
}

// Upgrading a v0.1.0 ledger moves the names and phones out of the accounts
// and the event bodies into personal records, split and in E.164 form, and
// writes the files anew: once its customers are forgotten, nothing of what
// v0.1.0 stored about them is left in a free page or the log.
func TestUpgradeMovesPersonalData(t *testing.T) {
	for _, tc := range []struct {
		fixture, now string
		want         map[string]rewards.Card // by card: the names and phone it shows
		forget       []string
		personal     []string
	}{
		{"v0.1.0-coop.db", "2026-11-10T10:00:00Z", map[string]rewards.Card{
			"2900000000018": {GivenName: "Мария", FamilyName: "Петрова", Name: "Мария Петрова"},
			"2900000000025": {GivenName: "Мария", FamilyName: "Петрова", Name: "Мария Петрова"}, // pooled: the holder's
			"2900000000032": {},
		}, []string{"2900000000018"}, []string{"Мария", "Петрова"}},
		{"v0.1.0-bonus.db", "2026-12-01T10:00:00Z", map[string]rewards.Card{
			"2700000000014": {GivenName: "Иван", Name: "Иван", Phone: "+79001234567"},
			"2700000000021": {Phone: "+79007654321"},
		}, []string{"2700000000014", "2700000000021"}, []string{"Иван", "9001234567", "123-45-67", "9007654321", "765-43-21"}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			path := copyLedger(t, tc.fixture)
			if got := found(t, path, tc.personal...); len(got) != len(tc.personal) {
				t.Fatalf("the v0.1.0 ledger holds only %v of %v: the search looks in the wrong place", got, tc.personal)
			}
			s, err := openPath(t, path, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			for number, want := range tc.want {
				c, err := s.Card(ctx, number, ts(tc.now))
				if err != nil {
					t.Fatal(err)
				}
				if c.GivenName != want.GivenName || c.FamilyName != want.FamilyName || c.Name != want.Name || c.Phone != want.Phone {
					t.Errorf("card %s after the upgrade: %+v, want %+v", number, c, want)
				}
			}
			evs, err := s.Events(ctx, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if e.Kind != rewards.EventCardIssue && e.Kind != rewards.EventCardRegister {
					continue
				}
				var keys map[string]any
				if err := json.Unmarshal(e.Body, &keys); err != nil {
					t.Fatal(err)
				}
				if _, ok := keys["phone"]; ok {
					t.Errorf("event %d (%s) still has a phone: %s", e.Seq, e.Kind, e.Body)
				}
				if _, ok := keys["name"]; ok {
					t.Errorf("event %d (%s) still has a name: %s", e.Seq, e.Kind, e.Body)
				}
			}
			checkLedger(t, s)
			for _, number := range tc.forget {
				if _, err := s.ForgetCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts(tc.now)}, Card: number}); err != nil {
					t.Fatal(err)
				}
			}
			if got := found(t, path, tc.personal...); len(got) > 0 {
				t.Fatalf("after the upgrade and the forget, the ledger's files still hold %q", got)
			}
			checkLedger(t, s)
			// The welcome bonus that a v0.1.0 phone earned is still there,
			// and replays from the event's with_phone.
			if tc.fixture == "v0.1.0-bonus.db" {
				h, err := s.History(ctx, "2700000000014")
				if err != nil || len(h) == 0 || h[0].Kind != rewards.EntryWelcome {
					t.Fatalf("history of a v0.1.0 card with a phone: %+v %v", h, err)
				}
			}
		})
	}
}

// A store reopened after a forget still opens and reads what it kept.
func TestForgetThenReopen(t *testing.T) {
	s, clk := openStore(t, "bonus")
	clk.set("2026-11-02T10:00:00Z")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-02T10:00:00Z")}, Details: rewards.Details{Phone: "+79161112233", Consent: true}})
	if _, err := s.ForgetCard(ctx, rewards.CardAction{Meta: rewards.Meta{At: ts("2026-11-02T10:00:00Z")}, Card: card}); err != nil {
		t.Fatal(err)
	}
	path := s.Path
	s.Close()
	again, err := openPath(t, path, "2026-11-20T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if b := balance(t, again, card, "2026-11-20T10:00:00Z"); b.Available != 500 {
		t.Fatalf("the welcome bonus after a forget and a reopen: %+v", b)
	}
	var _ *sqlite.Store = again
}

// An event made elsewhere with personal data in its body (a kiosk of an
// older build) is kept as a local command is: the data in a record, the
// body without them; applied again, it is a repeat.
func TestApplyKeepsPersonalDataApart(t *testing.T) {
	s, clk := openStore(t, "bonus")
	clk.set("2026-11-02T10:00:00Z")
	body := `{"id":"kiosk-7/1","at":"2026-11-02T10:00:00Z","number":"2700000000014","handed":true,"phone":"8 912 345-67-89","name":"Анна Смирнова","consent":true}`
	e := rewards.Event{ID: rewards.EventID(rewards.EventCardIssue, "kiosk-7/1"), Kind: rewards.EventCardIssue, Device: "kiosk-7",
		At: ts("2026-11-02T10:00:00Z"), Body: json.RawMessage(body)}
	first, err := s.Apply(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Apply(ctx, e)
	if err != nil || string(again) != string(first) {
		t.Fatalf("applied again: %s %v, first %s", again, err, first)
	}
	if n := eventCount(t, s); n != 2 { // the program and the card
		t.Fatalf("%d events, want 2", n)
	}
	c, err := s.Card(ctx, "2700000000014", ts("2026-11-02T10:00:00Z"))
	if err != nil || c.Phone != "+79123456789" || c.GivenName != "Анна" || c.FamilyName != "Смирнова" {
		t.Fatalf("card: %+v %v", c, err)
	}
	evs, err := s.Events(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if b := string(evs[1].Body); strings.Contains(b, "Анна") || strings.Contains(b, "345-67-89") || !strings.Contains(b, `"with_phone":true`) {
		t.Fatalf("the stored body: %s", b)
	}
	if b := balance(t, s, "2700000000014", "2026-11-03T10:00:00Z"); b.Available != 500 {
		t.Fatalf("the welcome bonus: %+v", b)
	}
	checkLedger(t, s)
}

// A scrub that an upgrade left undone (the process stopped after the
// migration committed) is done at the next open.
func TestScrubResumes(t *testing.T) {
	path := copyLedger(t, "v0.1.0-bonus.db")
	s, err := openPath(t, path, "2026-12-01T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := s.DB().QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != 0 {
		t.Fatalf("user_version after the upgrade: %d %v", v, err)
	}
	// As an interrupted upgrade leaves it: the record and a stale copy of
	// it in a free page.
	if _, err := s.DB().Exec(`PRAGMA secure_delete = OFF`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE stale (x TEXT)`, `INSERT INTO stale VALUES ('Евлампий Пафнутьев')`, `DROP TABLE stale`, `PRAGMA user_version = 1`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if got := found(t, path, "Евлампий"); len(got) == 0 {
		t.Fatal("the stale copy is not in the files: the test shows nothing")
	}
	s, err = openPath(t, path, "2026-12-01T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != 0 {
		t.Fatalf("user_version after the next open: %d %v", v, err)
	}
	if got := found(t, path, "Евлампий"); len(got) > 0 {
		t.Fatalf("after the next open the files still hold %q", got)
	}
}

// An event made elsewhere that says a phone was registered, or refers to
// a personal record, without giving the data is refused: with_phone alone
// would grant the welcome bonus with no phone. The same body in a copy of
// the ledger's own log is replayed as it stands.
func TestApplyRefusesLedgerSetFields(t *testing.T) {
	s, clk := openStore(t, "bonus")
	clk.set("2026-11-02T10:00:00Z")
	for i, tc := range []struct{ kind, body, field string }{
		{rewards.EventCardIssue, `{"id":"kiosk-7/%d","at":"2026-11-02T10:00:00Z","number":"2700000000014","handed":true,"with_phone":true}`, "with_phone"},
		{rewards.EventCardIssue, `{"id":"kiosk-7/%d","at":"2026-11-02T10:00:00Z","number":"2700000000014","person":"0b7c0d2e-0000-4000-8000-000000000000"}`, "person"},
		{rewards.EventCardRegister, `{"id":"kiosk-7/%d","at":"2026-11-02T10:00:00Z","card":"2700000000014","with_phone":true,"consent":true,"given_name":"Анна"}`, "with_phone"},
	} {
		id := fmt.Sprintf("kiosk-7/%d", i)
		e := rewards.Event{ID: rewards.EventID(tc.kind, id), Kind: tc.kind, Device: "kiosk-7",
			At: ts("2026-11-02T10:00:00Z"), Body: json.RawMessage(fmt.Sprintf(tc.body, i))}
		if tc.kind == rewards.EventCardRegister {
			mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-02T10:00:00Z")}, Number: "2700000000014", Handed: true})
		}
		_, err := s.Apply(ctx, e)
		var de *rewards.Error
		if !errors.As(err, &de) || de.Code != rewards.EINVALID || de.Args["field"] != tc.field {
			t.Fatalf("%s: %v, want %s refused", e.Body, err, tc.field)
		}
		if b, err := s.Balance(ctx, "2700000000014", ts("2026-11-20T10:00:00Z")); err == nil && (b.Available != 0 || len(b.Pending) != 0) {
			t.Fatalf("%s earned a welcome bonus: %+v", e.Body, b)
		}
		// A ledger built again from its log takes its own bodies.
		if tc.field == "with_phone" && tc.kind == rewards.EventCardIssue {
			other, oclk := openStore(t, "bonus")
			oclk.set("2026-11-02T10:00:00Z")
			if _, err := other.Replay(ctx, e); err != nil {
				t.Fatalf("replay: %v", err)
			}
			if b := balance(t, other, "2700000000014", "2026-11-20T10:00:00Z"); b.Available != 500 {
				t.Fatalf("replayed with_phone: %+v", b)
			}
		}
	}
	// An event recorded here, applied again, is a repeat: its first
	// result, though its body holds with_phone without the phone.
	own := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-02T10:00:00Z"), ID: "desk/1"}, Details: rewards.Details{Phone: "+79160001122", Consent: true}})
	evs, err := s.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if !strings.Contains(string(last.Body), `"with_phone":true`) || !strings.Contains(string(last.Body), own) {
		t.Fatalf("the card's own event: %s", last.Body)
	}
	if _, err := s.Apply(ctx, last); err != nil {
		t.Fatalf("a repeat of an event recorded here: %v", err)
	}
	if n := eventCount(t, s); n != len(evs) {
		t.Fatalf("the repeat recorded an event: %d, was %d", n, len(evs))
	}

	// With the phone it stands for, with_phone is taken, as a kiosk's
	// upload that carries the data is.
	e := rewards.Event{ID: rewards.EventID(rewards.EventCardIssue, "kiosk-7/9"), Kind: rewards.EventCardIssue, Device: "kiosk-7", At: ts("2026-11-02T10:00:00Z"),
		Body: json.RawMessage(`{"id":"kiosk-7/9","at":"2026-11-02T10:00:00Z","number":"2700000000021","handed":true,"with_phone":true,"phone":"+79161112233","consent":true}`)}
	if _, err := s.Apply(ctx, e); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, s, "2700000000021", "2026-11-20T10:00:00Z"); b.Available != 500 {
		t.Fatalf("the welcome bonus of a phone given: %+v", b)
	}
	checkLedger(t, s)
}

// editLedger runs SQL on a ledger file before a Store opens it: rows
// that v0.1.0 could have written but the fixtures do not hold.
func editLedger(t *testing.T, path string, qs ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range qs {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// The upgrade writes v0.1.0's phones in E.164 form as input is written
// (rewards.NormalizePhone with the program's calling code, from its
// currency before its time zone); one it cannot write so, or that so
// written is another household's, it keeps as it was and names the card.
func TestUpgradeNormalisesPhones(t *testing.T) {
	type want struct{ card, phone string }
	for _, tc := range []struct {
		name, fixture, now string
		edits              []string
		phones             []want
		warned             map[string]string // by card: the warning's key
	}{
		{"local forms", "v0.1.0-bonus.db", "2026-12-01T10:00:00Z", []string{
			`UPDATE accounts SET phone = '8 (900) 123-45-67' WHERE id = 1`,
			`UPDATE accounts SET phone = '7654321' WHERE id = 2`,
		}, []want{{"2700000000014", "+79001234567"}, {"2715945018581", "7654321"}}, map[string]string{"2715945018581": "people.phone_kept"}},
		{"the currency before the time zone", "v0.1.0-bonus.db", "2026-12-01T10:00:00Z", []string{
			`UPDATE programs SET body = json_set(body, '$.timezone', 'Europe/Sofia')`,
			`UPDATE accounts SET phone = '89001234567' WHERE id = 1`,
		}, []want{{"2700000000014", "+79001234567"}, {"2715945018581", "+79007654321"}}, nil},
		{"every Russian time zone", "v0.1.0-coop.db", "2026-11-10T10:00:00Z", []string{
			`UPDATE programs SET body = json_set(body, '$.timezone', 'Asia/Barnaul')`,
			`UPDATE accounts SET phone = '89001234567' WHERE id = 1`,
		}, []want{{"2900000000018", "+79001234567"}}, nil},
		{"no country code", "v0.1.0-coop.db", "2026-11-10T10:00:00Z", []string{
			`UPDATE accounts SET phone = '359888123456' WHERE id = 1`,
		}, []want{{"2900000000018", "359888123456"}}, map[string]string{"2900000000018": "people.phone_kept"}},
		{"one household, and another", "v0.1.0-coop.db", "2026-11-10T10:00:00Z", []string{
			`UPDATE accounts SET phone = '+359888123456' WHERE id = 1`,
			`UPDATE accounts SET phone = '0888123456' WHERE id = 3`,   // the holder's family card
			`UPDATE accounts SET phone = '0888 123 456' WHERE id = 4`, // an unrelated card
		}, []want{{"2900000000018", "+359888123456"}, {"2900000000032", "+359888123456"}, {"2914103796464", "0888 123 456"}},
			map[string]string{"2914103796464": "people.phone_kept_taken"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := copyLedger(t, tc.fixture)
			editLedger(t, path, tc.edits...)
			s, err := openPath(t, path, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.phones {
				c, err := s.Card(ctx, w.card, ts(tc.now))
				if err != nil || c.Phone != w.phone {
					t.Errorf("card %s's phone: %q %v, want %q", w.card, c.Phone, err, w.phone)
				}
			}
			got := map[string]string{}
			for _, w := range s.Warnings {
				if strings.HasPrefix(w.Key, "people.") {
					card, _ := w.Args["card"].(string)
					got[card] = w.Key
					for _, l := range lang.All {
						if m := w.In(l); !strings.Contains(m, card) {
							t.Errorf("the warning in %s does not name the card: %q", l, m)
						}
					}
				}
			}
			if len(got) != len(tc.warned) {
				t.Errorf("warnings %v, want %v", got, tc.warned)
			}
			for card, key := range tc.warned {
				if got[card] != key {
					t.Errorf("warning for card %s: %q, want %q", card, got[card], key)
				}
			}
		})
	}
	// A pristine v0.1.0 ledger's phones are E.164 already: nothing to say.
	for _, fixture := range []string{"v0.1.0-coop.db", "v0.1.0-bonus.db"} {
		s, err := openPath(t, copyLedger(t, fixture), "2026-12-01T10:00:00Z")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range s.Warnings {
			if strings.HasPrefix(w.Key, "people.") {
				t.Errorf("%s: %s", fixture, w.In(lang.EN))
			}
		}
	}
}

// A pooled family card's v0.1.0 events gave personal data that stayed on
// the account pooled away from, which the upgrade does not keep: they
// refer to no record, not to the holder's.
func TestUpgradePooledFamilyCardEvents(t *testing.T) {
	const holder, pooled = "2900000000018", "2900000000025"
	path := copyLedger(t, "v0.1.0-coop.db")
	editLedger(t, path,
		`UPDATE events SET body = CAST(json_set(CAST(body AS TEXT), '$.name', 'Пётр Петров') AS BLOB) WHERE seq = 3`,
		`UPDATE accounts SET name = 'Пётр Петров' WHERE id = 2`)
	s, err := openPath(t, path, "2026-11-10T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	data, err := s.ExportCard(ctx, holder, ts("2026-11-10T10:00:00Z"))
	if err != nil || data.Person == nil || data.Person.GivenName != "Мария" {
		t.Fatalf("the holder's record: %+v %v", data.Person, err)
	}
	evs, err := s.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	for _, e := range evs {
		if e.Kind != rewards.EventCardIssue {
			continue
		}
		var body struct{ Number, Person, Name string }
		if err := json.Unmarshal(e.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Name != "" {
			t.Errorf("card %s's issue still names the customer: %s", body.Number, e.Body)
		}
		refs[body.Number] = body.Person
	}
	if refs[holder] != data.Person.ID || refs[pooled] != "" {
		t.Fatalf("the issues refer to %q (holder's) and %q (pooled card's), want %q and none", refs[holder], refs[pooled], data.Person.ID)
	}
	if got := found(t, path, "Пётр"); len(got) > 0 {
		t.Fatalf("the pooled card's name is still in the files")
	}
	checkLedger(t, s)
}
