package sqlite_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

const (
	ingestReceipts = 10_000
	ingestBatch    = 500
	ingestCards    = 1_000
)

// BenchmarkIngest posts 10,000 three-line receipts in batches through the
// whole ledger (idempotency, lots, entries, events, balances) and, in the
// same iteration, writes the same receipts as plain rows into a table shaped
// like the ledger's line table: the cost of the ledger over a plain dump.
func BenchmarkIngest(b *testing.B) {
	var ledgerTime, rawTime time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, clk := openStore(b, "coop")
		clk.set("2026-11-04T00:00:00Z") // after the last receipt (3 Nov 10:46): nothing here reads now
		cards := make([]string, ingestCards)
		for j := range cards {
			cards[j] = mustCard(b, s, rewards.CardIssue{Meta: rewards.Meta{At: ts("2026-11-01T08:00:00Z")}})
		}
		rs := ingestReceiptsFor(cards, i)
		raw := openRaw(b)
		b.StartTimer()

		start := time.Now()
		for j := 0; j < len(rs); j += ingestBatch {
			_, errs, err := s.PostReceipts(ctx, rs[j:j+ingestBatch])
			if err != nil {
				b.Fatal(err)
			}
			for _, e := range errs {
				if e != nil {
					b.Fatal(e)
				}
			}
		}
		ledgerTime += time.Since(start)

		start = time.Now()
		for j := 0; j < len(rs); j += ingestBatch {
			if err := rawInsert(raw, rs[j:j+ingestBatch], j); err != nil {
				b.Fatal(err)
			}
		}
		rawTime += time.Since(start)
		b.StopTimer()
		raw.Close()
		b.StartTimer()
	}
	n := float64(b.N * ingestReceipts)
	b.ReportMetric(n/ledgerTime.Seconds(), "receipts/s")
	b.ReportMetric(n/rawTime.Seconds(), "raw-receipts/s")
	b.ReportMetric(rawTime.Seconds()/ledgerTime.Seconds(), "ledger/raw")
}

func ingestReceiptsFor(cards []string, iter int) []rewards.Receipt {
	rng := rand.New(rand.NewPCG(7, uint64(iter)))
	rs := make([]rewards.Receipt, ingestReceipts)
	t0 := ts("2026-11-03T08:00:00Z")
	for j := range rs {
		rs[j] = rewards.Receipt{ID: fmt.Sprintf("B%d-%d", iter, j), Store: "s1", Card: cards[rng.IntN(len(cards))],
			Time: t0.Add(time.Duration(j) * time.Second)}
		for k := 0; k < 3; k++ {
			rs[j].Lines = append(rs[j].Lines, rewards.Line{SKU: fmt.Sprintf("sku%d", rng.IntN(500)), Qty: 1 + int64(rng.IntN(3)),
				Amount: 50 + int64(rng.IntN(5000)), OwnBrand: rng.IntN(4) == 0})
		}
	}
	return rs
}

// openRaw opens a plain database with the same settings as the store and a
// copy of its line table (same columns, same primary key and indexes).
func openRaw(b *testing.B) *sql.DB {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(b.TempDir(), "raw.db")+"?_foreign_keys=on&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate&_stmt_cache_size=64")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE receipt_lines (
		event_seq INTEGER NOT NULL, line_no INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL,
		amount INTEGER NOT NULL, own_brand INTEGER NOT NULL, service INTEGER NOT NULL, bonus INTEGER NOT NULL,
		earned INTEGER NOT NULL, discount INTEGER NOT NULL, returned INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (event_seq, line_no)) WITHOUT ROWID`); err != nil {
		b.Fatal(err)
	}
	return db
}

var rawCols = []string{"event_seq", "line_no", "sku", "qty", "amount", "own_brand", "service", "bonus", "earned", "discount"}

// rawInsert writes a batch of receipts as line rows in one transaction, with
// the same multi-row INSERTs the store uses.
func rawInsert(db *sql.DB, rs []rewards.Receipt, first int) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	args := make([]any, 0, len(rs)*3*len(rawCols))
	for j, r := range rs {
		for k, l := range r.Lines {
			args = append(args, int64(first+j+1), int64(k), l.SKU, l.Qty, l.Amount, l.OwnBrand, l.Service, l.Bonus, int64(0), int64(0))
		}
	}
	if err := sqlite.InsertRows(ctx, tx, "receipt_lines", rawCols, args); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// BenchmarkBalance looks up random cards' balances in a ledger of 200,000
// cards and 2,000,000 entries (receipts' accruals, each a lot), and reports
// the 99th percentile.
func BenchmarkBalance(b *testing.B) {
	s, _ := openStore(b, "bonus")
	cards := fillLedger(b, s, 200_000, 10)
	rng := rand.New(rand.NewPCG(1, 2))
	at := ts("2026-12-01T00:00:00Z")
	b.ResetTimer()
	var p99s []float64
	for i := 0; i < b.N; i++ {
		lat := make([]time.Duration, 10_000)
		for j := range lat {
			c := cards[rng.IntN(len(cards))]
			start := time.Now()
			if _, err := s.Balance(ctx, c, at); err != nil {
				b.Fatal(err)
			}
			lat[j] = time.Since(start)
		}
		slices.Sort(lat)
		p99s = append(p99s, float64(lat[len(lat)*99/100].Microseconds())/1000)
	}
	slices.Sort(p99s)
	b.ReportMetric(p99s[len(p99s)/2], "p99-ms")
}

// fillLedger sets a large ledger up directly in SQL, shaped as the store
// writes it: one account and card per customer, entriesPer receipts each
// with its lot and entry. Posting two million receipts one by one would
// measure ingest, which BenchmarkIngest does.
func fillLedger(b *testing.B, s *sqlite.Store, cards, entriesPer int) []string {
	b.Helper()
	db := s.DB()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	t0 := ts("2026-11-01T00:00:00Z").UnixMilli()
	stmts := []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		 INSERT INTO accounts (id) SELECT i FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		 INSERT INTO cards (number, account_id, issued_at, handed_at, active_from)
		 SELECT printf('27%010d', i), i, ` + fmt.Sprint(t0) + `, ` + fmt.Sprint(t0) + `, ` + fmt.Sprint(t0) + ` FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		 INSERT INTO events (seq, kind, key, device, at, body, result, applied)
		 SELECT (SELECT max(seq) FROM events) + i, 'receipt', 'bench-' || i, 'bench', ` + fmt.Sprint(t0) + ` + i, '{}', x'', '{"version":1}' FROM n`,
	}
	total := cards * entriesPer
	for k, q := range stmts {
		n := cards
		if k == 2 {
			n = total
		}
		if _, err := tx.Exec(q, n); err != nil {
			b.Fatal(err)
		}
	}
	// Every receipt's accrual is a lot (the ledger's entry for it); lot k
	// belongs to account (k-1) % cards + 1, so each account's lots are
	// spread over the table as a real ledger's are.
	if _, err := tx.Exec(`INSERT INTO lots (id, account_id, points, remaining, available_from, expires_at, card, amount)
		SELECT seq, (seq - 1) % ?1 + 1, 10 + seq % 90, 10 + seq % 90, at + 15 * 86400000, at + 380 * 86400000,
			printf('27%010d', (seq - 1) % ?1 + 1), 1000 + seq % 9000
		FROM events WHERE kind = 'receipt'`, cards); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	out := make([]string, cards)
	for i := range out {
		out[i] = fmt.Sprintf("27%010d", i+1)
	}
	return out
}
