package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
)

// fuzzBody posts every body the fuzzer makes to path on a ledger with a
// card: whatever arrives, the answer is never an internal error, and a
// refusal is always the envelope with its code's status.
func fuzzBody(f *testing.F, path string, seeds ...string) {
	fuzzRequest(f, http.MethodPost, path, seeds...)
}

// fuzzRequest is fuzzBody with the method given; CARD in the path and the
// seeds stands for the ledger's card. The handler is not checked against
// docs/openapi.json: the fuzzer's bodies are refused, and what a refusal
// must be the fuzz target checks itself.
func fuzzRequest(f *testing.F, method, path string, seeds ...string) {
	s, opts, card := ledger(f)
	h := api.NewHandler(s, opts)
	for _, s := range seeds {
		f.Add(strings.ReplaceAll(s, "CARD", card))
	}
	path = strings.ReplaceAll(path, "CARD", card)
	f.Fuzz(func(t *testing.T, body string) {
		rec := do(t, h, method, path, "bg", strings.NewReader(body))
		if rec.Code == http.StatusInternalServerError {
			t.Fatalf("an internal error for %q: %s", body, rec.Body)
		}
		if rec.Code >= 400 {
			envelopeOf(t, rec)
		}
	})
}

const fuzzReceipt = `{"id":"F1","store":"s1","card":"CARD","time":"2026-11-02T09:00:00Z","lines":[{"sku":"a","qty":2,"amount":500,"own_brand":true}],"pay_with_points":0}`

func FuzzReceiptBody(f *testing.F) {
	fuzzBody(f, "/v1/receipts", fuzzReceipt, `{}`, `[]`, `null`, `{"id":"F2","lines":[{"qty":-1}]}`, `{"id":1}`,
		`{"id":"F3","store":"s1","card":"CARD","time":"9999-99-99","lines":[]}`)
}

func FuzzReceiptBatchBody(f *testing.F) {
	fuzzBody(f, "/v1/receipts/batch", "["+fuzzReceipt+","+fuzzReceipt+"]", `[]`, `[null]`, `[{}]`, `{}`, `[1,"a"]`)
}

func FuzzCardIssueBody(f *testing.F) {
	fuzzBody(f, "/v1/cards", `{"handed":true}`, `{"number":"CARD"}`, `{"id":"C1","name":"Ana Petrova","phone":"0888123456","consent":true}`,
		`{"person":"p1"}`, `{"with_phone":true}`, `{"email":"\u0000"}`, `{"at":"2026-11-01T08:00:00Z","member":true}`, `[]`)
}

func FuzzReturnBody(f *testing.F) {
	fuzzBody(f, "/v1/returns", `{"id":"X1","receipt":"F1","time":"2026-11-03T09:00:00Z","lines":[{"sku":"a","qty":1}]}`,
		`{"id":"X2","receipt":"","lines":null}`, `{}`, `[]`, `{"lines":[{"qty":1e99}]}`)
}

func FuzzQuoteBody(f *testing.F) {
	fuzzBody(f, "/v1/receipts/quote", fuzzReceipt, `{"card":"CARD","lines":[{"sku":"a","qty":1,"amount":1,"bonus":-5}]}`, `{}`, `null`)
}

func FuzzRedemptionBody(f *testing.F) {
	fuzzBody(f, "/v1/redemptions", `{"card":"CARD","reward":"MUG","store":"s1"}`, `{"card":"CARD","reward":""}`, `{"code":"AAAA-BBBB-CCCC"}`, `{}`, `[]`)
}

func FuzzCardRegisterBody(f *testing.F) {
	fuzzBody(f, "/v1/cards/CARD/register", `{"card":"CARD","given_name":"Ана","phone":"0888123456","consent":true}`,
		`{"marketing":true}`, `{"no_marketing":true,"marketing":true}`, `{"card":"2900000000018"}`, `{}`, `null`)
}

func FuzzCardLinkBody(f *testing.F) {
	fuzzBody(f, "/v1/cards/CARD/link", `{"card":"CARD","holder":"CARD"}`, `{"holder":"2900000000018","pool":true}`, `{}`, `[1]`)
}

func FuzzVoucherClaimBody(f *testing.F) {
	fuzzBody(f, "/v1/vouchers/AAAA-BBBB-CCCC/claim", `{"code":"AAAA-BBBB-CCCC"}`, `{"code":"aaaabbbbcccc"}`, `{}`, `""`)
}

func FuzzRewardPutBody(f *testing.F) {
	fuzzRequest(f, http.MethodPut, "/v1/board/items/R1", `{"reward":{"id":"R1","coop":"c1","points":10,"names":{"en":"Mug"}}}`,
		`{"reward":{"id":"R2"}}`, `{"reward":{"id":"R1","points":-1,"stock":-2}}`, `{}`, `null`)
}

func FuzzStorePutBody(f *testing.F) {
	fuzzRequest(f, http.MethodPut, "/v1/stores/s9", `{"store":{"id":"s9","coop":"c1","names":{"bg":"Магазин"}}}`, `{"store":{}}`, `{}`, `[]`)
}

func FuzzCoopPutBody(f *testing.F) {
	fuzzRequest(f, http.MethodPut, "/v1/coops/c9", `{"coop":{"id":"c9","names":{"ru":"Кооп"}}}`, `{"coop":{"id":""}}`, `{}`, `7`)
}

func FuzzProgramPutBody(f *testing.F) {
	fuzzRequest(f, http.MethodPut, "/v1/program", `{"program":{"name":"X","kind":"points","currency":"EUR","timezone":"Europe/Sofia"}}`,
		`{"program":{"kind":"bonus"}}`, `{"program":null}`, `{}`, `[]`)
}

// FuzzStaffLoginBody posts login bodies to a ledger with staff member 4711
// of cooperative c1, whose staff card is STAFFCARD, through the admin's
// device: by number, by card, both, neither, and whatever else arrives.
func FuzzStaffLoginBody(f *testing.F) {
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { return start.Add(48 * time.Hour) }
	s := openStore(f, now)
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: start}, Program: rewardstest.Program(f, "coop")}); err != nil {
		f.Fatal(err)
	}
	rewardstest.MustPlaces(f, s, "c1")
	card := rewards.WithCheckDigit("210000004711")
	if _, err := s.AddStaff(ctx, rewards.StaffAdd{PIN: testPIN, Staff: rewards.StaffMember{Number: "4711", Name: "Ivana", Role: rewards.StaffRoleStaff, Coop: "c1", Card: card}}); err != nil {
		f.Fatal(err)
	}
	h := api.NewHandler(s, api.Options{Now: now, Devices: oneAdmin{}, Staff: s})
	for _, seed := range []string{
		`{"number":"4711","pin":"482913"}`, `{"card":"STAFFCARD","pin":"482913"}`, `{"card":"STAFFCARD","pin":"000000"}`,
		`{"number":"4711","card":"STAFFCARD","pin":"482913"}`, `{"pin":"482913"}`, `{"card":"2100000047110","pin":"1"}`,
		`{"card":"","number":""}`, `{"card":7,"pin":[]}`, `{}`, `[]`, `null`,
	} {
		f.Add(strings.ReplaceAll(seed, "STAFFCARD", card))
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := do(t, h, http.MethodPost, "/v1/staff/login", "ru", strings.NewReader(body))
		if rec.Code == http.StatusInternalServerError {
			t.Fatalf("an internal error for %q: %s", body, rec.Body)
		}
		if rec.Code >= 400 {
			envelopeOf(t, rec)
		}
	})
}

// FuzzSyncEventsBody uploads what the fuzzer makes as a kiosk's outbox:
// whatever arrives is answered per event or refused whole, never with an
// internal error.
func FuzzSyncEventsBody(f *testing.F) {
	fuzzBody(f, "/v1/sync/events",
		`{"events":[{"id":"7ea917fb-91f8-51dc-be26-1bb646b72ced","kind":"card.issue","at":"2026-11-02T09:30:00Z","body":{"id":"k1-1","at":"2026-11-02T09:30:00Z","handed":true},"personal":{"given_name":"Ана","phone":"+359888123456","consent":true}}]}`,
		`{"events":[{"id":"6eea76cf-668f-5b79-83fe-31681f0be857","kind":"voucher.redeem","at":"2026-11-02T09:31:00Z","body":{"id":"k1-2","card":"CARD","reward":"r1","code":"ABCD-EFGH-JKLM"}}]}`,
		`{"events":[{"id":"x","kind":"receipt","at":"2026-11-02T09:31:00Z","body":{"id":"k1-3"}}]}`,
		`{"events":[{"id":"","kind":"","body":null}]}`, `{"events":null}`, `{"events":[{}]}`, `{}`, `[]`)
}

// FuzzSyncChangesCursor reads the change feed after whatever cursor the
// fuzzer makes: a page, or a refusal naming the cursor.
func FuzzSyncChangesCursor(f *testing.F) {
	s, opts, _ := ledger(f)
	h := api.NewHandler(s, opts)
	for _, seed := range []string{"", "0.0", "3.1", "1", "-1.5", "9223372036854775807.0", "x.y", "1.2.3", " 1.0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		rec := do(t, h, http.MethodGet, "/v1/sync/changes?after="+url.QueryEscape(cursor), "en", nil)
		if rec.Code == http.StatusInternalServerError {
			t.Fatalf("an internal error for cursor %q: %s", cursor, rec.Body)
		}
		if rec.Code >= 400 {
			envelopeOf(t, rec)
		}
	})
}
