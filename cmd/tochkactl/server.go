package main

// The CLI through the server: with --server URL --token TOKEN (or
// $TOCHKA_SERVER, $TOCHKA_TOKEN) the ledger the commands call is the
// central server's API (rewards/api's client) instead of a local file, with
// the same output and exit statuses, plus exit status 4 when a change was
// sent and no answer came back.

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// ledger is what the commands call: the union of the rewards service
// interfaces, which a local store and the API's client both implement.
type ledger interface{ api.Service }

var (
	_ ledger = (*sqlite.Store)(nil)
	_ ledger = (*api.Client)(nil)
)

// serverTimeout bounds each request to the server, the wait for its
// answer included: a change that times out has an unknown outcome.
// (A variable, so that a test need not wait as long.)
var serverTimeout = 30 * time.Second

// languageTimeout bounds the question of the program's language, asked
// when the command line gives none.
const languageTimeout = 5 * time.Second

// serverURL is --server, else $TOCHKA_SERVER; empty: the local ledger.
// $TOCHKA_SERVER is not for a command that opens no ledger (the scanner's,
// printer test): it runs as ever beside it, and is refused with --server.
// A --db flag, like every flag, wins over the environment: beside it
// $TOCHKA_SERVER is not used either.
func serverURL(in *invocation, env func(string) string) string {
	if s := in.global["server"]; s != "" {
		return s
	}
	if in.cmd.db == dbNone || in.global["db"] != "" {
		return ""
	}
	return env("TOCHKA_SERVER")
}

// refuseToken is the bad usage of --token on a command line that calls no
// server, or nil.
func refuseToken(in *invocation) *usageError {
	if in.global["token"] == "" {
		return nil
	}
	return &usageError{cmd: in.cmd, msg: lang.M("servercli.usage.token_alone", nil)}
}

// serverToken is --token, else $TOCHKA_TOKEN.
func serverToken(in *invocation, env func(string) string) string {
	if t := in.global["token"]; t != "" {
		return t
	}
	return env("TOCHKA_TOKEN")
}

// checkServerURL takes an http:// or https:// URL with a host.
func checkServerURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return rewards.Fail(rewards.EINVALID, "servercli.bad_url", lang.Args{"got": v})
	}
	return nil
}

// localOnly names the commands that work on a local ledger file only, and
// the catalog key of why: init makes the file; a backup copies it; devices
// are added on the ledger's host, which is how the first token is made, and
// so are staff members, whose audit log is read there too.
var localOnly = map[string]string{
	"init":          "servercli.why.init",
	"backup":        "servercli.why.backup",
	"device add":    "servercli.why.device",
	"device list":   "servercli.why.device",
	"device revoke": "servercli.why.device",
	// The staff commands, once they are in: they call the local store.
	"staff add":  "servercli.why.staff",
	"staff card": "servercli.why.staff",
	"staff list": "servercli.why.staff",
	"audit":      "servercli.why.staff",
	// A replica calls its upstream itself, with the token it keeps.
	"sync init":   "servercli.why.sync",
	"sync run":    "servercli.why.sync",
	"sync status": "servercli.why.sync",
}

// refuseWithServer is the bad usage of a command line with a server, or
// nil. --device is refused (the token says which device calls) and so is
// --db (one ledger at a time); $TOCHKA_DEVICE and $TOCHKA_DB are not used.
func refuseWithServer(in *invocation, env func(string) string) *usageError {
	bad := func(key string, args lang.Args) *usageError {
		return &usageError{cmd: in.cmd, msg: lang.M(key, args)}
	}
	server := serverURL(in, env)
	switch why, local := localOnly[in.cmd.name]; {
	case in.global["device"] != "":
		return bad("servercli.usage.device", nil)
	case in.global["db"] != "":
		return bad("servercli.usage.db", nil)
	case local:
		return bad("servercli.usage.local", lang.Args{"command": in.cmd.name, "why": lang.M(why, nil)})
	case in.cmd.db == dbNone:
		return bad("servercli.usage.local", lang.Args{"command": in.cmd.name, "why": lang.M("servercli.why.no_ledger", nil)})
	}
	if err := checkServerURL(server); err != nil {
		return bad("cli.usage.flag_problem", lang.Args{"flag": "server", "problem": errText{err}})
	}
	if serverToken(in, env) == "" {
		return bad("servercli.usage.token", nil)
	}
	return nil
}

// dialServer makes the API client the commands call, with the token and
// the reader's language, and returns the transport that watches its
// requests. A command line that gives no language reads the program's
// default from the server first.
func dialServer(c *cmdCtx, server, token string) *serverTransport {
	t := &serverTransport{base: http.DefaultTransport}
	hc := &http.Client{Transport: t, Timeout: serverTimeout}
	l := c.chosenLang()
	if l == "" {
		// Asked briefly: a server that does not answer soon leaves the
		// messages in English, and the command finds out why.
		ctx := c.ctx
		var cancel context.CancelFunc
		c.ctx, cancel = context.WithTimeout(ctx, languageTimeout)
		c.store = api.NewClient(server, hc, api.WithToken(token))
		l = c.readerLang()
		cancel()
		c.ctx = ctx
	}
	c.store = api.NewClient(server, hc, api.WithToken(token), api.WithLanguage(l))
	// Without --request-id a change gets one here, rather than from the
	// server, so that the command can be run again with it when its
	// answer is lost. A receipt and a return have their own id, and a
	// card batch makes its id itself.
	if f := findFlag(c.in.cmd.flags, "request-id"); f != nil && f.helpKey == requestIDFlag.helpKey && !c.in.set["request-id"] {
		c.in.set["request-id"] = true
		c.in.str["request-id"] = rand.Text()
	}
	return t
}

// serverTransport is the client's transport: it knows whether a change
// was sent and its answer not read in full, when the outcome is unknown.
type serverTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	sent bool // a change went out and its whole answer has not come back
}

func (t *serverTransport) setSent(v bool) {
	t.mu.Lock()
	t.sent = v
	t.mu.Unlock()
}

// unanswered reports whether a change was sent with no answer read.
func (t *serverTransport) unanswered() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sent
}

// RoundTrip implements http.RoundTripper. A change counts as sent from
// its first byte on the wire (a refused connection sends nothing), and as
// answered once its answer's body has been read to the end.
func (t *serverTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return t.base.RoundTrip(req)
	}
	trace := &httptrace.ClientTrace{WroteHeaders: func() { t.setSent(true) }}
	resp, err := t.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout {
		// A proxy's answer, not the server's: it may have passed the
		// change on. (The API's own refusals are never these, and a
		// refusal in the API's words is an answer all the same.)
		return resp, nil
	}
	resp.Body = &answerBody{ReadCloser: resp.Body, t: t}
	return resp, nil
}

// answerBody is a change's answer: read to its end, the change is
// answered.
type answerBody struct {
	io.ReadCloser
	t *serverTransport
}

func (b *answerBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.t.setSent(false)
	}
	return n, err
}

// unknownOutcome reports whether err leaves a change's outcome unknown: a
// command that changes the ledger sent its change to the server and got
// no answer (a timeout, a connection reset or closed, a proxy's 502 or
// 504). A refusal is an answer; a read that failed so changed nothing.
func (c *cmdCtx) unknownOutcome(err error) bool {
	var de *rewards.Error
	return c.remote != nil && c.in.cmd.changes && c.remote.unanswered() && !errors.As(err, &de)
}

// unknownError is exit status 4's message: why no answer came, and how to
// run the change again so that it is done once.
func (c *cmdCtx) unknownError(err error) error {
	retry := c.retryHint()
	if retry.Key == "" {
		// A receipt or a return without --request-id: its own id.
		retry = lang.M("servercli.retry_body", nil)
	}
	return rewards.Fail(rewards.EINTERNAL, "servercli.unknown", lang.Args{"error": strings.TrimSpace(err.Error()), "retry": retry})
}
