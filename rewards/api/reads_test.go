package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// countingLedger is the ledger with a count of the API's reads of
// vouchers, of the whole board and of one board item.
type countingLedger struct {
	*sqlite.Store
	vouchers, boards, items atomic.Int64
}

func (l *countingLedger) Voucher(ctx context.Context, code string) (rewards.Voucher, error) {
	l.vouchers.Add(1)
	return l.Store.Voucher(ctx, code)
}

func (l *countingLedger) Rewards(ctx context.Context, coop, store string) ([]rewards.Reward, error) {
	l.boards.Add(1)
	return l.Store.Rewards(ctx, coop, store)
}

func (l *countingLedger) Reward(ctx context.Context, id string) (rewards.Reward, error) {
	l.items.Add(1)
	return l.Store.Reward(ctx, id)
}

// reads are the counts since the last reads, which start them afresh.
func (l *countingLedger) reads() (vouchers, boards, items int64) {
	return l.vouchers.Swap(0), l.boards.Swap(0), l.items.Swap(0)
}

// The rights of a request about a voucher or a board item are checked on
// what the request reads anyway: GET /v1/vouchers/{code} reads the voucher
// once, for the rights and the answer; a redemption and a board item's PUT
// and DELETE read the one item they name, never the whole board; and the
// rights still see the place of what was read.
func TestRightsReadOnce(t *testing.T) {
	var l *countingLedger
	w := newRightsWorldOver(t, func(s *sqlite.Store) api.Service {
		l = &countingLedger{Store: s}
		return l
	})
	wantReads := func(what string, vouchers, boards, items int64) {
		t.Helper()
		if v, b, i := l.reads(); v != vouchers || b != boards || i != items {
			t.Errorf("%s read %d vouchers, %d boards and %d board items; want %d, %d and %d", what, v, b, i, vouchers, boards, items)
		}
	}

	code := w.voucher("a1")
	l.reads()
	status, body := w.call(w.tokens["kiosk@a1"], "GET", "/v1/vouchers/"+code, nil)
	var v rewards.Voucher
	if status != 200 || json.Unmarshal(body, &v) != nil || v.Code != code || v.Store != "a1" {
		t.Fatalf("GET the voucher: %d %s", status, body)
	}
	wantReads("GET a store's voucher", 1, 0, 0)
	if status, body := w.call(w.tokens["kiosk@a1"], "GET", "/v1/vouchers/ZZZZ-ZZZZ-ZZZZ", nil); status != 404 {
		t.Errorf("GET an unknown voucher: %d %s", status, body)
	}
	wantReads("GET an unknown voucher", 1, 0, 0)
	// A voucher made in no store concerns its reward's cooperative.
	shared, err := w.s.Redeem(ctx, rewards.Redemption{Card: w.card(), Reward: w.reward("c1", "")})
	if err != nil || shared.Store != "" {
		t.Fatalf("a voucher made in no store: %+v %v", shared, err)
	}
	l.reads()
	if status, body := w.call(w.tokens["kiosk@c1"], "GET", "/v1/vouchers/"+shared.Code, nil); status != 200 {
		t.Errorf("GET the voucher made in no store: %d %s", status, body)
	}
	wantReads("GET a voucher made in no store", 1, 0, 1)

	mine, theirs, card := w.reward("c1", "a1"), w.reward("c1", "a2"), w.card()
	l.reads()
	if status, body := w.call(w.tokens["kiosk@a1"], "POST", "/v1/redemptions", []byte(`{"card":"`+card+`","reward":"`+mine+`"}`)); status != 200 {
		t.Fatalf("redeem: %d %s", status, body)
	}
	wantReads("a redemption", 0, 0, 1)
	if status, body := w.call(w.tokens["kiosk@a1"], "POST", "/v1/redemptions", []byte(`{"card":"`+card+`","reward":"`+theirs+`"}`)); status != 403 ||
		!strings.Contains(string(body), "a2") {
		t.Errorf("redeem another store's reward: %d %s", status, body)
	}
	wantReads("a refused redemption", 0, 0, 1)

	put := func(id, store string) (int, []byte) {
		return w.call(w.tokens["manager@a1"], "PUT", "/v1/board/items/"+id, []byte(jsonOf(t, rewards.RewardAdd{Reward: w.rewardOf(id, "c1", store)})))
	}
	if status, body := put(mine, "a1"); status != 200 {
		t.Fatalf("PUT a store's reward: %d %s", status, body)
	}
	wantReads("a board item's PUT", 0, 0, 1)
	// Moving store a2's reward to a1 touches a2's.
	if status, body := put(theirs, "a1"); status != 403 || !strings.Contains(string(body), "a2") {
		t.Errorf("PUT another store's reward into a1: %d %s", status, body)
	}
	wantReads("a refused board item's PUT", 0, 0, 1)
	if status, body := w.call(w.tokens["manager@a1"], "DELETE", "/v1/board/items/"+theirs, nil); status != 403 {
		t.Errorf("DELETE another store's reward: %d %s", status, body)
	}
	wantReads("a refused board item's DELETE", 0, 0, 1)
	if status, body := w.call(w.tokens["manager@a1"], "DELETE", "/v1/board/items/"+mine, nil); status != 200 {
		t.Fatalf("DELETE a store's reward: %d %s", status, body)
	}
	wantReads("a board item's DELETE", 0, 0, 1)
	if status, body := w.call(w.tokens["manager@a1"], "DELETE", "/v1/board/items/"+mine, nil); status != 404 {
		t.Errorf("DELETE it again: %d %s", status, body)
	}
}

// A kiosk's and a manager's client read one item of the board, as
// rewards.Board.Reward promises, through real HTTP: an item of the
// device's cooperative (its store's, another store's, or shared) as the
// board lists it, not found for an id the board lacks, and forbidden for
// another cooperative's. The request reads the one item, never the whole
// board.
func TestClientReward(t *testing.T) {
	var l *countingLedger
	w := newRightsWorldOver(t, func(s *sqlite.Store) api.Service {
		l = &countingLedger{Store: s}
		return l
	})
	mine, sibling, shared, foreign := w.reward("c1", "a1"), w.reward("c1", "a2"), w.reward("c1", ""), w.reward("c2", "")
	board, err := w.s.Rewards(ctx, "c1", "")
	if err != nil || len(board) != 3 {
		t.Fatalf("the board of c1: %+v %v", board, err)
	}
	for _, device := range []string{"kiosk@a1", "kiosk@c1", "manager@a1", "manager@c1"} {
		c := api.NewClient(w.srv.URL, w.srv.Client(), api.WithToken(w.tokens[device]))
		for _, id := range []string{mine, sibling, shared} {
			l.reads()
			rw, err := c.Reward(ctx, id)
			if err != nil || rw.ID != id {
				t.Errorf("%s reads %s: %+v %v", device, id, rw, err)
				continue
			}
			for _, listed := range board {
				if listed.ID == id && jsonOf(t, listed) != jsonOf(t, rw) {
					t.Errorf("%s reads %s as %s; the board lists it as %s", device, id, jsonOf(t, rw), jsonOf(t, listed))
				}
			}
			if v, b, i := l.reads(); v != 0 || b != 0 || i != 1 {
				t.Errorf("%s's read of %s read %d vouchers, %d boards and %d board items; want one item", device, id, v, b, i)
			}
		}
		if _, err := c.Reward(ctx, "no-such-reward"); rewards.ErrorCode(err) != rewards.ENOTFOUND {
			t.Errorf("%s reads a reward the board lacks: %v", device, err)
		}
		if _, err := c.Reward(ctx, foreign); rewards.ErrorCode(err) != rewards.EFORBIDDEN {
			t.Errorf("%s reads another cooperative's reward: %v", device, err)
		}
	}
}
