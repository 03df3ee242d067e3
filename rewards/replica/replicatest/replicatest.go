// Package replicatest makes kiosk replicas for the tests and benchmarks
// of what runs on one (the kiosk app): a server ledger of the co-op
// program, served over HTTP, and a replica made of it as `tochkactl sync
// init` makes one.
package replicatest

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
	"github.com/tochka-loyalty/tochka/rewards/sqlite/sqlitetest"
)

// Coop and Store are the replica's cooperative and store.
const (
	Coop  = "c1"
	Store = "a1"
)

// Now is the server's clock: the cards Kiosk fills are active and their
// points earned.
var Now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// Card is the i-th card Kiosk fills (from 1), as sqlitetest numbers it.
func Card(i int) string { return sqlitetest.Card(i) }

// Server is a central server for a kiosk: a ledger of the co-op program
// (its file edited as rewardstest.Program edits it) on the clock Now,
// with the cooperative Coop, its store Store, a board of three rewards
// (20, 60 and 150 points) and the store's kiosk, served over HTTP.
type Server struct {
	Store *sqlite.Store
	URL   string
	Token string // the kiosk's
	http  *httptest.Server
}

// NewServer starts a Server whose ledger is in dir; it stops when the
// test ends, or at Close.
func NewServer(tb testing.TB, dir string, programEdits ...string) *Server {
	tb.Helper()
	ctx := context.Background()
	now := func() time.Time { return Now }
	s := sqlite.NewStore(filepath.Join(dir, "server.db"))
	s.Create, s.Now, s.Device = true, now, "server"
	if err := s.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: Now.Add(-30 * 24 * time.Hour)}, Program: rewardstest.Program(tb, "coop", programEdits...)}); err != nil {
		tb.Fatal(err)
	}
	rewardstest.MustPlaces(tb, s, Coop, Store)
	for i, pts := range []int64{20, 60, 150} {
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: rewards.Meta{At: Now.Add(-time.Hour)}, Reward: rewards.Reward{ID: fmt.Sprintf("item%d", i), Coop: Coop,
			Names: rewards.Names{EN: fmt.Sprintf("Item %d", i)}, Points: pts}}); err != nil {
			tb.Fatal(err)
		}
	}
	nd, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: rewards.Device{Name: "kiosk-" + Store, Role: rewards.RoleKiosk, Store: Store}})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(s, api.Options{Now: now, Devices: s, Staff: s, KioskCardLookups: rate.Inf}))
	tb.Cleanup(srv.Close)
	return &Server{Store: s, URL: srv.URL, Token: nd.Token, http: srv}
}

// Client is a client of the server as its kiosk.
func (s *Server) Client() *api.Client { return api.NewClient(s.URL, nil, api.WithToken(s.Token)) }

// Replica makes a replica of the server at path, as `tochkactl sync
// init` makes one.
func (s *Server) Replica(tb testing.TB, path string) {
	tb.Helper()
	if err := replica.Init(context.Background(), path, s.URL, s.Token, s.Client()); err != nil {
		tb.Fatal(err)
	}
}

// Close stops serving: the kiosk is offline.
func (s *Server) Close() { s.http.Close() }

// Kiosk makes, in dir, a Server with n cards filled (10 receipts' lots
// each) and returns the path of a replica of it; the server is gone when
// it returns: the replica is for reading.
func Kiosk(tb testing.TB, dir string, n int) string {
	tb.Helper()
	s := NewServer(tb, dir)
	db, err := sql.Open("sqlite3", s.Store.Path+"?_foreign_keys=on&_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	_, err = sqlitetest.Ledger(db, n, 10)
	db.Close()
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "kiosk.db")
	s.Replica(tb, path)
	s.Close()
	return path
}
