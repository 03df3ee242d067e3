package replica_test

import (
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
	"github.com/tochka-loyalty/tochka/rewards/sqlite/sqlitetest"
)

// BenchmarkSyncCatchUp: a kiosk that was bootstrapped before the server
// posted 100,000 receipts pulls and applies their changes through HTTP
// (changes/s, and the whole catch-up in catchup-s), against the same
// changes read beforehand and applied to the same replica without the
// network (apply/s, the baseline). Target: ratio ≥ 0.5, catch-up ≤ 10 s.
func BenchmarkSyncCatchUp(b *testing.B) {
	const changes = 100_000
	w := newWorld(b, 1)
	w.seed(1000)
	k := w.kiosk("a1")
	info, err := k.ledger.ReplicaInfo(ctx)
	if err != nil {
		b.Fatal(err)
	}
	k.ledger.Close()
	base := k.path
	for i := 0; i < changes; i += 500 {
		batch := make([]rewards.Receipt, 500)
		for j := range batch {
			w.n++
			batch[j] = rewards.Receipt{ID: "C" + strconv.Itoa(w.n), Store: "a1", Card: w.cards[(i+j)%len(w.cards)], Time: w.clk.now(),
				Lines: []rewards.Line{{SKU: "bread", Qty: 1, Amount: int64(100 + (i+j)%5000)}}}
		}
		if _, err := w.srv.PostReceipts(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	// The baseline's changes, read from the server's ledger directly.
	var pages []rewards.SyncChanges
	cursor, digest := info.Cursor, info.StaffDigest
	for {
		page, err := w.srv.Changes(ctx, rewards.SyncScope{Store: "a1", Coop: "c1"}, cursor, replica.DefaultPage, digest)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, page)
		cursor, digest = page.Next, page.StaffDigest
		if !page.More {
			break
		}
	}
	var real, local, total []float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		l := openCopy(b, base, w)
		b.StartTimer()
		start := time.Now()
		n := 0
		from := info.Cursor
		for _, page := range pages {
			if err := l.ApplyChanges(ctx, from, page); err != nil {
				b.Fatal(err)
			}
			n, from = n+len(page.Changes), page.Next
		}
		local = append(local, float64(n)/time.Since(start).Seconds())
		b.StopTimer()
		l.Close()
		l = openCopy(b, base, w)
		b.StartTimer()
		start = time.Now()
		n, err := replica.New(l, k.client).Pull(ctx)
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start).Seconds()
		real, total = append(real, float64(n)/took), append(total, took)
		if n < changes {
			b.Fatalf("pulled %d changes, want at least %d", n, changes)
		}
		b.StopTimer()
		l.Close()
		b.StartTimer()
	}
	b.ReportMetric(median(real), "changes/s")
	b.ReportMetric(median(local), "apply/s")
	b.ReportMetric(median(real)/median(local), "ratio")
	b.ReportMetric(median(total), "catchup-s")
}

// BenchmarkSyncBootstrap: a kiosk of a program with 200,000 cards and
// 2,000,000 lots starts from nothing to ready (Init, then the replica
// opened): bootstrap-s, the replica's size in replica-mb, and, as the
// baseline, copy-s, the time to copy the server's ledger file on the same
// disk. Target: ≤ 60 s.
func BenchmarkSyncBootstrap(b *testing.B) {
	w := newWorld(b, 1)
	db, err := sql.Open("sqlite3", w.srv.Path+"?_foreign_keys=on&_busy_timeout=10000")
	if err != nil {
		b.Fatal(err)
	}
	_, err = sqlitetest.Ledger(db, 200_000, 10)
	db.Close()
	if err != nil {
		b.Fatal(err)
	}
	var boot, mb, cp []float64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		start := time.Now()
		copyFile(b, w.srv.Path, filepath.Join(dir, "copy.db"))
		cp = append(cp, time.Since(start).Seconds())
		path := filepath.Join(dir, "kiosk.db")
		start = time.Now()
		if err := replica.Init(ctx, path, w.http.URL, w.tokens["kiosk-a1"], w.kioskClient("a1")); err != nil {
			b.Fatal(err)
		}
		l := sqlite.NewStore(path)
		if err := l.Open(); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Balance(ctx, sqlitetest.Card(200_000), w.clk.now()); err != nil {
			b.Fatal(err)
		}
		boot = append(boot, time.Since(start).Seconds())
		l.Close()
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		mb = append(mb, float64(st.Size())/(1<<20))
	}
	b.ReportMetric(median(boot), "bootstrap-s")
	b.ReportMetric(median(mb), "replica-mb")
	b.ReportMetric(median(cp), "copy-s")
}

// openCopy opens a copy of the replica file at path.
func openCopy(b *testing.B, path string, w *world) *sqlite.Store {
	b.Helper()
	to := filepath.Join(b.TempDir(), "copy.db")
	copyFile(b, path, to)
	l := sqlite.NewStore(to)
	l.Now = w.clk.now
	if err := l.Open(); err != nil {
		b.Fatal(err)
	}
	return l
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
