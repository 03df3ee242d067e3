package sqlite

import (
	"database/sql"
	"fmt"
	"strings"
)

// A batch of receipts writes its events, lots, entries and allocations in
// multi-row INSERTs rather than one statement a row (BenchmarkIngest: the
// README gives what it buys). The rows wait in the transaction's buffers;
// any other statement of the transaction sends them first (exec, query and
// queryRow below), so that every statement sees what was written before it,
// as it would without the buffers.

// table is a table the buffers write, with its columns.
type table struct {
	name string
	cols []string
}

// The tables a batch buffers, in the order they are written: an event
// before the rows that refer to it.
var (
	eventsTable      = table{"events", []string{"seq", "id", "kind", "key", "device", "at", "body", "applied", "clock", "staff"}}
	lotsTable        = table{"lots", []string{"id", "account_id", "points", "remaining", "available_from", "expires_at", "card", "amount"}}
	entriesTable     = table{"entries", []string{"id", "account_id", "card", "event_seq", "kind", "points", "at", "ref", "reverses"}}
	allocationsTable = table{"allocations", []string{"entry_id", "lot_id", "points"}}
	bufferedTables   = []table{eventsTable, lotsTable, entriesTable, allocationsTable}
)

// maxParams is how many parameters one statement binds at most (SQLite's
// limit is 32,766).
const maxParams = 32_000

// rowBuffers holds a batch's rows until the next statement or the end of
// the batch; nil when the transaction writes each row at once.
type rowBuffers struct {
	rows      map[string][]any // a table's rows, flat
	lastEntry int64            // the last entries id: the buffered ones are numbered on from it
}

// insert writes a row of tb: into the buffers during a batch (no result
// then), else at once.
func (t *txn) insert(tb table, vals ...any) (sql.Result, error) {
	if len(vals) != len(tb.cols) {
		panic(fmt.Sprintf("insert into %s: %d values for %d columns", tb.name, len(vals), len(tb.cols)))
	}
	if t.buf != nil {
		t.buf.rows[tb.name] = append(t.buf.rows[tb.name], vals...)
		return nil, nil
	}
	return t.tx.ExecContext(t.ctx, insertSQL(tb, 1), vals...)
}

// insertSQL is an INSERT of n rows of tb.
func insertSQL(tb table, n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(tb.cols)), ", ") + ")"
	return "INSERT INTO " + tb.name + " (" + strings.Join(tb.cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// buffer starts holding rows back for a batch; the entries it adds are
// numbered on from the last one recorded.
func (t *txn) buffer() error {
	b := &rowBuffers{rows: map[string][]any{}}
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) FROM entries`).Scan(&b.lastEntry); err != nil {
		return fmt.Errorf("read the last entry: %w", err)
	}
	b.lastEntry = t.localFloor(b.lastEntry)
	t.buf = b
	return nil
}

// endBuffer writes what is held back and writes each row at once again.
func (t *txn) endBuffer() error {
	err := t.flush()
	t.buf = nil
	return err
}

// flush writes the rows held back, each table in statements of as many
// rows as the parameter limit allows.
func (t *txn) flush() error {
	if t.buf == nil {
		return nil
	}
	for _, tb := range bufferedTables {
		vals := t.buf.rows[tb.name]
		per := maxParams / len(tb.cols) * len(tb.cols)
		for len(vals) > 0 {
			n := min(per, len(vals))
			if _, err := t.tx.ExecContext(t.ctx, insertSQL(tb, n/len(tb.cols)), vals[:n]...); err != nil {
				return fmt.Errorf("write %s: %w", tb.name, err)
			}
			vals = vals[n:]
		}
		delete(t.buf.rows, tb.name)
	}
	return nil
}

// exec runs a statement of the transaction after the rows held back.
func (t *txn) exec(q string, args ...any) (sql.Result, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return t.tx.ExecContext(t.ctx, q, args...)
}

// query runs a query of the transaction after the rows held back.
func (t *txn) query(q string, args ...any) (*sql.Rows, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return t.tx.QueryContext(t.ctx, q, args...)
}

// scanner is a row to scan: a *sql.Row, or the failure to write the rows
// held back before it.
type scanner interface{ Scan(dest ...any) error }

type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

// queryRow runs a one-row query of the transaction after the rows held
// back.
func (t *txn) queryRow(q string, args ...any) scanner {
	if err := t.flush(); err != nil {
		return failedRow{err}
	}
	return t.tx.QueryRowContext(t.ctx, q, args...)
}
