package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A write that panics (a fault an HTTP server recovers from) leaves the
// store writing: the next write commits rather than waiting for ever.
func TestWriteAfterAPanic(t *testing.T) {
	s := NewStore(filepath.Join(t.TempDir(), "ledger.db"))
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the write did not panic")
			}
		}()
		s.write(context.Background(), func(t *txn) error { panic("a fault") })
	}()
	done := make(chan error, 1)
	go func() {
		done <- s.write(context.Background(), func(t *txn) error {
			_, err := t.tx.ExecContext(t.ctx, `INSERT INTO accounts DEFAULT VALUES`)
			return err
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the write after a panic: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the write after a panic waits for ever")
	}
}
