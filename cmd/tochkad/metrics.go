package main

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
)

// metrics are what GET /metrics tells Prometheus about this process: they
// are counted per tochkad, as Prometheus expects of each target.
type metrics struct {
	reg           *prometheus.Registry
	latency       *prometheus.HistogramVec
	receipts      prometheus.Counter
	earned, spent prometheus.Counter
	made, claimed prometheus.Counter
	groups        prometheus.Histogram
	otpSent       prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tochka_http_request_duration_seconds",
			Help:    "How long requests took to answer, by route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "status"}),
		receipts: prometheus.NewCounter(prometheus.CounterOpts{Name: "tochka_receipts_posted_total",
			Help: "Receipts answered as posted (a retry's answer included)."}),
		earned: prometheus.NewCounter(prometheus.CounterOpts{Name: "tochka_points_earned_total",
			Help: "Points (or bonuses) the posted receipts earned."}),
		spent: prometheus.NewCounter(prometheus.CounterOpts{Name: "tochka_points_spent_total",
			Help: "Points (or bonuses) spent: paid at a till or exchanged for a voucher."}),
		made: prometheus.NewCounter(prometheus.CounterOpts{Name: "tochka_vouchers_made_total",
			Help: "Vouchers made by redemptions."}),
		claimed: prometheus.NewCounter(prometheus.CounterOpts{Name: "tochka_vouchers_claimed_total",
			Help: "Vouchers claimed at a till."}),
		groups: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tochka_group_commit_writes",
			Help:    "How many writes each commit of the ledger committed together (one fsync for all of them).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}}),
		otpSent: prometheus.NewCounter(prometheus.CounterOpts{Name: "tochka_otp_codes_sent_total",
			Help: "One-time codes the SMS sender took (a gateway's 2xx, or a line of the log)."}),
	}
	m.reg.MustRegister(m.latency, m.receipts, m.earned, m.spent, m.made, m.claimed, m.groups, m.otpSent,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the metrics in Prometheus's text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe records a request's latency under its route pattern and status.
func (m *metrics) observe(route string, status int, took time.Duration) {
	m.latency.WithLabelValues(route, strconv.Itoa(status)).Observe(took.Seconds())
}

// counted is the ledger as the API sees it, counting what it answers.
type counted struct {
	api.Service
	m *metrics
}

func (c counted) receipt(r rewards.ReceiptResult) {
	c.m.receipts.Inc()
	c.m.earned.Add(float64(r.Earned))
	c.m.spent.Add(float64(r.Spent))
}

func (c counted) PostReceipt(ctx context.Context, r rewards.Receipt) (rewards.ReceiptResult, error) {
	res, err := c.Service.PostReceipt(ctx, r)
	if err == nil {
		c.receipt(res)
	}
	return res, err
}

func (c counted) PostReceipts(ctx context.Context, rs []rewards.Receipt) ([]rewards.BatchReceipt, error) {
	out, err := c.Service.PostReceipts(ctx, rs)
	for _, r := range out {
		if r.Err == nil {
			c.receipt(r.ReceiptResult)
		}
	}
	return out, err
}

func (c counted) Redeem(ctx context.Context, r rewards.Redemption) (rewards.Voucher, error) {
	v, err := c.Service.Redeem(ctx, r)
	if err == nil {
		c.m.made.Inc()
		c.m.spent.Add(float64(v.Points))
	}
	return v, err
}

func (c counted) ClaimVoucher(ctx context.Context, a rewards.VoucherAction) (rewards.Voucher, error) {
	v, err := c.Service.ClaimVoucher(ctx, a)
	if err == nil {
		c.m.claimed.Inc()
	}
	return v, err
}
