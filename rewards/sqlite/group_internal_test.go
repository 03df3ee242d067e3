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
			_, err := t.exec(`INSERT INTO accounts DEFAULT VALUES`)
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

// Writes that arrive while a group's writes run join that group's commit:
// one fsync serves them all, and none waited for a timer.
func TestWritesJoinTheRunningGroup(t *testing.T) {
	s := NewStore(filepath.Join(t.TempDir(), "ledger.db"))
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sizes []int
	s.GroupCommitted = func(n int) { sizes = append(sizes, n) } // under the store's lock
	insert := func(t *txn) error {
		_, err := t.exec(`INSERT INTO accounts DEFAULT VALUES`)
		return err
	}
	running, release := make(chan struct{}), make(chan struct{})
	errs := make(chan error, 6)
	go func() {
		errs <- s.write(context.Background(), func(t *txn) error {
			close(running)
			<-release
			return insert(t)
		})
	}()
	<-running
	for range 5 {
		go func() { errs <- s.write(context.Background(), insert) }()
	}
	for deadline := time.Now().Add(10 * time.Second); s.Queued() < 5; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued behind the running one, want 5", s.Queued())
		}
	}
	close(release)
	for range 6 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(sizes) != 1 || sizes[0] != 6 {
		t.Errorf("commits of %v writes, want the 6 in one", sizes)
	}
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM accounts`).Scan(&n); err != nil || n != 6 {
		t.Errorf("%d accounts after 6 writes (%v)", n, err)
	}
}
