package sqlite

// rowCache keeps the cards and accounts that receipts read, between write
// transactions, so that a till's steady stream of receipts does not read
// the same cards again and again. It holds committed rows only: a
// transaction works on copies and hands them back when it commits.
//
// It is trusted only while nothing else has written the file. Every write
// adds an event, so the cache remembers the last event seq as of its own
// last commit, and a write transaction that finds another one (another
// process has written; the count lives in the file, so it holds whichever
// connection database/sql hands out) starts it afresh. Commands other than
// receipts change cards and accounts in ways the copies do not follow (a
// replacement moves family links, pooling moves cards), so every other
// write transaction drops the cache when it ends.
type rowCache struct {
	seq      int64 // the last event seq when the rows were current
	cards    map[string]cardRow
	accounts map[int64]account
}

// maxCachedCards bounds the cache; past it the cache starts again.
const maxCachedCards = 50_000

func newRowCache(seq int64) *rowCache {
	return &rowCache{seq: seq, cards: map[string]cardRow{}, accounts: map[int64]account{}}
}

// validateCache starts the cache afresh unless the log ends where it ended
// when the cache was last current: t.lastSeq is the last seq as this
// transaction found it.
func (s *Store) validateCache(t *txn) {
	if s.cache == nil || s.cache.seq != t.lastSeq {
		s.cache = newRowCache(t.lastSeq)
	}
	t.cache = s.cache
}

// cachedCard copies a cached card, and its account, into the transaction.
func (t *txn) cachedCard(number string) (*cardRow, bool) {
	cache := t.cache
	if cache == nil {
		return nil, false
	}
	c, ok := cache.cards[number]
	if !ok {
		return nil, false
	}
	a, ok := cache.accounts[c.accountID]
	if !ok {
		return nil, false
	}
	t.cards[number] = &c
	if t.accounts[a.id] == nil {
		t.accounts[a.id] = &a
	}
	return &c, true
}

// cachedAccount copies a cached account into the transaction.
func (t *txn) cachedAccount(id int64) (*account, bool) {
	if t.cache == nil {
		return nil, false
	}
	a, ok := t.cache.accounts[id]
	if !ok {
		return nil, false
	}
	t.accounts[id] = &a
	return &a, true
}

// settleCache runs when a write transaction has ended: a committed
// transaction that only posted receipts hands its rows to the cache, any
// other drops it.
func (s *Store) settleCache(t *txn, committed bool) {
	if !t.keepsCache {
		s.cache = nil
		return
	}
	if !committed || s.cache == nil {
		return
	}
	if len(s.cache.cards)+len(t.cards) > maxCachedCards {
		s.cache = newRowCache(t.lastSeq)
	}
	s.cache.seq = t.lastSeq
	for n, c := range t.cards {
		s.cache.cards[n] = *c
	}
	for id, a := range t.accounts {
		s.cache.accounts[id] = *a
	}
}
