package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/docs/openapitest"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// Eight tills post receipts to a tochkad that is killed with SIGKILL at
// random moments and started again; each till retries what went
// unanswered with the same receipt. Every receipt answered is in the ledger
// exactly once, every retry answered as the first time, and the ledger's
// check passes.
func TestCrashes(t *testing.T) {
	const (
		tills = 8
		kills = 6
	)
	db := newLedger(t)
	issueAt := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	var card string
	{
		s := sqlite.NewStore(db)
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		c, err := s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: issueAt}, Handed: true})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		card = c.Number
	}
	// Each till is a till device of its store; the admin checks.
	stores := make([]string, tills)
	devs := make([]rewards.Device, tills, tills+1)
	for till := range tills {
		stores[till] = fmt.Sprintf("s%d", till)
		devs[till] = rewards.Device{Name: fmt.Sprintf("till-%d", till), Role: rewards.RolePOS, Store: stores[till]}
	}
	tokens := addDevices(t, db, stores, append(devs, rewards.Device{Name: "office", Role: rewards.RoleAdmin, Coop: "c1"})...)
	// One port for every start, so that the tills find the server again.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := []string{"TOCHKA_DB=sqlite:" + db, "TOCHKA_NOW=2026-11-20T10:00:00Z"}
	var mu sync.Mutex
	server := startProcess(t, env, "--listen", addr)

	// The tills post until the server has been killed kills times.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; n < kills; n++ {
			time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
			mu.Lock()
			server.cmd.Process.Kill() // SIGKILL: no chance to finish anything
			server.cmd.Wait()
			server = startProcess(t, env, "--listen", addr)
			mu.Unlock()
		}
	}()
	receipt := func(till, i int) rewards.Receipt {
		return rewards.Receipt{ID: fmt.Sprintf("T%d-%d", till, i), Store: fmt.Sprintf("s%d", till), Card: card,
			Time:  issueAt.Add(48*time.Hour + time.Duration(till*100000+i)*time.Second),
			Lines: []rewards.Line{{SKU: "bread", Qty: 1, Amount: int64(100 + 50*(i%20))}}}
	}

	hc := &http.Client{Timeout: 5 * time.Second, Transport: openapitest.Transport(t, nil)}
	var retries atomic.Int64 // answers lost to a kill, and asked again
	answers := make([][]rewards.ReceiptResult, tills)
	var wg sync.WaitGroup
	for till := range tills {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := api.NewClient("http://"+addr, hc, api.WithToken(tokens[till]))
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				r := receipt(till, i)
				for try := 0; ; try++ {
					res, err := c.PostReceipt(ctx, r)
					if err == nil {
						answers[till] = append(answers[till], res)
						break
					}
					if code := rewards.ErrorCode(err); code != rewards.EINTERNAL || try > 200 {
						t.Errorf("receipt %s: %v (try %d)", r.ID, err, try)
						return
					}
					retries.Add(1)
					time.Sleep(50 * time.Millisecond) // the server is down: try again
				}
			}
		}()
	}
	wg.Wait()
	if retries.Load() == 0 {
		t.Error("no till lost an answer to a kill: the test did not test")
	}

	// Every receipt again: the first answer, and nothing recorded twice.
	mu.Lock()
	defer mu.Unlock()
	c := api.NewClient("http://"+server.addr, hc, api.WithToken(tokens[tills]))
	total := 0
	for till, got := range answers {
		if len(got) == 0 {
			t.Errorf("till %d had no receipt answered", till)
		}
		for i, first := range got {
			again, err := c.PostReceipt(ctx, receipt(till, i))
			first.Balance, again.Balance = nil, nil // the balance is read now
			if err != nil || !reflect.DeepEqual(again, first) {
				t.Errorf("receipt %s again: %+v %v, first %+v", first.Receipt, again, err, first)
			}
			total++
		}
	}
	h, err := c.History(context.Background(), card)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d receipts answered, %d requests retried after a kill", total, retries.Load())
	if len(h) != total {
		t.Errorf("%d history entries for %d receipts answered", len(h), total)
	}
	rep, err := c.Check(ctx)
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("check after the crashes: %+v %v", rep.Problems, err)
	}
}
