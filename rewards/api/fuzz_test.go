package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// fuzzBody posts every body the fuzzer makes to path on a ledger with a
// card: whatever arrives, the answer is never an internal error, and a
// refusal is always the envelope with its code's status.
func fuzzBody(f *testing.F, path string, seeds ...string) {
	h, _, card := ledgerHandler(f)
	for _, s := range seeds {
		f.Add(strings.ReplaceAll(s, "CARD", card))
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := do(t, h, http.MethodPost, path, "bg", strings.NewReader(body))
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
