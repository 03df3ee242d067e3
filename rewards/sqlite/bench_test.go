package sqlite_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
	"github.com/tochka-loyalty/tochka/rewards/sqlite/sqlitetest"
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
// The receipts fall on 1,000 cards, and on 10,000.
func BenchmarkIngest(b *testing.B) {
	for _, n := range []int{ingestCards, 10 * ingestCards} {
		b.Run(fmt.Sprintf("cards=%d", n), func(b *testing.B) { benchmarkIngest(b, n) })
	}
}

func benchmarkIngest(b *testing.B, ncards int) {
	var ledgerTime, rawTime time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, clk := openStore(b, "coop")
		clk.set("2026-11-04T00:00:00Z") // after the last receipt (3 Nov 10:46): nothing here reads now
		cards := fillCards(b, s, ncards)
		rs := ingestReceiptsFor(cards, i)
		raw := openRaw(b)
		b.StartTimer()

		start := time.Now()
		for j := 0; j < len(rs); j += ingestBatch {
			res, err := s.PostReceipts(ctx, rs[j:j+ingestBatch])
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					b.Fatal(r.Err)
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

// rawInsert writes a batch of receipts as line rows in one transaction, in
// multi-row INSERTs as large as SQLite's limit on parameters allows: the
// fastest plain dump, which the ledger is measured against.
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
	const maxVars = 32000
	per := maxVars / len(rawCols) * len(rawCols)
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(rawCols)), ",") + ")"
	head := "INSERT INTO receipt_lines (" + strings.Join(rawCols, ",") + ") VALUES "
	for len(args) > 0 {
		n := min(per, len(args))
		if _, err := tx.Exec(head+strings.TrimSuffix(strings.Repeat(row+",", n/len(rawCols)), ","), args[:n]...); err != nil {
			tx.Rollback()
			return err
		}
		args = args[n:]
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

// fillLedger sets a large ledger up directly in SQL (sqlitetest.Ledger).
func fillLedger(b *testing.B, s *sqlite.Store, cards, lotsPer int) []string {
	b.Helper()
	out, err := sqlitetest.Ledger(s.DB(), cards, lotsPer)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// fillCards adds n active cards, each with an account of its own
// (sqlitetest.Cards).
func fillCards(b *testing.B, s *sqlite.Store, n int) []string {
	b.Helper()
	out, err := sqlitetest.Cards(s.DB(), n)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkBalanceUnderIngest looks up random balances among 200,000 cards
// from 8 goroutines while one goroutine posts batches of 500 receipts
// without pause, and, in the same iteration, without the writer: a balance
// look-up must not wait for a batch to commit. It reports the 99th
// percentile and the look-ups per second of both, and the receipts the
// writer posted a second meanwhile.
func BenchmarkBalanceUnderIngest(b *testing.B) {
	s, clk := openStore(b, "bonus")
	clk.set("2026-11-04T00:00:00Z") // after the receipts ingested (3 Nov): nothing here reads now
	cards := fillLedger(b, s, 200_000, 10)
	at := ts("2026-12-01T00:00:00Z")
	// One round unmeasured first, so that the idle figures are not those
	// of a cold page cache and a ledger file just written.
	lookUpBalances(b, s, cards, at, 1<<32)
	b.ResetTimer()
	var p99s, rates, idleP99s, idleRates, ingests []float64
	for i := 0; i < b.N; i++ {
		p99, rate := lookUpBalances(b, s, cards, at, uint64(2*i))
		idleP99s, idleRates = append(idleP99s, p99), append(idleRates, rate)

		stop, done := make(chan struct{}), make(chan error, 1)
		var posted int
		begun := time.Now()
		go func() {
			var err error
			posted, err = ingestUntil(s, cards, i, stop)
			done <- err
		}()
		p99, rate = lookUpBalances(b, s, cards, at, uint64(2*i+1))
		close(stop)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		p99s, rates = append(p99s, p99), append(rates, rate)
		ingests = append(ingests, float64(posted)/time.Since(begun).Seconds())
	}
	b.ReportMetric(median(p99s), "p99-ms")
	b.ReportMetric(median(rates), "lookups/s")
	b.ReportMetric(median(ingests), "receipts/s")
	b.ReportMetric(median(idleP99s), "idle-p99-ms")
	b.ReportMetric(median(idleRates), "idle-lookups/s")
}

// lookUpBalances runs 8 goroutines of 2,000 random balance look-ups each
// and returns the 99th percentile in milliseconds and the look-ups per
// second.
func lookUpBalances(b *testing.B, s *sqlite.Store, cards []string, at time.Time, seed uint64) (p99ms, perSecond float64) {
	const workers, each = 8, 2000
	lat := make([]time.Duration, workers*each)
	errs := make(chan error, workers)
	start := time.Now()
	for w := range workers {
		go func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for j := range each {
				t0 := time.Now()
				if _, err := s.Balance(ctx, cards[rng.IntN(len(cards))], at); err != nil {
					errs <- err
					return
				}
				lat[w*each+j] = time.Since(t0)
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	return float64(lat[len(lat)*99/100].Microseconds()) / 1000, float64(len(lat)) / elapsed.Seconds()
}

// ingestUntil posts batches of 500 receipts on the first 1,000 cards until
// stop is closed, and says how many it posted.
func ingestUntil(s *sqlite.Store, cards []string, iter int, stop <-chan struct{}) (int, error) {
	posted := 0
	for k := 0; ; k++ {
		select {
		case <-stop:
			return posted, nil
		default:
		}
		rs := ingestReceiptsFor(cards[:ingestCards], iter*1000+k)[:ingestBatch]
		res, err := s.PostReceipts(ctx, rs)
		if err != nil {
			return posted, err
		}
		for _, r := range res {
			if r.Err != nil {
				return posted, r.Err
			}
		}
		posted += len(rs)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
