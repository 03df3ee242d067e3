package replica_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

var ctx = context.Background()

// clock is the world's now, shared by the server and the kiosks; it moves
// only when the test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// world is a central ledger served over real HTTP, with a cooperative c1
// of stores a1 and a2, a kiosk device in each, a manager of the
// cooperative (staff number 101, PIN testPIN) and a board of three
// rewards; seed adds cards with points, kiosk makes a replica by Init.
type world struct {
	t        testing.TB
	clk      *clock
	rng      *rand.Rand
	srv      *sqlite.Store
	http     *httptest.Server
	tokens   map[string]string // kiosk device → token
	kiosks   []*kiosk
	cards    []string
	receipts []rewards.Receipt
	n        int
	done     map[string]int
	refused  map[string]int
}

// kiosk is one kiosk's replica and its sync.
type kiosk struct {
	name   string
	store  string
	path   string
	ledger *sqlite.Store
	sync   *replica.Replica
	client *api.Client
	link   *link
}

// link is a kiosk's connection to the server, which a test cuts, or puts
// a proxy in front of whose server is down (gateway: 502 without the
// server's error envelope).
type link struct {
	mu      sync.Mutex
	down    bool
	gateway bool
}

func (l *link) set(down bool) {
	l.mu.Lock()
	l.down = down
	l.mu.Unlock()
}

func (l *link) isDown() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.down
}

// RoundTrip fails at once while the link is down.
func (l *link) RoundTrip(r *http.Request) (*http.Response, error) {
	if l.isDown() {
		return nil, errors.New("the store's link is down")
	}
	l.mu.Lock()
	gateway := l.gateway
	l.mu.Unlock()
	if gateway {
		return &http.Response{StatusCode: http.StatusBadGateway, Status: "502 Bad Gateway", Header: http.Header{"Content-Type": {"text/html"}},
			Body: io.NopCloser(strings.NewReader("<html>502 Bad Gateway</html>")), Request: r}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}

const testPIN = "471123"

// newWorld makes the world; programEdits edit the bundled coop program as
// rewardstest.Program does.
func newWorld(t testing.TB, seed uint64, programEdits ...string) *world {
	t.Helper()
	w := &world{t: t, clk: &clock{t: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}, rng: rand.New(rand.NewPCG(seed, 11)),
		tokens: map[string]string{}, done: map[string]int{}, refused: map[string]int{}}
	s := sqlite.NewStore(filepath.Join(t.TempDir(), "server.db"))
	s.Create, s.Now, s.Device = true, w.clk.now, "server"
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w.srv = s
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: w.clk.now()}, Program: rewardstest.Program(t, "coop", programEdits...)}); err != nil {
		t.Fatal(err)
	}
	rewardstest.MustPlaces(t, s, "c1", "a1", "a2")
	for i, pts := range []int64{20, 60, 150} {
		stock := int64(20 + i*10)
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: fmt.Sprintf("item%d", i), Coop: "c1",
			Names: rewards.Names{EN: fmt.Sprintf("Item %d", i)}, Points: pts, Stock: &stock}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddStaff(ctx, rewards.StaffAdd{PIN: testPIN, Staff: rewards.StaffMember{Number: "101", Name: "Mira", Role: rewards.RoleManager, Coop: "c1"}}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"a1", "a2"} {
		nd, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "kiosk-" + st, Role: rewards.RoleKiosk, Store: st}})
		if err != nil {
			t.Fatal(err)
		}
		w.tokens["kiosk-"+st] = nd.Token
	}
	w.http = httptest.NewServer(api.NewHandler(s, api.Options{Now: w.clk.now, Devices: s, Staff: s, KioskCardLookups: rate.Inf}))
	t.Cleanup(w.http.Close)
	return w
}

// kioskClient is a client of the server with the store's kiosk's token.
func (w *world) kioskClient(store string) *api.Client {
	return api.NewClient(w.http.URL, nil, api.WithToken(w.tokens["kiosk-"+store]))
}

// serverCard issues a card at the server with a receipt on it.
func (w *world) serverCard() string {
	w.t.Helper()
	return w.serverCardWith(5000 + int64(w.rng.IntN(40000)))
}

// serverCardWith issues a card at the server with a receipt of amount
// (cents) on it.
func (w *world) serverCardWith(amount int64) string {
	w.t.Helper()
	w.n++
	// Issued the day before, so that it is active (the program's
	// activation delay) for its receipt.
	c, err := w.srv.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: w.clk.now().Add(-25 * time.Hour)}, Handed: true, Details: rewards.Details{GivenName: fmt.Sprintf("Ana%d", w.n), FamilyName: "Secretova", Phone: fmt.Sprintf("+359888%06d", w.n), Consent: true}})
	if err != nil {
		w.t.Fatal(err)
	}
	w.cards = append(w.cards, c.Number)
	if err := w.receipt(c.Number, amount); err != nil {
		w.t.Fatal(err)
	}
	return c.Number
}

func (w *world) meta() rewards.Meta { return rewards.Meta{At: w.clk.now()} }

// receipt posts a receipt of amount (cents) on the card at store a1.
func (w *world) receipt(card string, amount int64) error {
	w.n++
	r := rewards.Receipt{ID: fmt.Sprintf("R%d", w.n), Store: "a1", Card: card, Time: w.clk.now(),
		Lines: []rewards.Line{{SKU: fmt.Sprintf("sku%d", w.rng.IntN(5)), Qty: 1 + int64(w.rng.IntN(3)), Amount: amount}}}
	_, err := w.srv.PostReceipt(ctx, r)
	if err == nil {
		w.receipts = append(w.receipts, r)
	}
	return err
}

// seed issues n cards at the server, each with a receipt.
func (w *world) seed(n int) {
	for range n {
		w.serverCard()
	}
}

// kiosk makes the replica of the store's kiosk with Init and opens it.
func (w *world) kiosk(store string) *kiosk {
	w.t.Helper()
	name := "kiosk-" + store
	k := &kiosk{name: name, store: store, path: filepath.Join(w.t.TempDir(), name+".db")}
	k.link = &link{}
	k.client = api.NewClient(w.http.URL, &http.Client{Transport: k.link}, api.WithToken(w.tokens[name]))
	if err := replica.Init(ctx, k.path, w.http.URL, w.tokens[name], k.client); err != nil {
		w.t.Fatal(err)
	}
	k.open(w)
	w.kiosks = append(w.kiosks, k)
	return k
}

// open opens the kiosk's replica file and its sync through up (nil: the
// kiosk's own client).
func (k *kiosk) open(w *world) {
	w.t.Helper()
	k.ledger = sqlite.NewStore(k.path)
	k.ledger.Now, k.ledger.Device = w.clk.now, k.name
	if err := k.ledger.Open(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { k.ledger.Close() })
	if !k.ledger.IsReplica() {
		w.t.Fatalf("%s: Init made no replica", k.name)
	}
	k.sync = replica.New(k.ledger, k.client)
}

// syncAll brings every kiosk's link up and runs sync rounds on every kiosk until a whole pass changes
// nothing more.
func (w *world) syncAll() {
	w.t.Helper()
	for _, k := range w.kiosks {
		k.link.set(false)
	}
	for pass := 0; pass < 5; pass++ {
		moved := 0
		for _, k := range w.kiosks {
			rd, err := k.sync.Sync(ctx)
			if err != nil {
				w.t.Fatalf("%s: sync: %v", k.name, err)
			}
			moved += rd.Uploaded
			if pass > 0 {
				moved += rd.Pulled
			}
		}
		if moved == 0 && pass > 0 {
			return
		}
	}
	w.t.Fatal("sync did not settle in 5 passes")
}

// converged checks that every card the world knows reads the same on the
// server and on every kiosk (its card, balance and the last 50 entries
// of its history), and that check passes on all three ledgers.
func (w *world) converged() {
	w.t.Helper()
	now := w.clk.now()
	for _, l := range append([]*sqlite.Store{w.srv}, w.ledgers()...) {
		r, err := l.Check(ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		if len(r.Problems) > 0 || r.CatchingUp {
			w.dumpConflicts()
			w.t.Fatalf("check of %s: %v (catching up: %v)", l.Path, r.Problems, r.CatchingUp)
		}
	}
	for _, k := range w.kiosks {
		// Of personal data a kiosk keeps only given names, and what an
		// enrolment typed leaves it once the server has answered.
		for _, f := range []string{k.path, k.path + "-wal"} {
			data, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				w.t.Fatal(err)
			}
			for _, personal := range []string{"Secretova", "Offlinova", "+359888", "+359877"} {
				if bytes.Contains(data, []byte(personal)) {
					w.t.Fatalf("%s holds %q", f, personal)
				}
			}
		}
	}
	for _, card := range w.cards {
		want, err := readCard(w.srv, card, now)
		if rewards.ErrorCode(err) == rewards.ENOTFOUND {
			// A card a kiosk made whose making the server refused (a
			// conflict): no kiosk holds it once synced.
			for _, k := range w.kiosks {
				if _, err := k.ledger.Card(ctx, card, now); rewards.ErrorCode(err) != rewards.ENOTFOUND {
					w.t.Fatalf("%s holds card %s, which the server refused: %v", k.name, card, err)
				}
			}
			continue
		}
		if err != nil {
			w.t.Fatalf("server: card %s: %v", card, err)
		}
		for _, k := range w.kiosks {
			got, err := readCard(k.ledger, card, now)
			if err != nil {
				w.t.Fatalf("%s: card %s: %v", k.name, card, err)
			}
			switch {
			case !reflect.DeepEqual(got.Card, want.Card):
				w.t.Fatalf("%s: card %s differs from the server's:\n got %+v\nwant %+v", k.name, card, got.Card, want.Card)
			case !reflect.DeepEqual(got.Balance, want.Balance):
				w.t.Fatalf("%s: the balance of card %s differs from the server's:\n got %+v\nwant %+v", k.name, card, got.Balance, want.Balance)
			case !reflect.DeepEqual(got.History, want.History):
				w.t.Fatalf("%s: the history of card %s differs from the server's:\n got %+v\nwant %+v", k.name, card, got.History, want.History)
			}
		}
	}
}

// dumpConflicts logs the server's conflicts, to read beside a failure.
func (w *world) dumpConflicts() {
	cs, err := w.srv.Conflicts(ctx, true)
	if err != nil {
		w.t.Log(err)
	}
	for _, c := range cs {
		w.t.Logf("conflict %d: %s %s %s card %s: %s", c.ID, c.Device, c.Kind, c.Outcome, c.Card, c.Message)
	}
}

func (w *world) ledgers() []*sqlite.Store {
	var out []*sqlite.Store
	for _, k := range w.kiosks {
		out = append(out, k.ledger)
	}
	return out
}

// cardView is what a kiosk shows of a card.
type cardView struct {
	Card    rewards.Card
	Balance rewards.Balance
	History []rewards.HistoryEntry
}

func readCard(l *sqlite.Store, number string, now time.Time) (cardView, error) {
	var v cardView
	var err error
	if v.Card, err = l.Card(ctx, number, now); err != nil {
		return v, err
	}
	// A replica holds no phone, e-mail or family name.
	v.Card.Phone, v.Card.Name, v.Card.FamilyName, v.Card.Email = "", "", "", ""
	if v.Balance, err = l.Balance(ctx, number, now); err != nil {
		return v, err
	}
	if v.History, err = l.History(ctx, number); err != nil {
		return v, err
	}
	if len(v.History) > 50 {
		v.History = v.History[:50]
	}
	return v, nil
}

// card is one of the world's cards at random.
func (w *world) card() string { return w.cards[w.rng.IntN(len(w.cards))] }

// staffCtx is a context in the cooperative manager's session, as a kiosk
// records a staff member's changes.
func staffCtx() context.Context { return rewards.WithStaff(ctx, "101") }

// kioskStep does one random change at kiosk k and returns its name.
func (w *world) kioskStep(k *kiosk) string {
	w.n++
	var name string
	var err error
	switch n := w.rng.IntN(100); {
	case n < 20:
		name = "issue"
		var c rewards.Card
		if c, err = k.ledger.IssueCard(staffCtx(), rewards.CardIssue{Meta: w.meta(), Handed: true,
			Details: rewards.Details{GivenName: fmt.Sprintf("Kio%d", w.n), FamilyName: "Offlinova", Phone: fmt.Sprintf("+359877%06d", w.n), Consent: true}}); err == nil {
			w.cards = append(w.cards, c.Number)
		}
	case n < 30:
		name = "register"
		_, err = k.ledger.RegisterCard(staffCtx(), rewards.CardRegister{Meta: w.meta(), Card: w.card(), Details: rewards.Details{GivenName: fmt.Sprintf("Reg%d", w.n), Consent: true}})
	case n < 40:
		name = "link"
		_, err = k.ledger.LinkCard(staffCtx(), rewards.CardLink{Meta: w.meta(), Card: w.card(), Holder: w.card(), Pool: w.rng.IntN(2) == 0})
	case n < 50:
		name = "replace"
		var c rewards.Card
		if c, err = k.ledger.ReplaceCard(staffCtx(), rewards.CardReplace{Meta: w.meta(), Card: w.card()}); err == nil {
			w.cards = append(w.cards, c.Number)
		}
	default:
		name = "redeem"
		_, err = k.sync.Redeem(ctx, rewards.Redemption{Meta: w.meta(), Card: w.card(), Reward: fmt.Sprintf("item%d", w.rng.IntN(3)), Store: k.store})
	}
	w.count(k.name+" "+name, err)
	return name
}

// serverStep does one random change at the server (a till's receipt or
// return, a new card) and returns its name.
func (w *world) serverStep() string {
	var name string
	var err error
	switch n := w.rng.IntN(100); {
	case n < 10:
		name = "card"
		w.serverCard()
	case n < 75:
		name = "receipt"
		err = w.receipt(w.card(), int64(w.rng.IntN(30000)))
	default:
		name = "return"
		if len(w.receipts) == 0 {
			return name
		}
		r := w.receipts[w.rng.IntN(len(w.receipts))]
		w.n++
		_, err = w.srv.PostReturn(ctx, rewards.Return{ID: fmt.Sprintf("X%d", w.n), Receipt: r.ID, Time: w.clk.now(),
			Lines: []rewards.ReturnLine{{SKU: r.Lines[0].SKU, Qty: 1}}})
	}
	w.count("server "+name, err)
	return name
}

// count records an operation's outcome; an internal error fails the test.
func (w *world) count(name string, err error) {
	if err == nil {
		w.done[name]++
		return
	}
	if rewards.ErrorCode(err) == rewards.EINTERNAL {
		w.t.Fatalf("%s: %v", name, err)
	}
	w.refused[name]++
}
