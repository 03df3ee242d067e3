package rewards_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tochka-loyalty/tochka/rewards"
)

// The example receipt.
const sampleReceipt = `{"id":"R1","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z",
 "lines":[{"sku":"A","qty":1,"amount":1000,"own_brand":false,"service":false,"bonus":0}],
 "pay_with_points":0}`

const sampleReturn = `{"id":"RET1","receipt":"R1","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":1}]}`

func TestParseReceipt(t *testing.T) {
	r, err := rewards.ParseReceipt(strings.NewReader(sampleReceipt))
	if err != nil {
		t.Fatal(err)
	}
	want := &rewards.Receipt{ID: "R1", Store: "s1", Card: "2900000000018", Time: at(t, "2026-11-02T09:00:00Z"),
		Lines: []rewards.Line{{SKU: "A", Qty: 1, Amount: 1000}}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("ParseReceipt = %+v, want %+v", r, want)
	}

	r, err = rewards.ParseReceipt(strings.NewReader(`{"id":"R2","card":"2712345678902","time":"2026-11-02T12:00:00+03:00",
		"lines":[{"sku":"PHONE","qty":1,"amount":1999000,"bonus":300},{"sku":"SIM","qty":2,"amount":20000,"service":true,"bonus":20},
		{"sku":"КООП-олио","qty":1,"amount":0,"own_brand":true}],"pay_with_points":500}` + "\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Lines) != 3 || !r.Lines[1].Service || r.Lines[1].Qty != 2 || !r.Lines[2].OwnBrand || r.PayWithPoints != 500 ||
		!r.Time.Equal(at(t, "2026-11-02T09:00:00Z")) || r.Store != "" {
		t.Errorf("ParseReceipt = %+v", r)
	}
}

// Every refusal is EINVALID and names the field, with the line's index.
func TestParseReceiptErrors(t *testing.T) {
	ok := `"id":"R1","card":"2900000000018","time":"2026-11-02T09:00:00Z"`
	okLine := `{"sku":"A","qty":1,"amount":1000}`
	lines := func(ls ...string) string { return `"lines":[` + strings.Join(ls, ",") + `]` }
	receipt := func(parts ...string) string { return "{" + strings.Join(parts, ",") + "}" }
	many := make([]string, rewards.MaxLines+1)
	for i := range many {
		many[i] = okLine
	}
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"no id", receipt(`"card":"2900000000018","time":"2026-11-02T09:00:00Z"`, lines(okLine)), []string{"receipt id: required"}},
		{"blank id", receipt(`"id":" "`, `"card":"2900000000018","time":"2026-11-02T09:00:00Z"`, lines(okLine)), []string{"receipt id: required"}},
		{"long id", receipt(`"id":"`+strings.Repeat("x", 129)+`"`, `"card":"2900000000018","time":"2026-11-02T09:00:00Z"`, lines(okLine)), []string{"receipt id", "128"}},
		{"control character in id", receipt(`"id":"R\u0007"`, `"card":"2900000000018","time":"2026-11-02T09:00:00Z"`, lines(okLine)), []string{"receipt id", "control"}},
		{"no card", receipt(`"id":"R1","time":"2026-11-02T09:00:00Z"`, lines(okLine)), []string{"receipt card: required"}},
		{"card check digit", receipt(`"id":"R1","card":"2900000000017","time":"2026-11-02T09:00:00Z"`, lines(okLine)), []string{"receipt card", "should be 8"}},
		{"no time", receipt(`"id":"R1","card":"2900000000018"`, lines(okLine)), []string{"receipt time: required"}},
		{"time without zone", receipt(`"id":"R1","card":"2900000000018","time":"2026-11-02T09:00:00"`, lines(okLine)), []string{"time", "RFC 3339", "2026-11-02T09:00:00"}},
		{"time as a number", receipt(`"id":"R1","card":"2900000000018","time":1793610000`, lines(okLine)), []string{"time", "RFC 3339"}},
		{"no lines", receipt(ok), []string{"receipt lines", "at least one"}},
		{"empty lines", receipt(ok, lines()), []string{"receipt lines", "at least one"}},
		{"too many lines", receipt(ok, lines(many...)), []string{"receipt lines", "at most 1000"}},
		{"no sku", receipt(ok, lines(okLine, `{"qty":1,"amount":5}`)), []string{"receipt lines[1].sku", "required"}},
		{"blank sku", receipt(ok, lines(`{"sku":"  ","qty":1,"amount":5}`)), []string{"receipt lines[0].sku"}},
		{"long sku", receipt(ok, lines(`{"sku":"`+strings.Repeat("s", 129)+`","qty":1,"amount":5}`)), []string{"receipt lines[0].sku", "128"}},
		{"zero qty", receipt(ok, lines(okLine, `{"sku":"B","qty":0,"amount":5}`)), []string{"receipt lines[1].qty", "got 0"}},
		{"no qty", receipt(ok, lines(okLine, okLine, `{"sku":"B","amount":5}`)), []string{"receipt lines[2].qty", "got 0"}},
		{"huge qty", receipt(ok, lines(`{"sku":"B","qty":100001,"amount":5}`)), []string{"receipt lines[0].qty", "100000"}},
		{"negative amount", receipt(ok, lines(`{"sku":"B","qty":1,"amount":-1}`)), []string{"receipt lines[0].amount", "got -1"}},
		{"huge amount", receipt(ok, lines(`{"sku":"B","qty":1,"amount":100000000001}`)), []string{"receipt lines[0].amount"}},
		{"negative bonus", receipt(ok, lines(okLine, okLine, `{"sku":"B","qty":1,"amount":1,"bonus":-5}`)), []string{"receipt lines[2].bonus", "got -5"}},
		{"huge bonus", receipt(ok, lines(`{"sku":"B","qty":1,"amount":1,"bonus":100001}`)), []string{"receipt lines[0].bonus"}},
		{"total too big", receipt(ok, lines(`{"sku":"A","qty":1,"amount":60000000000}`, `{"sku":"B","qty":1,"amount":60000000000}`)), []string{"receipt lines", "total"}},
		{"negative payment", receipt(ok, lines(okLine), `"pay_with_points":-1`), []string{"receipt pay_with_points"}},
		// Decoding errors.
		{"qty as a string", receipt(ok, lines(okLine, `{"sku":"B","qty":"2","amount":5}`)), []string{"receipt: lines[1].qty: expected a number, got string"}},
		{"fractional qty", receipt(ok, lines(okLine, okLine, okLine, `{"sku":"B","qty":1.5,"amount":5}`)), []string{"lines[3].qty", "a number", "1.5"}},
		{"amount overflows", receipt(ok, lines(`{"sku":"B","qty":1,"amount":1e30}`)), []string{"lines[0].amount", "1e30"}},
		{"own_brand as a string", receipt(ok, lines(okLine, `{"sku":"B","qty":1,"amount":5,"own_brand":"yes"}`)), []string{"lines[1].own_brand", "true or false"}},
		{"line not an object", receipt(ok, lines(okLine, `7`)), []string{"lines[1]", "an object"}},
		{"lines not a list", receipt(ok, `"lines":{}`), []string{"lines: expected a list"}},
		{"id as a number", receipt(`"id":1,"card":"2900000000018","time":"2026-11-02T09:00:00Z"`, lines(okLine)), []string{"id: expected a string"}},
		{"unknown field", receipt(ok, lines(okLine), `"colour":"red"`), []string{`unknown field "colour"`}},
		{"unknown field in a line", receipt(ok, lines(okLine, `{"sku":"B","qty":1,"amount":5,"price":5}`)), []string{`lines[1]: unknown field "price"`}},
		{"not an object", `[1,2]`, []string{"expected a JSON object"}},
		{"a string", `"R1"`, []string{"expected a JSON object"}},
		{"empty", ``, []string{"empty input"}},
		{"only spaces", " \n\t", []string{"empty input"}},
		{"cut short", receipt(ok, lines(okLine))[:40], []string{"ends too early"}},
		{"malformed", `{"id":}`, []string{"malformed JSON", "byte"}},
		{"trailing garbage", receipt(ok, lines(okLine)) + " x", []string{"unexpected data after"}},
		{"two objects", receipt(ok, lines(okLine)) + receipt(ok, lines(okLine)), []string{"unexpected data after"}},
		{"stray bracket", receipt(ok, lines(okLine)) + "]", []string{"unexpected data after"}},
		{"stray brace", receipt(ok, lines(okLine)) + "}", []string{"unexpected data after"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := rewards.ParseReceipt(strings.NewReader(tc.in))
			if r != nil {
				t.Errorf("got a receipt with the error: %+v", r)
			}
			wantError(t, err, rewards.EINVALID, append([]string{"receipt"}, tc.want...)...)
		})
	}
}

// A reader that fails is not the sender's fault: an internal error, wrapped.
func TestParseReceiptReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := rewards.ParseReceipt(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || rewards.ErrorCode(err) != rewards.EINTERNAL {
		t.Errorf("read error: %v (%s)", err, rewards.ErrorCode(err))
	}
}

func TestParseReturn(t *testing.T) {
	r, err := rewards.ParseReturn(strings.NewReader(sampleReturn))
	if err != nil {
		t.Fatal(err)
	}
	want := &rewards.Return{ID: "RET1", Receipt: "R1", Time: at(t, "2026-11-12T09:00:00Z"), Lines: []rewards.ReturnLine{{SKU: "A", Qty: 1}}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("ParseReturn = %+v, want %+v", r, want)
	}
	head := `"id":"RET1","receipt":"R1","time":"2026-11-12T09:00:00Z"`
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"no id", `{"receipt":"R1","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":1}]}`, []string{"return id: required"}},
		{"no receipt", `{"id":"RET1","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":1}]}`, []string{"return receipt: required"}},
		{"no time", `{"id":"RET1","receipt":"R1","lines":[{"sku":"A","qty":1}]}`, []string{"return time: required"}},
		{"no lines", `{` + head + `}`, []string{"return lines"}},
		{"no sku", `{` + head + `,"lines":[{"sku":"A","qty":1},{"qty":1}]}`, []string{"return lines[1].sku"}},
		{"zero qty", `{` + head + `,"lines":[{"sku":"A","qty":0}]}`, []string{"return lines[0].qty", "got 0"}},
		{"huge qty", `{` + head + `,"lines":[{"sku":"A","qty":100001}]}`, []string{"return lines[0].qty"}},
		{"qty as a string", `{` + head + `,"lines":[{"sku":"A","qty":1},{"sku":"B","qty":"1"}]}`, []string{"lines[1].qty", "a number"}},
		// A return line has no amount: the amount comes from the receipt.
		{"amount in a line", `{` + head + `,"lines":[{"sku":"A","qty":1,"amount":5}]}`, []string{`lines[0]: unknown field "amount"`}},
		{"receipt as a number", `{"id":"RET1","receipt":1,"time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":1}]}`, []string{"receipt: expected a string"}},
		{"trailing data", sampleReturn + "]", []string{"unexpected data after"}},
		{"bad time", `{"id":"RET1","receipt":"R1","time":"12.11.2026","lines":[{"sku":"A","qty":1}]}`, []string{"time", "RFC 3339"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := rewards.ParseReturn(strings.NewReader(tc.in))
			if r != nil {
				t.Errorf("got a return with the error: %+v", r)
			}
			wantError(t, err, rewards.EINVALID, append([]string{"return"}, tc.want...)...)
		})
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	e := rewards.Errorf(rewards.ENOTFOUND, "card %s not found", "2900000000018")
	wrapped := fmt.Errorf("post receipt: %w", e)
	for _, tc := range []struct {
		err        error
		code, msg  string
		errMessage string
	}{
		{nil, "", "", ""},
		{e, rewards.ENOTFOUND, "card 2900000000018 not found", "card 2900000000018 not found"},
		{wrapped, rewards.ENOTFOUND, "card 2900000000018 not found", "post receipt: card 2900000000018 not found"},
		{errors.New("disk I/O error"), rewards.EINTERNAL, "Internal error.", "disk I/O error"},
	} {
		if got := rewards.ErrorCode(tc.err); got != tc.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := rewards.ErrorMessage(tc.err); got != tc.msg {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tc.err, got, tc.msg)
		}
		if tc.err != nil && tc.err.Error() != tc.errMessage {
			t.Errorf("Error() = %q, want %q", tc.err.Error(), tc.errMessage)
		}
	}
}
