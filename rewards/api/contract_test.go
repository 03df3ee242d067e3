package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/docs/openapitest"
	"github.com/tochka-loyalty/tochka/rewards"
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

// adminToken is the token of the one device of the tests that do not
// exercise rights (rights_test.go does): an admin, who may do everything.
const adminToken = "tch_test-admin"

// oneAdmin finds the device of adminToken and no other.
type oneAdmin struct{}

func (oneAdmin) DeviceByToken(_ context.Context, hash string) (rewards.Device, error) {
	if hash == rewards.TokenHash(adminToken) {
		return rewards.Device{Name: "admin", Role: rewards.RoleAdmin, Coop: "c0"}, nil
	}
	return rewards.Device{}, rewards.Fail(rewards.ENOTFOUND, "device.token_unknown", nil)
}

// newHandler is the API's handler over s, each request it takes and each
// answer it gives checked against docs/openapi.json.
func newHandler(t testing.TB, s api.Service, opts api.Options) http.Handler {
	return openapitest.Handler(t, api.NewHandler(s, opts))
}

// serve serves the API over s in-process and returns its client, which
// calls it as the admin.
func serve(t testing.TB, s api.Service, now func() time.Time) *api.Client {
	t.Helper()
	srv := httptest.NewServer(newHandler(t, s, api.Options{Now: now, Devices: oneAdmin{}}))
	t.Cleanup(srv.Close)
	return api.NewClient(srv.URL, srv.Client(), api.WithToken(adminToken))
}

// TestContract runs the contract suite through the API: each store the
// suite asks for is a SQLite ledger on the suite's clock, served by the
// handlers and driven through the client.
func TestContract(t *testing.T) {
	rewardstest.Run(t, func(t *testing.T, now func() time.Time) rewardstest.Store {
		return serve(t, openStore(t, now), now)
	})
}
