package api_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
)

// The liability report without a moment is the ledger's now, as the
// ledger reads its clock: on a host clock that has moved on since the
// request came, it is not refused as a moment past. One with a moment past
// is refused, naming why.
func TestLiabilityNow(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { // a host clock: each reading a little later
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Millisecond)
		return clock
	}
	s := openStore(t, now)
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)},
		Program: rewardstest.Program(t, "coop")}); err != nil {
		t.Fatal(err)
	}
	c := serve(t, s, now)
	l, err := c.Liability(ctx, time.Time{}, rewards.ByStore)
	if err != nil || l.At.Before(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("the liability now: %+v %v", l, err)
	}
	h := newHandler(t, s, api.Options{Now: now, Devices: oneAdmin{}})
	rec := do(t, h, "GET", "/v1/reports/liability?by=store", "", nil)
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &l) != nil {
		t.Fatalf("GET /v1/reports/liability?by=store: %d %s", rec.Code, rec.Body)
	}
	// Without by, by store, as tochkactl reports.
	rec = do(t, h, "GET", "/v1/reports/liability", "", nil)
	var byDefault rewards.Liability
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &byDefault) != nil || byDefault.By != rewards.ByStore {
		t.Fatalf("GET /v1/reports/liability: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, h, "GET", "/v1/reports/liability?at=2026-11-02T00:00:00Z&by=store", "", nil)
	if got := envelopeOf(t, rec); rec.Code != http.StatusBadRequest || got.Key != "places.liability_past" {
		t.Fatalf("GET /v1/reports/liability at a moment past: %d %+v", rec.Code, got)
	}
}
