package rewards_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// checkInvalid: a refusal of outside input is always a domain error with
// code EINVALID and a message a person can read.
func checkInvalid(t *testing.T, err error) {
	t.Helper()
	var e *rewards.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *rewards.Error", err, err)
	}
	if e.Code != rewards.EINVALID || strings.TrimSpace(e.Message) == "" {
		t.Fatalf("error %#v: want code %q and a message", e, rewards.EINVALID)
	}
}

// fuzzPrograms are the bundled programs and two with every setting at its
// extreme, so that the rules meet the largest numbers a program allows.
func fuzzPrograms(f *testing.F) []*rewards.Program {
	maxPoints, maxBonus := maxPrograms(f)
	return []*rewards.Program{
		bundled(f, "coop"),
		bundled(f, "bonus"),
		maxPoints,
		maxBonus,
		program(f, `name = "odd bonus"
kind = "bonus"
currency = "RUB"
timezone = "Asia/Kamchatka"
[earn]
position_percent = [1000, 0, 7, 1000]
[spend]
max_percent = 100
`),
	}
}

// checkRules runs the rules on parsed lines: nothing panics, no share is
// negative, the shares add up, no discount goes above its line's cap.
func checkRules(t *testing.T, p *rewards.Program, lines []rewards.Line, pay int64) {
	t.Helper()
	for _, member := range []bool{false, true} {
		total, perLine := p.Earnings(lines, member)
		if total < 0 || total > rewards.MaxBalance || len(perLine) != len(lines) {
			t.Fatalf("%s: earned %d with %d shares for %d lines", p.Name, total, len(perLine), len(lines))
		}
		var s int64
		for i, v := range perLine {
			if v < 0 {
				t.Fatalf("%s: line %d earned %d", p.Name, i, v)
			}
			s += v
		}
		if s != total {
			t.Fatalf("%s: shares %v add up to %d, not %d", p.Name, perLine, s, total)
		}
		// A return of about half of every line: what stays earns no more
		// than the whole under a points program.
		returned := make([]int64, len(lines))
		for i, l := range lines {
			returned[i] = l.Qty / 2
		}
		rest := rewards.Remaining(lines, returned)
		after, afterLines := p.Earnings(rest, member)
		if after < 0 || sum(afterLines) != after {
			t.Fatalf("%s: after a return earned %d, shares %v", p.Name, after, afterLines)
		}
		if p.Kind == rewards.KindPoints && after > total {
			t.Fatalf("%s: a return raised the points from %d to %d", p.Name, total, after)
		}
	}

	caps, most := p.SpendCaps(lines)
	if len(caps) != len(lines) || most < 0 {
		t.Fatalf("%s: caps %v, most %d", p.Name, caps, most)
	}
	amounts := make([]int64, len(lines))
	var capSum int64
	for i, l := range lines {
		amounts[i] = l.Amount
		if caps[i] < 0 || caps[i] > l.Amount {
			t.Fatalf("%s: line %d cap %d for amount %d", p.Name, i, caps[i], l.Amount)
		}
		capSum += caps[i]
	}
	if most*100 > capSum {
		t.Fatalf("%s: %d bonuses allowed, caps add up to %d minor units", p.Name, most, capSum)
	}
	for _, spent := range []int64{min(pay, most), most, min(1, most)} {
		parts := rewards.SpreadDiscount(spent*100, amounts, caps)
		if len(parts) != len(lines) {
			t.Fatalf("%s: %d parts for %d lines", p.Name, len(parts), len(lines))
		}
		var s int64
		for i, v := range parts {
			if v < 0 || v > caps[i] {
				t.Fatalf("%s: spent %d: line %d discount %d outside [0, %d]", p.Name, spent, i, v, caps[i])
			}
			s += v
		}
		if s != spent*100 {
			t.Fatalf("%s: spent %d: parts %v add up to %d", p.Name, spent, parts, s)
		}
	}
}

func FuzzParseReceipt(f *testing.F) {
	for _, s := range []string{
		sampleReceipt,
		`{"id":"R2","store":"m1","card":"2712345678902","time":"2026-11-02T12:00:00+03:00","lines":[{"sku":"PHONE","qty":1,"amount":1999000,"bonus":300},{"sku":"SIM","qty":2,"amount":20000,"service":true,"bonus":20},{"sku":"STICKER","qty":3,"amount":897,"bonus":10},{"sku":"STICKER","qty":1,"amount":299,"bonus":10},{"sku":"SETUP","qty":1,"amount":99900,"service":true,"bonus":30}],"pay_with_points":5000}`,
		`{"id":"R3","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"bread","qty":1,"amount":20},{"sku":"oil","qty":2,"amount":10,"own_brand":true},{"sku":"gum","qty":1,"amount":0}]}`,
		`{"id":"R4","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":100000,"amount":100000000000,"bonus":100000}],"pay_with_points":9223372036854775807}`,
		`{"id":"R5","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":411},{"sku":"B","qty":1,"amount":4490},{"sku":"C","qty":1,"amount":1101}],"pay_with_points":30}`,
		`{"id":"R1","store":"s1","card":"2900000000017","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":1000}]}`,
		`{"id":"R1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":"1","amount":1000}]}`,
		`{"id":"R1","card":"2900000000018","time":1,"lines":[{"sku":"A","qty":1,"amount":1000,"x":1}]}`,
		`{"id":"R1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[7]}]`,
		`{"id":"R1","lines":{"sku":null}}`,
		`{"id":"R6","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":1000},{"sku":"B","qty":1}]}`,
		`{"id":"R6","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":null}]}`,
		`{"id":"R6","store":null,"card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[null]}`,
		`{"id":"R\ud800","store":"s1","card":"2900000000018","time":"2026-11-02T09:00:00Z","lines":[{"sku":"A\u2028","qty":1,"amount":1}]}`,
		"{\"id\":\"R\xff\",\"store\":\"s1\",\"card\":\"2900000000018\",\"time\":\"2026-11-02T09:00:00Z\",\"lines\":[{\"sku\":\"A\",\"qty\":1,\"amount\":1}]}",
		`{"id":"R7","store":"s1","card":"2900000000018","time":"9999-12-31T23:59:59-23:59","lines":[{"sku":"A","qty":1,"amount":1}]}`,
		`[]`, `null`, `{`, ``, `"x"`, `{"ID":"R1","CARD":"2900000000018"}`,
	} {
		f.Add([]byte(s))
	}
	programs := fuzzPrograms(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := rewards.ParseReceipt(bytes.NewReader(data))
		if err != nil {
			if r != nil {
				t.Fatalf("a receipt and an error: %+v, %v", r, err)
			}
			checkInvalid(t, err)
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("parsed receipt does not validate again: %v", err)
		}
		// What the store keeps and sends on must parse again to the same.
		body, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		again, err := rewards.ParseReceipt(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("re-encoded receipt refused: %v\n%s", err, body)
		}
		// Text checked valid survives encoding unchanged: no id becomes another.
		if again.ID != r.ID || again.Store != r.Store || again.Card != r.Card || !again.Time.Equal(r.Time) ||
			!reflect.DeepEqual(again.Lines, r.Lines) || again.PayWithPoints != r.PayWithPoints {
			t.Fatalf("re-encoded receipt differs: %+v, %+v", again, r)
		}
		// A server's json.Unmarshal decodes what ParseReceipt accepts, to the same.
		var viaUnmarshal rewards.Receipt
		if err := json.Unmarshal(data, &viaUnmarshal); err != nil || !reflect.DeepEqual(&viaUnmarshal, r) {
			t.Fatalf("json.Unmarshal: %+v, %v; ParseReceipt: %+v", viaUnmarshal, err, r)
		}
		for _, p := range programs {
			checkRules(t, p, r.Lines, r.PayWithPoints)
		}
	})
}

func FuzzParseReturn(f *testing.F) {
	for _, s := range []string{
		sampleReturn,
		`{"id":"RET2","receipt":"R2","time":"2026-11-12T09:00:00+03:00","lines":[{"sku":"PHONE","qty":1},{"sku":"STICKER","qty":2},{"sku":"SIM","qty":1}]}`,
		`{"id":"RET3","receipt":"R3","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":100000}]}`,
		`{"id":"RET1","receipt":"R1","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":0}]}`,
		`{"id":"RET1","receipt":"R1","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":1,"amount":5}]}`,
		`{"id":"RET1","receipt":1,"lines":[]}`,
		`{"id":"RET1","receipt":"R1","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A"}]}`,
		`{"id":"RET1","receipt":"R1","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":null},null]}`,
		`{"id":"RET\udbff","receipt":"R1","time":"2026-11-12T09:00:00Z","lines":[{"sku":"A","qty":1}]}`,
		`{"id":"RET1","receipt":"R1","time":"2026-11-12","lines":[{"sku":"A","qty":1}]} x`,
		`{}`, `[`, ``,
	} {
		f.Add([]byte(s))
	}
	programs := fuzzPrograms(f)
	// The receipt the fuzzed returns come back to.
	sale := []rewards.Line{
		{SKU: "PHONE", Qty: 1, Amount: 1999000, Bonus: 300},
		{SKU: "SIM", Qty: 2, Amount: 20000, Service: true, Bonus: 20},
		{SKU: "STICKER", Qty: 3, Amount: 897, Bonus: 10, OwnBrand: true},
		{SKU: "A", Qty: 5, Amount: 1001},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := rewards.ParseReturn(bytes.NewReader(data))
		if err != nil {
			if r != nil {
				t.Fatalf("a return and an error: %+v, %v", r, err)
			}
			checkInvalid(t, err)
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("parsed return does not validate again: %v", err)
		}
		var viaUnmarshal rewards.Return
		if err := json.Unmarshal(data, &viaUnmarshal); err != nil || !reflect.DeepEqual(&viaUnmarshal, r) {
			t.Fatalf("json.Unmarshal: %+v, %v; ParseReturn: %+v", viaUnmarshal, err, r)
		}
		body, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := rewards.ParseReturn(bytes.NewReader(body)); err != nil || again.ID != r.ID ||
			again.Receipt != r.Receipt || !again.Time.Equal(r.Time) || !reflect.DeepEqual(again.Lines, r.Lines) {
			t.Fatalf("re-encoded return: %+v, %v\n%s", again, err, body)
		}
		returned := make([]int64, len(sale))
		for _, rl := range r.Lines {
			for i, l := range sale {
				if l.SKU == rl.SKU {
					returned[i] = min(l.Qty, returned[i]+rl.Qty)
				}
			}
		}
		rest := rewards.Remaining(sale, returned)
		for _, p := range programs {
			before, _ := p.Earnings(sale, false)
			after, perLine := p.Earnings(rest, false)
			if after < 0 || sum(perLine) != after || (p.Kind == rewards.KindPoints && after > before) {
				t.Fatalf("%s: earned %d, after the return %d (%v)", p.Name, before, after, perLine)
			}
			checkRules(t, p, rest, 0)
		}
	})
}

func FuzzParseProgram(f *testing.F) {
	for _, name := range []string{"coop", "bonus"} {
		data, err := os.ReadFile(filepath.Join("..", "assets", "programs", name+".toml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	for _, s := range []string{
		seedCoop,
		header,
		header + "[earn]\nposition_percent = [100, 150, 200]\nmaturation = \"15d\"\nwelcome = 500\nwelcome_delay = \"next-day\"\n",
		header + "[card]\nactivation_delay = \"1d12h\"\nprefix = \"27\"\n[expiry]\nafter = \"never\"\n[returns]\ntake_back_days = 14\n",
		header + "[earn]\nwelcome_delay = \"36h\"\n[spend]\nvoucher_valid = \"30d\"\nmax_percent = 100\n",
		header + "[earn]\nstep = \"50\"\n",
		header + "[earn]\nstepp = 50\n",
		header + "[earn]\nwelcome_delay = \"-1h\"\n",
		header + "[expiry]\nafter = \"100000d2562047h\"\n",
		header + "[contact]\nphone = \"8 (800) 555-47-35\"\nweb = \"coop.bg\"\n",
		header + "[ledger]\nmax_clock_skew = \"0s\"\n",
		header + "[ledger]\nmax_clock_skew = \"-1s\"\n",
		header + "[kiosk]\ncolour = \"#005c35\"\n",
		header + "[kiosk]\ncolour = \"#fff\"\n",
		header + "[expiry]\nafter = \"0d\"\n",
		strings.Replace(header, `"EUR"`, `"XTS"`, 1),
		"name = \"x\"\nkind = \"bonus\"\ncurrency = \"RUB\"\ntimezone = \"Local\"\n",
		"name = 5\n", "[earn\n", "", "kind = \"points\"\n",
	} {
		f.Add(s)
	}
	lines := []rewards.Line{
		{SKU: "PHONE", Qty: 1, Amount: 1999000, Bonus: 300},
		{SKU: "SIM", Qty: 2, Amount: 20000, Service: true, Bonus: 20},
		{SKU: "oil", Qty: 3, Amount: 897, Bonus: 10, OwnBrand: true},
		{SKU: "A", Qty: 5, Amount: 1001},
	}
	f.Fuzz(func(t *testing.T, data string) {
		p, err := rewards.ParseProgram([]byte(data))
		if err != nil {
			if p != nil {
				t.Fatalf("a program and an error: %+v, %v", p, err)
			}
			checkInvalid(t, err)
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed program does not validate again: %v", err)
		}
		if p.Kind != rewards.KindPoints && p.Kind != rewards.KindBonus {
			t.Fatalf("kind %q", p.Kind)
		}
		// The store keeps the program as JSON and reads it back.
		body, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back rewards.Program
		if err := json.Unmarshal(body, &back); err != nil {
			t.Fatalf("stored program unreadable: %v\n%s", err, body)
		}
		if err := back.ValidateNew(); err != nil {
			t.Fatalf("stored program invalid: %v\n%s", err, body)
		}
		if back.Ledger != p.Ledger || p.Ledger.MaxClockSkew < 0 {
			t.Fatalf("[ledger] %+v stored as %+v", p.Ledger, back.Ledger)
		}
		if again, _ := json.Marshal(&back); !bytes.Equal(again, body) {
			t.Fatalf("stored program changed:\n%s\n%s", body, again)
		}
		// Dates never run backwards.
		now := time.Date(2026, 11, 1, 20, 59, 0, 0, time.UTC)
		if from := p.Earn.WelcomeDelay.From(now, p.Location()); from.Before(now) {
			t.Fatalf("welcome granted %s spendable from %s", now, from)
		}
		lot := p.NewLot(10, now.Add(p.Earn.Maturation.D()))
		if lot.AvailableFrom.Before(now) || (!lot.ExpiresAt.IsZero() && !lot.ExpiresAt.After(lot.AvailableFrom)) {
			t.Fatalf("lot %+v", lot)
		}
		if p.Card.ActivationDelay < 0 || p.Spend.VoucherValid <= 0 {
			t.Fatalf("card or voucher delays %+v %+v", p.Card, p.Spend)
		}
		checkRules(t, p, lines, 100)
	})
}

func FuzzNormalizeVoucherCode(f *testing.F) {
	for _, s := range []string{
		"K7QX-M2PA-9RTE", "k7qx m2pa 9rte", "K7QXM2PA9RTE", "K7QX-M2PA-9RT0", "K7QX-M2PA-9RTЕ",
		"", "-", "K7QX-M2PA-9RTEE", "ſ7QX-M2PA-9RTE", "K7QX-M2PA-9RT\xff", "ＫＱＸＭ２ＰＡ９ＲＴＥ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := rewards.NormalizeVoucherCode(s)
		if err != nil {
			if code != "" {
				t.Fatalf("a code and an error: %q, %v", code, err)
			}
			checkInvalid(t, err)
			return
		}
		if !voucherCode.MatchString(code) {
			t.Fatalf("NormalizeVoucherCode(%q) = %q, not a printed code", s, code)
		}
		if again, err := rewards.NormalizeVoucherCode(code); err != nil || again != code {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, code, again, err)
		}
		// The code is what was typed, upper-cased, without separators.
		typed := strings.NewReplacer("-", "", " ", "").Replace(strings.ToUpper(s))
		if typed != strings.ReplaceAll(code, "-", "") {
			t.Fatalf("NormalizeVoucherCode(%q) = %q", s, code)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"15d", "1d12h", "never", "24h", "0s", "-1h", "1d-1h", "100000d2562047h", "1.5d", "d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := rewards.ParseDuration(s)
		if err != nil {
			if d != 0 || err.Error() == "" {
				t.Fatalf("ParseDuration(%q) = %v, %v", s, d, err)
			}
			return
		}
		if d < 0 && !strings.Contains(s, "-") {
			t.Fatalf("ParseDuration(%q) = %v: negative without a minus sign", s, d)
		}
		if d < 0 {
			return
		}
		text, err := rewards.Duration(d).MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		back, err := rewards.ParseDuration(string(text))
		if err != nil || back != d {
			t.Fatalf("%q → %v → %q → %v, %v", s, d, text, back, err)
		}
	})
}

// FuzzSpreadDiscount drives the spread with random receipts: the parts add
// up to the discount whenever the caps allow it and no line goes above its cap.
func FuzzSpreadDiscount(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(50), uint64(3000))
	f.Add(uint64(2), uint8(1), uint8(100), uint64(1))
	f.Add(uint64(3), uint8(200), uint8(7), uint64(1<<40))
	f.Add(uint64(4), uint8(0), uint8(50), uint64(0))
	f.Fuzz(func(t *testing.T, seed uint64, n, pct uint8, want uint64) {
		r := rand.New(rand.NewPCG(seed, uint64(n)))
		amounts := make([]int64, n)
		caps := make([]int64, n)
		var capSum int64
		scale := []int64{10, 1000, 100_000, rewards.MaxAmount / 1000}[seed%4]
		for i := range amounts {
			amounts[i] = r.Int64N(scale)
			if r.IntN(10) == 0 {
				amounts[i] = 0
			}
			caps[i] = amounts[i] * int64(pct%101) / 100
			capSum += caps[i]
		}
		discount := int64(want % uint64(capSum+1))
		parts := rewards.SpreadDiscount(discount, amounts, caps)
		if len(parts) != len(amounts) {
			t.Fatalf("%d parts for %d lines", len(parts), len(amounts))
		}
		for i := range parts {
			if parts[i] < 0 || parts[i] > caps[i] {
				t.Fatalf("line %d: %d outside [0, %d] (amounts %v, discount %d)", i, parts[i], caps[i], amounts, discount)
			}
		}
		if s := sum(parts); s != discount {
			t.Fatalf("parts add up to %d, not %d (amounts %v caps %v)", s, discount, amounts, caps)
		}
		split := rewards.SplitLargestRemainder(discount, amounts)
		if s := sum(split); s != discount && sum(amounts) > 0 {
			t.Fatalf("SplitLargestRemainder adds up to %d, not %d", s, discount)
		}
	})
}
