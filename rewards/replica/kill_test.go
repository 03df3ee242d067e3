package replica_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// childEnv names the replica file a re-run of this test binary syncs
// until it is killed (TestKilledSync).
const childEnv = "TOCHKA_SYNC_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		syncChild(path)
		return
	}
	os.Exit(m.Run())
}

// syncChild syncs the replica at path in small pages and batches, so that
// a kill finds it between many transactions, until it is killed.
func syncChild(path string) {
	l := sqlite.NewStore(path)
	if err := l.Open(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	info, err := l.ReplicaInfo(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r := replica.New(l, api.NewClient(info.Upstream, &http.Client{Timeout: 10 * time.Second}, api.WithToken(info.Token)))
	r.Page, r.Batch, r.Every = 3, 1, 10*time.Millisecond
	r.Run(context.Background())
}

// A sync process killed with SIGKILL at random moments, at least five
// times while it uploads and five times while it pulls, loses nothing and
// duplicates nothing: once synced to the end, the kiosk converges with
// the server, and every event the kiosk made offline is at the server
// once (or refused once, as a conflict).
func TestKilledSync(t *testing.T) {
	w := newWorld(t, 7, offlineCap...)
	w.seed(30)
	k := w.kiosk("a1")
	k.link.set(true) // the kiosk's own calls fail: only the child syncs
	kills := map[string]int{}
	// While it uploads: the kiosk's offline work waits in the outbox.
	for round := 0; kills["upload"] < 5; round++ {
		if round > 40 {
			t.Fatalf("the child was killed while uploading %d times in %d rounds", kills["upload"], round)
		}
		for w.state(k).Outbox < 60 {
			w.clk.add(7 * time.Minute)
			w.kioskStep(k)
		}
		before := w.state(k)
		after := w.killChild(k)
		if after.Outbox > 0 && after.Outbox < before.Outbox {
			kills["upload"]++
		}
	}
	if _, err := replica.New(k.ledger, w.kioskClient("a1")).Push(ctx); err != nil {
		t.Fatal(err)
	}
	// While it pulls: the tills' receipts wait in the feed.
	for round := 0; kills["pull"] < 5; round++ {
		if round > 40 {
			t.Fatalf("the child was killed while pulling %d times in %d rounds", kills["pull"], round)
		}
		if w.state(k).caughtUp(w) {
			for range 600 {
				w.clk.add(time.Minute)
				w.serverStep()
			}
		}
		before := w.state(k)
		after := w.killChild(k)
		if after.Cursor != before.Cursor && !after.caughtUp(w) {
			kills["pull"]++
		}
	}
	w.syncAll()
	w.converged()
	w.exactlyOnce(k)
	t.Logf("killed %v; done %v, refused %v", kills, w.done, w.refused)
}

// killChild runs the sync of the kiosk's replica in a process of its own
// (syncChild) and kills it with SIGKILL a random moment later, then opens
// the replica again and returns its state.
func (w *world) killChild(k *kiosk) state {
	w.t.Helper()
	k.ledger.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+k.path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	time.Sleep(time.Duration(40+w.rng.IntN(300)) * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	k.open(w)
	return w.state(k)
}

// state is what a kiosk's replica says of its sync.
type state struct {
	Outbox int
	Cursor string
}

func (w *world) state(k *kiosk) state {
	w.t.Helper()
	info, err := k.ledger.ReplicaInfo(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	return state{Outbox: info.Outbox, Cursor: info.Cursor}
}

// caughtUp reports whether the cursor is the server's last.
func (s state) caughtUp(w *world) bool {
	page, err := w.srv.Changes(ctx, rewards.SyncScope{Store: "a1", Coop: "c1"}, s.Cursor, 1, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return len(page.Changes) == 0
}

// kindOf is the event kind of a kiosk operation of kioskStep.
var kindOf = map[string]string{
	"issue": rewards.EventCardIssue, "register": rewards.EventCardRegister, "link": rewards.EventCardLink,
	"replace": rewards.EventCardReplace, "redeem": rewards.EventRedeem,
}

// exactlyOnce checks that every change the kiosk made is at the server
// once: as an event of the kiosk's, or as a conflict that refused it.
func (w *world) exactlyOnce(k *kiosk) {
	w.t.Helper()
	audit, err := w.srv.Audit(ctx, time.Time{})
	if err != nil {
		w.t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range audit {
		if e.Device == k.name {
			got[e.Kind]++
		}
	}
	conflicts, err := w.srv.Conflicts(ctx, true)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range conflicts {
		if c.Device == k.name && c.Outcome == rewards.SyncRejected {
			got[c.Kind]++
		}
	}
	for op, kind := range kindOf {
		if want := w.done[k.name+" "+op]; got[kind] != want {
			w.t.Errorf("%s: %d %s events at the server, the kiosk made %d", k.name, got[kind], kind, want)
		}
	}
}
