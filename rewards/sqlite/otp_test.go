package sqlite_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// Two servers on one ledger file agree on codes: a code made by one is
// verified by the other, the wrong tries made on both count against one
// code, and the codes a phone was sent through both count against one
// limit.
func TestOTPAcrossStores(t *testing.T) {
	a, c := openStore(t, "coop")
	b := sqlite.NewStore(a.Path)
	b.Now = c.Now
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const phone = "+359888123456"
	got, err := a.StartOTP(ctx, rewards.OTPStart{Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	bad := "000000"
	if got.Code == bad {
		bad = "111111"
	}
	for i := range rewards.OTPTries - 1 {
		s := a
		if i%2 == 1 {
			s = b
		}
		if _, err := s.VerifyOTP(ctx, rewards.OTPVerify{Phone: phone, Code: bad}); rewards.ErrorCode(err) != rewards.EREFUSED {
			t.Fatalf("wrong try %d: %v", i+1, err)
		}
	}
	if _, err := b.VerifyOTP(ctx, rewards.OTPVerify{Phone: phone, Code: got.Code}); err != nil {
		t.Fatalf("the right code on the other server after %d wrong tries: %v", rewards.OTPTries-1, err)
	}
	if _, err := b.StartOTP(ctx, rewards.OTPStart{Phone: phone}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.StartOTP(ctx, rewards.OTPStart{Phone: phone}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.StartOTP(ctx, rewards.OTPStart{Phone: phone}); rewards.ErrorCode(err) != rewards.ERATELIMITED {
		t.Fatalf("a 4th code through either server: %v", err)
	}
}

// Codes whose window is over are deleted at the next start: the ledger
// keeps a phone number it was given for a code no longer than it counts.
func TestOTPPruned(t *testing.T) {
	s, c := openStore(t, "coop")
	for _, phone := range []string{"+359888123456", "+359888000001"} {
		if _, err := s.StartOTP(ctx, rewards.OTPStart{Phone: phone}); err != nil {
			t.Fatal(err)
		}
	}
	c.t = c.t.Add(rewards.OTPWindow + time.Second)
	if _, err := s.StartOTP(ctx, rewards.OTPStart{Phone: "+359888000002"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", s.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var phone string
	if err := db.QueryRow(`SELECT count(*), max(phone) FROM otp_codes`).Scan(&n, &phone); err != nil || n != 1 || phone != "+359888000002" {
		t.Fatalf("otp_codes after the window: %d rows, %q, %v", n, phone, err)
	}
}

// Forgetting a customer deletes the codes sent to their phone.
func TestOTPForgotten(t *testing.T) {
	s, c := openStore(t, "coop")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: c.t}, Handed: true,
		Details: rewards.Details{GivenName: "Ana", Phone: "+359888123456", Consent: true}})
	if _, err := s.StartOTP(ctx, rewards.OTPStart{Phone: "+359888123456"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ForgetCard(ctx, rewards.CardAction{Card: card}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", s.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM otp_codes`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("otp_codes after the customer was forgotten: %d rows, %v", n, err)
	}
}
