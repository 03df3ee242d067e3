package rewards_test

import (
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Kinds of text field, each with its own rules.
const (
	kindID   = "id"   // ids, SKUs, store and cooperative ids
	kindName = "name" // names of customers and rewards
	kindText = "text" // card numbers, phones, voucher codes: parsed further
)

// textField is one field of one command: how to set it on a command that is
// otherwise valid, and what its refusals start with.
type textField struct {
	field    string // the start of the message: "receipt lines[0].sku"
	kind     string
	base     string // a valid value that the text tests vary
	validate func(v string) error
}

const (
	card1 = "2900000000018"
	card2 = "2712345678902"
	code1 = "K7QX-M2PA-9RTE"
)

// textFields lists every text field of every command type that comes from
// outside.
func textFields(t *testing.T) []textField {
	receipt := func(edit func(r *rewards.Receipt, v string)) func(string) error {
		return func(v string) error {
			r := rewards.Receipt{ID: "R1", Store: "s1", Card: card1, Time: at(t, "2026-11-02T09:00:00Z"),
				Lines: []rewards.Line{{SKU: "A", Qty: 1, Amount: 100}}}
			edit(&r, v)
			return r.Validate()
		}
	}
	ret := func(edit func(r *rewards.Return, v string)) func(string) error {
		return func(v string) error {
			r := rewards.Return{ID: "RET1", Receipt: "R1", Time: at(t, "2026-11-12T09:00:00Z"),
				Lines: []rewards.ReturnLine{{SKU: "A", Qty: 1}}}
			edit(&r, v)
			return r.Validate()
		}
	}
	rw := func(edit func(r *rewards.Reward, v string)) func(string) error {
		return func(v string) error {
			r := reward()
			r.Names.RU, r.Names.EN = "Масло", "Oil"
			edit(&r, v)
			return r.Validate()
		}
	}
	type validator interface{ Validate() error }
	cmd := func(make func(v string) validator) func(string) error {
		return func(v string) error { return make(v).Validate() }
	}
	meta := func(v string) rewards.Meta { return rewards.Meta{ID: v, At: at(t, "2026-11-02T09:00:00Z")} }
	m := rewards.Meta{ID: "c-1"}
	coop := bundled(t, "coop")
	return []textField{
		{"receipt id", kindID, "R1", receipt(func(r *rewards.Receipt, v string) { r.ID = v })},
		{"receipt store", kindID, "s1", receipt(func(r *rewards.Receipt, v string) { r.Store = v })},
		{"receipt card", kindText, card1, receipt(func(r *rewards.Receipt, v string) { r.Card = v })},
		{"receipt lines[0].sku", kindID, "A", receipt(func(r *rewards.Receipt, v string) { r.Lines[0].SKU = v })},
		{"return id", kindID, "RET1", ret(func(r *rewards.Return, v string) { r.ID = v })},
		{"return receipt", kindID, "R1", ret(func(r *rewards.Return, v string) { r.Receipt = v })},
		{"return lines[0].sku", kindID, "A", ret(func(r *rewards.Return, v string) { r.Lines[0].SKU = v })},
		{"reward id", kindID, "oil-1l", rw(func(r *rewards.Reward, v string) { r.ID = v })},
		{"reward coop", kindID, "coop-vratsa", rw(func(r *rewards.Reward, v string) { r.Coop = v })},
		{"reward store", kindID, "s1", rw(func(r *rewards.Reward, v string) { r.Store = v })},
		{"reward names.bg", kindName, "Олио", rw(func(r *rewards.Reward, v string) { r.Names.BG = v })},
		{"reward names.ru", kindName, "Масло", rw(func(r *rewards.Reward, v string) { r.Names.RU = v })},
		{"reward names.en", kindName, "Oil", rw(func(r *rewards.Reward, v string) { r.Names.EN = v })},
		{"program install id", kindID, "c-1", cmd(func(v string) validator { return &rewards.ProgramInstall{Meta: meta(v), Program: coop} })},
		{"card issue id", kindID, "c-1", cmd(func(v string) validator { return &rewards.CardIssue{Meta: meta(v)} })},
		{"card issue number", kindText, card1, cmd(func(v string) validator { return &rewards.CardIssue{Meta: m, Number: v} })},
		{"card issue phone", kindText, "+79001234567", cmd(func(v string) validator { return &rewards.CardIssue{Meta: m, Details: rewards.Details{Phone: v}} })},
		{"card issue given_name", kindName, "Мария", cmd(func(v string) validator { return &rewards.CardIssue{Meta: m, Details: rewards.Details{GivenName: v}} })},
		{"card issue family_name", kindName, "Петрова", cmd(func(v string) validator { return &rewards.CardIssue{Meta: m, Details: rewards.Details{FamilyName: v}} })},
		{"card issue email", kindName, "maria@example.bg", cmd(func(v string) validator { return &rewards.CardIssue{Meta: m, Details: rewards.Details{Email: v}} })},
		{"card issue name", kindName, "Мария Петрова", cmd(func(v string) validator { return &rewards.CardIssue{Meta: m, Name: v} })},
		{"card register id", kindID, "c-1", cmd(func(v string) validator { return &rewards.CardRegister{Meta: meta(v), Card: card1} })},
		{"card register card", kindText, card1, cmd(func(v string) validator { return &rewards.CardRegister{Meta: m, Card: v} })},
		{"card register phone", kindText, "+79001234567", cmd(func(v string) validator {
			return &rewards.CardRegister{Meta: m, Card: card1, Details: rewards.Details{Phone: v}}
		})},
		{"card register given_name", kindName, "Мария", cmd(func(v string) validator {
			return &rewards.CardRegister{Meta: m, Card: card1, Details: rewards.Details{GivenName: v}}
		})},
		{"card register email", kindName, "maria@example.bg", cmd(func(v string) validator {
			return &rewards.CardRegister{Meta: m, Card: card1, Details: rewards.Details{Email: v}}
		})},
		{"card register name", kindName, "Мария", cmd(func(v string) validator { return &rewards.CardRegister{Meta: m, Card: card1, Name: v} })},
		{"card action id", kindID, "c-1", cmd(func(v string) validator { return &rewards.CardAction{Meta: meta(v), Card: card1} })},
		{"card action card", kindText, card1, cmd(func(v string) validator { return &rewards.CardAction{Meta: m, Card: v} })},
		{"card replace id", kindID, "c-1", cmd(func(v string) validator { return &rewards.CardReplace{Meta: meta(v), Card: card1} })},
		{"card replace card", kindText, card1, cmd(func(v string) validator { return &rewards.CardReplace{Meta: m, Card: v} })},
		{"card replace new_number", kindText, card2, cmd(func(v string) validator { return &rewards.CardReplace{Meta: m, Card: card1, NewNumber: v} })},
		{"card link id", kindID, "c-1", cmd(func(v string) validator { return &rewards.CardLink{Meta: meta(v), Card: card1, Holder: card2} })},
		{"card link card", kindText, card1, cmd(func(v string) validator { return &rewards.CardLink{Meta: m, Card: v, Holder: card2} })},
		{"card link holder", kindText, card2, cmd(func(v string) validator { return &rewards.CardLink{Meta: m, Card: card1, Holder: v} })},
		{"redemption id", kindID, "c-1", cmd(func(v string) validator { return &rewards.Redemption{Meta: meta(v), Card: card1, Reward: "oil"} })},
		{"redemption card", kindText, card1, cmd(func(v string) validator { return &rewards.Redemption{Meta: m, Card: v, Reward: "oil"} })},
		{"redemption reward", kindID, "oil", cmd(func(v string) validator { return &rewards.Redemption{Meta: m, Card: card1, Reward: v} })},
		{"redemption store", kindID, "s1", cmd(func(v string) validator { return &rewards.Redemption{Meta: m, Card: card1, Reward: "oil", Store: v} })},
		{"redemption code", kindText, code1, cmd(func(v string) validator { return &rewards.Redemption{Meta: m, Card: card1, Reward: "oil", Code: v} })},
		{"voucher action id", kindID, "c-1", cmd(func(v string) validator { return &rewards.VoucherAction{Meta: meta(v), Code: code1} })},
		{"voucher action code", kindText, code1, cmd(func(v string) validator { return &rewards.VoucherAction{Meta: m, Code: v} })},
		{"reward add id", kindID, "c-1", cmd(func(v string) validator { return &rewards.RewardAdd{Meta: meta(v), Reward: reward()} })},
		{"reward id", kindID, "oil-1l", cmd(func(v string) validator {
			r := reward()
			r.ID = v
			return &rewards.RewardAdd{Meta: m, Reward: r}
		})},
		{"reward remove id", kindID, "c-1", cmd(func(v string) validator { return &rewards.RewardRemove{Meta: meta(v), Reward: "oil"} })},
		{"reward remove reward", kindID, "oil", cmd(func(v string) validator { return &rewards.RewardRemove{Meta: m, Reward: v} })},
	}
}

// Every text field of every command takes valid UTF-8 only and refuses
// U+FFFD (what encoding/json makes of bytes that are not UTF-8 and of lone
// surrogates, so that two different ids would become one); ids and names
// refuse control characters, ids invisible formatting characters too; ids
// are bounded in bytes and names in characters. Each refusal names the field.
func TestTextRules(t *testing.T) {
	type rule struct {
		name  string
		edit  func(base string) string
		kinds string // the kinds that refuse it; the others accept it
		want  string // in the refusal
	}
	around := func(s string) func(string) string { return func(b string) string { return b + s } }
	for _, r := range []rule{
		{"invalid UTF-8", around("\xff"), "id name text", "not valid UTF-8"},
		{"a cut-off Cyrillic letter", around("\xd0"), "id name text", "not valid UTF-8"},
		{"an encoded surrogate", around("\xed\xa0\x80"), "id name text", "not valid UTF-8"},
		{"U+FFFD", around("\ufffd"), "id name text", "U+FFFD"},
		{"NUL", around("\x00"), "id name", "U+0000"},
		{"bell", around("\a"), "id name", "control"},
		{"newline", around("\n"), "id name", "U+000A"},
		{"DEL", around("\x7f"), "id name", "U+007F"},
		{"C1 control (NEL)", around("\u0085"), "id name", "U+0085"},
		{"line separator", around("\u2028"), "id name", "U+2028"},
		{"paragraph separator", around("\u2029"), "id name", "U+2029"},
		{"right-to-left override", around("\u202e"), "id name", "U+202E"},
		{"first strong isolate", around("\u2068"), "id name", "U+2068"},
		{"zero-width space", around("\u200b"), "id", "U+200B"},
		{"byte-order mark", around("\ufeff"), "id", "U+FEFF"},
		{"soft hyphen", around("\u00ad"), "id", "U+00AD"},
		{"right-to-left mark", around("\u200f"), "id", "U+200F"},
		{"zero-width joiner", around("\u200d"), "id", "U+200D"},
		{"129 bytes", func(string) string { return strings.Repeat("x", 129) }, "id", "at most 128 bytes"},
		{"65 Cyrillic letters (130 bytes)", func(string) string { return strings.Repeat("я", 65) }, "id", "at most 128 bytes"},
		{"201 characters", func(string) string { return strings.Repeat("я", 201) }, "id name", "at most"},
		{"blank", func(string) string { return "  " }, "id", "required"},
	} {
		for _, f := range textFields(t) {
			if f.kind == kindText && !strings.Contains(r.kinds, kindText) {
				continue // card numbers, phones and codes refuse more: their own rules say so
			}
			t.Run(f.field+"/"+r.name, func(t *testing.T) {
				err := f.validate(r.edit(f.base))
				if !strings.Contains(r.kinds, f.kind) {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				wantField(t, err, f.field, "")
				wantError(t, err, rewards.EINVALID, r.want)
			})
		}
	}
}

// What the rules must not refuse: the bounds themselves, any script, spaces
// inside, and in names the joiners and marks that scripts and emoji need.
func TestTextRulesAccept(t *testing.T) {
	for _, f := range textFields(t) {
		var values []string
		switch f.kind {
		case kindID:
			values = []string{f.base, strings.Repeat("x", 128), strings.Repeat("я", 64), "Чек 42/София", "A-B", "荷物-7"}
		case kindName:
			values = []string{f.base, strings.Repeat("я", 200), "Иван Иванов-Петров", "👩\u200d💻 Ana", "שָׁלוֹם\u200f", "O'Brien & Sons <Ltd>"}
		default:
			values = []string{f.base}
		}
		for _, v := range values {
			if err := f.validate(v); err != nil {
				t.Errorf("%s = %q: refused: %v", f.field, v, err)
			}
		}
	}
}

// Fields that are required say so; optional ones may be left empty.
func TestTextRulesRequired(t *testing.T) {
	optional := map[string]bool{
		"reward store": true, "reward names.bg": true,
		"reward names.ru": true, "reward names.en": true, "card issue number": true, "card issue phone": true,
		"card issue name": true, "card register phone": true, "card register name": true, "card issue given_name": true, "card issue family_name": true,
		"card issue email": true, "card register given_name": true, "card register email": true,
		"card replace new_number": true, "redemption store": true, "redemption code": true,
		// The client id: empty asks for a fresh one.
		"card issue id": true, "card register id": true, "card action id": true, "card replace id": true,
		"card link id": true, "redemption id": true, "voucher action id": true, "reward add id": true,
		"reward remove id": true, "program install id": true,
	}
	for _, f := range textFields(t) {
		err := f.validate("")
		if optional[f.field] {
			if err != nil {
				t.Errorf("%s left empty: %v", f.field, err)
			}
			continue
		}
		wantField(t, err, f.field, "problem.required")
	}
}

// The issue's case: two receipts whose ids differ only in a lone surrogate,
// or in bytes that are not UTF-8, decode to the same id; both are refused,
// so that the second is not taken for a repeat of the first.
func TestParseReceiptRefusesWhatDecodesToU_FFFD(t *testing.T) {
	for _, id := range []string{`R\ud800`, `R\udbff`, "R\xff", "R\xed\xa0\x80", `R\ufffd`, "R\ufffd"} {
		in := `{"id":"` + id + `","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":5}]}`
		_, err := rewards.ParseReceipt(strings.NewReader(in))
		wantError(t, err, rewards.EINVALID, "receipt id: ", "U+FFFD")
		in = `{"id":"RET1","receipt":"` + id + `","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":1}]}`
		_, err = rewards.ParseReturn(strings.NewReader(in))
		wantError(t, err, rewards.EINVALID, "return receipt: ", "U+FFFD")
	}
	in := `{"id":"R1","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A\ud83d","qty":1,"amount":5}]}`
	_, err := rewards.ParseReceipt(strings.NewReader(in))
	wantError(t, err, rewards.EINVALID, "receipt lines[0].sku: ", "U+FFFD")
	// A surrogate pair is one character, not a lone surrogate.
	in = `{"id":"R\ud83d\ude00","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":5}]}`
	if r, err := rewards.ParseReceipt(strings.NewReader(in)); err != nil || r.ID != "R😀" {
		t.Fatalf("surrogate pair: %+v, %v", r, err)
	}
}
