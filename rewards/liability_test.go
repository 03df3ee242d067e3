package rewards_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

func TestLiability(t *testing.T) {
	p := rewards.DefaultProgram()
	p.Name, p.Kind, p.Currency, p.Timezone = "test", rewards.KindBonus, "EUR", "Europe/Sofia"
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	at := mustTime
	now := at("2026-11-20T10:00:00Z")
	// Lot 1 (store s1, coop c1): 30 spendable, expiring at 00:30 on 1 Dec
	// in Sofia: December's. Lot 2 (s2, no record): 20 pending. Lot 3 (a
	// welcome bonus): 10 spendable, never expiring. Lot 4 (s1): expired
	// before now, not yet swept: nothing. An open voucher took 5 of lot 1;
	// one that lapsed before now gave its 7 back to lot 3, paying the
	// debt of 4 first.
	a := rewards.Account{Loaded: true, Debt: 4, Lots: []rewards.Lot{
		{ID: 1, Points: 40, Remaining: 30, AvailableFrom: at("2026-11-01T00:00:00Z"), ExpiresAt: at("2026-11-30T22:30:00Z")},
		{ID: 2, Points: 20, Remaining: 20, AvailableFrom: at("2026-12-01T00:00:00Z"), ExpiresAt: at("2027-12-01T00:00:00Z")},
		{ID: 3, Points: 20, Remaining: 3, AvailableFrom: at("2026-10-01T00:00:00Z")},
		{ID: 4, Points: 9, Remaining: 9, AvailableFrom: at("2026-09-01T00:00:00Z"), ExpiresAt: at("2026-11-01T00:00:00Z")},
	}, Vouchers: []rewards.HeldVoucher{
		{Code: "OPEN", Points: 5, ValidUntil: at("2026-12-20T00:00:00Z"), Entry: 10, Taken: []rewards.Allocation{{Lot: 1, Points: 5}}},
		{Code: "LAPSED", Points: 7, ValidUntil: at("2026-11-10T00:00:00Z"), Entry: 11, Taken: []rewards.Allocation{{Lot: 3, Points: 7}}},
	}}
	origins := map[int64]rewards.LotOrigin{
		1: {Store: "s1", At: at("2026-10-31T22:30:00Z")}, // 1 Nov in Sofia
		2: {Store: "s2", At: at("2026-11-16T10:00:00Z")},
		3: {At: at("2026-09-30T10:00:00Z")},
		4: {Store: "s1", At: at("2026-09-01T10:00:00Z")},
	}
	accts := []rewards.LiabilityAccount{{Account: a, Origins: origins}}
	coops := map[string]string{"s1": "c1"}
	for _, tc := range []struct {
		by     string
		groups []string
		avail  []int64
	}{
		{rewards.ByStore, []string{"s1", "s2", ""}, []int64{30, 0, 6}},
		{rewards.ByCoop, []string{"c1", ""}, []int64{30, 6}},
		{rewards.ByDay, []string{"2026-09-30", "2026-11-01", "2026-11-16"}, []int64{6, 30, 0}},
	} {
		l, err := p.Liability(accts, now, tc.by, coops)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Rows) != len(tc.groups) {
			t.Fatalf("by %s: %+v", tc.by, l.Rows)
		}
		for i, r := range l.Rows {
			if r.Group != tc.groups[i] || r.Available != tc.avail[i] {
				t.Errorf("by %s: row %d %+v, want %s with %d available", tc.by, i, r, tc.groups[i], tc.avail[i])
			}
		}
		tot := l.Total
		// The lapsed voucher's 7 paid the debt of 4 first: 30 + 6
		// available, 20 pending; 5 on the open voucher.
		if tot.Available != 36 || tot.Pending != 20 || tot.Debt != 0 || tot.Balance != 56 || tot.Vouchers != 5 || tot.Outstanding != 61 ||
			tot.Value == nil || *tot.Value != 6100 || tot.Expiring[1] != 30 || tot.Expiring[0] != 0 || l.Months[0] != "2026-11" || l.Months[1] != "2026-12" {
			t.Errorf("by %s: total %+v, months %v", tc.by, tot, l.Months)
		}
	}
	// What the accounts' balances previewed at now add up to.
	avail, pending, _, err := rewards.Holdings(a, now)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64 = avail
	for _, pp := range pending {
		sum += pp.Points
	}
	if l, _ := p.Liability(accts, now, rewards.ByStore, coops); l.Total.Balance != sum {
		t.Errorf("total balance %d, the account's balance %d", l.Total.Balance, sum)
	}

	points := rewards.DefaultProgram()
	if l, err := points.Liability(accts, now, rewards.ByStore, coops); err != nil || l.Total.Value != nil || l.Rows[0].Value != nil {
		t.Errorf("a points program's liability has a value: %+v %v", l.Total, err)
	}
	if _, err := p.Liability(accts, now, "month", coops); rewards.ErrorCode(err) != rewards.EINVALID {
		t.Errorf("by month: %v", err)
	}
	a.Loaded = false
	if _, err := p.Liability([]rewards.LiabilityAccount{{Account: a}}, now, rewards.ByStore, coops); err == nil {
		t.Error("an account not loaded was reported")
	}
}

// The report is for now or a moment ahead: what the ledger held before now
// is not kept, so a moment before now is refused, not reported from
// today's holdings.
func TestLiabilityAt(t *testing.T) {
	p := rewards.DefaultProgram()
	p.Name, p.Kind, p.Currency, p.Timezone = "test", rewards.KindPoints, "EUR", "Europe/Sofia"
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	now := mustTime("2026-11-10T10:00:00Z")
	for _, tc := range []struct {
		at, want string // "" for none
		refused  bool
	}{
		{"", "2026-11-10T10:00:00Z", false},
		{"2026-11-10T10:00:00Z", "2026-11-10T10:00:00Z", false},
		{"2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", false},
		{"2026-11-10T09:59:59Z", "", true},
		{"2026-11-01T10:00:00Z", "", true},
	} {
		var at time.Time
		if tc.at != "" {
			at = mustTime(tc.at)
		}
		got, err := p.LiabilityAt(at, now)
		if tc.refused {
			var e *rewards.Error
			if !errors.As(err, &e) || e.Code != rewards.EINVALID || e.Key != "places.liability_past" ||
				e.Args["at"] != at.In(p.Location()) || e.Args["now"] != now.In(p.Location()) {
				t.Errorf("at %s: %v, want a refusal", tc.at, err)
			}
			continue
		}
		if err != nil || !got.Equal(mustTime(tc.want)) {
			t.Errorf("at %q: %v %v, want %s", tc.at, got, err, tc.want)
		}
	}
}
