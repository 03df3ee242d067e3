// Package replicatest makes kiosk replicas for the tests and benchmarks
// of what runs on one (the kiosk app): a server ledger of the co-op
// program filled with cards, served over HTTP, and a replica made of it
// as `tochkactl sync init` makes one.
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

// Now is the time of the filled ledger: its cards are active and their
// points earned.
var Now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// Card is the i-th card of the ledger (from 1), as sqlitetest numbers it.
func Card(i int) string { return sqlitetest.Card(i) }

// Kiosk makes, in dir, a server ledger of the co-op program with n cards
// (10 receipts' lots each), the cooperative Coop, its store Store and a
// board of three rewards, and returns the path of a kiosk replica of it
// made as `tochkactl sync init` makes one. The server is gone when it
// returns: the replica is for reading.
func Kiosk(tb testing.TB, dir string, n int) string {
	tb.Helper()
	ctx := context.Background()
	now := func() time.Time { return Now }
	s := sqlite.NewStore(filepath.Join(dir, "server.db"))
	s.Create, s.Now, s.Device = true, now, "server"
	if err := s.Open(); err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: Now.Add(-30 * 24 * time.Hour)}, Program: rewardstest.Program(tb, "coop")}); err != nil {
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
	db, err := sql.Open("sqlite3", s.Path+"?_foreign_keys=on&_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	_, err = sqlitetest.Ledger(db, n, 10)
	db.Close()
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(s, api.Options{Now: now, Devices: s, Staff: s, KioskCardLookups: rate.Inf}))
	defer srv.Close()
	path := filepath.Join(dir, "kiosk.db")
	if err := replica.Init(ctx, path, srv.URL, nd.Token, api.NewClient(srv.URL, nil, api.WithToken(nd.Token))); err != nil {
		tb.Fatal(err)
	}
	return path
}
