package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
	"github.com/tochka-loyalty/tochka/rewards/sqlite/sqlitetest"
)

const benchClients = 8

// benchServer serves the ledger at path through tochkad's whole stack (the
// request log, the metrics, the API handler with its devices' tokens and
// rights), with the service s stands for when wrap is not nil.
func benchServer(b *testing.B, store *sqlite.Store, wrap func(api.Service) api.Service) *httptest.Server {
	b.Helper()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	m := newMetrics()
	var svc api.Service = counted{store, m}
	if wrap != nil {
		svc = wrap(svc)
	}
	srv := httptest.NewServer(routes(store, api.NewHandler(svc, api.Options{Logger: log, Now: store.Now, Devices: store}), log, m))
	b.Cleanup(srv.Close)
	return srv
}

// benchLedger is a ledger with the co-op program and n cards (with lotsPer
// lots each), open for serving, and the token of a till of store s1.
func benchLedger(b *testing.B, n, lotsPer int) (*sqlite.Store, []string, string) {
	b.Helper()
	path := newLedger(b)
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		b.Fatal(err)
	}
	var cards []string
	if lotsPer == 0 {
		cards, err = sqlitetest.Cards(db, n)
	} else {
		cards, err = sqlitetest.Ledger(db, n, lotsPer)
	}
	db.Close()
	if err != nil {
		b.Fatal(err)
	}
	till := addDevices(b, path, []string{"s1"}, rewards.Device{Name: "till-1", Role: rewards.RolePOS, Store: "s1"})[0]
	s := sqlite.NewStore(path)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if err := s.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, cards, till
}

// discarding answers what it is asked to record, or read, without the
// ledger: the baseline of the stack around it.
type discarding struct{ api.Service }

func (discarding) PostReceipt(_ context.Context, r rewards.Receipt) (rewards.ReceiptResult, error) {
	return rewards.ReceiptResult{Receipt: r.ID, Card: r.Card, Lines: []rewards.LineResult{}}, nil
}

func (discarding) Balance(_ context.Context, card string, t time.Time) (rewards.Balance, error) {
	return rewards.Balance{Card: card, Status: rewards.CardActive, AsOf: t, Pending: []rewards.PendingPoints{}, Expiring: []rewards.ExpiringLots{}}, nil
}

// flushOnly answers a receipt as discarding does once a page written for
// it is on the disk: it writes 4 KB into a file beside the ledger, over
// what an earlier receipt wrote (as SQLite writes its write-ahead log
// again after a checkpoint), and waits for an fsync that covers it, one
// fsync for every page written meanwhile, as a group commit at its best
// does. A service that answers only what is on the disk does no less: its
// rate is the floor the disk sets under ledger/baseline.
type flushOnly struct {
	discarding
	f       *os.File
	mu      sync.Mutex // the pages written
	written int64
	smu     sync.Mutex // one fsync at a time
	synced  int64      // the pages on the disk
}

// flushPages is how many pages the file of a flushOnly holds.
const flushPages = 1024

func newFlushOnly(b *testing.B, svc api.Service) *flushOnly {
	b.Helper()
	f, err := os.Create(filepath.Join(b.TempDir(), "pages"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	if _, err := f.Write(make([]byte, flushPages*4096)); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	return &flushOnly{discarding: discarding{svc}, f: f}
}

func (s *flushOnly) PostReceipt(ctx context.Context, r rewards.Receipt) (rewards.ReceiptResult, error) {
	page := make([]byte, 4096)
	copy(page, r.ID)
	s.mu.Lock()
	_, err := s.f.WriteAt(page, s.written%flushPages*4096)
	s.written++
	mine := s.written
	s.mu.Unlock()
	if err != nil {
		return rewards.ReceiptResult{}, err
	}
	if err := s.sync(mine); err != nil {
		return rewards.ReceiptResult{}, err
	}
	return s.discarding.PostReceipt(ctx, r)
}

// sync returns once the first mine pages written are on the disk.
func (s *flushOnly) sync(mine int64) error {
	s.smu.Lock()
	defer s.smu.Unlock()
	if s.synced >= mine {
		return nil
	}
	s.mu.Lock()
	upTo := s.written
	s.mu.Unlock()
	if err := s.f.Sync(); err != nil {
		return err
	}
	s.synced = upTo
	return nil
}

// clients runs n requests from benchClients goroutines, each through its own
// keep-alive connection with the till's token, and returns how long they
// took and each one's latency.
func clients(b *testing.B, n int, do func(c *api.Client, i int) error, base, token string) (time.Duration, []time.Duration) {
	b.Helper()
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for k := range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := api.NewClient(base, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}, api.WithToken(token))
			for i := k; i < n; i += benchClients {
				t0 := time.Now()
				if err := do(c, i); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	return time.Since(start), lat
}

// BenchmarkAPIIngest posts receipts one a request from 8 clients at once
// through tochkad's stack over a ledger of 1,000 cards, and, in the same
// iteration, the same receipts to the same stack whose service discards
// them: receipts/s against baseline-posts/s (target: at least half). It
// reports too what the disk allows: the same receipts to the stack whose
// service only waits for a page of each on the disk (flushOnly), against
// the baseline (fsync-floor/baseline). A ledger that answers only what is
// on the disk stays under that floor.
func BenchmarkAPIIngest(b *testing.B) {
	const perIteration = 2000
	store, cards, till := benchLedger(b, 1000, 0)
	real, base := benchServer(b, store, nil), benchServer(b, store, func(s api.Service) api.Service { return discarding{s} })
	floor := benchServer(b, store, func(s api.Service) api.Service { return newFlushOnly(b, s) })
	rng := rand.New(rand.NewPCG(3, 4))
	at := time.Date(2026, 11, 19, 8, 0, 0, 0, time.UTC)
	var realTime, baseTime, floorTime time.Duration
	for it := 0; it < b.N; it++ {
		rs := make([]rewards.Receipt, perIteration)
		for i := range rs {
			rs[i] = rewards.Receipt{ID: fmt.Sprintf("A%d-%d", it, i), Store: "s1", Card: cards[rng.IntN(len(cards))],
				Time: at.Add(time.Duration(it*perIteration+i) * time.Millisecond),
				Lines: []rewards.Line{{SKU: "bread", Qty: 1, Amount: 250}, {SKU: "milk", Qty: 2, Amount: 400, OwnBrand: true},
					{SKU: "tea", Qty: 1, Amount: 1200}}}
		}
		post := func(c *api.Client, i int) error { _, err := c.PostReceipt(context.Background(), rs[i]); return err }
		took, _ := clients(b, perIteration, post, real.URL, till)
		realTime += took
		took, _ = clients(b, perIteration, post, base.URL, till)
		baseTime += took
		took, _ = clients(b, perIteration, post, floor.URL, till)
		floorTime += took
	}
	n := float64(b.N * perIteration)
	b.ReportMetric(n/realTime.Seconds(), "receipts/s")
	b.ReportMetric(n/baseTime.Seconds(), "baseline-posts/s")
	b.ReportMetric(baseTime.Seconds()/realTime.Seconds(), "ledger/baseline")
	b.ReportMetric(baseTime.Seconds()/floorTime.Seconds(), "fsync-floor/baseline")
}

// BenchmarkAPIBalance looks up random balances among 200,000 cards from 8
// clients at once through tochkad's stack, and, in the same iteration, the
// same look-ups to the stack whose service answers without the ledger:
// lookups/s against baseline-gets/s (target: at least half) and the 99th
// percentile (target: at most 10 ms).
func BenchmarkAPIBalance(b *testing.B) {
	const perIteration = 4000
	store, cards, till := benchLedger(b, 200_000, 2)
	real, base := benchServer(b, store, nil), benchServer(b, store, func(s api.Service) api.Service { return discarding{s} })
	rng := rand.New(rand.NewPCG(5, 6))
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var realTime, baseTime time.Duration
	var p99s []float64
	for it := 0; it < b.N; it++ {
		pick := make([]string, perIteration)
		for i := range pick {
			pick[i] = cards[rng.IntN(len(cards))]
		}
		get := func(c *api.Client, i int) error { _, err := c.Balance(context.Background(), pick[i], at); return err }
		took, lat := clients(b, perIteration, get, real.URL, till)
		realTime += took
		slices.Sort(lat)
		p99s = append(p99s, float64(lat[len(lat)*99/100].Microseconds())/1000)
		took, _ = clients(b, perIteration, get, base.URL, till)
		baseTime += took
	}
	n := float64(b.N * perIteration)
	slices.Sort(p99s)
	b.ReportMetric(n/realTime.Seconds(), "lookups/s")
	b.ReportMetric(n/baseTime.Seconds(), "baseline-gets/s")
	b.ReportMetric(baseTime.Seconds()/realTime.Seconds(), "ledger/baseline")
	b.ReportMetric(p99s[len(p99s)/2], "p99-ms")
}
