package rewardstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// otpsOf is the store's one-time codes, when it keeps them (the API's
// client does not: a code is sent, never answered).
func otpsOf(s Store) (rewards.OTPs, bool) {
	if f, ok := s.(following); ok {
		s = f.Store
	}
	o, ok := s.(rewards.OTPs)
	return o, ok
}

// otp plays the rules of one-time codes on the store's clock: a code
// verifies once to the cards of the phone's household (holder first, then
// its family cards; none for a phone that is no customer's), a wrong try
// counts and five kill the code, a code expires after five minutes, a
// phone gets three codes in fifteen minutes and then a refusal that says
// how long to wait.
func otp(t *testing.T, su suite) {
	st, clk := su.store(t, "coop")
	s, ok := otpsOf(st)
	if !ok {
		t.Fatal("Run runs OTP only on a store that keeps codes")
	}
	at := rewards.Meta{At: clk.now()}
	holder := mustCard(t, st, rewards.CardIssue{Meta: at, Handed: true, Details: rewards.Details{GivenName: "Ivan", Phone: "+359888123456", Consent: true}})
	family := mustCard(t, st, rewards.CardIssue{Meta: at, Handed: true, Details: rewards.Details{GivenName: "Maria", Consent: true}})
	if _, err := st.LinkCard(ctx, rewards.CardLink{Meta: at, Card: family, Holder: holder}); err != nil {
		t.Fatal(err)
	}
	clk.add(25 * time.Hour) // the cards are active

	// A local form is the E.164 phone of the card.
	got, err := s.StartOTP(ctx, rewards.OTPStart{Phone: "0888 123 456"})
	if err != nil || got.Phone != "+359888123456" || !got.Sent || len(got.Code) != rewards.OTPDigits || !got.ExpiresAt.Equal(clk.now().Add(rewards.OTPLifetime)) {
		t.Fatalf("start: %+v %v", got, err)
	}
	v, err := s.VerifyOTP(ctx, rewards.OTPVerify{Phone: "+359888123456", Code: got.Code})
	if err != nil || fmt.Sprint(v.Cards) != fmt.Sprint([]rewards.OTPCard{
		{Number: holder, Status: rewards.CardActive, GivenName: "Ivan"},
		{Number: family, Status: rewards.CardActive, GivenName: "Maria", Holder: holder}}) {
		t.Fatalf("verify: %+v %v", v, err)
	}
	if _, err := s.VerifyOTP(ctx, rewards.OTPVerify{Phone: "+359888123456", Code: got.Code}); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("a used code again: %v", err)
	}

	// Five wrong tries, then even the right code is refused.
	got, err = s.StartOTP(ctx, rewards.OTPStart{Phone: "+359888123456"})
	if err != nil {
		t.Fatal(err)
	}
	bad := "000000"
	if got.Code == bad {
		bad = "111111"
	}
	for i := range rewards.OTPTries {
		if _, err := s.VerifyOTP(ctx, rewards.OTPVerify{Phone: "+359888123456", Code: bad}); rewards.ErrorCode(err) != rewards.EREFUSED {
			t.Fatalf("wrong try %d: %v", i+1, err)
		}
	}
	if _, err := s.VerifyOTP(ctx, rewards.OTPVerify{Phone: "+359888123456", Code: got.Code}); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("the right code after %d wrong tries: %v", rewards.OTPTries, err)
	}

	// The third code of the window expires after five minutes; a fourth
	// is refused until the first leaves the window.
	got, err = s.StartOTP(ctx, rewards.OTPStart{Phone: "+359888123456"})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(rewards.OTPLifetime)
	if _, err := s.VerifyOTP(ctx, rewards.OTPVerify{Phone: "+359888123456", Code: got.Code}); rewards.ErrorCode(err) != rewards.EREFUSED {
		t.Fatalf("a code five minutes old: %v", err)
	}
	_, err = s.StartOTP(ctx, rewards.OTPStart{Phone: "+359888123456"})
	if e, ok := err.(*rewards.Error); !ok || e.Code != rewards.ERATELIMITED || e.Args["retry_after"] != int((rewards.OTPWindow-rewards.OTPLifetime).Seconds()) {
		t.Fatalf("a fourth code in the window: %v", err)
	}
	clk.add(rewards.OTPWindow - rewards.OTPLifetime)
	if _, err := s.StartOTP(ctx, rewards.OTPStart{Phone: "+359888123456"}); err != nil {
		t.Fatalf("a code once the window moved on: %v", err)
	}

	// A phone that is no customer's: sent, and verified to no cards.
	got, err = s.StartOTP(ctx, rewards.OTPStart{Phone: "+359877000000"})
	if err != nil || !got.Sent {
		t.Fatalf("a stranger's start: %+v %v", got, err)
	}
	v, err = s.VerifyOTP(ctx, rewards.OTPVerify{Phone: "+359877000000", Code: got.Code})
	if err != nil || v.Cards == nil || len(v.Cards) != 0 {
		t.Fatalf("a stranger's verify: %+v %v", v, err)
	}
}
