package replica_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
)

// flaky is a proxy between a kiosk and the server that misbehaves as a
// bad link does: it drops requests, drops answers after the server acted,
// sends requests twice, delays them, and sends old requests again later,
// after newer ones (reordered).
type flaky struct {
	t      *testing.T
	target string
	mu     sync.Mutex
	rng    *rand.Rand
	on     bool
	saved  []saved
	counts map[string]int
}

// saved is a request kept to be sent again later.
type saved struct {
	method, path string
	header       http.Header
	body         []byte
}

func (f *flaky) roll(n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.IntN(n)
}

func (f *flaky) count(what string) {
	f.mu.Lock()
	f.counts[what]++
	f.mu.Unlock()
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	rq := saved{method: r.Method, path: r.URL.RequestURI(), header: r.Header.Clone(), body: body}

	f.mu.Lock()
	on := f.on
	f.mu.Unlock()
	if !on {
		f.forward(w, rq)
		return
	}
	if f.roll(8) == 0 {
		f.mu.Lock()
		if len(f.saved) > 0 {
			old := f.saved[f.rng.IntN(len(f.saved))]
			f.mu.Unlock()
			f.count("reordered")
			f.send(old) // an old request arrives after newer ones
		} else {
			f.mu.Unlock()
		}
	}
	if f.roll(6) == 0 {
		f.mu.Lock()
		f.saved = append(f.saved, rq)
		f.mu.Unlock()
	}
	switch f.roll(10) {
	case 0:
		f.count("request dropped")
		cut(w)
	case 1:
		f.count("answer dropped")
		f.send(rq)
		cut(w)
	case 2:
		f.count("duplicated")
		f.send(rq)
		f.forward(w, rq)
	case 3:
		f.count("delayed")
		time.Sleep(time.Duration(f.roll(40)) * time.Millisecond)
		f.forward(w, rq)
	default:
		f.forward(w, rq)
	}
}

// cut closes the connection without an answer.
func cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// send sends the request to the server and returns its answer.
func (f *flaky) send(rq saved) (*http.Response, []byte) {
	req, err := http.NewRequest(rq.method, f.target+rq.path, bytes.NewReader(rq.body))
	if err != nil {
		f.t.Error(err)
		return nil, nil
	}
	req.Header = rq.header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// forward sends the request to the server and answers what it answered.
func (f *flaky) forward(w http.ResponseWriter, rq saved) {
	resp, data := f.send(rq)
	if resp == nil {
		cut(w)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(data)
}

// Over a link that drops, duplicates, delays and reorders requests and
// answers, every change a kiosk makes reaches the server exactly once, and
// the kiosk converges with the server once the link is good again.
func TestFlakyLink(t *testing.T) {
	w := newWorld(t, 5, offlineCap...)
	w.seed(20)
	k := w.kiosk("a1")
	f := &flaky{t: t, target: w.http.URL, rng: rand.New(rand.NewPCG(5, 5)), on: true, counts: map[string]int{}}
	proxy := httptest.NewServer(f)
	t.Cleanup(proxy.Close)
	k.client = api.NewClient(proxy.URL, &http.Client{Transport: k.link, Timeout: 5 * time.Second}, api.WithToken(w.tokens[k.name]))
	k.sync = replica.New(k.ledger, k.client)
	k.sync.Page, k.sync.Batch = 7, 3
	failed := 0
	for range 250 {
		w.clk.add(time.Duration(w.rng.IntN(90)) * time.Minute)
		if w.rng.IntN(10) < 4 {
			w.serverStep()
		} else {
			w.kioskStep(k)
		}
		if w.rng.IntN(2) == 0 {
			if _, err := k.sync.Sync(ctx); err != nil {
				failed++
			}
		}
	}
	f.mu.Lock()
	f.on = false
	counts := f.counts
	f.mu.Unlock()
	w.syncAll()
	w.converged()
	w.exactlyOnce(k)
	t.Logf("link: %v; %d rounds failed; done %v, refused %v", counts, failed, w.done, w.refused)
	for _, what := range []string{"request dropped", "answer dropped", "duplicated", "delayed", "reordered"} {
		if counts[what] == 0 {
			t.Errorf("the link never %s: %v", what, counts)
		}
	}
}
