package sqlite

import (
	"errors"
	"github.com/tochka-loyalty/tochka/lang"

	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Check verifies the ledger: SQLite's integrity check; every account's
// balance computed from its lots, less any debt left by a return, equals
// the one computed from its entries (its lots' points, which are its
// accruals, and its other entries); the entries add up to the sum of all
// balances; no lot holds more than it was given, less than nothing, or
// more than its allocations leave; every personal record belongs to an
// account a card leads to; every picture the board names is stored. Then
// it replays the event log into a fresh ledger in memory and compares
// every table with the stored one, so that a row changed by hand, or an
// event lost, is found.
func (s *Store) Check(ctx context.Context) (rewards.CheckReport, error) {
	if s.replica {
		return s.checkReplica(ctx)
	}
	r := rewards.CheckReport{Problems: []rewards.Problem{}}
	err := s.read(ctx, func(t *txn) error {
		if err := t.tx.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&r.Integrity); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if r.Integrity != "ok" {
			r.Problems = append(r.Problems, rewards.NewProblem("check.integrity", lang.Args{"result": r.Integrity}))
		}
		if err := t.tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM entries), (SELECT count(*) FROM lots)`).
			Scan(&r.Accounts, &r.Entries, &r.Lots); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		rows, err := t.tx.QueryContext(ctx, `SELECT a.id,
				coalesce((SELECT sum(remaining) FROM lots WHERE account_id = a.id), 0) - a.debt,
				coalesce((SELECT sum(points) FROM lots WHERE account_id = a.id), 0) +
				coalesce((SELECT sum(points) FROM entries WHERE account_id = a.id), 0)
			FROM accounts a`)
		if err != nil {
			return fmt.Errorf("check balances: %w", err)
		}
		var fromEntries int64
		for rows.Next() {
			var id, byLots, byEntries int64
			if err := rows.Scan(&id, &byLots, &byEntries); err != nil {
				rows.Close()
				return fmt.Errorf("check balances: %w", err)
			}
			r.Total += byLots
			fromEntries += byEntries
			if byLots != byEntries {
				r.Problems = append(r.Problems, rewards.NewProblem("check.account", lang.Args{"account": id, "lots": byLots, "entries": byEntries}))
			}
		}
		rows.Close()
		var all int64
		if err := t.tx.QueryRowContext(ctx, `SELECT (SELECT coalesce(sum(points), 0) FROM lots) + (SELECT coalesce(sum(points), 0) FROM entries)`).Scan(&all); err != nil {
			return fmt.Errorf("check entries: %w", err)
		}
		if all != r.Total {
			r.Problems = append(r.Problems, rewards.NewProblem("check.total", lang.Args{"entries": all, "balances": r.Total}))
		}
		if r.UnrecordedStores, err = t.unrecordedStores(); err != nil {
			return err
		}
		var bad int
		if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM lots WHERE remaining < 0 OR remaining > points`).Scan(&bad); err != nil {
			return fmt.Errorf("check lots: %w", err)
		} else if bad > 0 {
			r.Problems = append(r.Problems, rewards.NewProblem("check.lots_out_of_range", lang.Args{"count": bad}))
		}
		// Every lot's points, less what entries took from it, less what
		// paid a debt back, is what it holds: allocations never overdraw.
		if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM lots l
			WHERE l.points - coalesce((SELECT sum(points) FROM allocations WHERE lot_id = l.id), 0) < l.remaining`).Scan(&bad); err != nil {
			return fmt.Errorf("check allocations: %w", err)
		} else if bad > 0 {
			r.Problems = append(r.Problems, rewards.NewProblem("check.lots_overdrawn", lang.Args{"count": bad}))
		}
		// Personal data that no card leads to could be neither shown,
		// exported nor forgotten.
		if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM people p
			WHERE NOT EXISTS (SELECT 1 FROM cards c WHERE c.account_id = p.account_id)`).Scan(&bad); err != nil {
			return fmt.Errorf("check personal data: %w", err)
		} else if bad > 0 {
			r.Problems = append(r.Problems, rewards.NewProblem("check.orphan_people", lang.Args{"count": bad}))
		}
		// Pictures are no events, so a replay cannot find one missing.
		missing, err := t.missingPictures()
		if err != nil {
			return fmt.Errorf("check pictures: %w", err)
		}
		r.Problems = append(r.Problems, missing...)
		if r.UnusedPictures, err = t.unusedPictures(); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	problems, err := s.replay(ctx)
	r.Problems = append(r.Problems, problems...)
	return r, err
}

// replays numbers the in-memory ledgers of checks, which must not meet.
var replays atomic.Int64

// replayed lists, per table, what a replay compares: every column that the
// events decide (an account's sweep_at is a reminder, not a fact), in an
// order both ledgers share. Personal records (people) are not in the log,
// and a replay makes none.
var replayed = []struct{ table, cols, order string }{
	{"events", "seq, kind, key, device, at, body, coalesce(applied, ''), coalesce(clock, 0)", "seq"},
	{"accounts", "id, coalesce(member_since, 0), coalesce(welcome_at, 0), debt, purchase_total", "id"},
	{"cards", "number, account_id, issued_at, coalesce(handed_at, 0), coalesce(active_from, 0), coalesce(blocked_at, 0), coalesce(replaced_by, ''), coalesce(holder, ''), pooled", "number"},
	{"lots", "id, account_id, points, remaining, available_from, coalesce(expires_at, 0), card, amount", "id"},
	{"entries", "id, account_id, card, event_seq, kind, points, at, ref, coalesce(reverses, 0)", "id"},
	{"allocations", "entry_id, lot_id, points", "entry_id, lot_id"},
	{"vouchers", "code, account_id, card, reward_id, names, points, store, status, created_at, valid_until, coalesce(closed_at, 0), entry_id", "code"},
	{"receipt_returns", "event_seq, line_no, returned", "event_seq, line_no"},
	{"rewards", "id, coop, store, body", "id"},
	{"coops", "id, body", "id"},
	{"stores", "id, coop, body", "id"},
}

// replay applies the event log, in order, to a fresh ledger in memory and
// compares what each ledger holds, table by table.
func (s *Store) replay(ctx context.Context) ([]rewards.Problem, error) {
	fresh := &Store{Path: fmt.Sprintf("tochka-replay-%d", replays.Add(1)), memory: true, Device: s.Device, Now: s.Now, Logger: s.Logger}
	if err := fresh.Open(); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer fresh.Close()
	clocks, err := s.clocks(ctx)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	var total, done int
	if s.Progress != nil {
		if err := s.read(ctx, func(t *txn) error {
			return t.tx.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&total)
		}); err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
	}
	var after int64
	for {
		evs, err := s.Events(ctx, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		for _, e := range evs {
			if err := fresh.reapply(ctx, e, clocks[e.Seq]); err != nil {
				if rewards.ErrorCode(err) == rewards.EINTERNAL {
					return nil, fmt.Errorf("replay event %d: %w", e.Seq, err)
				}
				return []rewards.Problem{rewards.NewProblem("check.replay_refused", lang.Args{"seq": e.Seq, "what": rewards.Command(e.Kind, ""), "id": e.ID, "error": errorMsg(err)})}, nil
			}
			after = e.Seq
			if done++; s.Progress != nil {
				s.Progress(done, total)
			}
		}
		if len(evs) < 1000 {
			break
		}
	}
	var problems []rewards.Problem
	for _, tb := range replayed {
		q := `SELECT ` + tb.cols + ` FROM ` + tb.table + ` ORDER BY ` + tb.order
		stored, err := dump(ctx, s, q)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		again, err := dump(ctx, fresh, q)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		problems = append(problems, compareRows(tb.table, stored, again)...)
	}
	return problems, nil
}

// clocks are the host's clocks kept with the events dated ahead of them.
func (s *Store) clocks(ctx context.Context) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	err := s.read(ctx, func(t *txn) error {
		rows, err := t.tx.QueryContext(ctx, `SELECT seq, clock FROM events WHERE clock IS NOT NULL`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq, clock int64
			if err := rows.Scan(&seq, &clock); err != nil {
				return err
			}
			out[seq] = fromMS(clock)
		}
		return rows.Err()
	})
	return out, err
}

// dump reads every row of a query as text, one string a row.
func dump(ctx context.Context, s *Store, q string) ([]string, error) {
	var out []string
	err := s.read(ctx, func(t *txn) error {
		rows, err := t.tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts[i] = fmt.Sprint(v)
			}
			out = append(out, strings.Join(parts, " | "))
		}
		return rows.Err()
	})
	return out, err
}

// compareRows says how the rows a table holds differ from those its replay
// holds: at most three differences a table, and how many more.
func compareRows(table string, stored, again []string) []rewards.Problem {
	var out []rewards.Problem
	more := 0
	note := func(key string, args lang.Args) {
		if len(out) < 3 {
			args["table"] = table
			out = append(out, rewards.NewProblem(key, args))
		} else {
			more++
		}
	}
	for i := 0; i < max(len(stored), len(again)); i++ {
		switch {
		case i >= len(stored):
			note("check.row_missing", lang.Args{"row": again[i]})
		case i >= len(again):
			note("check.row_extra", lang.Args{"row": stored[i]})
		case stored[i] != again[i]:
			note("check.row_differs", lang.Args{"row": stored[i], "want": again[i]})
		}
	}
	if more > 0 {
		out = append(out, rewards.NewProblem("check.more_differences", lang.Args{"table": table, "count": more}))
	}
	return out
}

// errorMsg is a domain error as an argument of another message.
func errorMsg(err error) lang.Msg {
	var e *rewards.Error
	if errors.As(err, &e) && e.Key != "" {
		return lang.M(e.Key, e.Args)
	}
	return lang.M("problem.text", lang.Args{"text": err.Error()})
}
