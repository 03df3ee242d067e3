package replica_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/replica"
)

// offlineCap lets a kiosk redeem up to 200 points per card and day
// offline.
var offlineCap = []string{"[spend]", "[spend]\noffline_cap = 200"}

// Random interleavings of till receipts and returns at the server with
// enrolments, registrations, links, replacements and redemptions at two
// kiosks, whose links go down for a while now and then: once every link
// is up and sync has settled, every card reads the same on the server and
// on both kiosks, and check passes on all three.
func TestConvergence(t *testing.T) {
	for seed := range uint64(3) {
		t.Run("", func(t *testing.T) {
			w := newWorld(t, seed, offlineCap...)
			w.seed(12)
			w.kiosk("a1")
			w.kiosk("a2")
			downFor := map[*kiosk]int{}
			steps := 300
			if testing.Short() {
				steps = 100
			}
			for range steps {
				w.clk.add(time.Duration(w.rng.IntN(180)) * time.Minute)
				if w.rng.IntN(10) < 4 {
					w.serverStep()
				} else {
					w.kioskStep(w.kiosks[w.rng.IntN(len(w.kiosks))])
				}
				for _, k := range w.kiosks {
					switch {
					case downFor[k] > 0:
						downFor[k]--
						k.link.set(downFor[k] > 0)
					case w.rng.IntN(25) == 0:
						downFor[k] = 10 + w.rng.IntN(40)
						k.link.set(true)
					case w.rng.IntN(3) == 0:
						if _, err := k.sync.Sync(ctx); err != nil {
							t.Fatalf("%s: sync while online: %v", k.name, err)
						}
					}
				}
			}
			w.syncAll()
			w.converged()
			t.Logf("done %v, refused %v", w.done, w.refused)
			for _, op := range []string{"kiosk-a1 issue", "kiosk-a2 redeem", "kiosk-a1 link", "kiosk-a2 replace", "server receipt", "server return"} {
				if w.done[op] == 0 {
					t.Errorf("the mix missed %q: %v", op, w.done)
				}
			}
		})
	}
}

// A kiosk whose link is down for a simulated week, while it enrols and
// redeems and the tills post thousands of receipts, catches up once the
// link is back: every change it made reaches the server once, and it
// converges with the server.
func TestOfflineWeek(t *testing.T) {
	w := newWorld(t, 3, offlineCap...)
	w.seed(40)
	k := w.kiosk("a1")
	k.link.set(true)
	end := w.clk.now().Add(7 * 24 * time.Hour)
	kioskOps, serverOps := 0, 0
	for w.clk.now().Before(end) {
		w.clk.add(time.Duration(1+w.rng.IntN(3)) * time.Minute)
		if w.rng.IntN(4) == 0 {
			w.kioskStep(k)
			kioskOps++
		} else {
			w.serverStep()
			serverOps++
		}
	}
	if _, err := k.sync.Sync(ctx); err == nil {
		t.Fatal("a sync with the link down succeeded")
	}
	st, err := replica.StatusOf(ctx, k.ledger)
	if err != nil {
		t.Fatal(err)
	}
	if st.Online || st.Outbox == 0 {
		t.Fatalf("after a week offline the replica says online %v, outbox %d", st.Online, st.Outbox)
	}
	w.syncAll()
	w.converged()
	w.exactlyOnce(k)
	if st, err = replica.StatusOf(ctx, k.ledger); err != nil || !st.Online || st.Outbox != 0 {
		t.Fatalf("after catching up: %+v, %v", st, err)
	}
	t.Logf("a week: %d kiosk and %d server operations; done %v, refused %v", kioskOps, serverOps, w.done, w.refused)
}

// Two kiosks redeem on the same card while both are offline, each within
// the cap and the balance it last saw, together past the balance: the
// server applies both, the later as debt of at most the cap, records the
// conflict for a manager, and stays consistent.
func TestTwoKiosksSameCardOffline(t *testing.T) {
	w := newWorld(t, 9, offlineCap...)
	card := w.serverCardWith(3250) // 130 points
	w.clk.add(30 * 24 * time.Hour) // the receipt's points are spendable
	bal, err := w.srv.Balance(ctx, card, w.clk.now())
	if err != nil {
		t.Fatal(err)
	}
	a1, a2 := w.kiosk("a1"), w.kiosk("a2")
	a1.link.set(true)
	a2.link.set(true)
	spent := map[string]int64{}
	for _, k := range []*kiosk{a1, a2} {
		for range 2 {
			v, err := k.sync.Redeem(ctx, rewards.Redemption{Meta: w.meta(), Card: card, Reward: "item1", Store: k.store})
			if err != nil {
				t.Fatalf("%s: %v", k.name, err)
			}
			spent[k.name] += v.Points
		}
		if spent[k.name] > 200 {
			t.Fatalf("%s redeemed %d points offline, past the cap of 200", k.name, spent[k.name])
		}
	}
	if spent["kiosk-a1"]+spent["kiosk-a2"] <= bal.Available {
		t.Fatalf("the kiosks redeemed %d of a balance of %d: no shortfall to test", spent["kiosk-a1"]+spent["kiosk-a2"], bal.Available)
	}
	w.syncAll()
	w.converged()
	b, err := w.srv.Balance(ctx, card, w.clk.now())
	if err != nil {
		t.Fatal(err)
	}
	if b.Available < -200 {
		t.Fatalf("the card owes %d points, more than one kiosk's cap", -b.Available)
	}
	conflicts, err := w.srv.Conflicts(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(conflicts) == 0 {
		t.Fatalf("%d points redeemed offline on a balance of %d, and no conflict listed", spent["kiosk-a1"]+spent["kiosk-a2"], bal.Available)
	}
	for _, c := range conflicts {
		if c.Card != card || c.Outcome != rewards.ConflictDebt {
			t.Errorf("conflict %+v, want the card's debt", c)
		}
	}
	t.Logf("balance %d, redeemed %v, now %d, conflicts %d", bal.Available, spent, b.Available, len(conflicts))
}

// A reward put on the board after a kiosk's replica was made comes to the
// kiosk with its picture, which the kiosk fetches by its hash.
func TestBoardPictureFollows(t *testing.T) {
	w := newWorld(t, 4)
	k := w.kiosk("a1")
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p, err := w.srv.PutPicture(ctx, rewards.Picture{Hash: rewards.PictureHash(buf.Bytes()), Data: buf.Bytes(), MediaType: rewards.MediaPNG, Width: 4, Height: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "kettle", Coop: "c1", Names: rewards.Names{EN: "Kettle"}, Points: 90, Picture: p.Hash}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.ledger.Picture(ctx, p.Hash); rewards.ErrorCode(err) != rewards.ENOTFOUND {
		t.Fatalf("the kiosk has the picture before it synced: %v", err)
	}
	if _, err := k.sync.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := k.ledger.Picture(ctx, p.Hash)
	if err != nil || !bytes.Equal(got.Data, p.Data) {
		t.Fatalf("the kiosk's picture: %v", err)
	}
	if rw, err := k.ledger.Reward(ctx, "kettle"); err != nil || rw.Picture != p.Hash {
		t.Fatalf("the kiosk's reward %+v: %v", rw, err)
	}
	if r, err := k.ledger.Check(ctx); err != nil || len(r.Problems) > 0 {
		t.Fatalf("check: %+v %v", r.Problems, err)
	}
}

// A proxy in front of a server that is down answers 502 without the
// server's error: that is offline too. A redemption is made offline,
// within the cap, and sync records the kiosk offline, in words.
func TestGatewayIsOffline(t *testing.T) {
	w := newWorld(t, 6, offlineCap...)
	card := w.serverCardWith(3250)
	w.clk.add(30 * 24 * time.Hour)
	k := w.kiosk("a1")
	k.link.mu.Lock()
	k.link.gateway = true
	k.link.mu.Unlock()
	if _, err := k.sync.Redeem(ctx, rewards.Redemption{Meta: w.meta(), Card: card, Reward: "item1"}); err != nil {
		t.Fatalf("a redemption behind a gateway that answers 502: %v", err)
	}
	var e *rewards.Error
	if _, err := k.sync.Sync(ctx); !errors.As(err, &e) || e.Key != "sync.unreachable" {
		t.Fatalf("sync behind the gateway: %v", err)
	}
	if st, err := replica.StatusOf(ctx, k.ledger); err != nil || st.Online || st.Outbox != 1 {
		t.Fatalf("status %+v %v", st, err)
	}
}
