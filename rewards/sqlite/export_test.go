package sqlite

import "database/sql"

// DB is the store's writer, for the tests and benchmarks that must look
// below the interfaces (a ledger filled in SQL, a row changed by hand).
func (s *Store) DB() *sql.DB { return s.db }
