package printer

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// CUPS is the print backend for a CUPS queue: a card printer, an office
// printer for card sheets and posters, a receipt printer with a PDF driver.
//
// It runs lp, lpstat and lpoptions (the Debian package cups-client)
// rather than speaking IPP itself, so that whatever the machine's CUPS
// setup says (a remote server in client.conf, lpoptions defaults, the
// driver's options) applies to Tochka's jobs as to any other program's. The commands run in
// the C locale, whose messages are the ones parsed here; what a person reads
// is written here, in words a shop assistant can act on, with CUPS's own
// message after it.
type CUPS struct {
	// Queue is the CUPS queue (printer or class) name, as lpstat -p lists it.
	Queue string
	// LP is the lp command: a name looked up on $PATH or a path. Empty
	// means "lp".
	LP string
	// LPStat is the lpstat command. Empty means "lpstat".
	LPStat string
	// LPOptions is the lpoptions command, which lists a queue's driver
	// options. Empty means "lpoptions".
	LPOptions string
	// Server, when not empty, is the CUPS server the commands talk to
	// (CUPS_SERVER: host:port or a socket path); empty means the system's.
	Server string
}

var _ Printer = (*CUPS)(nil)

// NewCUPS returns a backend that prints on the CUPS queue.
func NewCUPS(queue string) *CUPS { return &CUPS{Queue: queue} }

// cupsTimeout bounds each lp and lpstat run when the caller's context has no
// deadline: they only hand the job to the scheduler, which answers at once
// unless it is hung.
const cupsTimeout = 30 * time.Second

// requestID finds the job id in lp's answer "request id is CARDS-12 (1 file(s))".
var requestID = regexp.MustCompile(`request id is (\S+)`)

// Print submits the PDF to the queue with lp (copies and media as the job
// says; the title shows in the queue) and returns the CUPS job id,
// "CARDS-12". The job is then CUPS's: Print does not wait for the paper.
//
// A queue that is stopped (cupsdisable, or CUPS stopped it after a printer
// fault) or that rejects jobs gets nothing: a card that comes out an hour
// later, when someone restarts the queue, is worse than an error now.
//
// A two-sided job (Sides) goes with sides=two-sided-long-edge, which CUPS
// maps to the driver's duplex option, to a queue whose driver has one
// (TwoSided). A queue that prints one side only, or does not say, never
// gets it silently one-sided: it gets the fronts (the odd pages) as one
// job, printed now, and the backs (the even pages) as a second job held
// in the queue, and the warning says how to put the printed sheets back
// and release the backs (lp -i JOB -H resume).
func (c *CUPS) Print(ctx context.Context, j Job) (Sent, error) {
	if j.Format != FormatPDF {
		return Sent{}, rewards.Fail(rewards.EINVALID, "printer.error.cups_not_pdf", lang.Args{"queue": c.Queue, "format": j.Format})
	}
	if len(j.Data) == 0 {
		return Sent{}, rewards.Fail(rewards.EINVALID, "printer.error.cups_empty", lang.Args{"queue": c.Queue})
	}
	if err := checkQueueName(c.Queue); err != nil {
		return Sent{}, err
	}
	if !validMedia(j.Media) {
		return Sent{}, rewards.Fail(rewards.EINVALID, "printer.error.cups_media", lang.Args{"queue": c.Queue, "media": j.Media})
	}
	if j.Sides != "" && j.Sides != TwoSidedLongEdge {
		return Sent{}, rewards.Fail(rewards.EINVALID, "printer.error.cups_sides", lang.Args{"queue": c.Queue, "sides": j.Sides})
	}
	ctx, cancel := bounded(ctx)
	defer cancel()

	// Ask first: lp queues a job on a stopped printer without a word. When
	// lpstat cannot tell (it is missing, or its answer is not understood),
	// lp is asked all the same.
	if st, err := c.state(ctx); err == nil {
		if err := st.refusal(c.Queue); err != nil {
			return Sent{}, err
		}
	} else if code := rewards.ErrorCode(err); code == rewards.ENOTFOUND || code == rewards.EREFUSED {
		return Sent{}, err
	} else if ctx.Err() != nil {
		return Sent{}, err
	}

	args := []string{"-d", c.Queue, "-t", jobTitle(j.Title), "-n", strconv.Itoa(max(j.Copies, 1))}
	if j.Media != "" {
		args = append(args, "-o", "media="+j.Media)
	}
	if j.Sides == "" {
		id, err := c.submit(ctx, args, j.Data)
		if err != nil {
			return Sent{}, err
		}
		return Sent{Jobs: []string{id}}, nil
	}
	twoSided, why := c.TwoSided(ctx)
	if ctx.Err() != nil {
		return Sent{}, why
	}
	if twoSided {
		id, err := c.submit(ctx, append(args, "-o", "sides="+j.Sides), j.Data)
		if err != nil {
			return Sent{}, err
		}
		return Sent{Jobs: []string{id}}, nil
	}
	// One side only: the same document twice, CUPS picking the pages.
	fronts, err := c.submit(ctx, append(slices.Clip(args), "-o", "page-set=odd"), j.Data)
	if err != nil {
		return Sent{}, err
	}
	backs, err := c.submit(ctx, append(slices.Clip(args), "-o", "page-set=even", "-H", "hold"), j.Data)
	if err != nil {
		return Sent{Jobs: []string{fronts}}, rewards.Fail(rewards.ErrorCode(err), "printer.error.cups_backs",
			lang.Args{"queue": c.Queue, "fronts": fronts, "error": rewards.Detail(err)})
	}
	var detail any = "" // why the queue does not say it prints both sides, if it was asked and did not answer
	if why != nil {
		detail = rewards.Detail(why)
	}
	return Sent{Jobs: []string{fronts, backs}, Warnings: []lang.Msg{lang.M("printer.warning.one_sided",
		lang.Args{"queue": c.Queue, "fronts": fronts, "backs": backs, "why": detail})}}, nil
}

// submit runs lp with args and the document on its stdin, and returns the
// job id it answers.
func (c *CUPS) submit(ctx context.Context, args []string, data []byte) (string, error) {
	args = append(slices.Clip(args), "-") // the document on stdin: no temporary file to leave behind
	stdout, stderr, err := c.run(ctx, c.lp(), args, data)
	if err != nil {
		return "", c.failure(ctx, "lp", stderr, err)
	}
	if m := requestID.FindStringSubmatch(stdout); m != nil {
		return m[1], nil
	}
	// lp said yes in words not foreseen: the job is queued all the same,
	// and reprinting would print it twice.
	if s := strings.TrimSpace(stdout); s != "" {
		return s, nil
	}
	return c.Queue, nil
}

// duplexOptions are the driver options CUPS maps sides= to, in the order
// it looks for them; it takes the first the driver has (cups/ppd-cache.c).
var duplexOptions = []string{"Duplex", "JCLDuplex", "EFDuplex", "EFDuplexing", "KD03Duplex"}

// TwoSided tells whether the queue prints on both sides, flipping on the
// long edge: whether its driver has the duplex option CUPS maps
// sides=two-sided-long-edge to, with a choice for the long edge, as
// lpoptions -l lists the driver's options. A queue without a driver (a
// raw queue) or whose options cannot be read does not say so: the error
// says why.
func (c *CUPS) TwoSided(ctx context.Context) (bool, error) {
	if err := checkQueueName(c.Queue); err != nil {
		return false, err
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	stdout, stderr, err := c.run(ctx, c.lpoptions(), []string{"-p", c.Queue, "-l"}, nil)
	if err != nil {
		return false, c.failure(ctx, "lpoptions", stderr, err)
	}
	options := map[string][]string{}
	for _, line := range strings.Split(stdout, "\n") {
		name, choices, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "/")
		for _, ch := range strings.Fields(choices) {
			options[name] = append(options[name], strings.TrimPrefix(ch, "*"))
		}
	}
	for _, name := range duplexOptions {
		choices, ok := options[name]
		if !ok {
			continue
		}
		return slices.ContainsFunc(choices, func(ch string) bool {
			l := strings.ToLower(ch)
			return strings.HasPrefix(l, "duplexnotumble") || l == "longedge" || l == "top"
		}), nil
	}
	return false, nil
}

// Status says how the queue is, as lpstat sees it: "CARDS: idle",
// "CARDS: printing CARDS-12". A queue that is stopped or rejects jobs, an
// unknown queue and an unreachable CUPS are errors with the same messages
// Print gives.
func (c *CUPS) Status(ctx context.Context) (string, error) {
	if err := checkQueueName(c.Queue); err != nil {
		return "", err
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	st, err := c.state(ctx)
	if err != nil {
		return "", err
	}
	if err := st.refusal(c.Queue); err != nil {
		return "", err
	}
	s := c.Queue + ": " + st.activity
	if st.message != "" {
		s += " (" + st.message + ")"
	}
	return s, nil
}

// queueState is what lpstat -p Q -a Q says of a queue.
type queueState struct {
	enabled, accepting bool
	activity           string // "idle", "printing CARDS-12"
	message            string // the printer's state message, why it stopped
}

// refusal is the error for a queue that would not print a job now, or nil.
func (st queueState) refusal(queue string) error {
	why := "" // the printer's own words, as CUPS has them
	if st.message != "Paused" {
		why = st.message
	}
	switch {
	case !st.enabled:
		return rewards.Fail(rewards.EREFUSED, "printer.error.cups_stopped", lang.Args{"queue": queue, "why": why})
	case !st.accepting:
		return rewards.Fail(rewards.EREFUSED, "printer.error.cups_rejecting", lang.Args{"queue": queue, "why": why})
	}
	return nil
}

// state runs lpstat for the queue and reads its answer:
//
//	printer CARDS is idle.  enabled since Thu Nov 26 18:19:16 2026
//	printer CARDS now printing CARDS-12.  enabled since ...
//	printer CARDS disabled since Thu Nov 26 18:20:53 2026 -
//		card hopper empty
//	CARDS accepting requests since Thu Nov 26 18:19:16 2026
//	CARDS not accepting requests since Thu Nov 26 18:20:53 2026 -
func (c *CUPS) state(ctx context.Context) (queueState, error) {
	stdout, stderr, err := c.run(ctx, c.lpstat(), []string{"-p", c.Queue, "-a", c.Queue}, nil)
	if err != nil {
		return queueState{}, c.failure(ctx, "lpstat", stderr, err)
	}
	var st queueState
	var sawPrinter, sawAccept bool
	last := ""
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "\t") || strings.HasPrefix(line, " ") {
			// A state message belongs to the line before; the printer's
			// and the acceptance's are the same message.
			if msg := strings.TrimSpace(line); msg != "" && last != "" {
				st.message = msg
			}
			continue
		}
		switch rest, ok := strings.CutPrefix(line, "printer "+c.Queue+" "); {
		case ok:
			sawPrinter, last = true, "printer"
			st.enabled = !strings.HasPrefix(rest, "disabled")
			switch {
			case strings.HasPrefix(rest, "is idle"):
				st.activity = "idle"
			case strings.HasPrefix(rest, "now printing "):
				job, _, _ := strings.Cut(strings.TrimPrefix(rest, "now printing "), " ")
				st.activity = "printing " + strings.TrimSuffix(job, ".")
			case !st.enabled:
				st.activity = "stopped"
			default:
				st.activity = strings.TrimSpace(rest)
			}
		case strings.HasPrefix(line, c.Queue+" accepting requests"):
			sawAccept, last, st.accepting = true, "accept", true
		case strings.HasPrefix(line, c.Queue+" not accepting requests"):
			sawAccept, last = true, "accept"
		default:
			last = ""
		}
	}
	if !sawPrinter || !sawAccept {
		return queueState{}, fmt.Errorf("lpstat -p %s: unexpected answer %q", c.Queue, stdout)
	}
	return st, nil
}

// failure turns a failed lp or lpstat into what a person can act on.
func (c *CUPS) failure(ctx context.Context, tool, stderr string, err error) error {
	msg := lpMessage(stderr)
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return rewards.Fail(rewards.EINTERNAL, "printer.error.cups_tool_missing", lang.Args{"tool": tool})
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return rewards.Fail(rewards.EREFUSED, "printer.error.cups_timeout", lang.Args{"queue": c.Queue, "tool": tool})
	case ctx.Err() != nil:
		return fmt.Errorf("printer %s: %w", c.Queue, ctx.Err())
	case strings.Contains(msg, "does not exist"), strings.Contains(msg, "Invalid destination name"),
		strings.Contains(msg, "Unknown destination"):
		// lp says the same when there is no scheduler to ask: ask it.
		if !c.schedulerRunning(ctx) {
			return c.notRunning()
		}
		// lp and lpstat word it differently; one message for both.
		return rewards.Fail(rewards.ENOTFOUND, "printer.error.cups_no_queue", lang.Args{"queue": c.Queue})
	case strings.Contains(msg, "not accepting jobs"):
		return rewards.Fail(rewards.EREFUSED, "printer.error.cups_rejecting", lang.Args{"queue": c.Queue, "why": msg})
	case strings.Contains(msg, "Unable to connect"), strings.Contains(msg, "Connection refused"),
		strings.Contains(msg, "scheduler is not running"):
		return c.notRunning()
	case strings.Contains(msg, "Forbidden"), strings.Contains(msg, "Unauthorized"),
		strings.Contains(msg, "not authorized"), strings.Contains(msg, "not allowed"):
		return rewards.Fail(rewards.EFORBIDDEN, "printer.error.cups_forbidden", lang.Args{"queue": c.Queue, "detail": msg})
	}
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("%s -d %s: %s: %w", tool, c.Queue, msg, err)
}

func (c *CUPS) notRunning() error {
	return rewards.Fail(rewards.EREFUSED, "printer.error.cups_not_running", lang.Args{"queue": c.Queue, "server": c.Server})
}

// schedulerRunning asks lpstat -r whether cupsd answers; when that cannot
// be told it says yes, so that the message names the queue.
func (c *CUPS) schedulerRunning(ctx context.Context) bool {
	stdout, _, err := c.run(ctx, c.lpstat(), []string{"-r"}, nil)
	return err != nil || !strings.Contains(stdout, "not running")
}

// run runs a CUPS command in the C locale with stdin as its input.
func (c *CUPS) run(ctx context.Context, name string, args []string, stdin []byte) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	if c.Server != "" {
		cmd.Env = append(cmd.Env, "CUPS_SERVER="+c.Server)
	}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 2 * time.Second // a child that keeps the pipes open must not hold us
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

func (c *CUPS) lp() string     { return cmp.Or(c.LP, "lp") }
func (c *CUPS) lpstat() string { return cmp.Or(c.LPStat, "lpstat") }

func (c *CUPS) lpoptions() string { return cmp.Or(c.LPOptions, "lpoptions") }

// bounded gives ctx the default deadline when it has none.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, cupsTimeout)
}

// lpMessage is lp's complaint without its decorations: "lp: Error - The
// printer or class does not exist." becomes "The printer or class does not
// exist.", lines joined.
func lpMessage(stderr string) string {
	var lines []string
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		for _, p := range []string{"lp:", "lpstat:", "Error -"} {
			line = strings.TrimSpace(strings.TrimPrefix(line, p))
		}
		if line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, " ")
}

// CheckQueueName refuses what cannot be a CUPS queue's name, as Print
// and Status do (checkQueueName), so that a setting naming a queue is
// refused before anything asks CUPS.
func CheckQueueName(q string) error { return checkQueueName(q) }

// checkQueueName refuses what CUPS would not take as a queue name (it has
// no spaces, slashes, quotes, '?' or '#'), what lp would read as an option,
// and lp's QUEUE@HOST, which lpstat does not take: a queue of another CUPS
// server is reached through that server (Server, or client.conf).
func checkQueueName(q string) error {
	if q == "" {
		return rewards.Fail(rewards.EINVALID, "printer.error.cups_queue_missing", nil)
	}
	bad := strings.HasPrefix(q, "-") || len(q) > 127
	for _, r := range q {
		if r <= ' ' || r == 0x7F || strings.ContainsRune(`/\'"#?@`, r) {
			bad = true
		}
	}
	if bad {
		return rewards.Fail(rewards.EINVALID, "printer.error.cups_queue_bad", lang.Args{"queue": q})
	}
	return nil
}

// validMedia accepts CUPS media names ("A4", "iso_a4_210x297mm",
// "Custom.85.6x53.98mm") and nothing that lp would split into further
// options.
func validMedia(m string) bool {
	for _, r := range m {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return false
		}
	}
	return true
}

// jobTitle is the title shown in the queue: one line, and never empty
// (lp would show "(stdin)").
func jobTitle(t string) string {
	t = strings.Join(strings.FieldsFunc(t, func(r rune) bool { return r < ' ' || r == 0x7F }), " ")
	if strings.TrimSpace(t) == "" {
		return "Tochka"
	}
	return t
}
