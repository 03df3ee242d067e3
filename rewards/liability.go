package rewards

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// The groupings of the liability report.
const (
	ByStore = "store" // the store of the receipt that earned the points
	ByCoop  = "coop"  // that store's cooperative
	ByDay   = "day"   // the business day they were earned, in the program's time zone
)

// LiabilityMonths is how many months ahead the liability report says what
// expires: the month of its moment and the eleven after.
const LiabilityMonths = 12

// minorPerBonus is what one bonus takes off at the till, in minor units:
// 1 bonus = 1 currency unit.
const minorPerBonus = 100

// BonusValue is what points are worth at the till in minor units of the
// program's currency, and ok is false for a program whose points are
// exchanged for goods and have no such value.
func (p *Program) BonusValue(points int64) (minor int64, ok bool) {
	if p.Kind != KindBonus {
		return 0, false
	}
	return points * minorPerBonus, true
}

// LotOrigin is where and when a lot's points were earned: the store of the
// receipt ("" for a welcome bonus) and its business time (the grant's, for
// a welcome bonus).
type LotOrigin struct {
	Store string
	At    time.Time
}

// LiabilityAccount is one account as the liability report reads it: its
// holdings, loaded (lots with points left and every lot its open vouchers
// took from, open vouchers, debt), and the origin of each of those lots by
// id.
type LiabilityAccount struct {
	Account Account
	Origins map[int64]LotOrigin
}

// LiabilityRow is what one group (a store, a cooperative, a day; "" for
// none: debt, and welcome bonuses by store or cooperative) owes its customers at the report's
// moment, in points: available and pending (less Debt, what returns left
// owing, which makes Balance, the sum of balances), and what open vouchers
// hold, which makes Outstanding. Value is Outstanding in minor units of the
// program's currency, for a bonus program only. Expiring is what of the
// available and pending points expires in each month of the report.
type LiabilityRow struct {
	Group       string  `json:"group"`
	Name        string  `json:"name,omitempty"`
	Available   int64   `json:"available"`
	Pending     int64   `json:"pending"`
	Debt        int64   `json:"debt"`
	Balance     int64   `json:"balance"`
	Vouchers    int64   `json:"vouchers"`
	Outstanding int64   `json:"outstanding"`
	Value       *int64  `json:"value,omitempty"`
	Expiring    []int64 `json:"expiring"`
}

// Liability is the points a program owes at a moment, by group, with
// their total: the figure an accountant books as a liability. Months
// names the months of the rows' Expiring ("2026-11"), in the program's
// time zone.
type Liability struct {
	At       time.Time      `json:"at"`
	By       string         `json:"by"`
	Kind     string         `json:"kind"`
	Currency string         `json:"currency"`
	Months   []string       `json:"months"`
	Rows     []LiabilityRow `json:"rows"`
	Total    LiabilityRow   `json:"total"`
}

// LiabilityAt is the moment a liability report is for, given the moment
// asked for (zero: none) and the ledger's now: now when none is asked for,
// the moment asked for when it is now or ahead. A moment before now is
// refused: the report starts from what the ledger holds now (the lots'
// points left, the open vouchers) and moves it forward, and what it held
// earlier, before later receipts, spends and vouchers, would take the
// history of every allocation, which the report does not reconstruct. The
// refusal gives both moments in the program's time zone, as the report
// writes its moment.
func (p *Program) LiabilityAt(at, now time.Time) (time.Time, error) {
	if at.IsZero() {
		return now, nil
	}
	if at.Before(now) {
		loc := p.Location()
		return time.Time{}, Fail(EINVALID, "places.liability_past", lang.Args{"at": at.In(loc), "now": now.In(loc)})
	}
	return at, nil
}

// Liability computes what the accounts owe at t, grouped by (ByStore,
// ByCoop or ByDay): each account as it stands at t, what time records by
// then having happened, as a balance previewed at t shows it. Points belong
// to the store of the receipt that earned them, and so to its cooperative
// (coopOf gives a store's, "" for a store not recorded), and to the
// business day they were earned; a welcome bonus belongs to no store or
// cooperative but to the day it was granted, a debt to no store,
// cooperative or day. The total's Balance is
// the sum of the accounts' balances at t.
func (p *Program) Liability(accts []LiabilityAccount, t time.Time, by string, coopOf map[string]string) (Liability, error) {
	loc := p.Location()
	group := func(o LotOrigin) string {
		switch by {
		case ByCoop:
			return coopOf[o.Store]
		case ByDay:
			if o.At.IsZero() {
				return ""
			}
			return o.At.In(loc).Format(time.DateOnly)
		}
		return o.Store
	}
	switch by {
	case ByStore, ByCoop, ByDay:
	default:
		return Liability{}, Fail(EINVALID, "places.liability_by_bad", lang.Args{"by": by})
	}
	first := t.In(loc)
	first = time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, loc)
	out := Liability{At: t.UTC(), By: by, Kind: p.Kind, Currency: p.Currency, Months: make([]string, LiabilityMonths), Rows: []LiabilityRow{}}
	for i := range out.Months {
		out.Months[i] = first.AddDate(0, i, 0).Format("2006-01")
	}
	month := func(at time.Time) int {
		at = at.In(loc)
		return (at.Year()-first.Year())*12 + int(at.Month()) - int(first.Month())
	}
	rows := map[string]*LiabilityRow{}
	row := func(g string) *LiabilityRow {
		r := rows[g]
		if r == nil {
			r = &LiabilityRow{Group: g, Expiring: make([]int64, LiabilityMonths)}
			rows[g] = r
		}
		return r
	}
	for _, la := range accts {
		if !la.Account.Loaded {
			return Liability{}, errNotLoaded
		}
		a := la.Account
		a.Until = time.Time{}
		b := newBook(a, "")
		if err := b.settle(t); err != nil {
			return Liability{}, err
		}
		for _, l := range b.a.Lots {
			if l.Remaining <= 0 || l.Expired(t) {
				continue
			}
			r := row(group(la.Origins[l.ID]))
			if l.Spendable(t) {
				r.Available += l.Remaining
			} else {
				r.Pending += l.Remaining
			}
			if !l.ExpiresAt.IsZero() {
				if m := month(l.ExpiresAt); m >= 0 && m < LiabilityMonths {
					r.Expiring[m] += l.Remaining
				}
			}
		}
		for _, v := range b.a.Vouchers {
			for _, al := range v.Taken {
				row(group(la.Origins[al.Lot])).Vouchers += al.Points
			}
		}
		if b.a.Debt > 0 {
			row("").Debt += b.a.Debt
		}
	}
	out.Total = LiabilityRow{Expiring: make([]int64, LiabilityMonths)}
	for _, r := range rows {
		r.Balance = r.Available + r.Pending - r.Debt
		r.Outstanding = r.Balance + r.Vouchers
		if v, ok := p.BonusValue(r.Outstanding); ok {
			r.Value = &v
		}
		out.Rows = append(out.Rows, *r)
		tot := &out.Total
		tot.Available += r.Available
		tot.Pending += r.Pending
		tot.Debt += r.Debt
		tot.Vouchers += r.Vouchers
		for i, n := range r.Expiring {
			tot.Expiring[i] += n
		}
	}
	out.Total.Balance = out.Total.Available + out.Total.Pending - out.Total.Debt
	out.Total.Outstanding = out.Total.Balance + out.Total.Vouchers
	if v, ok := p.BonusValue(out.Total.Outstanding); ok {
		out.Total.Value = &v
	}
	// Groups in order, the one of no store, cooperative or day last.
	slices.SortFunc(out.Rows, func(x, y LiabilityRow) int {
		return cmp.Or(cmp.Compare(boolInt(x.Group == ""), boolInt(y.Group == "")), cmp.Compare(x.Group, y.Group))
	})
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Reports answers the questions of finance, changing nothing.
type Reports interface {
	// Liability is the points owed at t, grouped by ByStore, ByCoop or
	// ByDay: at the ledger's now when t is zero, or at a moment ahead; a
	// t before now is refused (Program.LiabilityAt).
	Liability(ctx context.Context, t time.Time, by string) (Liability, error)
}
