package kiosk_test

import (
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/replica/replicatest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// A kiosk whose server is away shows a balance as of its last sync and
// redeems within the program's offline cap, the voucher printed and the
// redemption waiting in its outbox; past the cap it refuses, saying so,
// and spends nothing.
func TestOfflineRedemption(t *testing.T) {
	dir := t.TempDir()
	srv := replicatest.NewServer(t, dir, "[spend]", "[spend]\noffline_cap = 100")
	now := replicatest.Now
	c, err := srv.Store.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: now.Add(-48 * time.Hour)}, Handed: true,
		Details: rewards.Details{GivenName: "Мария", Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store.PostReceipt(ctx, rewards.Receipt{ID: "R1", Store: replicatest.Store, Card: c.Number, Time: now.Add(-time.Hour),
		Lines: []rewards.Line{{SKU: "tv", Qty: 1, Amount: 7500}}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kiosk.db")
	srv.Replica(t, path)
	ledger := sqlite.NewStore(path)
	if err := ledger.Open(); err != nil {
		t.Fatal(err)
	}
	defer ledger.Close()
	svc := replica.NewService(replica.New(ledger, srv.Client()), srv.Client())
	srv.Close()

	w := newWindow(t)
	p := &testPrinter{}
	online := true
	k := &kiosk.Kiosk{Work: atOnce, Service: svc, Coop: replicatest.Coop, Store: replicatest.Store, Now: func() time.Time { return now }, Printer: p, Window: w,
		After: (&timers{}).after, Online: func() (bool, time.Time) { return online, now.Add(-20 * time.Minute) }}
	k.Start(lang.EN)
	online = false
	k.Scan(c.Number)
	if !shows(w, "300 points") || !shows(w, "as of 11:40") {
		t.Fatalf("offline, the customer screen: %q", texts(w.Content()))
	}
	take := func() {
		test.Tap(button(t, w.Content(), "Take for 60 points"))
		test.Tap(button(t, w.Content(), "Take it"))
	}
	take()
	if k.Screen() != kiosk.ScreenVoucher || len(p.printed) != 1 {
		t.Fatalf("offline within the cap: %s, printed %d: %q", k.Screen(), len(p.printed), texts(w.Content()))
	}
	out, err := ledger.Outbox(ctx, 10)
	if err != nil || len(out) != 1 || out[0].Kind != rewards.EventRedeem {
		t.Fatalf("the outbox: %+v %v", out, err)
	}
	k.Scan(c.Number)
	take()
	if k.Screen() != kiosk.ScreenCustomer || len(p.printed) != 1 || !shows(w, "240 points") {
		t.Fatalf("offline past the cap: %s, printed %d: %q", k.Screen(), len(p.printed), texts(w.Content()))
	}
	want := rewards.ErrorText(rewardsErr(t, svc, c.Number, now), lang.EN)
	if !shows(w, want) {
		t.Fatalf("the refusal %q is not shown: %q", want, texts(w.Content()))
	}
}

// rewardsErr is the refusal of another offline redemption of 60 points
// on the card: what the kiosk must have said.
func rewardsErr(t *testing.T, svc rewards.Service, card string, now time.Time) error {
	t.Helper()
	_, err := svc.Redeem(ctx, rewards.Redemption{Meta: rewards.Meta{At: now}, Card: card, Reward: "item1", Store: replicatest.Store})
	if err == nil {
		t.Fatal("a redemption past the offline cap was taken")
	}
	return err
}
