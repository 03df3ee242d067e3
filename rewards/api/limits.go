package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Request-rate limits are per process: each server counts the requests it
// answers (the one thing that does not hold across several servers behind
// a load balancer). A kiosk's token must not be a tool to enumerate card
// numbers, so a kiosk's card look-ups are limited, by default to 30 a
// minute with bursts of 10; tills, which look cards up at every sale, are
// not.

// Default limits of a kiosk's card look-ups.
const (
	DefaultKioskCardLookups = rate.Limit(30.0 / 60) // a second
	DefaultKioskCardBurst   = 10
)

// Default limits of any device's one-time code starts (POST
// /v1/otp/start), each an SMS someone pays for: 12 a minute, bursts of 6.
// The ledger limits each phone besides (rewards.OTPCodes).
const (
	DefaultOTPStarts     = rate.Limit(12.0 / 60) // a second
	DefaultOTPStartBurst = 6
)

// limitedRoutes are the card look-ups a kiosk's token is limited in.
var limitedRoutes = map[string]bool{
	rewards.RouteCardRead: true, rewards.RouteCardBalance: true, rewards.RouteCardHistory: true, rewards.RouteCardExport: true,
}

// limiter keeps a token bucket per device.
type limiter struct {
	every rate.Limit
	burst int
	key   string // the refusal's message
	mu    sync.Mutex
	by    map[string]*rate.Limiter
}

// newLimiter limits each device to every a second with bursts of burst
// (zero: the defaults), refusing with the message key.
func newLimiter(every rate.Limit, burst int, defEvery rate.Limit, defBurst int, key string) *limiter {
	if every == 0 {
		every = defEvery
	}
	if burst == 0 {
		burst = defBurst
	}
	return &limiter{every: every, burst: burst, key: key, by: map[string]*rate.Limiter{}}
}

// allow takes a request of the device from its bucket, or says how long
// until one is free, as a refusal that carries it.
func (l *limiter) allow(device string, now time.Time) error {
	l.mu.Lock()
	b := l.by[device]
	if b == nil {
		b = rate.NewLimiter(l.every, l.burst)
		l.by[device] = b
	}
	l.mu.Unlock()
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return rateLimited(l.key, time.Minute)
	}
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return rateLimited(l.key, wait)
	}
	return nil
}

// rateLimited is the refusal of a request over its limit, with the whole
// seconds until the next one is taken.
func rateLimited(key string, wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	return rewards.Fail(rewards.ERATELIMITED, key, lang.Args{"retry_after": secs})
}

// retryAfter sets the Retry-After header of a rate-limited answer.
func retryAfter(w http.ResponseWriter, e *errorBody) {
	if e.Code != rewards.ERATELIMITED {
		return
	}
	if secs, ok := e.Args["retry_after"].(int); ok {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
}
