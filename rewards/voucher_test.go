package rewards_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The printed form: three groups of four, no 0/O or 1/I/L.
var voucherCode = regexp.MustCompile(`^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$`)

func TestNewVoucherCode(t *testing.T) {
	seen := map[string]bool{}
	chars := map[rune]bool{}
	for i := 0; i < 2000; i++ {
		c := rewards.NewVoucherCode()
		if !voucherCode.MatchString(c) {
			t.Fatalf("NewVoucherCode() = %q", c)
		}
		if seen[c] {
			t.Fatalf("NewVoucherCode repeated %s", c)
		}
		seen[c] = true
		for _, r := range c {
			chars[r] = true
		}
		if n, err := rewards.NormalizeVoucherCode(c); err != nil || n != c {
			t.Fatalf("NormalizeVoucherCode(%s) = %q, %v", c, n, err)
		}
	}
	// Every character of the alphabet turns up (31 letters and digits and the dash).
	if len(chars) != 32 {
		t.Errorf("2000 codes used %d distinct characters, want 32", len(chars))
	}
}

func TestNormalizeVoucherCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"K7QX-M2PA-9RTE", "K7QX-M2PA-9RTE"},
		{"k7qx-m2pa-9rte", "K7QX-M2PA-9RTE"},
		{"K7QXM2PA9RTE", "K7QX-M2PA-9RTE"},
		{" k7qx m2pa 9rte ", "K7QX-M2PA-9RTE"},
		{"K7-QX-M2-PA-9R-TE", "K7QX-M2PA-9RTE"},
		{"--K7QX--M2PA--9RTE--", "K7QX-M2PA-9RTE"},
	} {
		got, err := rewards.NormalizeVoucherCode(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeVoucherCode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in, key string
		args    lang.Args
	}{
		{"K7QX-M2PA-9RT", "voucher.code_length", lang.Args{"got": 11}},
		{"K7QX-M2PA-9RTEE", "voucher.code_length", lang.Args{"got": 13}},
		{"", "voucher.code_length", lang.Args{"got": 0}},
		{"----", "voucher.code_length", lang.Args{"got": 0}},
		{"K7QX-M2PA-9RT0", "voucher.code_character", lang.Args{"char": "0"}}, // zero is never printed
		{"K7QX-M2PA-9RTO", "voucher.code_character", lang.Args{"char": "O"}},
		{"K7QX-M2PA-9RT1", "voucher.code_character", lang.Args{"char": "1"}},
		{"K7QX-M2PA-9RTI", "voucher.code_character", lang.Args{"char": "I"}},
		{"k7qx-m2pa-9rtl", "voucher.code_character", lang.Args{"char": "L"}},
		{"K7QX_M2PA_9RTE", "voucher.code_character", lang.Args{"char": "_"}},
		{"K7QX-M2PA-9RTЕ", "voucher.code_character", lang.Args{"char": "Е"}}, // a Cyrillic Е
		{"K7QX\tM2PA-9RTE", "voucher.code_character", lang.Args{"char": "\t"}},
		{"K7QX-M2PA-9RT\xff", "voucher.code_character", lang.Args{"char": "\uFFFD"}}, // invalid UTF-8
	} {
		got, err := rewards.NormalizeVoucherCode(tc.in)
		if got != "" {
			t.Errorf("NormalizeVoucherCode(%q) = %q with an error", tc.in, got)
		}
		tc.args["code"] = tc.in
		wantKey(t, err, rewards.EINVALID, tc.key, tc.args)
	}
}

func TestVoucherStatusAt(t *testing.T) {
	created := at(t, "2026-11-02T09:00:00Z")
	coop := bundled(t, "coop")
	v := rewards.Voucher{Code: "K7QX-M2PA-9RTE", Status: rewards.VoucherOpen, CreatedAt: created,
		ValidUntil: created.Add(coop.Spend.VoucherValid.D())}
	for _, tc := range []struct {
		status string
		at     time.Time
		want   string
	}{
		{rewards.VoucherOpen, created, rewards.VoucherOpen},
		{rewards.VoucherOpen, created.Add(30*day - time.Second), rewards.VoucherOpen},
		{rewards.VoucherOpen, created.Add(30 * day), rewards.VoucherExpired},
		{rewards.VoucherClaimed, created.Add(60 * day), rewards.VoucherClaimed},
		{rewards.VoucherCancelled, created.Add(60 * day), rewards.VoucherCancelled},
		{rewards.VoucherExpired, created, rewards.VoucherExpired},
	} {
		v.Status = tc.status
		if got := v.StatusAt(tc.at); got != tc.want {
			t.Errorf("%s voucher at %s: %s, want %s", tc.status, tc.at, got, tc.want)
		}
	}
}

func TestNamesIn(t *testing.T) {
	n := rewards.Names{BG: "Олио КООП 1 л", EN: "КООП oil 1 l"}
	for _, tc := range []struct{ lang, want string }{
		{"bg", "Олио КООП 1 л"},
		{"en", "КООП oil 1 l"},
		{"ru", "Олио КООП 1 л"}, // no Russian name: the first there is
		{"", "Олио КООП 1 л"},
	} {
		if got := n.In(tc.lang); got != tc.want {
			t.Errorf("In(%q) = %q, want %q", tc.lang, got, tc.want)
		}
	}
	if got := (rewards.Names{RU: "Чехол"}).In("bg"); got != "Чехол" {
		t.Errorf("only ru: %q", got)
	}
	if got := (rewards.Names{}).In("bg"); got != "" {
		t.Errorf("no names: %q", got)
	}
}

func reward() rewards.Reward {
	return rewards.Reward{ID: "oil-1l", Names: rewards.Names{BG: "Олио"}, Points: 120, Coop: "coop-vratsa"}
}

func TestRewardValidate(t *testing.T) {
	ok := reward()
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	from := at(t, "2026-11-01T00:00:00Z")
	stock := int64(0)
	ok.ValidFrom, ok.ValidTo, ok.Stock, ok.Store = &from, ptr(from.AddDate(0, 1, 0)), &stock, "s1"
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate with dates and stock: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(r *rewards.Reward)
		field string
	}{
		{"no id", func(r *rewards.Reward) { r.ID = "" }, "reward id"},
		{"blank id", func(r *rewards.Reward) { r.ID = "  " }, "reward id"},
		{"control character in id", func(r *rewards.Reward) { r.ID = "oil\n1l" }, "reward id"},
		{"long id", func(r *rewards.Reward) { r.ID = string(make([]byte, 129)) }, "reward id"},
		{"no names", func(r *rewards.Reward) { r.Names = rewards.Names{} }, "reward names"},
		{"no points", func(r *rewards.Reward) { r.Points = 0 }, "reward points"},
		{"negative points", func(r *rewards.Reward) { r.Points = -5 }, "reward points"},
		{"too many points", func(r *rewards.Reward) { r.Points = 100_000_001 }, "reward points"},
		{"negative stock", func(r *rewards.Reward) { r.Stock = ptr(int64(-1)) }, "reward stock"},
		{"ends before it starts", func(r *rewards.Reward) { r.ValidFrom, r.ValidTo = ptr(from), ptr(from.Add(-time.Hour)) }, "reward valid_to"},
		{"ends when it starts", func(r *rewards.Reward) { r.ValidFrom, r.ValidTo = ptr(from), ptr(from) }, "reward valid_to"},
		{"no coop", func(r *rewards.Reward) { r.Coop = "" }, "reward coop"},
	} {
		r := reward()
		tc.edit(&r)
		wantError(t, r.Validate(), rewards.EINVALID, tc.field)
	}
}

func TestRewardOfferedAt(t *testing.T) {
	sofia := zone(t, "Europe/Sofia")
	from, to := at(t, "2026-11-01T08:00:00Z"), at(t, "2026-12-01T08:00:00Z")
	r := reward()
	r.Store, r.ValidFrom, r.ValidTo, r.Stock = "s1", &from, &to, ptr(int64(3))
	for _, tc := range []struct {
		name  string
		at    time.Time
		store string
		stock int64
		want  string // what the cashier reads, "" offered
	}{
		{"in its store", from, "s1", 3, ""},
		{"any store asked", from.Add(time.Hour), "", 3, ""},
		{"another store", from, "s2", 3, "Олио is offered only in store s1."},
		{"too early", from.Add(-time.Second), "s1", 3, "Олио is offered from 1 Nov 2026 10:00."},
		{"last moment", to.Add(-time.Second), "s1", 3, ""},
		{"too late", to, "s1", 3, "Олио was offered until 1 Dec 2026 10:00."},
		{"out of stock", from, "s1", 0, "Олио is out of stock."},
	} {
		*r.Stock = tc.stock
		err := r.OfferedAt(tc.at, tc.store, sofia)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		wantError(t, err, rewards.EREFUSED)
		if got := rewards.ErrorMessage(err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	open := reward() // no store, no dates, unlimited stock
	if err := open.OfferedAt(from.AddDate(10, 0, 0), "s9", sofia); err != nil {
		t.Errorf("unrestricted reward refused: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
