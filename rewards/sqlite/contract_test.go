package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// TestContract runs the contract suite of every store on a fresh database
// file per store it asks for.
func TestContract(t *testing.T) {
	rewardstest.Run(t, func(t *testing.T, now func() time.Time) rewardstest.Store {
		s := sqlite.NewStore(filepath.Join(t.TempDir(), "ledger.db"))
		s.Now = now
		s.Create = true
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
