package sqlite_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// A check replays the event log and compares: a lot raised by hand, or the
// last event deleted, is found even where the balances still add up.
func TestCheckReplaysTheLog(t *testing.T) {
	for _, tc := range []struct{ name, sql, want string }{
		{"lot raised by hand", `UPDATE lots SET points = points + 50, remaining = remaining + 50 WHERE id = (SELECT max(id) FROM lots)`, "replay: lots"},
		{"last event deleted", `DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)`, "replay: lots"},
		{"personal data of no card", `INSERT INTO accounts (id) VALUES (999); INSERT INTO people (account_id, id, given_name) VALUES (999, 'p-999', 'Мария')`,
			"1 personal record belongs to an account that no card leads to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := openStore(t, "coop")
			clk.set("2026-11-02T10:00:00Z") // the last receipt's time: nothing here reads now
			card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
			mustPost(t, s, receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500}))
			mustPost(t, s, receipt("R2", card, "2026-11-02T10:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 500}))
			checkLedger(t, s)
			db, err := sql.Open("sqlite3", s.Path+"?_foreign_keys=off")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			r, err := s.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, p := range r.Problems {
				found = append(found, p.Message)
			}
			if !strings.Contains(strings.Join(found, "\n"), tc.want) {
				t.Fatalf("check found %q, want a problem with %q", r.Problems, tc.want)
			}
		})
	}
}

// A check tells how far its replay has come, event by event, up to all of
// them.
func TestCheckProgress(t *testing.T) {
	s, clk := openStore(t, "coop")
	clk.set("2026-11-02T10:00:00Z")
	card := mustCard(t, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
	mustPost(t, s, receipt("R1", card, "2026-11-02T09:00:00Z", rewards.Line{SKU: "a", Qty: 1, Amount: 2500}))
	var calls [][2]int
	s.Progress = func(done, total int) { calls = append(calls, [2]int{done, total}) }
	checkLedger(t, s)
	if want := [][2]int{{1, 3}, {2, 3}, {3, 3}}; len(calls) != 3 || calls[0] != want[0] || calls[2] != want[2] {
		t.Fatalf("progress %v, want %v", calls, want)
	}
}
