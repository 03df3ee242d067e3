// Command tochkactl is the operator CLI of Tochka: it installs the loyalty
// program, issues and manages cards, posts receipts and returns, shows
// balances and history, records cooperatives and stores, edits the reward
// board, redeems and settles vouchers, adds and revokes the devices that
// call the central API, checks the ledger, prints cards,
// vouchers and the board as a poster, and decodes barcode scanner captures.
//
// It is wiring only: it parses the command line, calls the ledger store
// (rewards/sqlite), or with --server the central server's API
// (rewards/api), and the layouts and print backends (printer,
// printer/usb), and prints what came back, for a person or, with --json,
// for a program.
// Every rule lives in package rewards.
//
// Every command that changes the ledger takes --request-id ID, its
// idempotency key: after an outcome that did not reach the operator, the
// same command with the same ID changes nothing more and answers as the
// first time did (card batch resumes where it stopped).
//
// With --server URL --token TOKEN (or $TOCHKA_SERVER, $TOCHKA_TOKEN) the
// ledger is the central server's, called through its API (server.go): the
// same commands with the same output, bar the few that need a local file
// (init, backup, the device commands), which are refused, as --device and
// --db are beside a server.
//
// Commands that change nothing (balance, history, check, voucher and
// board print, ...) open the ledger read-only (card print records the
// batch cards it printed, so it writes): they read a ledger made by a
// newer Tochka, which refuses every change, and wait on no writer. An older
// ledger is upgraded by any command, these included.
//
// Exit status:
//
//	0  done.
//	1  refused, or failed: nothing changed; the reason is on stderr.
//	2  bad usage: an unknown command or flag, a missing argument, a bad value.
//	3  done, but not all of it reached you: the ledger changed, then writing
//	   the answer or printing what was made failed; stderr says what was
//	   done (the card numbers, the voucher code) and what failed.
//	4  outcome unknown (with --server): a change was sent and no answer
//	   came back (a timeout, a lost connection); the server may have done
//	   it. The same command with the same --request-id (stderr names it;
//	   a receipt's or a return's own id) does it once and answers.
//
// With --json an error is one JSON document on stderr,
// {"error":{"code":...,"key":...,"args":{...},"message":...}}, with the code
// of rewards' vocabulary; without it, one line a person reads.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/picture"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
	"github.com/tochka-loyalty/tochka/scanner/serial"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// Exit statuses.
const (
	exitOK      = 0 // done
	exitRefused = 1 // refused or failed: nothing changed
	exitUsage   = 2 // bad usage
	exitPartial = 3 // done, but not all of it reached you
	exitUnknown = 4 // outcome unknown: the server may have done it
)

// run runs one command line and returns the exit status. It is main without
// the process: tests call it in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) (status int) {
	in, err := parseLine(args)
	jsonErrors := in.globalBool("json")
	early := &cmdCtx{in: in, json: jsonErrors, env: env} // errors before a ledger is open
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			early.printUsageError(stderr, ue)
			return exitUsage
		}
		early.printError(stderr, err)
		return exitRefused
	}
	if in.globalBool("help") || (in.cmd != nil && in.cmd.name == "help") {
		printHelp(stdout, in, early.readerLang())
		return exitOK
	}
	if in.cmd.changes {
		// A command that changed the ledger says so when its answer cannot
		// be written, rather than die of SIGPIPE after the change.
		signal.Ignore(syscall.SIGPIPE)
	}

	now, err := hostClock(env)
	if ue := (*usageError)(nil); errors.As(err, &ue) {
		ue.cmd = in.cmd
		early.printUsageError(stderr, ue)
		return exitUsage
	}
	out := &checkedWriter{w: stdout}
	c := &cmdCtx{ctx: context.Background(), in: in, stdin: stdin, out: out, errOut: stderr, json: jsonErrors, env: env, at: now()}
	if t, ok := in.times["at"]; ok {
		c.at = t
	}
	if server := serverURL(in, env); server != "" {
		if ue := refuseWithServer(in, env); ue != nil {
			early.printUsageError(stderr, ue)
			return exitUsage
		}
		c.remote = dialServer(c, server, serverToken(in, env))
	} else if ue := refuseToken(in); ue != nil {
		early.printUsageError(stderr, ue)
		return exitUsage
	} else if in.cmd.db != dbNone {
		path, err := dbPath(in, env)
		if err != nil {
			c.printError(stderr, err)
			return exitRefused
		}
		_, statErr := os.Stat(path)
		created := in.cmd.db == dbCreate && errors.Is(statErr, fs.ErrNotExist)
		store, err := openStore(path, in.cmd.db, deviceID(in, env), now, stderr)
		if err != nil {
			if created {
				removeLedger(path)
			}
			c.printError(stderr, err)
			return exitRefused
		}
		defer store.Close()
		c.store, c.local = store, store
		if store.IsReplica() {
			if err := c.onReplica(); err != nil {
				c.printError(stderr, err)
				return exitRefused
			}
		}
		for _, w := range store.Warnings {
			fmt.Fprintln(stderr, lang.Text(c.readerLang(), "out.warning", lang.Args{"warning": w}))
		}
		// An init that made a new file and is then refused leaves no file;
		// one that committed keeps it, whatever failed after.
		if created {
			defer func() {
				if status == exitRefused || status == exitUsage {
					store.Close()
					removeLedger(path)
				}
			}()
		}
	}
	err = in.cmd.run(c)
	if out.err != nil && (err == nil || errors.Is(err, out.err)) {
		err = fmt.Errorf("write the answer: %w", out.err)
	}
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case c.done.Key != "":
		c.printError(stderr, &partialError{done: c.done, err: err, retry: c.retryHint()})
		return exitPartial
	case c.unknownOutcome(err):
		c.printError(stderr, c.unknownError(err))
		return exitUnknown
	case errors.As(err, &ue):
		// A command may find bad usage the parser cannot, such as flags
		// that do not go together.
		c.printUsageError(stderr, ue)
		return exitUsage
	}
	c.printError(stderr, err)
	return exitRefused
}

// partialError is a failure after the ledger changed: what was done, and
// what then failed.
type partialError struct {
	done  lang.Msg // "card 2912345678906 was issued"
	err   error
	retry lang.Msg // how to get the answer again, if there is a way
}

func (e *partialError) Error() string { return e.text(lang.EN) }

// text is the error in language l.
func (e *partialError) text(l string) string {
	msg := lang.Text(l, "out.partial", lang.Args{"done": e.done, "error": errorText(e.err, l)})
	if e.retry.Key != "" {
		msg += "; " + e.retry.In(l)
	}
	return msg
}

func (e *partialError) Unwrap() error { return e.err }

// retryHint says how to get the answer of a command that changed the
// ledger again: its --request-id.
func (c *cmdCtx) retryHint() lang.Msg {
	if c.retry.Key != "" {
		return c.retry
	}
	if id := c.in.str["request-id"]; id != "" {
		return lang.M("out.retry", lang.Args{"id": id})
	}
	return lang.Msg{}
}

// checkedWriter keeps the first error writing to stdout, so that an answer
// that was not written is not taken for done.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (w *checkedWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	w.err = err
	return n, err
}

// errorJSON is an error as --json prints it on stderr. Key and Args are
// the message's catalog key and arguments: empty until messages have keys.
type errorJSON struct {
	Error struct {
		Code    string         `json:"code"`
		Key     string         `json:"key"`
		Args    map[string]any `json:"args"`
		Message string         `json:"message"`
	} `json:"error"`
}

// printError writes an error to stderr in the reader's language: one line
// for a person, with what to run where a command helps, or with --json one
// JSON document carrying the message's key and arguments.
func (c *cmdCtx) printError(stderr io.Writer, err error) {
	l := c.readerLang()
	msg := errorText(err, l)
	if pe, ok := err.(*partialError); ok {
		msg = pe.text(l)
	}
	var de *rewards.Error
	isDomain := errors.As(err, &de)
	if !c.json {
		if isDomain && lang.Has(l, "cli.hint."+de.Key) {
			msg += " " + lang.Text(l, "cli.hint."+de.Key, nil)
		}
		fmt.Fprintf(stderr, "tochkactl: %s\n", msg)
		return
	}
	var e errorJSON
	e.Error.Code, e.Error.Args, e.Error.Message = rewards.ErrorCode(err), map[string]any{}, msg
	if isDomain && de.Key != "" {
		e.Error.Key, e.Error.Args = de.Key, de.Args
	}
	enc := json.NewEncoder(stderr)
	enc.SetEscapeHTML(false)
	enc.Encode(e)
}

// printUsageError writes bad usage to stderr, with the usage line of the
// command, or of the program when no command was recognised.
func (c *cmdCtx) printUsageError(stderr io.Writer, ue *usageError) {
	usage := programUsage
	if ue.cmd != nil {
		usage = "tochkactl " + ue.cmd.synopsis()
	}
	l := c.readerLang()
	if c.json {
		c.printError(stderr, rewards.Fail(rewards.EINVALID, "cli.usage", lang.Args{"problem": ue.msg, "usage": usage}))
		return
	}
	fmt.Fprintf(stderr, "tochkactl: %s\n%s\n", ue.msg.In(l), lang.Text(l, "cli.usage_line", lang.Args{"usage": usage}))
	fmt.Fprintln(stderr, lang.Text(l, "cli.run_help", nil))
}

// errorText is what a person reads: a domain error's message in language
// l (an internal one too, when the catalog words it: a missing lp), or the
// whole chain of an internal fault (for the operator who has to act on it).
func errorText(err error, l string) string {
	var e *rewards.Error
	if rewards.ErrorCode(err) == rewards.EINTERNAL && !(errors.As(err, &e) && e.Key != "") {
		return err.Error()
	}
	return rewards.ErrorText(err, l)
}

// dbPath is the path of --db, else of $TOCHKA_DB (sqlite:PATH or a plain
// path), else tochka/tochka.db under the user's data directory
// ($XDG_DATA_HOME or ~/.local/share).
func dbPath(in *invocation, env func(string) string) (string, error) {
	if p := in.global["db"]; p != "" {
		return sqlite.PathOf(p)
	}
	if p := env("TOCHKA_DB"); p != "" {
		return sqlite.PathOf(p)
	}
	dir := env("XDG_DATA_HOME")
	if dir == "" {
		home := env("HOME")
		if home == "" {
			var err error
			if home, err = os.UserHomeDir(); err != nil {
				return "", fmt.Errorf("no --db given and no home directory to keep the database in: %w", err)
			}
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "tochka", "tochka.db"), nil
}

// hostClock is the clock of the ledger's host: this machine's, unless
// $TOCHKA_NOW (RFC 3339) fixes it, for a demo, a test or a replay of old
// data. It is the ledger's now, not --at: a command dated more than the
// program's [ledger] max_clock_skew ahead of it is refused.
func hostClock(env func(string) string) (func() time.Time, error) {
	v := env("TOCHKA_NOW")
	if v == "" {
		return time.Now, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, badUsage(nil, "now", lang.Args{"got": v})
	}
	return func() time.Time { return t }, nil
}

// deviceID is --device, else $TOCHKA_DEVICE, else tochkactl@HOSTNAME.
func deviceID(in *invocation, env func(string) string) string {
	if d := in.global["device"]; d != "" {
		return d
	}
	if d := env("TOCHKA_DEVICE"); d != "" {
		return d
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return "tochkactl@" + host
}

// removeLedger removes a ledger file that a refused init made, with the
// files SQLite keeps beside it.
func removeLedger(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		os.Remove(p)
	}
}

// openStore opens the ledger. Only init creates a database; every other
// command refuses a path where there is none, rather than leave an empty
// file behind a typo. A command that only reads opens it read-only, so
// that a ledger a newer Tochka made is read (and refused for writing), and
// upgrades an older ledger first, as every command did before reads were
// read-only.
func openStore(path string, mode dbMode, device string, now func() time.Time, stderr io.Writer) (*sqlite.Store, error) {
	if mode == dbCreate {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create the database directory: %w", err)
		}
	} else if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, rewards.Fail(rewards.ENOTFOUND, "cli.error.no_database", lang.Args{"path": path})
	}
	open := func(readOnly bool) (*sqlite.Store, error) {
		s := sqlite.NewStore(path)
		s.Create = mode == dbCreate
		s.ReadOnly = readOnly
		s.Device = device
		// The store's now is the host's clock, not --at: it bounds how far
		// ahead a command may be dated, stamps a command given without --at,
		// and is when a voucher's status and the board's stock are read.
		s.Now = now
		// An upgrade of a v0.1.0 ledger imports its rewards' picture files
		// as `board add --picture` reads them.
		s.ImportPicture = picture.ReadFile
		// What the store warns of it also returns (Store.Warnings), which
		// the command tells in the reader's language: logged, it would be
		// told twice.
		s.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		if err := s.Open(); err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := open(mode == dbRead)
	if mode == dbRead && errors.Is(err, sqlite.ErrUpgrade) {
		w, werr := open(false)
		if werr != nil {
			return nil, werr
		}
		if werr := w.Close(); werr != nil {
			return nil, fmt.Errorf("upgrade %s: %w", path, werr)
		}
		if s, err = open(true); err == nil {
			s.Warnings = w.Warnings // the upgrade's, for the command to tell
		}
	}
	return s, err
}

// cmdCtx is what a command runs with.
type cmdCtx struct {
	ctx    context.Context
	in     *invocation
	stdin  io.Reader
	out    *checkedWriter // stdout, keeping the first error writing to it
	errOut io.Writer      // warnings and progress, never the result
	json   bool
	env    func(string) string
	at     time.Time // --at, or now (the host's clock, or $TOCHKA_NOW)
	// store is the ledger the commands call: the local file's store, or
	// the server's API client with --server.
	store ledger
	// local is the local file's store, nil with --server: what only a
	// local ledger does (backup, devices, check's progress).
	local *sqlite.Store
	// remote watches the requests to the server, nil without --server.
	remote *serverTransport
	prog   *rewards.Program
	// done says what the command changed in the ledger, once it has: an
	// error after that is exit status 3, not a refusal.
	done lang.Msg
	// retry, when set, says how to get what did not reach the operator;
	// else --request-id does.
	retry lang.Msg
}

// changed records what the command has done to the ledger.
func (c *cmdCtx) changed(key string, args lang.Args) { c.done = lang.M(key, args) }

// program is the program in force, for time zones, currency and units.
func (c *cmdCtx) program() (*rewards.Program, error) {
	if c.prog == nil {
		p, err := c.store.Program(c.ctx)
		if err != nil {
			return nil, err
		}
		c.prog = p
	}
	return c.prog, nil
}

// printJSON writes v as the command's one JSON document.
func (c *cmdCtx) printJSON(v any) error {
	enc := json.NewEncoder(c.out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printHelp prints the usage of every command, or of one command or group,
// in language l. Every text is the catalog's: help.cmd.* for a command,
// help.flag.* for its flags, help.global.* for the global ones.
func printHelp(w io.Writer, in *invocation, l string) {
	t := func(key string) string { return lang.Text(l, key, helpArgs) }
	if in.cmd != nil && in.cmd.name != "help" {
		fmt.Fprintf(w, "%s\n\n%s\n", lang.Text(l, "cli.usage_line", lang.Args{"usage": "tochkactl " + in.cmd.synopsis()}), t(in.cmd.helpKey()))
		if len(in.cmd.flags) > 0 {
			fmt.Fprintf(w, "\n%s\n", t("help.flags"))
			for _, f := range in.cmd.flags {
				fmt.Fprintf(w, "  %-18s %s\n", flagUsage(f), t(flagHelpKey(in.cmd, f)))
			}
		}
		fmt.Fprintf(w, "\n%s\n", t("help.exit_status"))
		return
	}
	fmt.Fprintln(w, t("help.intro"))
	fmt.Fprintf(w, "\n%s\n", lang.Text(l, "cli.usage_line", lang.Args{"usage": programUsage}))
	fmt.Fprintf(w, "\n%s\n", t("help.commands"))
	for _, cmd := range commands {
		if in.group != "" && !strings.HasPrefix(cmd.name, in.group+" ") {
			continue
		}
		fmt.Fprintf(w, "  tochkactl %s\n      %s\n", cmd.synopsis(), t(cmd.helpKey()))
	}
	fmt.Fprintf(w, "\n%s\n", t("help.global_flags"))
	for _, f := range globalFlags {
		fmt.Fprintf(w, "  %-18s %s\n", flagUsage(f), t(flagHelpKey(nil, f)))
	}
	fmt.Fprintf(w, "\n%s\n%s\n", t("help.notes"), t("help.exit_status"))
}

// programUsage is the usage line of the program.
const programUsage = "tochkactl [--db URL] [--server URL --token TOKEN] [--json] [--lang bg|ru|en] [--device ID] COMMAND [ARGS] [FLAGS]"

// helpArgs are the arguments the help texts take.
var helpArgs = lang.Args{"max_batch": maxBatch, "serial_port": serial.DefaultPort, "person": lang.M("help.person", nil)}

// helpKey is the catalog key of the command's help text: help.cmd.card_issue.
func (c *command) helpKey() string { return "help.cmd." + keyWord(c.name) }

// flagHelpKey is the catalog key of the help text of flag f of cmd, or of
// a global flag when cmd is nil: the flag's own helpKey when several
// commands share it, else help.flag.card_link.pool, or
// help.global.lang.
func flagHelpKey(cmd *command, f flagSpec) string {
	switch {
	case f.helpKey != "":
		return f.helpKey
	case cmd == nil:
		return "help.global." + keyWord(f.name)
	}
	return "help.flag." + keyWord(cmd.name) + "." + keyWord(f.name)
}

// keyWord is a command's or a flag's name as part of a catalog key: its
// spaces and dashes written as underscores.
func keyWord(name string) string { return strings.NewReplacer(" ", "_", "-", "_").Replace(name) }

func flagUsage(f flagSpec) string {
	if f.kind == kindBool {
		return "--" + f.name
	}
	return "--" + f.name + " " + f.value
}
