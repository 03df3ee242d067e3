package sqlite_test

import (
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

func mustPost(t *testing.T, s *sqlite.Store, r rewards.Receipt) rewards.ReceiptResult {
	t.Helper()
	res, err := s.PostReceipt(ctx, r)
	if err != nil {
		t.Fatalf("post %s: %v", r.ID, err)
	}
	return res
}

func receipt(id, card, at string, lines ...rewards.Line) rewards.Receipt {
	return rewards.Receipt{ID: id, Store: "s1", Card: card, Time: ts(at), Lines: lines}
}

func wantRefused(t *testing.T, err error, code, text string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error containing %q, got success", code, text)
	}
	if rewards.ErrorCode(err) != code || !strings.Contains(err.Error(), text) {
		t.Fatalf("want %s error containing %q, got %s: %v", code, text, rewards.ErrorCode(err), err)
	}
}

func eventCount(t *testing.T, s *sqlite.Store) int {
	t.Helper()
	evs, err := s.Events(ctx, 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}
