package sqlite

// The writer keeps the cards and accounts that batches of receipts left,
// so that the next batch need not read them again (BenchmarkIngest: the
// README gives what it buys). It holds only what is certainly the ledger's:
//   - it is filled from a group of writes that were all receipts and all
//     committed, none rolled back to its savepoint: a receipt changes cards
//     and accounts only through the rows a transaction holds (txn.cards,
//     txn.accounts), so these are what the ledger holds after the commit;
//   - any other group of writes empties it, whatever it changed;
//   - so does any commit by another connection (another tochkad or a
//     tochkactl on the same file), which SQLite's data_version tells the
//     writer when its next transaction begins, and which a last event
//     other than the one the cache was filled after tells too (every
//     change of a card or an account is an event's).

// writeCache is what the writer knows of cards and accounts.
type writeCache struct {
	version  int64 // the writer's PRAGMA data_version as it was filled
	lastSeq  int64 // the last event as it was filled
	cards    map[string]cardRow
	accounts map[int64]account
}

// openCache checks, as a group of writes begins, that the cache still
// holds: else it starts an empty one.
func (t *txn) openCache() error {
	var v int64
	if err := t.tx.QueryRowContext(t.ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return err
	}
	if c := t.s.cache; c == nil || c.version != v || c.lastSeq != t.lastSeq {
		t.s.cache = &writeCache{version: v, lastSeq: t.lastSeq, cards: map[string]cardRow{}, accounts: map[int64]account{}}
	}
	t.cache = t.s.cache
	return nil
}

// closeCache keeps what a committed group of receipts left, or empties
// the cache after any other group (which let go of it: t.cache is nil), a
// rollback or a failed commit.
func (t *txn) closeCache(committed bool) {
	if !committed || t.cache == nil {
		t.s.cache = nil
		return
	}
	t.cache.lastSeq = t.lastSeq
	for n, c := range t.cards {
		t.cache.cards[n] = *c
	}
	for id, a := range t.accounts {
		t.cache.accounts[id] = *a
	}
}

// cachedCard is the card as the cache holds it, a copy of the
// transaction's own.
func (t *txn) cachedCard(number string) *cardRow {
	if t.cache == nil {
		return nil
	}
	return fromCache(t.cache.cards, t.cards, number)
}

// cachedAccount is the account as the cache holds it, a copy of the
// transaction's own.
func (t *txn) cachedAccount(id int64) *account {
	if t.cache == nil {
		return nil
	}
	return fromCache(t.cache.accounts, t.accounts, id)
}

// fromCache copies the row the cache holds under k into the transaction's
// rows, and returns it; nil when the cache holds none.
func fromCache[K comparable, V any](cache map[K]V, rows map[K]*V, k K) *V {
	v, ok := cache[k]
	if !ok {
		return nil
	}
	rows[k] = &v
	return &v
}
