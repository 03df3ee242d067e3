package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// account is an accounts row as a transaction holds it.
type account struct {
	id            int64
	phone         sql.NullString
	name          string
	memberSince   sql.NullInt64
	welcomeAt     sql.NullInt64
	debt          int64
	purchaseTotal int64 // purchases that earned no lot, and totals pooled in; see purchaseTotal
	sweepAt       int64 // 0: nothing to sweep
	dirty         bool
}

func (a *account) memberAt(t time.Time) bool {
	return a.memberSince.Valid && a.memberSince.Int64 <= ms(t)
}

// cardRow is a cards row.
type cardRow struct {
	number     string
	accountID  int64
	issuedAt   int64
	handedAt   sql.NullInt64
	activeFrom sql.NullInt64
	blockedAt  sql.NullInt64
	replacedBy sql.NullString
	holder     sql.NullString
	pooled     bool
}

func (c *cardRow) status(t time.Time) string {
	return rewards.CardStatus(c.blockedAt.Valid && c.blockedAt.Int64 <= ms(t), c.replacedBy.String, timePtr(c.activeFrom), t)
}

// The columns a cardRow and an account are read from, and where to.
const (
	cardCols    = `c.number, c.account_id, c.issued_at, c.handed_at, c.active_from, c.blocked_at, c.replaced_by, c.holder, c.pooled`
	accountCols = `a.id, a.phone, a.name, a.member_since, a.welcome_at, a.debt, a.purchase_total, a.sweep_at`
)

func (c *cardRow) fields() []any {
	return []any{&c.number, &c.accountID, &c.issuedAt, &c.handedAt, &c.activeFrom, &c.blockedAt, &c.replacedBy, &c.holder, &c.pooled}
}

// fields lists where accountCols go; sweep is NULL for nothing to sweep.
func (a *account) fields(sweep *sql.NullInt64) []any {
	return []any{&a.id, &a.phone, &a.name, &a.memberSince, &a.welcomeAt, &a.debt, &a.purchaseTotal, sweep}
}

func (t *txn) card(number string) (*cardRow, error) {
	if c := t.cards[number]; c != nil {
		return c, nil
	}
	if c, ok := t.cachedCard(number); ok {
		return c, nil
	}
	c := &cardRow{}
	err := t.tx.QueryRowContext(t.ctx, `SELECT `+cardCols+` FROM cards c WHERE c.number = ?`, number).Scan(c.fields()...)
	if errors.Is(err, sql.ErrNoRows) {
		if verr := rewards.ValidateCardNumber(number); verr != nil {
			return nil, verr
		}
		return nil, rewards.Errorf(rewards.ENOTFOUND, "card %s is not known", number)
	} else if err != nil {
		return nil, fmt.Errorf("look up card: %w", err)
	}
	t.cards[number] = c
	return c, nil
}

// prefetchCards reads the cards of a batch and their accounts in a few
// queries.
func (t *txn) prefetchCards(numbers []string) error {
	missing := numbers[:0:0]
	for _, n := range numbers {
		if t.cards[n] == nil {
			if _, ok := t.cachedCard(n); !ok {
				missing = append(missing, n)
			}
		}
	}
	return inChunks(missing, func(chunk []any, marks string) error {
		rows, err := t.tx.QueryContext(t.ctx, `SELECT `+cardCols+`, `+accountCols+`
			FROM cards c JOIN accounts a ON a.id = c.account_id WHERE c.number IN (`+marks+`)`, chunk...)
		if err != nil {
			return fmt.Errorf("look up cards: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, a := &cardRow{}, &account{}
			var sweep sql.NullInt64
			if err := rows.Scan(append(c.fields(), a.fields(&sweep)...)...); err != nil {
				return fmt.Errorf("look up cards: %w", err)
			}
			a.sweepAt = sweep.Int64
			t.cards[c.number] = c
			if t.accounts[a.id] == nil {
				t.accounts[a.id] = a
			}
		}
		return rows.Err()
	})
}

func (t *txn) saveCard(c *cardRow) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO cards (number, account_id, issued_at, handed_at, active_from, blocked_at, replaced_by, holder, pooled)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (number) DO UPDATE SET account_id = excluded.account_id, handed_at = excluded.handed_at,
			active_from = excluded.active_from, blocked_at = excluded.blocked_at, replaced_by = excluded.replaced_by,
			holder = excluded.holder, pooled = excluded.pooled`,
		c.number, c.accountID, c.issuedAt, c.handedAt, c.activeFrom, c.blockedAt, c.replacedBy, c.holder, c.pooled)
	if err != nil {
		return fmt.Errorf("save card %s: %w", c.number, err)
	}
	t.cards[c.number] = c
	return nil
}

func (t *txn) account(id int64) (*account, error) {
	if a := t.accounts[id]; a != nil {
		return a, nil
	}
	if a, ok := t.cachedAccount(id); ok {
		return a, nil
	}
	a := &account{}
	var sweep sql.NullInt64
	err := t.tx.QueryRowContext(t.ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.id = ?`, id).Scan(a.fields(&sweep)...)
	if err != nil {
		return nil, fmt.Errorf("look up account %d: %w", id, err)
	}
	a.sweepAt = sweep.Int64
	t.accounts[id] = a
	return a, nil
}

// purchaseTotal is what an account's cards have bought: the purchases
// that earned a lot are counted on the lot, the rest on the account.
func (t *txn) purchaseTotal(a *account) (int64, error) {
	if err := t.flush(); err != nil {
		return 0, err
	}
	var onLots int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(sum(amount), 0) FROM lots WHERE account_id = ?`, a.id).Scan(&onLots); err != nil {
		return 0, fmt.Errorf("purchase total: %w", err)
	}
	return a.purchaseTotal + onLots, nil
}

func (t *txn) newAccount() (*account, error) {
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO accounts DEFAULT VALUES`)
	if err != nil {
		return nil, fmt.Errorf("new account: %w", err)
	}
	id, _ := res.LastInsertId()
	a := &account{id: id}
	t.accounts[id] = a
	return a, nil
}

// saveAccountDetails writes the fields that change rarely; the ones every
// receipt touches are written by flush.
func (t *txn) saveAccountDetails(a *account) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE accounts SET phone = ?, name = ?, member_since = ?, welcome_at = ? WHERE id = ?`,
		a.phone, a.name, a.memberSince, a.welcomeAt, a.id)
	if isUnique(err) {
		return rewards.Errorf(rewards.ECONFLICT, "phone %s is already registered to another card", a.phone.String)
	} else if err != nil {
		return fmt.Errorf("save account: %w", err)
	}
	a.dirty = true
	return nil
}

// usableCard returns an active card and the account it earns into, or the
// refusal a cashier reads aloud.
func (t *txn) usableCard(number string, at time.Time) (*cardRow, *account, error) {
	p, err := t.program()
	if err != nil {
		return nil, nil, err
	}
	c, err := t.card(number)
	if err != nil {
		return nil, nil, err
	}
	if st := c.status(at); st != rewards.CardActive {
		view := rewards.Card{Number: c.number, Status: st, ActiveFrom: timePtr(c.activeFrom), ReplacedBy: c.replacedBy.String}
		return nil, nil, rewards.RefuseInactive(view, p.Location())
	}
	a, err := t.account(c.accountID)
	return c, a, err
}

// lots reads an account's lots that hold points, after sending every
// held-back row.
func (t *txn) lots(a *account) ([]rewards.Lot, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return t.queryLots(`WHERE account_id = ? AND remaining > 0`, a.id)
}

// queryLots reads the lots a WHERE clause picks.
func (t *txn) queryLots(where string, args ...any) ([]rewards.Lot, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, points, remaining, available_from, expires_at FROM lots `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read lots: %w", err)
	}
	defer rows.Close()
	var out []rewards.Lot
	for rows.Next() {
		var l rewards.Lot
		var from int64
		var exp sql.NullInt64
		if err := rows.Scan(&l.ID, &l.Points, &l.Remaining, &from, &exp); err != nil {
			return nil, fmt.Errorf("read lots: %w", err)
		}
		l.AvailableFrom = fromMS(from)
		if exp.Valid {
			l.ExpiresAt = fromMS(exp.Int64)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// accrualKinds names the entry a lot stands for by the kind of the event
// that made it (a lot's id is its event's seq): a receipt's earnings, which
// refer to the receipt by its id (the event's key), or the welcome bonus.
var accrualKinds = map[string]string{
	rewards.EventReceipt:      rewards.EntryEarn,
	rewards.EventCardIssue:    rewards.EntryWelcome,
	rewards.EventCardRegister: rewards.EntryWelcome,
}

// addLot records an accrual: a lot, whose id is its event's seq and which
// is the accrual's ledger entry too (its kind and reference follow from the
// event's). A debt left by a return is paid back from the new lot first.
//
// amount is the purchase that earned the lot (0 for a welcome bonus): it
// counts in the account's purchase total from there.
func (t *txn) addLot(a *account, card string, ev *eventRec, l rewards.Lot, amount int64) (lotID int64) {
	if _, ok := accrualKinds[ev.kind]; !ok {
		panic("a " + ev.kind + " event made a lot: add it to accrualKinds")
	}
	lotID = ev.seq
	remaining := l.Points
	if a.debt > 0 {
		pay := min(a.debt, remaining)
		a.debt -= pay
		remaining -= pay
		a.dirty = true
	}
	var exp any
	if !l.ExpiresAt.IsZero() {
		exp = ms(l.ExpiresAt)
		if remaining > 0 {
			t.wantSweep(a, ms(l.ExpiresAt))
		}
	}
	t.insert("lots", lotID, a.id, l.Points, remaining, ms(l.AvailableFrom), exp, card, amount)
	return lotID
}

// addEntry records a ledger entry and the lots it used.
func (t *txn) addEntry(a *account, card string, ev *eventRec, kind string, points int64, ref string, at time.Time, reverses int64, allocs []rewards.Allocation) int64 {
	t.nextEntry++
	id := t.nextEntry
	var rev any
	if reverses != 0 {
		rev = reverses
	}
	t.insert("entries", id, a.id, card, ev.seq, kind, points, ms(at), ref, rev)
	for _, al := range allocs {
		t.insert("allocations", id, al.Lot, al.Points)
	}
	return id
}

// moveLots changes lots' remaining points by what allocs took (positive) or
// gave back (negative).
func (t *txn) moveLots(allocs []rewards.Allocation) error {
	if err := t.flush(); err != nil {
		return err
	}
	for _, al := range allocs {
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE lots SET remaining = remaining - ? WHERE id = ?`, al.Points, al.Lot); err != nil {
			return fmt.Errorf("update lot %d: %w", al.Lot, err)
		}
	}
	return nil
}

func (t *txn) wantSweep(a *account, at int64) {
	if a.sweepAt == 0 || at < a.sweepAt {
		a.sweepAt = at
		a.dirty = true
	}
}

// sweep records what time did to an account by at, in the order it
// happened: lots expire at their expiry, open vouchers lapse at the end of
// their validity and give their points back; points given back to a lot
// that has expired meanwhile expire at the moment they come back.
func (t *txn) sweep(a *account, card string, ev *eventRec, at time.Time) error {
	if a.sweepAt == 0 || ms(at) < a.sweepAt {
		return nil
	}
	if err := t.flush(); err != nil {
		return err
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT code, card, entry_id, valid_until FROM vouchers
		WHERE account_id = ? AND status = 'open' AND valid_until <= ? ORDER BY valid_until, code`, a.id, ms(at))
	if err != nil {
		return fmt.Errorf("sweep vouchers: %w", err)
	}
	type lapsed struct {
		code, card string
		entry      int64
		until      int64
	}
	var vs []lapsed
	for rows.Next() {
		var v lapsed
		if err := rows.Scan(&v.code, &v.card, &v.entry, &v.until); err != nil {
			rows.Close()
			return fmt.Errorf("sweep vouchers: %w", err)
		}
		vs = append(vs, v)
	}
	rows.Close()
	for _, v := range vs {
		until := fromMS(v.until)
		if err := t.expireLots(a, card, ev, until, time.Time{}); err != nil {
			return err
		}
		if err := t.giveBackVoucher(a, v.code, v.card, v.entry, ev, until, rewards.VoucherExpired); err != nil {
			return err
		}
		if err := t.expireLots(a, card, ev, until, until); err != nil {
			return err
		}
	}
	if err := t.expireLots(a, card, ev, at, time.Time{}); err != nil {
		return err
	}
	lots, err := t.lots(a)
	if err != nil {
		return err
	}
	var next int64
	for _, l := range lots {
		if !l.ExpiresAt.IsZero() && (next == 0 || ms(l.ExpiresAt) < next) {
			next = ms(l.ExpiresAt)
		}
	}
	var nextVoucher sql.NullInt64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT min(valid_until) FROM vouchers WHERE account_id = ? AND status = 'open'`, a.id).Scan(&nextVoucher); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if nextVoucher.Valid && (next == 0 || nextVoucher.Int64 < next) {
		next = nextVoucher.Int64
	}
	a.sweepAt = next
	a.dirty = true
	return nil
}

// expireLots expires what is left in the lots expired by upTo, recorded at
// their expiry, or at stamp when it is set.
func (t *txn) expireLots(a *account, card string, ev *eventRec, upTo, stamp time.Time) error {
	lots, err := t.lots(a)
	if err != nil {
		return err
	}
	rewards.SortBySpendOrder(lots)
	for _, l := range lots {
		if l.Remaining <= 0 || !l.Expired(upTo) {
			continue
		}
		when := l.ExpiresAt
		if !stamp.IsZero() {
			when = stamp
		}
		alloc := []rewards.Allocation{{Lot: l.ID, Points: l.Remaining}}
		t.addEntry(a, card, ev, rewards.EntryExpire, -l.Remaining, "", when, 0, alloc)
		if err := t.moveLots(alloc); err != nil {
			return err
		}
	}
	return nil
}

// outstanding returns what entry took from each lot and has not been given
// back yet, latest-expiring lot first: the order in which to give back.
func (t *txn) outstanding(entry int64) ([]rewards.Allocation, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT a.lot_id, sum(a.points) FROM allocations a
		JOIN entries e ON e.id = a.entry_id
		WHERE e.id = ? OR e.reverses = ?
		GROUP BY a.lot_id HAVING sum(a.points) > 0`, entry, entry)
	if err != nil {
		return nil, fmt.Errorf("read allocations: %w", err)
	}
	defer rows.Close()
	var out []rewards.Allocation
	for rows.Next() {
		var al rewards.Allocation
		if err := rows.Scan(&al.Lot, &al.Points); err != nil {
			return nil, fmt.Errorf("read allocations: %w", err)
		}
		out = append(out, al)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Spends took the soonest-expiring lots first; give back in reverse.
	lotsByID, err := t.lotsByID(out)
	if err != nil {
		return nil, err
	}
	rewards.SortBySpendOrder(lotsByID)
	order := map[int64]int{}
	for i, l := range lotsByID {
		order[l.ID] = i
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i].Lot] > order[out[j].Lot] })
	return out, nil
}

func (t *txn) lotsByID(allocs []rewards.Allocation) ([]rewards.Lot, error) {
	var out []rewards.Lot
	for _, al := range allocs {
		l, err := t.queryLots(`WHERE id = ?`, al.Lot)
		if err != nil {
			return nil, err
		} else if len(l) != 1 {
			return nil, fmt.Errorf("read lot %d: not found", al.Lot)
		}
		out = append(out, l[0])
	}
	return out, nil
}

// giveBack returns up to n points of what entry took, latest-expiring lot
// first, as a new entry of kind that reverses it. It returns how many came
// back.
func (t *txn) giveBack(a *account, card string, ev *eventRec, entry int64, n int64, kind, ref string, at time.Time) (int64, error) {
	out, err := t.outstanding(entry)
	if err != nil {
		return 0, err
	}
	var allocs []rewards.Allocation
	var total int64
	for _, al := range out {
		if n == 0 {
			break
		}
		take := min(n, al.Points)
		allocs = append(allocs, rewards.Allocation{Lot: al.Lot, Points: -take})
		n -= take
		total += take
	}
	if total == 0 {
		return 0, nil
	}
	t.addEntry(a, card, ev, kind, total, ref, at, entry, allocs)
	if err := t.moveLots(allocs); err != nil {
		return 0, err
	}
	lots, err := t.lotsByID(allocs)
	if err != nil {
		return 0, err
	}
	given := map[int64]int64{}
	for _, al := range allocs {
		given[al.Lot] = -al.Points
	}
	for _, l := range lots {
		// Points coming back pay a debt left by a return first, as an
		// accrual does; points back in a lot that has expired stay
		// expired, and pay nothing.
		if pay := min(a.debt, given[l.ID]); pay > 0 && !l.Expired(at) {
			if err := t.moveLots([]rewards.Allocation{{Lot: l.ID, Points: pay}}); err != nil {
				return 0, err
			}
			a.debt -= pay
			a.dirty = true
		}
		// A lot given back may expire later than anything held so far,
		// or may already have expired: either way the next sweep must
		// see it.
		if !l.ExpiresAt.IsZero() {
			t.wantSweep(a, ms(l.ExpiresAt))
		}
	}
	return total, nil
}
