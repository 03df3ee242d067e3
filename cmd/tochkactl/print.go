package main

// Printing: cards, batches of new cards, vouchers, the reward board and a
// printer's test page. Package printer lays each document out; the command
// then sends it to the one destination its flags name: a file, a CUPS queue
// or a USB ESC/POS printer. Everything is looked up and rendered before the
// destination is touched, so that input the rules refuse prints nothing and
// leaves no file behind.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/usb"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/usbhost"
)

// destinationGroup is the oneOf group of the destination flags: every print
// command takes exactly one of them.
const destinationGroup = "destination"

// The destination flags, and the other flags the print commands share.
var (
	outFlag        = flagSpec{name: "out", kind: kindString, value: "FILE", oneOf: destinationGroup, check: notEmpty, helpKey: "help.flag.out"}
	voucherOutFlag = flagSpec{name: "out", kind: kindString, value: "FILE.pdf", oneOf: destinationGroup, check: notEmpty}
	escposFlag     = flagSpec{name: "escpos", kind: kindString, value: "FILE", oneOf: destinationGroup, check: notEmpty}
	printerFlag    = flagSpec{name: "printer", kind: kindString, value: "QUEUE", oneOf: destinationGroup, check: notEmpty, helpKey: "help.flag.printer"}
	usbFlag        = flagSpec{name: "usb", kind: kindString, value: "VID:PID", oneOf: destinationGroup, check: checkVIDPID, helpKey: "help.flag.usb"}

	layoutFlag = flagSpec{name: "layout", kind: kindString, value: "card|sheet", choices: []string{layoutCard, layoutSheet}, helpKey: "help.flag.layout"}
)

// Card layouts, the values of --layout.
const (
	layoutCard  = "card"
	layoutSheet = "sheet"
)

// maxBatch is the most cards one card batch issues: 1,000 A4 sheets. A
// larger run is better split, so that a jam costs one batch, not a day's.
const maxBatch = 10000

func notEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("needs a value")
	}
	return nil
}

// checkVIDPID refuses a --usb that is not VID:PID before anything is done.
func checkVIDPID(v string) error {
	_, _, err := usbhost.ParseVIDPID(v)
	return err
}

// between vets a whole number flag's range; the parser has checked it is a
// number.
func between(lo, hi int64) func(string) error {
	return func(v string) error {
		if n, _ := strconv.ParseInt(v, 10, 64); n < lo || n > hi {
			return fmt.Errorf("%s is not between %d and %d", v, lo, hi)
		}
		return nil
	}
}

// lang is --lang, else $TOCHKA_LANG, else the program's default language.
func (c *cmdCtx) lang(p *rewards.Program) string {
	if l := c.chosenLang(); l != "" {
		return l
	}
	return p.Language()
}

// chosenLang is --lang, else $TOCHKA_LANG when it names a language of the
// catalog, else "".
func (c *cmdCtx) chosenLang() string {
	if l := c.in.global["lang"]; l != "" {
		return l
	}
	if c.env != nil {
		if l := strings.ToLower(c.env("TOCHKA_LANG")); lang.Valid(l) {
			return l
		}
	}
	return ""
}

// readerLang is the language of the lines a person reads: --lang, else
// $TOCHKA_LANG, else the program's default when a ledger with a program is
// open, else English.
func (c *cmdCtx) readerLang() string {
	if l := c.chosenLang(); l != "" {
		return l
	}
	if c.store != nil {
		if p, err := c.program(); err == nil {
			return p.Language()
		}
	}
	return lang.EN
}

// destination is where a print command sends what it rendered: the flag of
// the destination group that was given, and its value.
type destination struct {
	flag  string // out, escpos, printer or usb
	value string // a path, a CUPS queue or VID:PID
	// cupsServer is $CUPS_SERVER, the CUPS server lp talks to, as the
	// command's environment has it: empty, the system's.
	cupsServer string
}

// destination returns the one destination flag given; the parser has made
// sure there is exactly one.
func (c *cmdCtx) destination() destination {
	for _, f := range c.in.cmd.flags {
		if f.oneOf == destinationGroup && c.in.set[f.name] {
			d := destination{flag: f.name, value: c.in.str[f.name]}
			if c.env != nil {
				d.cupsServer = c.env("CUPS_SERVER")
			}
			return d
		}
	}
	panic("tochkactl: " + c.in.cmd.name + " has no destination")
}

// format is the document format the destination takes: an ESC/POS stream
// for a thermal printer or its file, else a PDF.
func (d destination) format() string {
	if d.flag == escposFlag.name || d.flag == usbFlag.name {
		return printer.FormatESCPOS
	}
	return printer.FormatPDF
}

func (d destination) String() string {
	if d.flag == usbFlag.name {
		return "the USB printer " + d.value
	}
	return d.value
}

// checkFile refuses a file destination whose directory does not exist,
// for a command that changes the ledger before it prints.
func (d destination) checkFile() error {
	if d.flag != outFlag.name && d.flag != escposFlag.name {
		return nil
	}
	dir := filepath.Dir(d.value)
	if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) || (err == nil && !st.IsDir()) {
		return rewards.Fail(rewards.EINVALID, "out.print.no_directory", lang.Args{"flag": d.flag, "value": d.value, "dir": dir})
	} else if err != nil {
		return fmt.Errorf("--%s %s: %w", d.flag, d.value, err)
	}
	return nil
}

// cups is the destination's CUPS queue.
func (d destination) cups() *printer.CUPS {
	q := printer.NewCUPS(d.value)
	q.Server = d.cupsServer
	return q
}

// checkQueue asks a CUPS destination's queue whether it would print now
// (it exists, is enabled and accepts jobs), for a command that changes the
// ledger before it prints: a queue that would not is found before
// anything is done. Any other destination is not asked.
func (d destination) checkQueue(ctx context.Context) error {
	if d.flag != printerFlag.name {
		return nil
	}
	_, err := d.cups().Status(ctx)
	return err
}

// send prints the jobs on the destination, in order, and returns what the
// backend reported for them: CUPS job ids, a path, a device, and its
// warnings.
func (d destination) send(ctx context.Context, jobs ...printer.Job) (sent printer.Sent, err error) {
	var p printer.Printer
	switch d.flag {
	case outFlag.name, escposFlag.name:
		if len(jobs) != 1 {
			// A file holds one document; a second would overwrite the first.
			return sent, fmt.Errorf("%d documents for one file %s", len(jobs), d.value)
		}
		p = printer.NewFile(d.value)
	case printerFlag.name:
		p = d.cups()
	case usbFlag.name:
		vid, pid, err := usbhost.ParseVIDPID(d.value)
		if err != nil {
			return sent, err
		}
		u := usb.NewPrinter(vid, pid)
		if err := u.Open(); err != nil {
			return sent, err
		}
		defer func() {
			if cerr := u.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
		p = u
	default:
		return sent, fmt.Errorf("unknown destination --%s", d.flag)
	}
	for i, j := range jobs {
		s, err := p.Print(ctx, j)
		sent.Jobs = append(sent.Jobs, s.Jobs...)
		sent.Warnings = append(sent.Warnings, s.Warnings...)
		if err != nil && len(sent.Jobs) > 0 {
			return sent, rewards.Fail(rewards.ErrorCode(err), "out.print.partly", lang.Args{"error": errText{err}, "printed": i, "of": len(jobs), "jobs": strings.Join(sent.Jobs, ", ")})
		} else if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// printReport is what a print command did: --json prints it whole, a person
// reads "printed 3 cards to CARDS as job CARDS-12".
type printReport struct {
	Document    string   `json:"document"` // card, sheet, voucher, poster or test
	Lang        string   `json:"lang"`
	Format      string   `json:"format"` // pdf or escpos
	Cards       []string `json:"cards,omitempty"`
	Batch       string   `json:"batch,omitempty"` // the batch the cards are of, when they are all of one
	Voucher     string   `json:"voucher,omitempty"`
	Items       int      `json:"items,omitempty"` // the rewards on a poster
	Destination string   `json:"destination"`     // the flag: out, escpos, printer or usb
	Target      string   `json:"target"`          // its value: the file, queue or VID:PID
	Jobs        []string `json:"jobs"`            // what the backend reported per document: CUPS job ids, paths
	Warnings    []string `json:"warnings"`

	what lang.Msg // "3 cards", for the line a person reads
}

// deliver sends the rendered jobs to the command's destination and fills in
// the report; warnings the layout gave go to stderr first.
func (c *cmdCtx) deliver(r *printReport, jobs ...printer.Job) error {
	d := c.destination()
	r.Destination, r.Target, r.Format = d.flag, d.value, d.format()
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	warn := func(w string) {
		fmt.Fprintln(c.errOut, lang.Text(c.readerLang(), "out.warning", lang.Args{"warning": w}))
	}
	for _, w := range r.Warnings {
		warn(w)
	}
	for i := range jobs {
		jobs[i].Format = r.Format
	}
	sent, err := d.send(c.ctx, jobs...)
	r.Jobs = sent.Jobs
	if r.Jobs == nil {
		r.Jobs = []string{}
	}
	// What the printer asks of the person (fronts to feed back) is told
	// whether or not all went.
	for _, w := range sent.Warnings {
		r.Warnings = append(r.Warnings, w.In(c.readerLang()))
		warn(r.Warnings[len(r.Warnings)-1])
	}
	return err
}

// jobTitle is the title a job shows in the printer's queue, in the
// reader's language, the one person who reads it: "КООП: 3 карти".
func (c *cmdCtx) jobTitle(program string, what lang.Msg) string {
	return jobTitle(c.readerLang(), program, what)
}

// jobTitle is a job's title in language l: the program's name, and what
// is printed, in l's words.
func jobTitle(l, program string, what lang.Msg) string {
	return lang.Text(l, "jobs.title", lang.Args{"program": program, "what": what})
}

// cardStatus is a card's status as an argument of a message.
type cardStatus struct {
	card rewards.Card
	p    *rewards.Program
}

func (s cardStatus) In(l string) string {
	return words{l: l, p: s.p}.status(s.card.Status, s.card.ActiveFrom, s.card.BlockedAt, s.card.ReplacedBy)
}

// writePrinted is the line a person reads after printing.
func writePrinted(w io.Writer, r printReport, wd words) error {
	_, err := fmt.Fprintln(w, printedLine(r, wd.l))
	return err
}

func printedLine(r printReport, l string) string {
	to := r.Target
	if r.Destination == usbFlag.name {
		to = lang.Text(l, "out.print.usb", lang.Args{"printer": r.Target})
		if len(r.Jobs) > 0 && r.Jobs[0] != "" {
			to = r.Jobs[0] // the backend names the printer: "USB printer 0416:5011 (POS58 Printer)"
		}
	}
	s := lang.Text(l, "out.print.printed", lang.Args{"what": r.what, "to": to})
	if r.Destination == printerFlag.name && len(r.Jobs) > 0 {
		s += lang.Text(l, "out.print.jobs", lang.Args{"count": len(r.Jobs), "jobs": strings.Join(r.Jobs, ", ")})
	}
	return s
}

// The flags that find the batch cards no print job has printed.
var (
	unprintedFlag = flagSpec{name: "unprinted", kind: kindBool, helpKey: "help.flag.unprinted"}
	batchFlag     = flagSpec{name: "batch", kind: kindString, value: "ID", check: checkRequestID, helpKey: "help.flag.batch"}
)

func cmdCardPrint(c *cmdCtx) error {
	p, err := c.program()
	if err != nil {
		return err
	}
	unprinted := c.in.bool("unprinted")
	switch {
	case unprinted && len(c.in.args) > 0:
		return &usageError{cmd: c.in.cmd, msg: lang.M("jobs.usage.cards_and_unprinted", nil)}
	case !unprinted && len(c.in.args) == 0:
		return &usageError{cmd: c.in.cmd, msg: lang.M("jobs.usage.cards_or_unprinted", nil)}
	case !unprinted && c.in.set["batch"]:
		return &usageError{cmd: c.in.cmd, msg: lang.M("jobs.usage.batch_alone", nil)}
	}
	numbers, batch := c.in.args, ""
	if unprinted {
		if numbers, batch, err = c.unprinted(); err != nil {
			return err
		}
	}
	cards := make([]rewards.Card, 0, len(numbers))
	for _, number := range numbers {
		card, err := c.store.Card(c.ctx, number, c.at)
		if err != nil {
			return err
		}
		switch card.Status {
		case rewards.CardBlocked, rewards.CardReplaced:
			return rewards.Fail(rewards.EREFUSED, "out.print.card_inactive", lang.Args{"card": number,
				"status": cardStatus{card, p}})
		}
		cards = append(cards, card)
	}
	r, job, err := c.renderCards(p, cards, batch)
	if err != nil {
		return err
	}
	if err := c.deliver(&r, job); err != nil {
		return err
	}
	c.changed("jobs.done.printed", lang.Args{"printed": printedLine(r, c.readerLang())})
	if err := c.recordPrint(r); err != nil {
		return err
	}
	return emit(c, r, nil, writePrinted)
}

// unprinted finds the batch cards no print job has printed, of --batch or
// of every batch, and their batch when they are all of one.
func (c *cmdCtx) unprinted() (numbers []string, batch string, err error) {
	batch = c.in.str["batch"]
	list, err := c.store.UnprintedCards(c.ctx, batch)
	if err != nil {
		return nil, "", err
	}
	if len(list) == 0 {
		return nil, "", rewards.Fail(rewards.EREFUSED, "jobs.none_unprinted", lang.Args{"batch": batch})
	}
	batch = list[0].Batch
	for _, bc := range list {
		numbers = append(numbers, bc.Number)
		if bc.Batch != batch {
			batch = ""
		}
	}
	return numbers, batch, nil
}

// recordPrint records in the ledger that the jobs a printer's queue
// accepted printed the command's cards, so that batch cards among them are
// no longer listed as unprinted (card list --unprinted); the queue's job
// ids name the print. A file written (--out) is no print: its cards stay
// listed until a queue has taken them.
func (c *cmdCtx) recordPrint(r printReport) error {
	if len(r.Jobs) == 0 || r.Destination != printerFlag.name {
		return nil
	}
	for cards := range slices.Chunk(r.Cards, rewards.MaxPrintCards) {
		_, err := c.store.RecordPrint(c.ctx, rewards.CardPrint{Job: strings.Join(r.Jobs, " "), Cards: cards})
		if err != nil {
			return rewards.Fail(rewards.ErrorCode(err), "jobs.print_not_recorded", lang.Args{"error": errText{err}})
		}
	}
	return nil
}

// cmdCardList lists the batch cards that no print job has printed (the
// flag --unprinted is required: it is the list there is), of --batch or
// of every batch: a person reads a line a card, --json the list.
func cmdCardList(c *cmdCtx) error {
	list, err := c.store.UnprintedCards(c.ctx, c.in.str["batch"])
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(list)
	}
	l := c.readerLang()
	if len(list) == 0 {
		_, err := fmt.Fprintln(c.out, lang.Text(l, "jobs.list.none", lang.Args{"batch": c.in.str["batch"]}))
		return err
	}
	p, err := c.program()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, lang.Text(l, "jobs.list.head", nil))
	for _, bc := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", bc.Number, bc.Batch, bc.Index, lang.FormatTime(l, bc.IssuedAt.In(p.Location())))
	}
	return tw.Flush()
}

// renderCards lays cards out as --layout says, the batch's id, when they
// are all of one, on a sheet's first page and in the job's title.
func (c *cmdCtx) renderCards(p *rewards.Program, cards []rewards.Card, batch string) (printReport, printer.Job, error) {
	r := printReport{Document: layoutCard, Lang: c.lang(p), Batch: batch, what: lang.M("out.what.cards", lang.Args{"count": len(cards)})}
	for _, card := range cards {
		r.Cards = append(r.Cards, card.Number)
	}
	doc := printer.Cards{Program: *p, Lang: r.Lang, Cards: cards, Date: c.at, Batch: batch}
	what := r.what
	if batch != "" {
		what = lang.M("jobs.what.batch_cards", lang.Args{"cards": r.what, "batch": batch})
	}
	// Each card's back follows its front: printed on both sides.
	job := printer.Job{Title: c.jobTitle(p.Name, what), Media: cr80Media, Sides: printer.TwoSidedLongEdge}
	layOut := printer.CardPDF
	if c.in.str["layout"] == layoutSheet {
		r.Document, job.Media, layOut = layoutSheet, printer.PosterA4, printer.CardSheetPDF
	}
	data, warnings, err := layOut(doc)
	if err != nil {
		return r, job, err
	}
	job.Data = data
	// What the card's font cannot draw is left off: the operator is told
	// which cards, before anything is printed.
	for _, w := range warnings {
		r.Warnings = append(r.Warnings, w.In(c.readerLang()))
	}
	return r, job, nil
}

// cr80Media is the CUPS media of a card printer's card: a custom size is
// understood by every driver, where the names of CR80 differ between them.
const cr80Media = "Custom.85.6x53.98mm"

// batchIDFlag is card batch's --request-id: the batch's id.
var batchIDFlag = flagSpec{name: "request-id", kind: kindString, value: "ID", check: checkRequestID}

// cardsPerPage is how many cards a page of the layout holds: a batch is
// issued, and its numbers written out, a page at a time. A card printer's
// page is one card, so each number comes out as soon as its card is issued.
func cardsPerPage(layout string) int {
	if layout == layoutSheet {
		return printer.SheetCards
	}
	return 1
}

// cmdCardBatch issues the cards of a batch a page at a time, writing each
// page's numbers to stdout as soon as the page is issued, then prints them
// all. Card i of batch B has the client id "B/i" (rewards.BatchCardID), so
// that the same batch run again after an interruption gives back the cards
// it issued and goes on from there: no card is issued that nobody can find.
// The ledger records the print job that printed them; a print that failed
// leaves them listed by card list --unprinted --batch B, for card print
// --unprinted to print.
func cmdCardBatch(c *cmdCtx) error {
	p, err := c.program()
	if err != nil {
		return err
	}
	// Issuing changes the ledger: a file that cannot be written, or a
	// queue that would not print (not there, stopped, rejecting jobs), is
	// found before any card is issued.
	d := c.destination()
	if err := d.checkFile(); err != nil {
		return err
	}
	if err := d.checkQueue(c.ctx); err != nil {
		return err
	}
	n := int(c.in.num["count"])
	batch := c.in.str["request-id"]
	if batch == "" {
		batch = rand.Text()
		fmt.Fprintln(c.errOut, lang.Text(c.readerLang(), "out.batch.id", lang.Args{"batch": batch}))
	}
	c.retry = lang.M("out.batch.retry", lang.Args{"batch": batch})
	page := cardsPerPage(c.in.str["layout"])
	bar := c.progress(n, lang.Text(c.readerLang(), "out.batch.progress", nil))
	cards := make([]rewards.Card, 0, n)
	listed := 0 // the cards whose numbers are on stdout
	for i := range n {
		card, err := c.store.IssueCard(c.ctx, rewards.CardIssue{
			Meta: rewards.Meta{ID: rewards.BatchCardID(batch, i), At: c.in.times["at"]}, Handed: false})
		if err != nil {
			bar.stop()
			c.batchDone(batch, cards, listed, n)
			return err
		}
		cards = append(cards, card)
		bar.add()
		pageDone := len(cards)%page == 0 || len(cards) == n
		if !pageDone || c.json {
			continue // --json writes one document, at the end
		}
		bar.clear()
		for _, card := range cards[listed:] {
			fmt.Fprintln(c.out, card.Number)
		}
		if err := c.out.err; err != nil {
			// Which numbers reached the operator is not known: stderr
			// names them all. The batch stops: cards that nobody sees
			// would only be more to resume.
			bar.stop()
			c.batchDone(batch, cards, 0, n)
			return err
		}
		listed = len(cards)
	}
	c.batchDone(batch, cards, listed, n)
	r, job, err := c.renderCards(p, cards, batch)
	if err == nil {
		err = c.deliver(&r, job)
	}
	if err != nil {
		// The cards are issued and none is recorded printed: they are
		// found, and printed, by the batch's id.
		c.retry = lang.M("jobs.batch.find", lang.Args{"batch": batch, "destination": "--" + d.flag + " " + d.value})
		return rewards.Fail(rewards.ErrorCode(err), "out.batch.not_printed", lang.Args{"error": errText{err}})
	}
	if err := c.recordPrint(r); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(r)
	}
	_, err = fmt.Fprintln(c.errOut, printedLine(r, c.readerLang()))
	return err
}

// batchDone records what a batch has issued: the cards whose numbers are
// not on stdout are named.
func (c *cmdCtx) batchDone(batch string, cards []rewards.Card, listed, n int) {
	if len(cards) == 0 {
		return
	}
	numbers := make([]string, 0, len(cards)-listed)
	for _, card := range cards[listed:] {
		numbers = append(numbers, card.Number)
	}
	where := "out.batch.on_stdout"
	switch {
	case len(numbers) == 0:
	case listed > 0:
		where = "out.batch.partly_on_stdout"
	default:
		where = "out.batch.numbers"
	}
	c.changed("done.batch", lang.Args{"issued": len(cards), "count": n, "batch": batch,
		"where": lang.M(where, lang.Args{"listed": listed, "numbers": strings.Join(numbers, " ")})})
}

func cmdVoucherPrint(c *cmdCtx) error {
	p, err := c.program()
	if err != nil {
		return err
	}
	v, err := c.store.Voucher(c.ctx, c.in.args[0])
	if err != nil {
		return err
	}
	if err := printableVoucher(v, p.Location()); err != nil {
		return err
	}
	d := c.destination()
	r := printReport{Document: "voucher", Lang: c.lang(p), Voucher: v.Code, what: lang.M("out.what.voucher", lang.Args{"code": v.Code})}
	pl, err := c.places()
	if err != nil {
		return err
	}
	v.Store = pl.store(v.Store, r.Lang) // the printed voucher names the store
	doc := printer.Voucher{Program: *p, Lang: r.Lang, Voucher: v}
	job := printer.Job{Title: c.jobTitle(p.Name, r.what)}
	if d.format() == printer.FormatESCPOS {
		job.Data, err = printer.VoucherESCPOS(doc)
	} else {
		job.Data, err = printer.VoucherPDF(doc)
	}
	if err != nil {
		return err
	}
	err = c.deliver(&r, job)
	return emit(c, r, err, writePrinted)
}

// printableVoucher says why a voucher may not be printed: only an open one
// is worth anything at a till.
func printableVoucher(v rewards.Voucher, loc *time.Location) error {
	args := lang.Args{"code": v.Code, "at": v.ValidUntil.In(loc)}
	if v.ClosedAt != nil {
		args["at"] = v.ClosedAt.In(loc)
	}
	switch v.Status {
	case rewards.VoucherOpen:
		return nil
	case rewards.VoucherClaimed, rewards.VoucherCancelled, rewards.VoucherExpired:
		return rewards.Fail(rewards.EREFUSED, "out.print.voucher_"+v.Status, args)
	}
	return rewards.Fail(rewards.EREFUSED, "out.print.voucher_not_open", lang.Args{"code": v.Code, "status": lang.M("out.voucher.status."+v.Status, nil)})
}

func cmdBoardPrint(c *cmdCtx) error {
	p, err := c.program()
	if err != nil {
		return err
	}
	if err := p.KeepsBoard(); err != nil {
		return err
	}
	coop, store := c.in.str["coop"], c.in.str["store"]
	pl, err := c.places()
	if err != nil {
		return err
	}
	// A store's board is its cooperative's, whether --coop says which or
	// the store's record does.
	if st, ok := pl.stores[store]; ok && coop == "" {
		coop = st.Coop
	}
	all, err := c.store.Rewards(c.ctx, coop, store)
	if err != nil {
		return err
	}
	// Without a store, the poster shows what every store offers: the
	// rewards no store narrows. A poster hangs for weeks: what is no
	// longer offered stays off it; what is offered later shows the date it
	// starts; what is out of stock is marked, or left off with --in-stock.
	var items []rewards.Reward
	ended, outOfStock := 0, 0
	for _, rw := range all {
		switch {
		case store == "" && rw.Store != "":
		case rw.ValidTo != nil && !c.at.Before(*rw.ValidTo):
			ended++
		case c.in.bool("in-stock") && !rw.InStock():
			outOfStock++
		default:
			items = append(items, rw)
		}
	}
	if len(items) == 0 && outOfStock > 0 {
		return rewards.Fail(rewards.EREFUSED, "out.print.board_out_of_stock", lang.Args{"coop": coop, "store": store, "count": outOfStock})
	}
	if len(items) == 0 {
		return rewards.Fail(rewards.EREFUSED, "out.print.board_empty", lang.Args{"coop": coop, "store": store, "ended": ended, "count": ended})
	}
	size := c.in.str["size"]
	if size == "" {
		size = printer.PosterA4
	}
	r := printReport{Document: "poster", Lang: c.lang(p), Items: len(items),
		what: lang.M("out.what.board", lang.Args{"count": len(items)})}
	job := printer.Job{Title: c.jobTitle(p.Name, lang.M("out.what.board_title", nil)), Media: size}
	// The poster names the cooperative and the store under its heading;
	// a board of all cooperatives names the one its items are of, if one.
	if coop == "" {
		coop = items[0].Coop
		for _, rw := range items {
			if rw.Coop != coop {
				coop = ""
				break
			}
		}
	}
	job.Data, r.Warnings, err = printer.PosterPDF(printer.Poster{Program: *p, Lang: r.Lang, Size: size,
		Coop: pl.coop(coop, r.Lang), Store: pl.store(store, r.Lang), Items: items, Printed: c.at, ReadPicture: func(hash string) ([]byte, error) {
			pic, err := c.store.Picture(c.ctx, hash)
			return pic.Data, err
		}})
	if err != nil {
		return err
	}
	err = c.deliver(&r, job)
	return emit(c, r, err, writePrinted)
}

// testProgram is the program the test page is printed for: no database
// is opened, so it is made up, in the machine's time zone.
func testProgram() *rewards.Program {
	p := rewards.DefaultProgram()
	p.Name, p.Kind, p.Currency, p.Timezone = "Tochka", rewards.KindPoints, "EUR", "Local"
	p.Contact = rewards.ContactRules{Web: "github.com/tochka-loyalty/tochka"}
	return &p
}

// testPage renders the test page for a destination that takes format: a
// card (there is no ESC/POS card) and a voucher in Russian and one in
// Bulgarian, each with its language's pangram for the reward, and the
// voucher barcodes. On a thermal printer the two vouchers are one stream,
// each cut off. Each PDF goes with the media it was laid out on, the card
// two-sided; the jobs' titles are in l, the reader's language.
func testPage(p *rewards.Program, format string, at time.Time, l string) ([]printer.Job, lang.Msg, error) {
	card := printer.TestCard(p)
	vouchers := printer.TestVouchers(p, card.Number, at)
	if format == printer.FormatESCPOS {
		var stream []byte
		for _, v := range vouchers {
			b, err := printer.VoucherESCPOS(v)
			if err != nil {
				return nil, lang.Msg{}, err
			}
			stream = append(stream, b...)
		}
		what := lang.M("out.what.test_vouchers", nil)
		return []printer.Job{{Title: jobTitle(l, p.Name, what), Data: stream}}, what, nil
	}
	pdf, _, err := printer.CardPDF(printer.Cards{Program: *p, Lang: printer.LangBG, Date: at, Cards: []rewards.Card{card}})
	if err != nil {
		return nil, lang.Msg{}, err
	}
	jobs := []printer.Job{{Title: jobTitle(l, p.Name, lang.M("jobs.test.card", nil)), Data: pdf, Media: cr80Media,
		Sides: printer.TwoSidedLongEdge}}
	for _, v := range vouchers {
		b, err := printer.VoucherPDF(v)
		if err != nil {
			return nil, lang.Msg{}, err
		}
		media, err := printer.PageMedia(b)
		if err != nil {
			return nil, lang.Msg{}, err
		}
		what := lang.M("jobs.test.voucher", lang.Args{"lang": lang.M("jobs.lang."+v.Lang, nil)})
		jobs = append(jobs, printer.Job{Title: jobTitle(l, p.Name, what), Data: b, Media: media})
	}
	return jobs, lang.M("out.what.test_page", nil), nil
}

func cmdPrinterTest(c *cmdCtx) error {
	// The made-up program stands in for the installed one, also for emit.
	c.prog = testProgram()
	jobs, what, err := testPage(c.prog, c.destination().format(), c.at, c.readerLang())
	if err != nil {
		return err
	}
	r := printReport{Document: "test", Lang: printer.LangBG + "," + printer.LangRU, what: what}
	err = c.deliver(&r, jobs...)
	return emit(c, r, err, writePrinted)
}

// progress shows on stderr how far a long command has come: a bar on a
// terminal; elsewhere, such as a log, a plain line at every 10 %.
type progress struct {
	bar         *progressbar.ProgressBar
	w           io.Writer
	what, lang  string
	done, total int
	shown       int // the last tenth a line was written for
}

func (c *cmdCtx) progress(total int, what string) *progress {
	p := &progress{w: c.errOut, what: what, lang: c.readerLang(), total: total}
	if isTerminal(c.errOut) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(c.errOut),
			progressbar.OptionSetDescription(what), progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30), progressbar.OptionThrottle(50*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(c.errOut) }))
	}
	return p
}

func (p *progress) add() {
	p.done++
	if p.bar != nil {
		p.bar.Add(1)
		return
	}
	if tenth := p.done * 10 / p.total; tenth > p.shown {
		p.shown = tenth
		fmt.Fprintln(p.w, lang.Text(p.lang, "out.progress", lang.Args{"what": p.what, "done": p.done, "total": p.total, "percent": p.done * 100 / p.total}))
	}
}

// stop ends the bar's line when the work stops short.
func (p *progress) stop() {
	if p.bar != nil && p.done < p.total {
		fmt.Fprintln(p.w)
	}
}

// clear takes the bar off its line before other output is written to the
// terminal; the next step draws it again.
func (p *progress) clear() {
	if p.bar != nil && p.done < p.total {
		p.bar.Clear()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
