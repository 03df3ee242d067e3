package rewards

import (
	"sort"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// Lot is the points of one accrual: how many are left, when they become
// spendable and when they expire (zero: never). Both dates are fixed when the
// lot is created, from the rules then in force.
type Lot struct {
	ID            int64     `json:"id"`
	Points        int64     `json:"points"`
	Remaining     int64     `json:"remaining"`
	AvailableFrom time.Time `json:"available_from"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// Expired reports whether the lot has expired at t.
func (l Lot) Expired(t time.Time) bool { return !l.ExpiresAt.IsZero() && !t.Before(l.ExpiresAt) }

// Spendable reports whether the lot's points may be spent at t.
func (l Lot) Spendable(t time.Time) bool { return !t.Before(l.AvailableFrom) && !l.Expired(t) }

// Allocation is how many points an entry took from (positive) or gave back to
// (negative) one lot.
type Allocation struct {
	Lot    int64 `json:"lot"`
	Points int64 `json:"points"`
}

// NewLot fixes a new lot's dates: spendable from availableFrom, expiring
// expiry.after later (never when it is not set).
func (p *Program) NewLot(points int64, availableFrom time.Time) Lot {
	l := Lot{Points: points, Remaining: points, AvailableFrom: availableFrom.UTC()}
	if after := p.Expiry.After.D(); after > 0 {
		l.ExpiresAt = l.AvailableFrom.Add(after)
	}
	return l
}

// SortBySpendOrder orders lots the way spends take from them: the soonest
// expiry first (never last), then the oldest, then the first created.
func SortBySpendOrder(lots []Lot) {
	sort.SliceStable(lots, func(a, b int) bool {
		x, y := lots[a], lots[b]
		if !x.ExpiresAt.Equal(y.ExpiresAt) {
			if x.ExpiresAt.IsZero() || y.ExpiresAt.IsZero() {
				return y.ExpiresAt.IsZero()
			}
			return x.ExpiresAt.Before(y.ExpiresAt)
		}
		if !x.AvailableFrom.Equal(y.AvailableFrom) {
			return x.AvailableFrom.Before(y.AvailableFrom)
		}
		return x.ID < y.ID
	})
}

// Allocate takes up to amount points from the lots spendable at t, soonest
// expiry first, and returns what it took from which lot and how much was
// left uncovered. lots is not modified.
func Allocate(lots []Lot, amount int64, t time.Time) (allocs []Allocation, short int64) {
	sorted := append([]Lot(nil), lots...)
	SortBySpendOrder(sorted)
	for _, l := range sorted {
		if amount == 0 {
			break
		}
		if l.Remaining <= 0 || !l.Spendable(t) {
			continue
		}
		take := min(amount, l.Remaining)
		allocs = append(allocs, Allocation{Lot: l.ID, Points: take})
		amount -= take
	}
	return allocs, amount
}

// MaxBalance is the most points an account may hold, and the most it may
// owe: 10^15, as much as the largest receipt can earn under the most
// generous program. Balances are sums of lots and entries without end; a
// store adds to one only through AddPoints, so that no sum of an account's
// lots or entries can leave int64 (9.2 × 10^18) however long it lives.
const MaxBalance = 1_000_000_000_000_000

// AddPoints returns balance + points for the account of card, or an
// EREFUSED error, fit to be read to the customer, when the sum would take
// the balance past MaxBalance (or below -MaxBalance). A change that brings a
// balance beyond the limit back towards zero is always allowed, so a
// balance recorded before the limit existed can still be spent.
func AddPoints(card string, balance, points int64) (int64, error) {
	sum, overflow := balance+points, false
	if points > 0 {
		overflow = sum < balance || sum > MaxBalance
	} else if points < 0 {
		overflow = sum > balance || sum < -MaxBalance
	}
	if !overflow {
		return sum, nil
	}
	if points > 0 {
		return balance, Fail(EREFUSED, "balance.too_high", lang.Args{"card": card, "max": int64(MaxBalance), "balance": balance, "points": points})
	}
	return balance, Fail(EREFUSED, "balance.too_low", lang.Args{"card": card, "max": int64(MaxBalance), "balance": balance, "points": -points})
}

// Balance is what a card holds at a moment.
type Balance struct {
	Card       string          `json:"card"`
	Status     string          `json:"status"`
	ActiveFrom *time.Time      `json:"active_from"`
	Available  int64           `json:"available"`
	Pending    []PendingPoints `json:"pending"`
	Expiring   []ExpiringLots  `json:"expiring"`
	AsOf       time.Time       `json:"as_of"`
}

// PendingPoints are points that become spendable at AvailableFrom.
type PendingPoints struct {
	Points        int64     `json:"points"`
	AvailableFrom time.Time `json:"available_from"`
}

// ExpiringLots are points held that expire at ExpiresAt.
type ExpiringLots struct {
	Points    int64     `json:"points"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ComputeBalance derives the available, pending and expiring points at t
// from an account's lots and the debt a return left on it.
func ComputeBalance(lots []Lot, debt int64, t time.Time) (available int64, pending []PendingPoints, expiring []ExpiringLots) {
	pendingBy := map[time.Time]int64{}
	expiringBy := map[time.Time]int64{}
	for _, l := range lots {
		if l.Remaining <= 0 || l.Expired(t) {
			continue
		}
		// Group by instant: the same moment in another zone (or with a
		// monotonic reading) is a different map key unless normalised.
		if l.Spendable(t) {
			available += l.Remaining
		} else {
			pendingBy[l.AvailableFrom.UTC()] += l.Remaining
		}
		if !l.ExpiresAt.IsZero() {
			expiringBy[l.ExpiresAt.UTC()] += l.Remaining
		}
	}
	pending = []PendingPoints{}
	for at, p := range pendingBy {
		pending = append(pending, PendingPoints{Points: p, AvailableFrom: at})
	}
	sort.Slice(pending, func(a, b int) bool { return pending[a].AvailableFrom.Before(pending[b].AvailableFrom) })
	expiring = []ExpiringLots{}
	for at, p := range expiringBy {
		expiring = append(expiring, ExpiringLots{Points: p, ExpiresAt: at})
	}
	sort.Slice(expiring, func(a, b int) bool { return expiring[a].ExpiresAt.Before(expiring[b].ExpiresAt) })
	return available - debt, pending, expiring
}

// HistoryEntry is one line of a card's history.
type HistoryEntry struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Points int64     `json:"points"`
	Card   string    `json:"card"`
	Ref    string    `json:"ref,omitempty"`
	// Store is the store of the receipt or the voucher the entry comes
	// from, when it names one.
	Store string `json:"store,omitempty"`
}

// Entry kinds in the ledger and in history.
const (
	EntryEarn        = "earn"         // points earned by a receipt
	EntryWelcome     = "welcome"      // the welcome bonus
	EntrySpend       = "spend"        // bonuses paid at a till
	EntryRedeem      = "redeem"       // points exchanged for a voucher
	EntryVoucherBack = "voucher-back" // a cancelled or lapsed voucher's points back
	EntryExpire      = "expire"       // points expired
	EntryReturn      = "return"       // earned points taken back by a return
	EntryRefund      = "refund"       // spent bonuses given back by a return
	EntryMoveOut     = "move-out"     // points pooled away to a holder's account
	EntryMoveIn      = "move-in"      // points pooled in from a family card
)
