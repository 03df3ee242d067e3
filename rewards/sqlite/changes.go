package sqlite

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The change feed (rewards.SyncSource's Changes): what each event of the
// log did, as the rows it touched stand now, for kiosks' replicas. A page
// is read in one read transaction, a consistent snapshot. Its cursor is
// "SEQ.ENTRY": the last event given and the last entry given. An entry's id
// grows with its event's seq (one writer numbers both, and the ids of a
// rolled-back write are numbered again by later events), so the entries of
// the events after SEQ are the entries after ENTRY, read in id order until
// one of a later event; the lots they made are those numbered by their
// seqs. Nothing is scanned per event, and nothing is written to find it:
// receipts pay nothing for the feed.

// keptEntries is how many of an account's latest entries a replica holds.
const keptEntries = 50

// feedCursor is a position in the change feed.
type feedCursor struct{ seq, entry int64 }

// parseCursor reads a cursor; "" is the start of the log.
func parseCursor(c string) (feedCursor, error) {
	if c == "" {
		return feedCursor{}, nil
	}
	seq, entry, ok := strings.Cut(c, ".")
	s, err1 := strconv.ParseInt(seq, 10, 64)
	e, err2 := strconv.ParseInt(entry, 10, 64)
	if !ok || err1 != nil || err2 != nil || s < 0 || e < 0 {
		return feedCursor{}, rewards.Fail(rewards.EINVALID, "sync_feed.cursor_bad", lang.Args{"cursor": c})
	}
	return feedCursor{s, e}, nil
}

func (c feedCursor) String() string { return fmt.Sprintf("%d.%d", c.seq, c.entry) }

// defaultFeedLimit is how many changes a page holds when the reader names
// no limit.
const defaultFeedLimit = 1000

// Changes returns up to limit changes after the cursor within the scope:
// one change per event, in the log's order, each with the rows its
// event touched as they stand now (rewards.Change). The staff of the
// scope come whole when their digest differs from staffDigest.
func (s *Store) Changes(ctx context.Context, scope rewards.SyncScope, cursor string, limit int, staffDigest string) (rewards.SyncChanges, error) {
	if s.replica {
		return rewards.SyncChanges{}, errServerOnly()
	}
	out := rewards.SyncChanges{Changes: []rewards.Change{}, Next: cursor}
	cur, err := parseCursor(cursor)
	if err != nil {
		return out, err
	}
	if limit <= 0 {
		limit = defaultFeedLimit
	}
	err = s.read(ctx, func(t *txn) error {
		f := &feed{t: t}
		var err error
		if f.scope, err = t.syncScope(scope); err != nil {
			return err
		}
		evs, err := f.events(cur.seq, limit+1)
		if err != nil {
			return err
		}
		if len(evs) > limit {
			out.More, evs = true, evs[:limit]
		}
		if len(evs) > 0 {
			next, err := f.page(cur, evs)
			if err != nil {
				return err
			}
			out.Changes, out.Next = f.changes, next.String()
		}
		staff, digest, err := t.scopeStaff(f.scope)
		if err != nil {
			return err
		}
		if out.StaffDigest = digest; digest != staffDigest {
			out.Staff = staff
		}
		return t.queryRow(`SELECT count(*) FROM conflicts WHERE resolved_at IS NULL`).Scan(&out.Conflicts)
	})
	if err != nil {
		return rewards.SyncChanges{}, err
	}
	return out, nil
}

// Resync gives the accounts of the cards as they stand now, whole, in one
// change of kind rewards.SyncResync; the cards the ledger does not hold
// are Gone.
func (s *Store) Resync(ctx context.Context, scope rewards.SyncScope, cards []string) (rewards.Change, error) {
	if s.replica {
		return rewards.Change{}, errServerOnly()
	}
	var out rewards.Change
	err := s.read(ctx, func(t *txn) error {
		f := &feed{t: t, rows: &pageRows{}} // an event given whole reads its own rows
		var err error
		if f.scope, err = t.syncScope(scope); err != nil {
			return err
		}
		e := &feedEvent{kind: rewards.SyncResync, whole: true}
		var gone []string
		for _, number := range cards {
			_, err := t.card(number)
			switch {
			case rewards.ErrorCode(err) == rewards.ENOTFOUND:
				gone = append(gone, number)
			case err != nil:
				return err
			default:
				e.cards = append(e.cards, number)
			}
		}
		if out, err = f.change(e); err != nil {
			return err
		}
		out.Gone = gone
		return nil
	})
	return out, err
}

// syncScope is a scope with its cooperative: a store's kiosk names its
// store, whose record names the cooperative.
func (t *txn) syncScope(sc rewards.SyncScope) (rewards.SyncScope, error) {
	if sc.Store != "" && sc.Coop == "" {
		st, err := t.store(sc.Store)
		if err != nil {
			return sc, err
		}
		if st != nil {
			sc.Coop = st.Coop
		}
	}
	return sc, nil
}

// inScope says whether a reward is on the board of the scope, as Rewards
// narrows the board to a cooperative and a store; an empty scope is the
// whole ledger's.
func inScope(sc rewards.SyncScope, r rewards.Reward) bool {
	return (sc.Coop == "" || r.Coop == sc.Coop) && (sc.Store == "" || r.Store == "" || r.Store == sc.Store)
}

// scopeStaff lists the staff who may log in at a kiosk of the scope
// (rewards.StaffLogin.Attempt: a store's staff at their store, a
// cooperative's staff at the cooperative and its stores), by number, with
// the hex SHA-256 of what a replica keeps of them. An empty scope is the
// whole ledger's.
func (t *txn) scopeStaff(sc rewards.SyncScope) ([]rewards.SyncStaff, string, error) {
	rows, err := t.query(`SELECT `+staffColumns+`, m.pin_hash, m.failures, m.locked_until`+staffFrom+`
		WHERE (? = '' AND ? = '') OR (m.store IS NOT NULL AND m.store = ?) OR (m.coop IS NOT NULL AND m.coop = ?)
		ORDER BY m.number`, sc.Store, sc.Coop, sc.Store, sc.Coop)
	if err != nil {
		return nil, "", fmt.Errorf("read the scope's staff: %w", err)
	}
	defer rows.Close()
	out := []rewards.SyncStaff{}
	h := sha256.New()
	for rows.Next() {
		var m rewards.SyncStaff
		var locked sql.NullInt64
		if m.StaffMember, _, err = scanStaff(rows, &m.PINHash, &m.Failures, &locked); err != nil {
			return nil, "", err
		}
		m.LockedUntil = nullInt(locked)
		fmt.Fprintf(h, "%q %q %q %q %q %q %q %d %d %d\n", m.Number, m.Name, m.Role, m.Store, m.Coop, m.Card, m.PINHash,
			m.Failures, locked.Int64, ms(m.CreatedAt))
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("read the scope's staff: %w", err)
	}
	return out, hex.EncodeToString(h.Sum(nil)), nil
}

// feed builds one page of the change feed.
type feed struct {
	t       *txn
	scope   rewards.SyncScope
	changes []rewards.Change
	rows    *pageRows // the rows of the page's events not given whole, read at once (readRows)
}

// pageRows are the rows a page's changes give, read with one query a
// table for the whole page rather than a few for each event: a page of
// receipts names a thousand cards, lots and accounts.
type pageRows struct {
	cards    map[string]rewards.SyncCard
	vouchers map[string]rewards.SyncVoucher
	lots     map[int64]rewards.SyncLot
	accounts map[int64]rewards.SyncAccount
}

// readRows reads the rows that the events not given whole name.
func (f *feed) readRows(evs []*feedEvent) error {
	t := f.t
	var cards, codes []string
	var lots, accounts []int64
	for _, e := range evs {
		if !e.whole {
			cards, codes, lots, accounts = append(cards, e.cards...), append(codes, e.codes...), append(lots, e.lots...), append(accounts, e.accounts...)
		}
	}
	r := &pageRows{cards: map[string]rewards.SyncCard{}, vouchers: map[string]rewards.SyncVoucher{},
		lots: map[int64]rewards.SyncLot{}, accounts: map[int64]rewards.SyncAccount{}}
	cs, err := t.syncCards(`WHERE c.number IN (SELECT DISTINCT value FROM json_each(?))`, jsonList(cards))
	if err != nil {
		return err
	}
	for _, c := range cs {
		r.cards[c.Number] = c
		accounts = append(accounts, c.Account)
	}
	vs, err := t.syncVouchers(`WHERE v.code IN (SELECT DISTINCT value FROM json_each(?))`, jsonList(codes))
	if err != nil {
		return err
	}
	for _, v := range vs {
		r.vouchers[v.Code] = v
		accounts = append(accounts, v.Account)
	}
	ls, err := t.syncLots(`WHERE l.id IN (SELECT DISTINCT value FROM json_each(?))`, jsonList(lots))
	if err != nil {
		return err
	}
	for _, l := range ls {
		r.lots[l.ID] = l
		accounts = append(accounts, l.Account)
	}
	as, err := t.syncAccounts(accounts)
	if err != nil {
		return err
	}
	for _, a := range as {
		r.accounts[a.ID] = a
	}
	f.rows = r
	return nil
}

// picked are the rows of the keys the map holds, in key order, each once.
func picked[K cmp.Ordered, V any](m map[K]V, keys []K) []V {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var out []V
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out = append(out, v)
		}
	}
	return out
}

// fromPage is the rows of the keys an event names: those of the page's
// rows m, read for every event not given whole; an event given whole
// reads its own.
func fromPage[K cmp.Ordered, V any](e *feedEvent, m map[K]V, keys []K, read func() ([]V, error)) ([]V, error) {
	if e.whole {
		return read()
	}
	return picked(m, keys), nil
}

// cardsOf, vouchersOf, lotsOf and accountsOf are the rows an event names
// (fromPage).
func (f *feed) cardsOf(e *feedEvent) ([]rewards.SyncCard, error) {
	return fromPage(e, f.rows.cards, e.cards, func() ([]rewards.SyncCard, error) {
		return f.t.syncCards(`WHERE c.number IN (SELECT value FROM json_each(?))`, jsonList(e.cards))
	})
}

func (f *feed) vouchersOf(e *feedEvent) ([]rewards.SyncVoucher, error) {
	return fromPage(e, f.rows.vouchers, e.codes, func() ([]rewards.SyncVoucher, error) {
		return f.t.syncVouchers(`WHERE v.code IN (SELECT value FROM json_each(?))`, jsonList(e.codes))
	})
}

func (f *feed) lotsOf(e *feedEvent, ids []int64) ([]rewards.SyncLot, error) {
	return fromPage(e, f.rows.lots, ids, func() ([]rewards.SyncLot, error) {
		return f.t.syncLots(`WHERE l.id IN (SELECT value FROM json_each(?))`, jsonList(ids))
	})
}

func (f *feed) accountsOf(e *feedEvent, ids []int64) ([]rewards.SyncAccount, error) {
	return fromPage(e, f.rows.accounts, ids, func() ([]rewards.SyncAccount, error) { return f.t.syncAccounts(ids) })
}

// feedEvent is an event of a page and what it touched.
type feedEvent struct {
	seq              int64
	id, kind, key    string
	body, result     []byte
	cards, codes     []string
	accounts, lots   []int64
	entries          []rewards.SyncEntry
	whole            bool
	rewards, removed []string
	stores, coops    []string
	program          int
}

// events reads up to limit events after seq.
func (f *feed) events(after int64, limit int) ([]*feedEvent, error) {
	rows, err := f.t.query(`SELECT seq, coalesce(id, ''), kind, key, body, result FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []*feedEvent
	for rows.Next() {
		e := &feedEvent{}
		if err := rows.Scan(&e.seq, &e.id, &e.kind, &e.key, &e.body, &e.result); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		if e.id == "" {
			e.id = rewards.EventID(e.kind, e.key) // as Events gives it
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// wholeKinds are the events that move or erase rows beyond what their own
// rows show: a link pools a family card's account into its holder's, a
// replacement moves an account to a new card and a household's links
// with it, a forget erases a given name. Their accounts are given whole.
var wholeKinds = map[string]bool{rewards.EventCardLink: true, rewards.EventCardReplace: true, rewards.EventCardForget: true}

// page makes the changes of the events evs, which follow the cursor, and
// returns the cursor after them.
func (f *feed) page(cur feedCursor, evs []*feedEvent) (feedCursor, error) {
	t := f.t
	last := evs[len(evs)-1].seq
	next := feedCursor{seq: last, entry: cur.entry}
	bySeq := make(map[int64]*feedEvent, len(evs))
	for _, e := range evs {
		bySeq[e.seq] = e
	}
	// The entries the events made, with their allocations.
	entries, err := f.t.syncEntries(`WHERE e.id > ? ORDER BY e.id`, func(e rewards.SyncEntry) bool { return e.Event <= last }, cur.entry)
	if err != nil {
		return next, err
	}
	if len(entries) > 0 {
		next.entry = entries[len(entries)-1].ID
	}
	if err := t.entryStores(entries); err != nil {
		return next, err
	}
	for _, en := range entries {
		if e := bySeq[en.Event]; e != nil {
			e.entries = append(e.entries, en)
			e.accounts = append(e.accounts, en.Account)
			for _, al := range en.Allocs {
				e.lots = append(e.lots, al[0])
			}
			if en.Kind == rewards.EntryRedeem || en.Kind == rewards.EntryVoucherBack {
				e.codes = append(e.codes, en.Ref)
			}
		}
	}
	// The lots they made: a lot's id is its event's seq.
	made, err := column[int64](t, "lots", `SELECT id FROM lots WHERE id > ? AND id <= ?`, cur.seq, last)
	if err != nil {
		return next, err
	}
	for _, id := range made {
		if e := bySeq[id]; e != nil {
			e.lots = append(e.lots, id)
		}
	}
	for _, e := range evs {
		if err := f.named(e); err != nil {
			return next, err
		}
	}
	if err := f.readRows(evs); err != nil {
		return next, err
	}
	for _, e := range evs {
		c, err := f.change(e)
		if err != nil {
			return next, err
		}
		f.changes = append(f.changes, c)
	}
	return next, nil
}

// named reads what an event's body names: cards, a voucher, a board item,
// a place, a program version.
func (f *feed) named(e *feedEvent) error {
	var b struct {
		Card      string          `json:"card"`
		Number    string          `json:"number"`
		Holder    string          `json:"holder"`
		NewNumber string          `json:"new_number"`
		Code      string          `json:"code"`
		Reward    json.RawMessage `json:"reward"`
		Store     json.RawMessage `json:"store"`
		Coop      json.RawMessage `json:"coop"`
	}
	if err := json.Unmarshal(e.body, &b); err != nil {
		return fmt.Errorf("change feed: event %d's body: %w", e.seq, err)
	}
	for _, n := range []string{b.Card, b.Number, b.Holder, b.NewNumber} {
		if n != "" {
			e.cards = append(e.cards, n)
		}
	}
	if b.Code != "" {
		e.codes = append(e.codes, b.Code)
	}
	e.whole = wholeKinds[e.kind]
	switch e.kind {
	case rewards.EventCardReplace:
		// The household's family cards follow their holder's new card.
		fam, err := column[string](f.t, "cards", `SELECT number FROM cards WHERE holder = ?`, b.NewNumber)
		if err != nil {
			return err
		}
		e.cards = append(e.cards, fam...)
	case rewards.EventRewardAdd:
		var r struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(b.Reward, &r) == nil && r.ID != "" {
			e.rewards = append(e.rewards, r.ID)
		}
	case rewards.EventRewardRemove:
		var id string
		if json.Unmarshal(b.Reward, &id) == nil && id != "" {
			e.removed = append(e.removed, id)
		}
	case rewards.EventStoreAdd:
		var st struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(b.Store, &st) == nil && st.ID != "" {
			e.stores = append(e.stores, st.ID)
		}
	case rewards.EventCoopAdd:
		var co struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(b.Coop, &co) == nil && co.ID != "" {
			e.coops = append(e.coops, co.ID)
		}
	case rewards.EventProgram:
		var res programResult
		if err := json.Unmarshal(e.result, &res); err != nil {
			return fmt.Errorf("change feed: the result of event %d: %w", e.seq, err)
		}
		e.program = res.Version
	}
	return nil
}

// change makes the change of one event from the rows it touched, as they
// stand now.
func (f *feed) change(e *feedEvent) (rewards.Change, error) {
	t := f.t
	c := rewards.Change{Seq: e.seq, Event: e.id, Kind: e.kind, Whole: e.whole, Entries: e.entries, Removed: e.removed}
	cards, err := f.cardsOf(e)
	if err != nil {
		return c, err
	}
	accounts := slices.Clone(e.accounts)
	for _, cd := range cards {
		accounts = append(accounts, cd.Account)
	}
	lots := e.lots
	var trimmed map[int64]int64
	if e.whole {
		// The accounts of the cards the event is about, given whole:
		// every account a replica replaces is one whose rows it gets.
		var whole []int64
		for _, cd := range cards {
			whole = append(whole, cd.Account)
		}
		slices.Sort(whole)
		whole = slices.Compact(whole)
		w, err := t.wholeAccounts(whole)
		if err != nil {
			return c, err
		}
		cards = append(cards, w.cards...)
		c.Entries = w.entries
		lots = append(lots, w.lots...)
		e.codes = append(e.codes, w.codes...)
		accounts = append(accounts, whole...)
		trimmed = w.trimmed
	}
	c.Cards = uniqueCards(cards)
	vouchers, err := f.vouchersOf(e)
	if err != nil {
		return c, err
	}
	c.Vouchers = vouchers
	for _, v := range vouchers {
		accounts = append(accounts, v.Account)
		// A voucher made, cancelled or lapsed takes or gives back stock.
		e.rewards = append(e.rewards, v.Reward)
	}
	if c.Lots, err = f.lotsOf(e, lots); err != nil {
		return c, err
	}
	for _, l := range c.Lots {
		accounts = append(accounts, l.Account)
	}
	if c.Accounts, err = f.accountsOf(e, accounts); err != nil {
		return c, err
	}
	for i := range c.Accounts {
		c.Accounts[i].Trimmed = trimmed[c.Accounts[i].ID]
	}
	if e.whole {
		// A page's own entries are named in page.
		if err := t.entryStores(c.Entries); err != nil {
			return c, err
		}
	}
	slices.Sort(e.rewards)
	for _, id := range slices.Compact(e.rewards) {
		r, err := t.reward(id)
		switch {
		case rewards.ErrorCode(err) == rewards.ENOTFOUND:
			// Taken off the board since: a later change says so.
		case err != nil:
			return c, err
		case inScope(f.scope, *r):
			c.Rewards = append(c.Rewards, *r)
		case e.kind == rewards.EventRewardAdd:
			c.Removed = append(c.Removed, id) // moved out of the scope
		}
	}
	for _, id := range e.stores {
		st, err := t.store(id)
		if err != nil {
			return c, err
		} else if st != nil {
			c.Stores = append(c.Stores, *st)
		}
	}
	for _, id := range e.coops {
		co, err := t.coop(id)
		if err != nil {
			return c, err
		} else if co != nil {
			c.Coops = append(c.Coops, *co)
		}
	}
	if e.program != 0 {
		if c.Program, err = t.programVersion(e.program); err != nil {
			return c, err
		}
	}
	return c, nil
}

// uniqueCards keeps the first of each card number, in number order.
func uniqueCards(cards []rewards.SyncCard) []rewards.SyncCard {
	slices.SortStableFunc(cards, func(a, b rewards.SyncCard) int { return strings.Compare(a.Number, b.Number) })
	return slices.CompactFunc(cards, func(a, b rewards.SyncCard) bool { return a.Number == b.Number })
}

// wholeRows are accounts given whole: every card, every lot, the latest
// entries (and those of open vouchers), the open vouchers and those the
// entries name, and the points of the entries left out.
type wholeRows struct {
	cards   []rewards.SyncCard
	lots    []int64
	entries []rewards.SyncEntry
	codes   []string
	trimmed map[int64]int64
}

// wholeAccounts reads accounts whole. An account's entries are found by
// its cards (every entry belongs to its card's account), as no index
// finds them by account.
func (t *txn) wholeAccounts(ids []int64) (wholeRows, error) {
	w := wholeRows{trimmed: map[int64]int64{}}
	for _, id := range ids {
		cards, err := t.syncCards(`WHERE c.account_id = ?`, id)
		if err != nil {
			return w, err
		}
		w.cards = append(w.cards, cards...)
		lots, err := column[int64](t, "lots", `SELECT id FROM lots WHERE account_id = ?`, id)
		if err != nil {
			return w, err
		}
		w.lots = append(w.lots, lots...)
		codes, err := t.textColumn("vouchers", `SELECT code FROM vouchers WHERE account_id = ? AND status = 'open'`, id)
		if err != nil {
			return w, err
		}
		w.codes = append(w.codes, codes...)
		var total int64
		if err := t.queryRow(`SELECT coalesce(sum(points), 0) FROM entries
			WHERE card IN (SELECT number FROM cards WHERE account_id = ?1) AND account_id = ?1`, id).Scan(&total); err != nil {
			return w, fmt.Errorf("read entries of account %d: %w", id, err)
		}
		entries, err := t.syncEntries(`WHERE e.card IN (SELECT number FROM cards WHERE account_id = ?1) AND e.account_id = ?1
			AND (e.id IN (SELECT id FROM entries WHERE card IN (SELECT number FROM cards WHERE account_id = ?1) AND account_id = ?1 ORDER BY id DESC LIMIT `+strconv.Itoa(keptEntries)+`)
				OR e.id IN (SELECT entry_id FROM vouchers WHERE account_id = ?1 AND status = 'open'))
			ORDER BY e.id`, nil, id)
		if err != nil {
			return w, err
		}
		for _, en := range entries {
			total -= en.Points
			if en.Kind == rewards.EntryRedeem || en.Kind == rewards.EntryVoucherBack {
				w.codes = append(w.codes, en.Ref)
			}
		}
		w.entries = append(w.entries, entries...)
		w.trimmed[id] = total
	}
	return w, nil
}

// jsonList is a list as JSON, for json_each.
func jsonList[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// nullInt is a nullable integer as a pointer.
func nullInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

// scanAll reads every row of a query with scan.
func scanAll[T any](t *txn, what, q string, scan func(rows *sql.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return out, nil
}

// syncCards reads the cards that where (on cards c) picks.
func (t *txn) syncCards(where string, args ...any) ([]rewards.SyncCard, error) {
	return scanAll(t, "cards", `SELECT `+cardCols+` FROM cards c `+where, func(rows *sql.Rows) (rewards.SyncCard, error) {
		var c cardRow
		if err := rows.Scan(c.fields()...); err != nil {
			return rewards.SyncCard{}, err
		}
		return rewards.SyncCard{Number: c.number, Account: c.accountID, IssuedAt: c.issuedAt, HandedAt: nullInt(c.handedAt),
			ActiveFrom: nullInt(c.activeFrom), BlockedAt: nullInt(c.blockedAt), ReplacedBy: c.replacedBy.String,
			Holder: c.holder.String, Pooled: c.pooled}, nil
	}, args...)
}

// syncLots reads the lots that where (on lots l) picks, with what made
// each (their events, or a replica's record of them).
func (t *txn) syncLots(where string, args ...any) ([]rewards.SyncLot, error) {
	return scanAll(t, "lots", `SELECT l.id, l.account_id, l.card, l.points, l.remaining, l.available_from, l.expires_at, l.amount,
			coalesce(ev.kind, re.kind, ''), coalesce(ev.key, re.key, ''), coalesce(ev.at, re.at, 0),
			coalesce(json_extract(CAST(ev.body AS TEXT), '$.store'), re.store, '')
		FROM lots l LEFT JOIN events ev ON ev.seq = l.id LEFT JOIN replica_events re ON re.seq = l.id `+where+` ORDER BY l.id`,
		func(rows *sql.Rows) (rewards.SyncLot, error) {
			var l rewards.SyncLot
			var exp sql.NullInt64
			err := rows.Scan(&l.ID, &l.Account, &l.Card, &l.Points, &l.Remaining, &l.AvailableFrom, &exp, &l.Amount, &l.Kind, &l.Ref, &l.At, &l.Store)
			l.ExpiresAt = nullInt(exp)
			return l, err
		}, args...)
}

// syncEntries reads the entries that where (on entries e) picks, with
// their allocations, while keep (nil: always) takes them.
func (t *txn) syncEntries(where string, keep func(rewards.SyncEntry) bool, args ...any) ([]rewards.SyncEntry, error) {
	rows, err := t.query(`SELECT e.id, e.account_id, e.card, e.event_seq, e.kind, e.points, e.at, e.ref, coalesce(e.reverses, 0)
		FROM entries e `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read entries: %w", err)
	}
	var out []rewards.SyncEntry
	for rows.Next() {
		var e rewards.SyncEntry
		if err := rows.Scan(&e.ID, &e.Account, &e.Card, &e.Event, &e.Kind, &e.Points, &e.At, &e.Ref, &e.Reverses); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read entries: %w", err)
		}
		if keep != nil && !keep(e) {
			break
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read entries: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// Allocations by entry, over the range the entries span: entries are
	// read in id order or few.
	ids := make(map[int64]int, len(out))
	lo, hi := out[0].ID, out[0].ID
	for i, e := range out {
		ids[e.ID] = i
		lo, hi = min(lo, e.ID), max(hi, e.ID)
	}
	q := `SELECT entry_id, lot_id, points FROM allocations WHERE entry_id BETWEEN ? AND ? ORDER BY entry_id, lot_id`
	args = []any{lo, hi}
	if int64(len(out)) < (hi-lo+1)/4 {
		q = `SELECT entry_id, lot_id, points FROM allocations WHERE entry_id IN (SELECT value FROM json_each(?)) ORDER BY entry_id, lot_id`
		list := make([]int64, len(out))
		for i, e := range out {
			list[i] = e.ID
		}
		args = []any{jsonList(list)}
	}
	allocs, err := scanAll(t, "allocations", q, func(rows *sql.Rows) ([3]int64, error) {
		var a [3]int64
		err := rows.Scan(&a[0], &a[1], &a[2])
		return a, err
	}, args...)
	if err != nil {
		return nil, err
	}
	for _, a := range allocs {
		if i, ok := ids[a[0]]; ok {
			out[i].Allocs = append(out[i].Allocs, [2]int64{a[1], a[2]})
		}
	}
	return out, nil
}

// entryStores names the store of each spend's and redemption's event, as
// a card's history does.
func (t *txn) entryStores(entries []rewards.SyncEntry) error {
	var seqs []int64
	for _, e := range entries {
		if e.Kind == rewards.EntrySpend || e.Kind == rewards.EntryRedeem {
			seqs = append(seqs, e.Event)
		}
	}
	if len(seqs) == 0 {
		return nil
	}
	type store struct {
		seq   int64
		store string
	}
	stores, err := scanAll(t, "events", `SELECT s.value, coalesce(json_extract(CAST(ev.body AS TEXT), '$.store'), re.store, '')
		FROM json_each(?) s LEFT JOIN events ev ON ev.seq = s.value LEFT JOIN replica_events re ON re.seq = s.value`,
		func(rows *sql.Rows) (store, error) {
			var s store
			err := rows.Scan(&s.seq, &s.store)
			return s, err
		}, jsonList(seqs))
	if err != nil {
		return err
	}
	by := map[int64]string{}
	for _, s := range stores {
		by[s.seq] = s.store
	}
	for i := range entries {
		entries[i].Store = by[entries[i].Event]
	}
	return nil
}

// syncVouchers reads the vouchers that where (on vouchers v) picks.
func (t *txn) syncVouchers(where string, args ...any) ([]rewards.SyncVoucher, error) {
	return scanAll(t, "vouchers", `SELECT v.code, v.account_id, v.card, v.reward_id, v.names, v.points, v.store, v.status,
			v.created_at, v.valid_until, v.closed_at, v.entry_id FROM vouchers v `+where+` ORDER BY v.code`,
		func(rows *sql.Rows) (rewards.SyncVoucher, error) {
			var v rewards.SyncVoucher
			var closed sql.NullInt64
			err := rows.Scan(&v.Code, &v.Account, &v.Card, &v.Reward, &v.Names, &v.Points, &v.Store, &v.Status,
				&v.CreatedAt, &v.ValidUntil, &closed, &v.Entry)
			v.ClosedAt = nullInt(closed)
			return v, err
		}, args...)
}

// syncAccounts reads the accounts with the ids, each once, with the given
// name of its customer: the only personal data a replica holds.
func (t *txn) syncAccounts(ids []int64) ([]rewards.SyncAccount, error) {
	return scanAll(t, "accounts", `SELECT a.id, a.member_since, a.welcome_at, a.debt, a.purchase_total, a.sweep_at,
			coalesce(p.id, ''), coalesce(p.given_name, '')
		FROM accounts a LEFT JOIN people p ON p.account_id = a.id
		WHERE a.id IN (SELECT DISTINCT value FROM json_each(?)) ORDER BY a.id`,
		func(rows *sql.Rows) (rewards.SyncAccount, error) {
			var a rewards.SyncAccount
			var member, welcome, sweep sql.NullInt64
			err := rows.Scan(&a.ID, &member, &welcome, &a.Debt, &a.PurchaseTotal, &sweep, &a.Person, &a.GivenName)
			a.MemberSince, a.WelcomeAt, a.SweepAt = nullInt(member), nullInt(welcome), nullInt(sweep)
			return a, err
		}, jsonList(ids))
}
