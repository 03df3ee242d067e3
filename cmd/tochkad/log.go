package main

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// traceHeader carries a request's trace id: the one the caller sent, or one
// made here. It names the request in the logs; it is not the idempotency
// id of a command, which is in the body.
const traceHeader = "X-Trace-Id"

// logRequests logs one line per request, with its trace id, route, status,
// size and duration, times it in the metrics, and answers the trace id in
// X-Trace-Id.
func logRequests(next http.Handler, log *slog.Logger, m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(traceHeader)
		if !validTrace(id) {
			id = newTrace()
		}
		w.Header().Set(traceHeader, id)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := r.Pattern // set by the mux that served the request
		if route == "" {
			route = "unmatched"
		}
		took := time.Since(start)
		m.observe(route, rec.status, took)
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("trace", id), slog.String("method", r.Method), slog.String("route", route),
			slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
			slog.Duration("took", took), slog.String("remote", r.RemoteAddr))
	})
}

// validTrace accepts a caller's trace id of 8 to 64 letters, digits and
// dashes: anything else would let a caller write into the logs.
func validTrace(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

func newTrace() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recorder keeps the status and size of an answer for the log line.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
