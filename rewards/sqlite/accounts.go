package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// account is an accounts row as a transaction holds it.
type account struct {
	id            int64
	memberSince   sql.NullInt64
	welcomeAt     sql.NullInt64
	debt          int64
	purchaseTotal int64 // purchases that earned no lot, and totals pooled in; see purchaseTotal
	sweepAt       int64 // 0: nothing to sweep
	held          int64 // what its lots hold, as read
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

// view is the card as the rules see it at t.
func (c *cardRow) view(t time.Time) rewards.Card {
	return rewards.Card{Number: c.number, Status: c.status(t), IssuedAt: fromMS(c.issuedAt), HandedAt: timePtr(c.handedAt),
		ActiveFrom: timePtr(c.activeFrom), BlockedAt: timePtr(c.blockedAt), ReplacedBy: c.replacedBy.String,
		Holder: c.holder.String, Pooled: c.pooled}
}

// set takes what the rules made of the card, and reports whether it
// changed.
func (c *cardRow) set(v rewards.Card) bool {
	before := *c
	c.number, c.issuedAt, c.pooled = v.Number, ms(v.IssuedAt), v.Pooled
	c.handedAt, c.activeFrom, c.blockedAt = nullTime(v.HandedAt), nullTime(v.ActiveFrom), nullTime(v.BlockedAt)
	c.replacedBy = sql.NullString{String: v.ReplacedBy, Valid: v.ReplacedBy != ""}
	c.holder = sql.NullString{String: v.Holder, Valid: v.Holder != ""}
	return *c != before
}

func nullTime(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(*t), Valid: true}
}

// The columns a cardRow and an account are read from, and where to.
const (
	cardCols    = `c.number, c.account_id, c.issued_at, c.handed_at, c.active_from, c.blocked_at, c.replaced_by, c.holder, c.pooled`
	accountCols = `a.id, a.member_since, a.welcome_at, a.debt, a.purchase_total, a.sweep_at,
		(SELECT coalesce(sum(remaining), 0) FROM lots WHERE account_id = a.id)`
)

func (c *cardRow) fields() []any {
	return []any{&c.number, &c.accountID, &c.issuedAt, &c.handedAt, &c.activeFrom, &c.blockedAt, &c.replacedBy, &c.holder, &c.pooled}
}

// fields lists where accountCols go; sweep is NULL for nothing to sweep.
func (a *account) fields(sweep *sql.NullInt64) []any {
	return []any{&a.id, &a.memberSince, &a.welcomeAt, &a.debt, &a.purchaseTotal, sweep, &a.held}
}

func (t *txn) card(number string) (*cardRow, error) {
	if c := t.cards[number]; c != nil {
		return c, nil
	}
	if c := t.cachedCard(number); c != nil {
		return c, nil
	}
	c := &cardRow{}
	err := t.queryRow(`SELECT `+cardCols+` FROM cards c WHERE c.number = ?`, number).Scan(c.fields()...)
	if errors.Is(err, sql.ErrNoRows) {
		if verr := rewards.ValidateCardNumber(number); verr != nil {
			return nil, verr
		}
		return nil, rewards.Fail(rewards.ENOTFOUND, "card.unknown", lang.Args{"card": number})
	} else if err != nil {
		return nil, fmt.Errorf("look up card: %w", err)
	}
	t.cards[number] = c
	return c, nil
}

// prefetchCards reads the cards of a batch, and their accounts, in one
// query, so that each receipt need not look its card up; those the cache
// holds, with their accounts, are not read again.
func (t *txn) prefetchCards(numbers []string) error {
	var unknown []string
	for _, n := range numbers {
		if c := t.cachedCard(n); c == nil || t.cachedAccount(c.accountID) == nil {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	list, err := json.Marshal(unknown)
	if err != nil {
		return err
	}
	rows, err := t.query(`SELECT `+cardCols+`, `+accountCols+`
		FROM cards c JOIN accounts a ON a.id = c.account_id WHERE c.number IN (SELECT value FROM json_each(?))`, string(list))
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
		if t.cards[c.number] == nil {
			t.cards[c.number] = c
		}
		if t.accounts[a.id] == nil {
			t.accounts[a.id] = a
		}
	}
	return rows.Err()
}

func (t *txn) saveCard(c *cardRow) error {
	_, err := t.exec(`INSERT INTO cards (number, account_id, issued_at, handed_at, active_from, blocked_at, replaced_by, holder, pooled)
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
	if a := t.cachedAccount(id); a != nil {
		return a, nil
	}
	a := &account{}
	var sweep sql.NullInt64
	err := t.queryRow(`SELECT `+accountCols+` FROM accounts a WHERE a.id = ?`, id).Scan(a.fields(&sweep)...)
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
	var onLots int64
	if err := t.queryRow(`SELECT coalesce(sum(amount), 0) FROM lots WHERE account_id = ?`, a.id).Scan(&onLots); err != nil {
		return 0, fmt.Errorf("purchase total: %w", err)
	}
	return a.purchaseTotal + onLots, nil
}

func (t *txn) newAccount() (*account, error) {
	id, err := t.nextID("accounts")
	if err != nil {
		return nil, fmt.Errorf("new account: %w", err)
	}
	res, err := t.exec(`INSERT INTO accounts (id) VALUES (?)`, id)
	if err != nil {
		return nil, fmt.Errorf("new account: %w", err)
	}
	if id == nil {
		n, _ := res.LastInsertId()
		id = n
	}
	a := &account{id: id.(int64)}
	t.accounts[a.id] = a
	return a, nil
}

// saveAccountDetails writes the fields that change rarely; the debt, the
// purchase total and the next due time are written before the commit
// (saveAccounts).
func (t *txn) saveAccountDetails(a *account) error {
	_, err := t.exec(`UPDATE accounts SET member_since = ?, welcome_at = ? WHERE id = ?`,
		a.memberSince, a.welcomeAt, a.id)
	if err != nil {
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
	if c.status(at) != rewards.CardActive {
		return nil, nil, rewards.RefuseInactive(c.view(at), p.Location())
	}
	a, err := t.account(c.accountID)
	return c, a, err
}

// lots reads an account's lots that hold points, after sending every
// held-back row.
func (t *txn) lots(a *account) ([]rewards.Lot, error) {
	return t.queryLots(`WHERE account_id = ? AND remaining > 0`, a.id)
}

// queryLots reads the lots a WHERE clause picks.
func (t *txn) queryLots(where string, args ...any) ([]rewards.Lot, error) {
	rows, err := t.query(`SELECT id, points, remaining, available_from, expires_at FROM lots `+where, args...)
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

// brief is an account as the rules see it without its holdings: enough for
// a command that spends nothing while time has nothing to record.
func (t *txn) brief(a *account) rewards.Account {
	return rewards.Account{Debt: a.debt, Due: fromNullMS(a.sweepAt), Until: t.until, Held: a.held}
}

// holdingsFor loads an account's holdings when a command at t needs them.
func (t *txn) holdingsFor(a *account, at time.Time, spends bool) (rewards.Account, error) {
	if b := t.brief(a); !b.NeedsHoldings(at, spends) {
		return b, nil
	}
	return t.holdings(a)
}

// holdings loads what the rules read of an account: its lots with points
// left, its open vouchers with what each took and has not given back, and
// every lot those, or the allocations in extra, took from.
func (t *txn) holdings(a *account, extra ...rewards.Allocation) (rewards.Account, error) {
	acct := t.brief(a)
	acct.Loaded = true
	var err error
	if acct.Lots, err = t.lots(a); err != nil {
		return acct, err
	}
	rows, err := t.query(`SELECT code, card, reward_id, points, valid_until, entry_id FROM vouchers
		WHERE account_id = ? AND status = 'open'`, a.id)
	if err != nil {
		return acct, fmt.Errorf("read vouchers: %w", err)
	}
	for rows.Next() {
		var v rewards.HeldVoucher
		var until int64
		if err := rows.Scan(&v.Code, &v.Card, &v.Reward, &v.Points, &until, &v.Entry); err != nil {
			rows.Close()
			return acct, fmt.Errorf("read vouchers: %w", err)
		}
		v.ValidUntil = fromMS(until)
		acct.Vouchers = append(acct.Vouchers, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return acct, fmt.Errorf("read vouchers: %w", err)
	}
	need := extra
	for i := range acct.Vouchers {
		if acct.Vouchers[i].Taken, err = t.outstanding(acct.Vouchers[i].Entry); err != nil {
			return acct, err
		}
		need = append(need, acct.Vouchers[i].Taken...)
	}
	have := map[int64]bool{}
	for _, l := range acct.Lots {
		have[l.ID] = true
	}
	for _, al := range need {
		if have[al.Lot] {
			continue
		}
		l, err := t.queryLots(`WHERE id = ?`, al.Lot)
		if err != nil {
			return acct, err
		} else if len(l) != 1 {
			return acct, fmt.Errorf("read lot %d: not found", al.Lot)
		}
		acct.Lots = append(acct.Lots, l[0])
		have[al.Lot] = true
	}
	return acct, nil
}

// outstanding returns what entry took from each lot and has not been given
// back yet.
func (t *txn) outstanding(entry int64) ([]rewards.Allocation, error) {
	rows, err := t.query(`SELECT a.lot_id, sum(a.points) FROM allocations a
		JOIN entries e ON e.id = a.entry_id
		WHERE e.id = ? OR e.reverses = ?
		GROUP BY a.lot_id HAVING sum(a.points) > 0 ORDER BY a.lot_id`, entry, entry)
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
	return out, rows.Err()
}

// save writes what a command, or time, did to an account: its entries with
// the lots they used, the lots they changed, an accrual's lot (its id is
// the event's seq), the vouchers closed (their rewards back in stock), the
// debt and when time next has something to record. It returns the new
// entries' ids.
func (t *txn) save(a *account, card string, ev *eventRec, eff rewards.Effects) ([]int64, error) {
	if err := t.record(ev); err != nil {
		return nil, err
	}
	ids := make([]int64, len(eff.Entries))
	for i, e := range eff.Entries {
		var err error
		if ids[i], err = t.addEntry(a, e, ev); err != nil {
			return nil, err
		}
	}
	if len(eff.Lots) > 0 {
		for _, l := range eff.Lots {
			if _, err := t.exec(`UPDATE lots SET remaining = ? WHERE id = ?`, l.Remaining, l.ID); err != nil {
				return nil, fmt.Errorf("update lot %d: %w", l.ID, err)
			}
		}
	}
	if l := eff.NewLot; l != nil {
		if _, ok := accrualKinds[ev.kind]; !ok {
			panic("a " + ev.kind + " event made a lot: add it to accrualKinds")
		}
		var exp any
		if !l.ExpiresAt.IsZero() {
			exp = ms(l.ExpiresAt)
		}
		// The purchase counts in the purchase total on its lot.
		if _, err := t.insert(lotsTable, ev.seq, a.id, l.Points, l.Remaining, ms(l.AvailableFrom), exp, card, eff.Purchase); err != nil {
			return nil, fmt.Errorf("record lot: %w", err)
		}
	} else if eff.Purchase != 0 {
		a.purchaseTotal += eff.Purchase
		a.dirty = true
	}
	for _, v := range eff.Closed {
		if _, err := t.exec(`UPDATE vouchers SET status = ?, closed_at = ? WHERE code = ?`, v.Status, ms(v.At), v.Code); err != nil {
			return nil, fmt.Errorf("close voucher: %w", err)
		}
		if v.Status != rewards.VoucherClaimed {
			if err := t.restock(v.Reward); err != nil {
				return nil, err
			}
		}
	}
	a.held = eff.Held
	if due := nullableMS(eff.Due); a.debt != eff.Debt || a.sweepAt != due {
		a.debt, a.sweepAt = eff.Debt, due
		a.dirty = true
	}
	return ids, nil
}

// addEntry records a ledger entry and the lots it used. SQLite numbers an
// entry written at once; a batch numbers those it holds back itself.
func (t *txn) addEntry(a *account, e rewards.Entry, ev *eventRec) (_ int64, err error) {
	var rev any
	if e.Reverses != 0 {
		rev = e.Reverses
	}
	var id any // NULL: SQLite numbers it
	if t.buf != nil {
		t.buf.lastEntry++
		id = t.buf.lastEntry
	} else if id, err = t.nextID("entries"); err != nil {
		return 0, fmt.Errorf("record entry: %w", err)
	}
	res, err := t.insert(entriesTable, id, a.id, e.Card, ev.seq, e.Kind, e.Points, ms(e.At), e.Ref, rev)
	if err != nil {
		return 0, fmt.Errorf("record entry: %w", err)
	}
	n, numbered := id.(int64)
	if !numbered {
		if n, err = res.LastInsertId(); err != nil {
			return 0, fmt.Errorf("record entry: %w", err)
		}
	}
	for _, al := range e.Allocs {
		if _, err := t.insert(allocationsTable, n, al.Lot, al.Points); err != nil {
			return 0, fmt.Errorf("record allocation: %w", err)
		}
	}
	return n, nil
}

// settle records what time did to an account by at.
func (t *txn) settle(a *account, card string, ev *eventRec, at time.Time) error {
	if !t.brief(a).NeedsHoldings(at, false) {
		return nil
	}
	acct, err := t.holdings(a)
	if err != nil {
		return err
	}
	eff, err := rewards.Settle(acct, card, at)
	if err != nil {
		return err
	}
	_, err = t.save(a, card, ev, eff)
	return err
}

// fromNullMS reads a time kept as milliseconds where 0 means none.
func fromNullMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}

// nullableMS writes a time as milliseconds, 0 for none.
func nullableMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}
