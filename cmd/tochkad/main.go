// Command tochkad is Tochka's central server: it holds a chain's
// authoritative points ledger and serves the HTTP API (package rewards/api)
// to tills, kiosks and managers.
//
// It is wiring only: it reads its settings from flags and TOCHKA_*
// environment variables, opens the ledger, puts the API behind request
// logging with a trace id and the health routes, and shuts down gracefully
// on SIGTERM or SIGINT: in-flight requests finish, nothing is left
// half-written.
//
//	tochkad --db URL --listen ADDR [--tls-cert FILE --tls-key FILE]
//	        [--sms log|webhook --sms-url URL --sms-template FILE]
//
// URL is sqlite:PATH or a plain path (a ledger made by `tochkactl init`).
// Every flag may be given as an environment variable instead: TOCHKA_DB,
// TOCHKA_LISTEN, TOCHKA_TLS_CERT, TOCHKA_TLS_KEY; a flag wins.
//
// One-time codes (POST /v1/otp/start) are sent through the sender --sms
// names ($TOCHKA_SMS): "webhook" posts each code's SMS as JSON to
// --sms-url ($TOCHKA_SMS_URL), the body made from the Go text/template in
// the file --sms-template ($TOCHKA_SMS_TEMPLATE; its fields .Phone, .Code
// and .Text, and the function json, as in {"to":{{json .Phone}},
// "text":{{json .Text}}}, which is the default); "log" writes the codes
// to the log instead, for development only. Without --sms no code is
// sent and a start answers an internal error.
// TOCHKA_NOW=<RFC 3339> fixes the ledger's clock, as for tochkactl, for
// demos, tests and replays of old data.
//
// Every API request needs a device's bearer token (`tochkactl device add`
// makes one on the ledger's machine), which the ledger's devices table is
// asked about at each request, so that a revocation counts at once on
// every tochkad sharing the ledger; the rights table of package rewards
// says what each device may do.
//
// Routes beside the API: GET /healthz (the process is up), GET /readyz
// (the ledger answers) and GET /metrics (Prometheus: request latency by
// route and status, receipts posted, points earned and spent, vouchers made
// and claimed, OTP codes sent, the writes each group commit committed; counted per
// process). Logs go through log/slog, JSON when stdout is not a
// terminal, one line per request with its trace id, which the answer also
// carries as X-Trace-Id.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/tochka-loyalty/tochka/picture"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil))
}

// config is the server's settings.
type config struct {
	db, listen, tlsCert, tlsKey string
	now                         func() time.Time
	sms                         smsConfig
}

// shutdownGrace is how long in-flight requests may take to finish once the
// server is told to stop.
const shutdownGrace = 30 * time.Second

// parseConfig reads the flags, each falling back to its TOCHKA_* variable.
func parseConfig(args []string, env func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("tochkad", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.db, "db", env("TOCHKA_DB"), "the ledger: sqlite:PATH or a plain path ($TOCHKA_DB)")
	fs.StringVar(&c.listen, "listen", or(env("TOCHKA_LISTEN"), "127.0.0.1:8080"), "the address to listen on ($TOCHKA_LISTEN)")
	fs.StringVar(&c.tlsCert, "tls-cert", env("TOCHKA_TLS_CERT"), "serve HTTPS with this certificate file ($TOCHKA_TLS_CERT)")
	fs.StringVar(&c.tlsKey, "tls-key", env("TOCHKA_TLS_KEY"), "and this key file ($TOCHKA_TLS_KEY)")
	c.sms.flags(fs, env)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := c.sms.check(); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.db == "":
		return c, errors.New("no ledger: give --db sqlite:PATH (or $TOCHKA_DB)")
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return c, errors.New("--tls-cert and --tls-key go together")
	}
	c.now = time.Now
	if v := env("TOCHKA_NOW"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return c, fmt.Errorf("TOCHKA_NOW: %q is not a time such as 2026-11-02T09:00:00Z", v)
		}
		c.now = func() time.Time { return t }
	}
	return c, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// run serves until ctx is done; ready, when not nil, receives the address
// it listens on once it does (for tests). It returns the exit status: 0
// after a clean stop, 1 when it could not start, 2 for bad usage.
func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer, ready chan<- string) int {
	cfg, err := parseConfig(args, env, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "tochkad: %v\n", err)
			return 2
		}
		return 0
	}
	log := newLogger(stdout)
	path, err := sqlite.PathOf(cfg.db)
	if err != nil {
		log.Error("tochkad cannot start", "err", err)
		return 1
	}
	if _, err := os.Stat(path); err != nil {
		log.Error("tochkad cannot start: no ledger there; make one with tochkactl init", "db", path, "err", err)
		return 1
	}
	store := sqlite.NewStore(path)
	store.Device = "tochkad"
	store.Logger = log
	store.Now = cfg.now
	// An upgrade of a v0.1.0 ledger imports its rewards' picture files as
	// tochkactl's board add reads them.
	store.ImportPicture = picture.ReadFile
	if err := store.Open(); err != nil {
		log.Error("tochkad cannot open the ledger", "db", path, "err", err)
		return 1
	}
	// What Open warns of (store.Warnings) the store has logged already.
	defer store.Close()

	m := newMetrics()
	sender, err := cfg.sms.sender(log, m)
	if err != nil {
		log.Error("tochkad cannot send SMS codes", "err", err)
		return 1
	}

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		log.Error("tochkad cannot listen", "addr", cfg.listen, "err", err)
		return 1
	}
	store.GroupCommitted = func(writes int) { m.groups.Observe(float64(writes)) }
	srv := &http.Server{
		Handler:           routes(store, api.NewHandler(counted{store, m}, api.Options{Logger: log, Now: cfg.now, Devices: store, Staff: store, Metrics: m.handler(), OTP: store, Phones: store, Sync: store, Sender: sender}), log, m),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("tochkad serves", "addr", ln.Addr().String(), "db", path, "tls", cfg.tlsCert != "")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	if err := serve(ctx, srv, ln, cfg.tlsCert, cfg.tlsKey); err != nil {
		log.Error("tochkad stopped", "err", err)
		return 1
	}
	log.Info("tochkad stopped")
	return 0
}

// serve serves on ln until ctx is done, then stops taking connections and
// waits for the requests in flight, at most shutdownGrace.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, cert, key string) error {
	errc := make(chan error, 1)
	go func() {
		if cert != "" {
			errc <- srv.ServeTLS(ln, cert, key)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(stop); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newLogger logs as JSON when stdout is not a terminal (a journal, a log
// collector), as text for a person otherwise.
func newLogger(stdout io.Writer) *slog.Logger {
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return slog.New(slog.NewTextHandler(stdout, nil))
	}
	return slog.New(slog.NewJSONHandler(stdout, nil))
}

// pinger is what readiness asks of the ledger.
type pinger interface {
	Ping(ctx context.Context) error
}

// routes puts the health and metrics routes beside the API and logs and
// times every request.
func routes(store pinger, apiHandler http.Handler, log *slog.Logger, m *metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			log.Error("the ledger does not answer", "err", err)
			http.Error(w, "the ledger does not answer\n", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.Handle("/", apiHandler)
	return logRequests(mux, log, m)
}
