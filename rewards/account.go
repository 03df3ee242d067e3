package rewards

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Account is one account's holdings as a store loads them for the rules:
// its lots with points left (and every lot that an open voucher or a spend
// being given back took from), the debt a return left, and its open
// vouchers. Due is when time next has something to record (the soonest
// expiry or lapse), as the store last wrote it.
//
// A store need not load the lots and vouchers of an account whose Due has
// not come when the command spends nothing (a plain receipt): Loaded says
// whether it did.
type Account struct {
	Lots     []Lot
	Debt     int64
	Vouchers []HeldVoucher
	Due      time.Time
	Loaded   bool
	// Held is what the account's lots hold, pending points included: the
	// store reads it with the account, loaded or not, so that an accrual
	// past MaxBalance is refused.
	Held int64
	// Until is the ledger host's clock when a command writes: time
	// records nothing later, however far ahead the command is dated (zero:
	// no limit, for a preview).
	Until time.Time
}

// HeldVoucher is an open voucher as its account holds it: what it took from
// each lot and has not given back.
type HeldVoucher struct {
	Code       string
	Card       string
	Reward     string
	Points     int64
	ValidUntil time.Time
	Entry      int64        // the redeem entry
	Taken      []Allocation // outstanding, per lot
}

// Entry is a movement of points other than an accrual (an accrual is its
// lot): a spend, a redemption, an expiry, a return, points given back.
type Entry struct {
	Card     string
	Kind     string
	Points   int64
	At       time.Time
	Ref      string
	Reverses int64 // the entry whose points this one gives back; 0: none
	Allocs   []Allocation
}

// VoucherClose is a voucher closed by a command, or by time.
type VoucherClose struct {
	Code   string
	Reward string
	Status string
	At     time.Time
}

// Effects is what a command, or time, does to one account: what a store
// writes, in one transaction with the command's event.
type Effects struct {
	Entries []Entry        // new entries, in the order they happened
	Lots    []Lot          // lots whose Remaining changed, as they are after
	NewLot  *Lot           // an accrual; its id is its event's, which the store knows
	Voucher *HeldVoucher   // a voucher made; its Entry is the redemption, the last of Entries
	Closed  []VoucherClose // vouchers claimed, cancelled or lapsed
	Debt    int64          // the account's debt after
	Held    int64          // what the account's lots hold after
	Due     time.Time      // when time next has something to record; zero: never
	// Purchase is what the command adds to the account's purchase total,
	// in minor units (a receipt's lines).
	Purchase int64
}

// Due reports whether time has something to record on the account at t.
func (a Account) due(t time.Time) bool { return !a.Due.IsZero() && !t.Before(a.Due) }

// NeedsHoldings reports whether a command at t must see the account's lots
// and vouchers: when it spends points, or when time has something to record.
func (a Account) NeedsHoldings(t time.Time, spends bool) bool { return spends || a.due(t) }

// book is an account being changed by one command: a copy of its holdings
// and what has been done to them.
type book struct {
	a       Account
	card    string
	eff     Effects
	changed map[int64]bool
}

func newBook(a Account, card string) *book {
	b := &book{a: a, card: card, changed: map[int64]bool{}}
	b.a.Lots = slices.Clone(a.Lots)
	b.a.Vouchers = slices.Clone(a.Vouchers)
	return b
}

func (b *book) lot(id int64) *Lot {
	for i := range b.a.Lots {
		if b.a.Lots[i].ID == id {
			return &b.a.Lots[i]
		}
	}
	return nil
}

// move changes lots' remaining points by what allocs took (positive) or
// gave back (negative).
func (b *book) move(allocs []Allocation) error {
	for _, al := range allocs {
		l := b.lot(al.Lot)
		if l == nil {
			return fmt.Errorf("lot %d is not among the account's holdings", al.Lot)
		}
		l.Remaining -= al.Points
		if l.Remaining < 0 || l.Remaining > l.Points {
			return fmt.Errorf("lot %d would hold %d of its %d points", l.ID, l.Remaining, l.Points)
		}
		b.changed[l.ID] = true
	}
	return nil
}

func (b *book) entry(e Entry) error {
	if e.Card == "" {
		e.Card = b.card
	}
	b.eff.Entries = append(b.eff.Entries, e)
	return b.move(e.Allocs)
}

// settle records what time did to the account by t, in the order it
// happened: lots expire at their expiry; open vouchers lapse at the end of
// their validity and give their points back (paying a debt first); points
// given back to a lot that expired meanwhile expire at the moment they
// come back.
func (b *book) settle(t time.Time) error {
	if !b.a.Until.IsZero() && t.After(b.a.Until) {
		t = b.a.Until
	}
	if !b.a.Loaded {
		if b.a.due(t) {
			return fmt.Errorf("the account's holdings are due at %s and were not loaded", b.a.Due.Format(time.RFC3339))
		}
		return nil
	}
	var lapsed []HeldVoucher
	for _, v := range b.a.Vouchers {
		if !t.Before(v.ValidUntil) {
			lapsed = append(lapsed, v)
		}
	}
	slices.SortFunc(lapsed, func(x, y HeldVoucher) int {
		return cmp.Or(x.ValidUntil.Compare(y.ValidUntil), cmp.Compare(x.Code, y.Code))
	})
	for _, v := range lapsed {
		if err := b.expire(v.ValidUntil, time.Time{}); err != nil {
			return err
		}
		if err := b.closeVoucher(v, VoucherExpired, v.ValidUntil); err != nil {
			return err
		}
		if err := b.expire(v.ValidUntil, v.ValidUntil); err != nil {
			return err
		}
	}
	return b.expire(t, time.Time{})
}

// expire expires what is left in the lots expired by upTo, recorded at
// their expiry, or at stamp when it is set.
func (b *book) expire(upTo, stamp time.Time) error {
	lots := slices.Clone(b.a.Lots)
	SortBySpendOrder(lots)
	for _, l := range lots {
		if l.Remaining <= 0 || !l.Expired(upTo) {
			continue
		}
		at := l.ExpiresAt
		if !stamp.IsZero() {
			at = stamp
		}
		err := b.entry(Entry{Kind: EntryExpire, Points: -l.Remaining, At: at, Allocs: []Allocation{{Lot: l.ID, Points: l.Remaining}}})
		if err != nil {
			return err
		}
	}
	return nil
}

// closeVoucher closes an open voucher as cancelled or expired and gives
// its points back to the lots they came from.
func (b *book) closeVoucher(v HeldVoucher, status string, at time.Time) error {
	b.a.Vouchers = slices.DeleteFunc(b.a.Vouchers, func(o HeldVoucher) bool { return o.Code == v.Code })
	b.eff.Closed = append(b.eff.Closed, VoucherClose{Code: v.Code, Reward: v.Reward, Status: status, At: at})
	_, err := b.giveBack(v.Taken, v.Points, EntryVoucherBack, v.Code, at, v.Entry)
	return err
}

// giveBack returns up to n of the points an entry took (taken: what it
// took from each lot and has not given back), latest-expiring lot first,
// as a new entry of kind that reverses it, and returns how many came back.
// Points coming back pay a debt first, as an accrual does; points back in a
// lot that has expired stay expired, and pay nothing.
func (b *book) giveBack(taken []Allocation, n int64, kind, ref string, at time.Time, reverses int64) (int64, error) {
	order := make([]Lot, 0, len(taken))
	for _, al := range taken {
		l := b.lot(al.Lot)
		if l == nil {
			return 0, fmt.Errorf("lot %d is not among the account's holdings", al.Lot)
		}
		order = append(order, *l)
	}
	SortBySpendOrder(order)
	outstanding := map[int64]int64{}
	for _, al := range taken {
		outstanding[al.Lot] += al.Points
	}
	var allocs []Allocation
	var total int64
	for i := len(order) - 1; i >= 0 && n > 0; i-- {
		take := min(n, outstanding[order[i].ID])
		if take <= 0 {
			continue
		}
		allocs = append(allocs, Allocation{Lot: order[i].ID, Points: -take})
		n -= take
		total += take
	}
	if total == 0 {
		return 0, nil
	}
	if err := b.entry(Entry{Kind: kind, Points: total, At: at, Ref: ref, Reverses: reverses, Allocs: allocs}); err != nil {
		return 0, err
	}
	for _, al := range allocs {
		l := b.lot(al.Lot)
		if pay := min(b.a.Debt, -al.Points); pay > 0 && !l.Expired(at) {
			l.Remaining -= pay
			b.a.Debt -= pay
		}
	}
	return total, nil
}

// takeBack takes n points back for a return: from the lot first when it
// is still pending at t, then from the points spendable at t, soonest
// expiry first; what is missing becomes a debt that later accruals and
// points given back pay first.
func (b *book) takeBack(n int64, own int64, ref string, t time.Time) error {
	var allocs []Allocation
	left := n
	if l := b.lot(own); l != nil && t.Before(l.AvailableFrom) {
		take := min(left, l.Remaining)
		allocs = append(allocs, Allocation{Lot: l.ID, Points: take})
		left -= take
	}
	if left > 0 {
		// The pending lot is not spendable at t: Allocate passes it by.
		more, short := Allocate(b.a.Lots, left, t)
		allocs = mergeAllocations(append(allocs, more...))
		left = short
	}
	if err := b.entry(Entry{Kind: EntryReturn, Points: -n, At: t, Ref: ref, Allocs: allocs}); err != nil {
		return err
	}
	b.a.Debt += left
	return nil
}

// accrue adds an accrual's lot, which pays a debt first; one that would
// take the balance past MaxBalance is refused.
func (b *book) accrue(l Lot) error {
	if _, err := AddPoints(b.card, b.held()-b.a.Debt, l.Points); err != nil {
		return err
	}
	pay := min(b.a.Debt, l.Remaining)
	l.Remaining -= pay
	b.a.Debt -= pay
	b.eff.NewLot = &l
	return nil
}

// held is what the account's lots hold now.
func (b *book) held() int64 {
	if !b.a.Loaded {
		return b.a.Held
	}
	var n int64
	for _, l := range b.a.Lots {
		n += l.Remaining
	}
	return n
}

// available is what the account may spend at t.
func (b *book) available(t time.Time) int64 {
	n, _, _ := ComputeBalance(b.a.Lots, b.a.Debt, t)
	return n
}

// effects finishes the command: the lots it changed, the debt, and when
// time next has something to record.
func (b *book) effects() Effects {
	eff := b.eff
	eff.Debt, eff.Held = b.a.Debt, b.held()
	if eff.NewLot != nil {
		eff.Held += eff.NewLot.Remaining
	}
	for _, l := range b.a.Lots {
		if b.changed[l.ID] {
			eff.Lots = append(eff.Lots, l)
		}
	}
	next := func(t time.Time) {
		if !t.IsZero() && (eff.Due.IsZero() || t.Before(eff.Due)) {
			eff.Due = t
		}
	}
	if b.a.Loaded {
		for _, l := range b.a.Lots {
			if l.Remaining > 0 {
				next(l.ExpiresAt)
			}
		}
		for _, v := range b.a.Vouchers {
			next(v.ValidUntil)
		}
	} else {
		next(b.a.Due)
	}
	if l := eff.NewLot; l != nil && l.Remaining > 0 {
		next(l.ExpiresAt)
	}
	if v := eff.Voucher; v != nil {
		next(v.ValidUntil)
	}
	return eff
}

// mergeAllocations sums allocations of the same lot, keeping first-seen
// order, and drops empty ones.
func mergeAllocations(in []Allocation) []Allocation {
	var out []Allocation
	idx := map[int64]int{}
	for _, al := range in {
		if al.Points == 0 {
			continue
		}
		if i, ok := idx[al.Lot]; ok {
			out[i].Points += al.Points
			continue
		}
		idx[al.Lot] = len(out)
		out = append(out, al)
	}
	return out
}

// Settle records what time has done to an account by t: the lots expired
// and the vouchers lapsed (their points back, paying a debt first), in the
// order it happened, each entry on card.
func Settle(a Account, card string, t time.Time) (Effects, error) {
	b := newBook(a, card)
	if err := b.settle(t); err != nil {
		return Effects{}, err
	}
	return b.effects(), nil
}

// Holdings is what an account holds at t, which may be in the future: what
// Settle would record by then has happened, so a preview shows what the
// ledger will record.
func Holdings(a Account, t time.Time) (available int64, pending []PendingPoints, expiring []ExpiringLots, err error) {
	b := newBook(a, "")
	if err := b.settle(t); err != nil {
		return 0, nil, nil, err
	}
	available, pending, expiring = ComputeBalance(b.a.Lots, b.a.Debt, t)
	return available, pending, expiring, nil
}

// Welcome is the welcome bonus granted to an account at t, as a lot that
// pays a debt first; ok is false where the program grants none.
func (p *Program) Welcome(a Account, card string, t time.Time) (eff Effects, ok bool, err error) {
	lot, ok := p.WelcomeLot(t)
	if !ok {
		return Effects{}, false, nil
	}
	b := newBook(a, card)
	if err := b.accrue(lot); err != nil {
		return Effects{}, false, err
	}
	return b.effects(), true, nil
}

// Pool is what pooling a family card's account into its holder's does:
// the lots, entries and vouchers move as they are, a pair of entries shows
// what moved in both cards' histories, and the debt and what time has to
// record come along. from must be loaded.
func Pool(from, to Account, famCard, holderCard string, t time.Time) (out, in Effects, err error) {
	if !from.Loaded {
		return out, in, errNotLoaded
	}
	var held int64
	for _, l := range from.Lots {
		held += l.Remaining
	}
	net := held - from.Debt
	if _, err := AddPoints(holderCard, to.Held-to.Debt, net); err != nil {
		return out, in, err
	}
	if net != 0 {
		out.Entries = []Entry{{Card: famCard, Kind: EntryMoveOut, Points: -net, At: t, Ref: holderCard}}
		in.Entries = []Entry{{Card: holderCard, Kind: EntryMoveIn, Points: net, At: t, Ref: famCard}}
	}
	in.Debt, in.Held = to.Debt+from.Debt, to.Held+held
	in.Due = to.Due
	if !from.Due.IsZero() && (in.Due.IsZero() || from.Due.Before(in.Due)) {
		in.Due = from.Due
	}
	return out, in, nil
}
