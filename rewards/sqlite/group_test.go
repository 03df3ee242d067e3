package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// Writes that arrive while a commit runs wait and commit together, once,
// each with its own answer: a refused one and one whose caller gave up
// before its turn change nothing, and the others of their group stand.
func TestGroupCommit(t *testing.T) {
	s, clk := openStore(t, "coop")
	clk.set("2026-11-02T12:00:00Z")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	var mu sync.Mutex
	var sizes []int
	s.GroupCommitted = func(n int) {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, n)
	}
	held, release := make(chan struct{}), make(chan struct{})
	first := true
	s.SetBeforeCommit(func(int) {
		if first {
			first = false
			close(held)
			<-release
		}
	})
	post := func(ctx context.Context, id, number string) error {
		_, err := s.PostReceipt(ctx, receipt(id, number, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 1000}))
		return err
	}
	errs := make([]error, 11)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); errs[0] = post(ctx, "R0", card) }()
	<-held // R0 commits alone, and holds its commit
	gone, giveUp := context.WithCancel(ctx)
	for i := 1; i <= 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i {
			case 9:
				errs[i] = post(ctx, "R9", "2900000000018") // a card not issued
			case 10:
				errs[i] = post(gone, "R10", card)
			default:
				errs[i] = post(ctx, fmt.Sprintf("R%d", i), card)
			}
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); s.Queued() < 10; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued behind the held commit, want 10", s.Queued())
		}
	}
	giveUp()
	close(release)
	wg.Wait()
	for i, err := range errs {
		switch {
		case i == 9 && rewards.ErrorCode(err) != rewards.ENOTFOUND:
			t.Errorf("R9, on a card not issued: %v", err)
		case i == 10 && !errors.Is(err, context.Canceled):
			t.Errorf("R10, given up before its turn: %v", err)
		case i < 9 && err != nil:
			t.Errorf("R%d: %v", i, err)
		}
	}
	if fmt.Sprint(sizes) != "[1 8]" {
		t.Errorf("commits of %v writes, want one alone and then 8 together", sizes)
	}
	h, err := s.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h); n != 9 {
		t.Errorf("%d entries for 9 receipts posted: %+v", n, h)
	}
	checkLedger(t, s)
}

// A backup taken while receipts are being posted is a ledger whose check
// passes and that holds every receipt committed before it, in full.
func TestBackupWhileWriting(t *testing.T) {
	s, clk := openStore(t, "coop")
	clk.set("2026-11-02T12:00:00Z")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	stop := make(chan struct{})
	posted := make(chan int, 1)
	go func() {
		n := 0
		defer func() { posted <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.PostReceipt(ctx, receipt(fmt.Sprintf("W%d", n), card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500})); err != nil {
				t.Error(err)
				return
			}
			n++
		}
	}()
	time.Sleep(50 * time.Millisecond)
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	close(stop)
	total := <-posted
	b := sqlite.NewStore(path)
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	checkLedger(t, b)
	h, err := b.History(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) == 0 || len(h) > total {
		t.Errorf("the backup holds %d receipts of the %d posted", len(h), total)
	}
	if err := s.Backup(ctx, path); rewards.ErrorCode(err) != rewards.ECONFLICT {
		t.Errorf("a backup over an existing file: %v", err)
	}
}
