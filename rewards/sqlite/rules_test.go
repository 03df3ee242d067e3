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

// A receipt recorded by an earlier version, whose body wrote every field
// out, is still the same receipt to a retry; a retry with other contents is
// still a conflict.
func TestRepeatOfBodyInOlderForm(t *testing.T) {
	s, clk := openStore(t, "coop")
	clk.set("2026-11-02T09:00:00Z") // the receipt's time: nothing here reads now
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	r := receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500})
	first := mustPost(t, s, r)
	old := `{"id":"R1","store":"s1","card":"` + card + `","time":"2026-11-02T09:00:00Z",` +
		`"lines":[{"sku":"a","qty":1,"amount":500,"own_brand":false,"service":false,"bonus":0}],"pay_with_points":0}`
	if _, err := s.DB().Exec(`UPDATE events SET body = ? WHERE kind = 'receipt' AND key = 'R1'`, []byte(old)); err != nil {
		t.Fatal(err)
	}
	n := eventCount(t, s)
	if again := mustPost(t, s, r); again.Earned != first.Earned || eventCount(t, s) != n {
		t.Fatalf("retry of a body in the older form: %+v", again)
	}
	r.Lines[0].OwnBrand = true
	_, err := s.PostReceipt(ctx, r)
	wantRefused(t, err, rewards.ECONFLICT, "different contents")
}
