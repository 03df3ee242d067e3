package kiosk_test

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/replica/replicatest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// BenchmarkScanToScreen: from a scan to the customer screen built and
// rendered by Fyne's test driver at 1920×1080, on a kiosk's replica of
// 200,000 cards, over 100 scans of random cards an iteration. p99-ms and
// median-ms: the screen built, laid out and every widget's renderer made
// (what a window does before it paints), its widget tree showing the
// balance; paint-p99-ms: the same and then painted to pixels by the test
// driver's software painter (a kiosk's window paints with OpenGL
// instead); load-p99-ms, the baseline: the ledger's part alone
// (LoadCustomer). Target: p99-ms ≤ 50.
func BenchmarkScanToScreen(b *testing.B) {
	const cards = 200_000
	path := replicatest.Kiosk(b, b.TempDir(), cards)
	ledger := sqlite.NewStore(path)
	if err := ledger.Open(); err != nil {
		b.Fatal(err)
	}
	defer ledger.Close()
	// The server is gone: every read is the replica's own.
	client := api.NewClient("http://127.0.0.1:1", &http.Client{Timeout: time.Second})
	svc := replica.NewService(replica.New(ledger, client), client)
	a := test.NewApp()
	defer a.Quit()
	a.Settings().SetTheme(kiosk.Theme{Primary: kiosk.ProgramColour(nil)})
	w := a.NewWindow("kiosk")
	w.Resize(fyne.NewSize(1920, 1080))
	now := replicatest.Now
	k := &kiosk.Kiosk{Work: atOnce, Service: svc, Coop: replicatest.Coop, Store: replicatest.Store, Now: func() time.Time { return now }, Window: w,
		After: (&timers{}).after}
	k.Start(lang.BG)
	rng := rand.New(rand.NewPCG(1, 2))
	var scan, painted, load []float64
	for i := 0; i < b.N; i++ {
		for range 100 {
			card := replicatest.Card(1 + rng.IntN(cards))
			start := time.Now()
			k.Scan(card)
			objects(w.Content(), func(fyne.CanvasObject) {}) // every renderer made, as a window does before it paints
			scan = append(scan, float64(time.Since(start))/float64(time.Millisecond))
			w.Canvas().Capture()
			painted = append(painted, float64(time.Since(start))/float64(time.Millisecond))
			bal, err := svc.Balance(ctx, card, now)
			if err != nil || k.Screen() != kiosk.ScreenCustomer || !shows(w, lang.Text(lang.BG, "unit.points", lang.Args{"count": lang.Number(bal.Available)})) {
				b.Fatalf("card %s: %s %q (%v)", card, k.Screen(), texts(w.Content()), err)
			}
			start = time.Now()
			if _, err := kiosk.LoadCustomer(ctx, svc, card, now, replicatest.Coop, replicatest.Store); err != nil {
				b.Fatal(err)
			}
			load = append(load, float64(time.Since(start))/float64(time.Millisecond))
		}
	}
	b.ReportMetric(quantile(scan, 0.99), "p99-ms")
	b.ReportMetric(quantile(scan, 0.5), "median-ms")
	b.ReportMetric(quantile(painted, 0.99), "paint-p99-ms")
	b.ReportMetric(quantile(load, 0.99), "load-p99-ms")
}

// quantile is the q-quantile of xs (0.5: the median).
func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}
