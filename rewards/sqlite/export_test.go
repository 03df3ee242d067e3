package sqlite

import "database/sql"

// DB is the store's writer, for the tests and benchmarks that must look
// below the interfaces (a ledger filled in SQL, a row changed by hand). A
// row changed through it is the writer's own change, which no data_version
// shows: the writer's cache is emptied, as any change but a receipt's does.
func (s *Store) DB() *sql.DB {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache = nil
	return s.db
}

// SetBeforeCommit makes f run as each group commits, after its writes ran,
// told how many writes it has: a test holds a commit there to gather the
// next group behind it.
func (s *Store) SetBeforeCommit(f func(writes int)) { s.beforeCommit = f }

// Queued is how many writes wait for a commit.
func (s *Store) Queued() int {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	return len(s.queue)
}

// SetPINMatches makes logins check PINs with f instead of
// rewards.PINMatches: a test sees which hash each login checks against.
func (s *Store) SetPINMatches(f func(pin, hash string) bool) { s.pinMatches = f }

// SetCardNumbers makes the store draw new card numbers with f instead of
// rewards.NewCardNumber: a test decides what each draw finds.
func (s *Store) SetCardNumbers(f func(prefix string) string) { s.cardNumbers = f }
