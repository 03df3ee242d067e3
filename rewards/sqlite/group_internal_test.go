package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
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

// groupOf makes the calls, each a write, one after the other while a
// write is held at its commit, so that they make the next group in that
// order, and returns their errors.
func groupOf(t *testing.T, s *Store, calls ...func() error) []error {
	t.Helper()
	return groupAfter(t, s, func() error { return s.write(context.Background(), func(t *txn) error { return nil }) }, calls...)
}

// groupAfter is groupOf with the held write given.
func groupAfter(t *testing.T, s *Store, lead func() error, calls ...func() error) []error {
	t.Helper()
	held, release := make(chan struct{}), make(chan struct{})
	first := true
	s.beforeCommit = func(int) {
		if first {
			first = false
			close(held)
			<-release
		}
	}
	defer func() { s.beforeCommit = nil }()
	led := make(chan error, 1)
	go func() { led <- lead() }()
	<-held
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = call()
		}()
		for deadline := time.Now().Add(10 * time.Second); s.Queued() < i+1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d writes queued, want %d", s.Queued(), i+1)
			}
		}
	}
	close(release)
	wg.Wait()
	if err := <-led; err != nil {
		t.Fatal(err)
	}
	return errs
}

func newLedger(t *testing.T) *Store {
	t.Helper()
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	s := NewStore(filepath.Join(t.TempDir(), "ledger.db"))
	s.Create = true
	s.Now = func() time.Time { return at.Add(48 * time.Hour) }
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.InstallProgram(context.Background(), rewards.ProgramInstall{Meta: rewards.Meta{At: at}, Program: rewardstest.Program(t, "bonus")}); err != nil {
		t.Fatal(err)
	}
	return s
}

// A program installed by a write of a group stays in force for the
// writes after it, also after one between them was refused.
func TestProgramKeptAfterARefusedWrite(t *testing.T) {
	s := newLedger(t)
	ctx := context.Background()
	p, err := s.Program(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p2 := *p
	p2.Earn.PositionPercent = []int64{100}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	card, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: at}, Handed: true})
	if err != nil {
		t.Fatal(err)
	}
	var earned int64
	errs := groupOf(t, s,
		func() error {
			_, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: at}, Program: &p2})
			return err
		},
		func() error {
			_, err := s.PostReceipt(ctx, rewards.Receipt{ID: "R0", Store: "s1", Card: "2900000000018", Time: at, // a card not issued
				Lines: []rewards.Line{{SKU: "a", Qty: 1, Amount: 1000}}})
			return err
		},
		func() error {
			res, err := s.PostReceipt(ctx, rewards.Receipt{ID: "R1", Store: "s1", Card: card.Number, Time: at.Add(time.Hour),
				Lines: []rewards.Line{{SKU: "a", Qty: 1, Amount: 1000, Bonus: 10}, {SKU: "b", Qty: 1, Amount: 1000, Bonus: 10}}})
			earned = res.Earned
			return err
		})
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors %v", errs)
	}
	if earned != 20 { // 10 + 10 at 100 % each under version 2; version 1 gives the second 150 %
		t.Errorf("the receipt after the refused write earned %d, want 20 under the program the group installed", earned)
	}
}

// A write of a group that panics is that write's internal error; the
// others of its group commit.
func TestPanicStaysInItsWrite(t *testing.T) {
	s := newLedger(t)
	insert := func(t *txn) error {
		_, err := t.exec(`INSERT INTO accounts DEFAULT VALUES`)
		return err
	}
	errs := groupOf(t, s, func() error { return s.write(context.Background(), insert) },
		func() error { return s.write(context.Background(), func(t *txn) error { panic("a fault") }) },
		func() error { return s.write(context.Background(), insert) })
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors %v", errs)
	}
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM accounts`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d accounts after two writes stood (%v)", n, err)
	}
}
