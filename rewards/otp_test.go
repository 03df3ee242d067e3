package rewards_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// A phone gets OTPCodes codes per OTPWindow; the refusal waits for the
// oldest code of the window to leave it.
func TestNewOTPWindow(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, tc := range []struct {
		name   string
		recent []time.Time
		wait   int // seconds; 0: sent
	}{
		{"none", nil, 0},
		{"two", []time.Time{ago(time.Minute), ago(2 * time.Minute)}, 0},
		{"three in the window", []time.Time{ago(time.Minute), ago(10 * time.Minute), ago(2 * time.Minute)}, 300},
		{"one just out of the window", []time.Time{ago(time.Minute), ago(15 * time.Minute), ago(2 * time.Minute)}, 0},
		{"three a moment ago", []time.Time{now, now, now}, 900},
	} {
		code, rec, err := rewards.NewOTP("+359888123456", now, tc.recent)
		if tc.wait == 0 {
			if err != nil || len(code) != 6 || strings.Trim(code, "0123456789") != "" || rec.Hash != rewards.OTPHash(rec.Salt, rec.Phone, code) ||
				!rec.ExpiresAt.Equal(now.Add(5*time.Minute)) {
				t.Errorf("%s: %q %+v %v", tc.name, code, rec, err)
			}
			continue
		}
		e, ok := err.(*rewards.Error)
		if !ok || e.Code != rewards.ERATELIMITED || e.Args["retry_after"] != tc.wait {
			t.Errorf("%s: %v, want a wait of %d s", tc.name, err, tc.wait)
		}
	}
}

// Codes are random and each has its own salt: two codes' hashes differ
// even for one phone and the same digits.
func TestOTPSalted(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for range 50 {
		code, _, _ := rewards.NewOTP("+359888123456", now, nil)
		seen[code] = true
	}
	if len(seen) < 45 {
		t.Errorf("50 codes, %d different", len(seen))
	}
	_, a, _ := rewards.NewOTP("+359888123456", now, nil)
	_, b, _ := rewards.NewOTP("+359888123456", now, nil)
	if a.Salt == b.Salt || rewards.OTPHash(a.Salt, a.Phone, "123456") == rewards.OTPHash(b.Salt, b.Phone, "123456") {
		t.Error("two codes share a salt")
	}
}

// CheckOTP: the right code once; a wrong one counts, the fifth kills the
// code; an expired, used or missing code is refused, each by its key.
func TestCheckOTP(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	code, rec, err := rewards.NewOTP("+359888123456", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	with := func(f func(c *rewards.OTPCode)) *rewards.OTPCode { c := rec; f(&c); return &c }
	for _, tc := range []struct {
		name  string
		c     *rewards.OTPCode
		code  string
		at    time.Time
		key   string
		tries int
		used  bool
	}{
		{"right", &rec, code, now, "", 0, true},
		{"right at the last moment", &rec, code, now.Add(5*time.Minute - time.Millisecond), "", 0, true},
		{"wrong", &rec, wrong, now, "otp.wrong", 1, false},
		{"the fifth wrong", with(func(c *rewards.OTPCode) { c.Tries = 4 }), wrong, now, "otp.dead", 5, false},
		{"right after five wrong", with(func(c *rewards.OTPCode) { c.Tries = 5 }), code, now, "otp.dead", 5, false},
		{"expired", &rec, code, now.Add(5 * time.Minute), "otp.expired", 0, false},
		{"used", with(func(c *rewards.OTPCode) { c.Used = true }), code, now, "otp.used", 0, true},
		{"none", nil, code, now, "otp.none", 0, false},
	} {
		kept, err := rewards.CheckOTP(tc.c, tc.code, tc.at)
		key := ""
		if e, ok := err.(*rewards.Error); ok {
			key = e.Key
			if e.Code != rewards.EREFUSED {
				t.Errorf("%s: code %s", tc.name, e.Code)
			}
		} else if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if key != tc.key || kept.Tries != tc.tries || kept.Used != tc.used {
			t.Errorf("%s: %q %+v, want %q, %d tries, used %v", tc.name, key, kept, tc.key, tc.tries, tc.used)
		}
	}
}

// Bad requests are refused, naming what is wrong.
func TestOTPValidate(t *testing.T) {
	for _, tc := range []struct {
		err error
		key string
	}{
		{(&rewards.OTPStart{}).Validate(), "otp.phone_missing"},
		{(&rewards.OTPStart{Phone: "1", Lang: "fr"}).Validate(), "otp.lang_bad"},
		{(&rewards.OTPVerify{Code: "123456"}).Validate(), "otp.phone_missing"},
		{(&rewards.OTPVerify{Phone: "1", Code: "12345"}).Validate(), "otp.code_bad"},
		{(&rewards.OTPVerify{Phone: "1", Code: "١٢٣٤٥٦"}).Validate(), "otp.code_bad"},
		{(&rewards.OTPStart{Phone: "1", Lang: "ru"}).Validate(), ""},
	} {
		key := ""
		if e, ok := tc.err.(*rewards.Error); ok {
			key = e.Key
		}
		if key != tc.key {
			t.Errorf("%v, want %q", tc.err, tc.key)
		}
	}
}
