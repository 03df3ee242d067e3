package rewards_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// lotsAt builds lots relative to now: from and expires are offsets in days
// (expires 0: never).
type lotSpec struct {
	id, points, remaining int64
	from, expires         int
}

func lotsAt(now time.Time, specs ...lotSpec) []rewards.Lot {
	lots := make([]rewards.Lot, len(specs))
	for i, s := range specs {
		lots[i] = rewards.Lot{ID: s.id, Points: s.points, Remaining: s.remaining,
			AvailableFrom: now.AddDate(0, 0, s.from)}
		if s.expires != 0 {
			lots[i].ExpiresAt = now.AddDate(0, 0, s.expires)
		}
	}
	return lots
}

func TestAllocate(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	lots := lotsAt(now,
		lotSpec{id: 1, points: 100, remaining: 100, from: -30, expires: 8}, // spendable, expires in 8 days
		lotSpec{id: 2, points: 50, remaining: 50, from: -40},               // spendable, never expires
		lotSpec{id: 3, points: 30, remaining: 30, from: -20, expires: 3},   // spendable, expires soonest
		lotSpec{id: 4, points: 40, remaining: 40, from: 2, expires: 1},     // pending (even if it would expire first)
		lotSpec{id: 5, points: 20, remaining: 20, from: -400, expires: -1}, // expired
		lotSpec{id: 6, points: 60, remaining: 0, from: -10, expires: 2},    // used up
		lotSpec{id: 7, points: 80, remaining: 25, from: -60, expires: 8},   // same expiry as 1, older
	)
	orig := append([]rewards.Lot(nil), lots...)
	for _, tc := range []struct {
		name   string
		amount int64
		want   []rewards.Allocation
		short  int64
	}{
		{"nothing", 0, nil, 0},
		{"from the soonest expiry", 10, []rewards.Allocation{{Lot: 3, Points: 10}}, 0},
		{"the whole soonest lot", 30, []rewards.Allocation{{Lot: 3, Points: 30}}, 0},
		// Same expiry: the lot available first goes first.
		{"into the next expiry", 60, []rewards.Allocation{{Lot: 3, Points: 30}, {Lot: 7, Points: 25}, {Lot: 1, Points: 5}}, 0},
		{"never-expiring last", 180, []rewards.Allocation{{Lot: 3, Points: 30}, {Lot: 7, Points: 25}, {Lot: 1, Points: 100}, {Lot: 2, Points: 25}}, 0},
		{"all there is", 205, []rewards.Allocation{{Lot: 3, Points: 30}, {Lot: 7, Points: 25}, {Lot: 1, Points: 100}, {Lot: 2, Points: 50}}, 0},
		{"more than there is", 300, []rewards.Allocation{{Lot: 3, Points: 30}, {Lot: 7, Points: 25}, {Lot: 1, Points: 100}, {Lot: 2, Points: 50}}, 95},
	} {
		allocs, short := rewards.Allocate(lots, tc.amount, now)
		if !reflect.DeepEqual(allocs, tc.want) || short != tc.short {
			t.Errorf("%s: Allocate(%d) = %v, short %d; want %v, short %d", tc.name, tc.amount, allocs, short, tc.want, tc.short)
		}
	}
	if !reflect.DeepEqual(lots, orig) {
		t.Errorf("Allocate changed its lots")
	}
	if allocs, short := rewards.Allocate(nil, 5, now); allocs != nil || short != 5 {
		t.Errorf("no lots: %v, short %d", allocs, short)
	}
}

// The boundaries of a lot's life, by moving the clock: spendable from
// exactly AvailableFrom, expired from exactly ExpiresAt.
func TestAllocateBoundaries(t *testing.T) {
	from := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	until := from.AddDate(1, 0, 0)
	lots := []rewards.Lot{{ID: 1, Points: 10, Remaining: 10, AvailableFrom: from, ExpiresAt: until}}
	for _, tc := range []struct {
		at    time.Time
		short int64
	}{
		{from.Add(-time.Nanosecond), 10},
		{from, 0},
		{until.Add(-time.Nanosecond), 0},
		{until, 10},
	} {
		if _, short := rewards.Allocate(lots, 10, tc.at); short != tc.short {
			t.Errorf("at %s: short %d, want %d", tc.at, short, tc.short)
		}
	}
}

func TestSortBySpendOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lots := []rewards.Lot{
		{ID: 1, AvailableFrom: t0},                                                   // never
		{ID: 2, AvailableFrom: t0, ExpiresAt: t0.AddDate(1, 0, 0)},                   // a year
		{ID: 3, AvailableFrom: t0.AddDate(0, 0, -1)},                                 // never, older
		{ID: 4, AvailableFrom: t0, ExpiresAt: t0.AddDate(0, 1, 0)},                   // a month
		{ID: 5, AvailableFrom: t0, ExpiresAt: t0.AddDate(0, 1, 0)},                   // a month, created later
		{ID: 6, AvailableFrom: t0.AddDate(0, 0, -5), ExpiresAt: t0.AddDate(0, 1, 0)}, // a month, older
	}
	rewards.SortBySpendOrder(lots)
	var ids []int64
	for _, l := range lots {
		ids = append(ids, l.ID)
	}
	if want := []int64{6, 4, 5, 2, 3, 1}; !reflect.DeepEqual(ids, want) {
		t.Errorf("spend order %v, want %v", ids, want)
	}
}

func TestComputeBalance(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	msk := zone(t, "Europe/Moscow")
	in15 := now.AddDate(0, 0, 15)
	lots := []rewards.Lot{
		{ID: 1, Points: 500, Remaining: 120, AvailableFrom: now.AddDate(0, 0, -30), ExpiresAt: now.AddDate(0, 0, 335)},
		{ID: 2, Points: 300, Remaining: 300, AvailableFrom: now.AddDate(0, 0, -10), ExpiresAt: now.AddDate(0, 0, 20)},
		// Two pending lots that mature (and expire) at the same instant, one
		// written in Moscow time: one group each.
		{ID: 3, Points: 40, Remaining: 40, AvailableFrom: in15, ExpiresAt: in15.AddDate(1, 0, 0)},
		{ID: 4, Points: 10, Remaining: 10, AvailableFrom: in15.In(msk), ExpiresAt: in15.AddDate(1, 0, 0).In(msk)},
		{ID: 5, Points: 75, Remaining: 75, AvailableFrom: now.AddDate(0, 0, 3), ExpiresAt: now.AddDate(0, 0, 368)},
		// Never expires: available, not in expiring.
		{ID: 6, Points: 7, Remaining: 7, AvailableFrom: now.AddDate(-1, 0, 0)},
		// Expired and used-up lots count nowhere.
		{ID: 7, Points: 90, Remaining: 90, AvailableFrom: now.AddDate(-2, 0, 0), ExpiresAt: now.AddDate(-1, 0, 0)},
		{ID: 8, Points: 60, Remaining: 0, AvailableFrom: now.AddDate(0, 0, -3), ExpiresAt: now.AddDate(0, 0, 1)},
		// Expires at exactly now: gone.
		{ID: 9, Points: 5, Remaining: 5, AvailableFrom: now.AddDate(0, 0, -3), ExpiresAt: now},
	}
	available, pending, expiring := rewards.ComputeBalance(lots, 0, now)
	if available != 120+300+7 {
		t.Errorf("available %d, want %d", available, 120+300+7)
	}
	wantPending := []rewards.PendingPoints{
		{Points: 75, AvailableFrom: now.AddDate(0, 0, 3)},
		{Points: 50, AvailableFrom: in15},
	}
	if !equalPending(pending, wantPending) {
		t.Errorf("pending %+v, want %+v", pending, wantPending)
	}
	wantExpiring := []rewards.ExpiringLots{
		{Points: 300, ExpiresAt: now.AddDate(0, 0, 20)},
		{Points: 120, ExpiresAt: now.AddDate(0, 0, 335)},
		{Points: 75, ExpiresAt: now.AddDate(0, 0, 368)},
		{Points: 50, ExpiresAt: in15.AddDate(1, 0, 0)},
	}
	if !reflect.DeepEqual(expiring, wantExpiring) {
		t.Errorf("expiring %+v, want %+v", expiring, wantExpiring)
	}

	// A debt left by a return is subtracted, and may leave the balance below zero.
	if got, _, _ := rewards.ComputeBalance(lots, 100, now); got != 327 {
		t.Errorf("with debt 100: available %d, want 327", got)
	}
	if got, _, _ := rewards.ComputeBalance(lots, 500, now); got != -73 {
		t.Errorf("with debt 500: available %d, want -73", got)
	}

	// Moving the clock: in 3 days lot 5 matures; in 15 days lots 3 and 4;
	// in 20 days lot 2 expires.
	for _, tc := range []struct {
		at        time.Time
		available int64
		pending   int
	}{
		{now.AddDate(0, 0, 3).Add(-time.Nanosecond), 427, 2},
		{now.AddDate(0, 0, 3), 502, 1},
		{in15, 552, 0},
		{now.AddDate(0, 0, 20), 252, 0},
	} {
		got, pend, _ := rewards.ComputeBalance(lots, 0, tc.at)
		if got != tc.available || len(pend) != tc.pending {
			t.Errorf("at %s: available %d, %d pending; want %d, %d", tc.at, got, len(pend), tc.available, tc.pending)
		}
	}
}

func equalPending(a, b []rewards.PendingPoints) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Points != b[i].Points || !a[i].AvailableFrom.Equal(b[i].AvailableFrom) {
			return false
		}
	}
	return true
}

// An empty balance has empty lists, not nulls: the JSON keeps every key.
func TestComputeBalanceEmpty(t *testing.T) {
	available, pending, expiring := rewards.ComputeBalance(nil, 0, time.Now())
	if available != 0 || pending == nil || expiring == nil || len(pending)+len(expiring) != 0 {
		t.Errorf("empty balance: %d %#v %#v", available, pending, expiring)
	}
	b, err := json.Marshal(rewards.Balance{Card: "2900000000018", Status: rewards.CardIssued, Pending: pending, Expiring: expiring})
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"card", "status", "active_from", "available", "pending", "expiring", "as_of"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("balance JSON %s has no %q", b, k)
		}
	}
	if string(keys["pending"]) != "[]" || string(keys["expiring"]) != "[]" {
		t.Errorf("balance JSON %s: pending and expiring should be []", b)
	}
}

// The seed's 15-day maturation and the bundled expiry, through NewLot.
func TestNewLotMaturationAndExpiry(t *testing.T) {
	bonus := bundled(t, "bonus")
	sale := at(t, "2026-11-02T13:45:00+03:00")
	lot := bonus.NewLot(250, sale.Add(bonus.Earn.Maturation.D()))
	if want := at(t, "2026-11-17T10:45:00Z"); !lot.AvailableFrom.Equal(want) || lot.AvailableFrom.Location() != time.UTC {
		t.Errorf("available from %v, want %v in UTC", lot.AvailableFrom, want)
	}
	if want := lot.AvailableFrom.Add(365 * day); !lot.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", lot.ExpiresAt, want)
	}
	if lot.Points != 250 || lot.Remaining != 250 {
		t.Errorf("lot %+v", lot)
	}
	for _, tc := range []struct {
		at              time.Time
		spendable, gone bool
	}{
		{sale, false, false},
		{sale.Add(15*day - time.Second), false, false},
		{sale.Add(15 * day), true, false},
		{lot.ExpiresAt.Add(-time.Second), true, false},
		{lot.ExpiresAt, false, true},
	} {
		if lot.Spendable(tc.at) != tc.spendable || lot.Expired(tc.at) != tc.gone {
			t.Errorf("at %s: spendable %v expired %v; want %v %v", tc.at, lot.Spendable(tc.at), lot.Expired(tc.at), tc.spendable, tc.gone)
		}
	}

	coop := bundled(t, "coop")
	never := coop.NewLot(8, sale)
	if !never.ExpiresAt.IsZero() || never.Expired(sale.AddDate(100, 0, 0)) || !never.Spendable(sale) {
		t.Errorf("a coop lot should never expire: %+v", never)
	}
}
