package api_test

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// openStore opens a fresh SQLite ledger in a temporary folder, its clock
// now.
func openStore(t testing.TB, now func() time.Time) *sqlite.Store {
	t.Helper()
	s := sqlite.NewStore(filepath.Join(t.TempDir(), "ledger.db"))
	s.Now = now
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// serve serves the API over s in-process and returns its client.
func serve(t testing.TB, s api.Service, now func() time.Time) *api.Client {
	t.Helper()
	srv := httptest.NewServer(api.NewHandler(s, api.Options{Now: now}))
	t.Cleanup(srv.Close)
	return api.NewClient(srv.URL, srv.Client())
}

// TestContract runs the contract suite through the API: each store the
// suite asks for is a SQLite ledger on the suite's clock, served by the
// handlers and driven through the client.
func TestContract(t *testing.T) {
	rewardstest.Run(t, func(t *testing.T, now func() time.Time) rewardstest.Store {
		return serve(t, openStore(t, now), now)
	})
}
