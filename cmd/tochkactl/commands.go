package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/assets"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/picture"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
)

// dbMode says whether a command touches the ledger, and how.
type dbMode int

const (
	dbNone   dbMode = iota // never opens the database
	dbRead                 // opens an existing database for reading only
	dbOpen                 // opens an existing database to change it
	dbCreate               // creates the database when there is none
)

// command is one command of the CLI.
type command struct {
	name  string   // the command words: "card issue"
	args  []string // positional arguments, all required; a last one written CARD... takes one or more
	flags []flagSpec
	// db is dbRead for every command that changes nothing: it reads a
	// ledger that a newer Tochka made, and takes no write lock.
	db dbMode
	// changes is true for a command that changes the ledger: a failure
	// after the change is exit status 3.
	changes bool
	help    string
	run     func(c *cmdCtx) error
}

// requestIDFlag is the idempotency key of a change: the command's id.
var requestIDFlag = flagSpec{name: "request-id", kind: kindString, value: "ID", check: checkRequestID,
	help: "the idempotency key: the same command with the same ID changes nothing more and answers as the first time"}

// checkRequestID takes what the ledger keeps as a client's id.
func checkRequestID(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("needs a value")
	}
	if len(v) > maxRequestID {
		return fmt.Errorf("at most %d characters", maxRequestID)
	}
	if strings.IndexFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return errors.New("must not contain control characters")
	}
	return nil
}

// maxRequestID is the longest --request-id: a receipt's id may be 128
// characters, and a batch's cards add "/9999" to theirs.
const maxRequestID = 120

// meta is what every change carries: --request-id and --at. Without --at
// the time is left out and the store stamps its own now, so that a retry
// is the same request as the first try, made at another moment.
func (c *cmdCtx) meta() rewards.Meta {
	return rewards.Meta{ID: c.in.str["request-id"], At: c.in.times["at"]}
}

// commands lists every command in the order the help shows them.
var commands = []*command{
	{name: "init", flags: []flagSpec{
		{name: "program", kind: kindString, value: "FILE", required: true, help: "a program file, or a bundled program: coop, bonus"},
		atFlag, requestIDFlag,
	}, db: dbCreate, changes: true, run: cmdInit,
		help: "create or migrate the database and install (a new version of) the program"},
	{name: "card issue", flags: append([]flagSpec{
		atFlag,
		{name: "member", kind: kindBool, help: "the customer is a member (cooperator)"},
		{name: "number", kind: kindString, value: "CARD", help: "a pre-printed card's number (default: a new random one)"},
		requestIDFlag,
	}, personFlags...), db: dbOpen, changes: true, run: cmdCardIssue,
		help: "issue a card and hand it over now; prints the new card number. " + personHelp},
	{name: "card register", args: []string{"CARD"}, flags: append([]flagSpec{
		{name: "member", kind: kindBool, help: "the customer is a member (cooperator)"},
		atFlag, requestIDFlag,
	}, personFlags...), db: dbOpen, changes: true, run: cmdCardRegister,
		help: "hand over a batch card and/or register the customer's personal data. " + personHelp},
	{name: "card forget", args: []string{"CARD"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdCardForget,
		help: "erase the personal data of the card's customer (names, phone, e-mail, consents), from the ledger's files too; " +
			"the points, the history and the card stay, and the card still earns and redeems. " +
			"A family card that is not pooled keeps a record of its own (it may hold the household's phone): forget each such card on its own"},
	{name: "card export", args: []string{"CARD"}, flags: []flagSpec{
		{name: "at", kind: kindTime, value: "TIME", help: "the balance and vouchers' status at this moment (default now)"},
	}, db: dbRead, run: cmdCardExport,
		help: "print everything stored about the card's customer as JSON, for a data-access request: " +
			"card, cards, account, person (with consent times), balance, history, vouchers"},
	{name: "card block", args: []string{"CARD"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdCardBlock,
		help: "block a lost or stopped card"},
	{name: "card replace", args: []string{"CARD"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdCardReplace,
		help: "block a lost card and move everything to a new card; prints the new card number"},
	{name: "card link", args: []string{"CARD"}, flags: []flagSpec{
		{name: "to", kind: kindString, value: "HOLDER", required: true, help: "the holder's card"},
		{name: "pool", kind: kindBool, help: "the family card earns into the holder's account"},
		atFlag, requestIDFlag,
	}, db: dbOpen, changes: true, run: cmdCardLink,
		help: "link a family card to a holder's card"},
	{name: "card member", args: []string{"CARD"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdCardMember,
		help: "make the card's account a member's (cooperator's) from --at on"},
	{name: "card print", args: []string{"CARD..."}, flags: []flagSpec{
		layoutFlag, outFlag, printerFlag,
	}, db: dbRead, run: cmdCardPrint,
		help: "print cards (a blocked or replaced card is refused), each with its holder's name when known"},
	{name: "card batch", flags: []flagSpec{
		{name: "count", kind: kindInt, value: "N", required: true, check: between(1, maxBatch),
			help: fmt.Sprintf("how many cards to issue, 1 to %d", maxBatch)},
		layoutFlag, outFlag, printerFlag, atFlag, batchIDFlag,
	}, db: dbOpen, changes: true, run: cmdCardBatch,
		help: "issue N new cards not yet handed over and print them; prints their numbers, one a line, a page at a time as each page is issued"},
	{name: "receipt post", args: []string{"FILE|-"}, flags: []flagSpec{receiptIDFlag}, db: dbOpen, changes: true, run: cmdReceiptPost,
		help: "post a receipt (JSON; - reads stdin): what it earned and spent, and the balance after"},
	{name: "receipt quote", args: []string{"FILE|-"}, db: dbRead, run: cmdReceiptQuote,
		help: "what a receipt would earn and the most that may be paid with points; changes nothing"},
	{name: "receipt return", args: []string{"FILE|-"}, flags: []flagSpec{returnIDFlag}, db: dbOpen, changes: true, run: cmdReceiptReturn,
		help: "post a return of lines of an earlier receipt"},
	{name: "balance", args: []string{"CARD"}, flags: []flagSpec{
		{name: "at", kind: kindTime, value: "TIME", help: "preview the balance at this moment (default now)"},
	}, db: dbRead, run: cmdBalance,
		help: "points available, pending and expiring"},
	{name: "history", args: []string{"CARD"}, db: dbRead, run: cmdHistory,
		help: "the card's ledger entries, its replaced predecessors' included"},
	{name: "coop add", flags: append(append([]flagSpec{
		{name: "id", kind: kindString, value: "ID", required: true, help: "the cooperative's id (an existing record is updated)"},
	}, nameFlags...), atFlag, requestIDFlag), db: dbOpen, changes: true, run: cmdCoopAdd,
		help: "record a cooperative (a group of stores with one reward board) with its names, or update its record"},
	{name: "coop list", db: dbRead, run: cmdCoopList,
		help: "list the recorded cooperatives"},
	{name: "store add", flags: append(append([]flagSpec{
		{name: "id", kind: kindString, value: "ID", required: true, help: "the store's id, as its tills send it (an existing record is updated)"},
		{name: "coop", kind: kindString, value: "COOP", required: true, help: "the recorded cooperative the store belongs to"},
	}, nameFlags...),
		flagSpec{name: "address", kind: kindString, value: "TEXT", help: "the store's address"},
		atFlag, requestIDFlag), db: dbOpen, changes: true, run: cmdStoreAdd,
		help: "record a store of a cooperative with its names, or update its record"},
	{name: "store list", db: dbRead, run: cmdStoreList,
		help: "list the recorded stores"},
	{name: "board add", flags: []flagSpec{
		{name: "id", kind: kindString, value: "ID", required: true, help: "the reward's id (an existing one is replaced)"},
		{name: "coop", kind: kindString, value: "COOP", required: true, help: "the cooperative whose board it is on"},
		{name: "store", kind: kindString, value: "STORE", help: "offer it only in this store"},
		{name: "points", kind: kindInt, value: "N", required: true, help: "its price in points"},
		{name: "name-bg", kind: kindString, value: "NAME", help: "name in Bulgarian"},
		{name: "name-ru", kind: kindString, value: "NAME", help: "name in Russian"},
		{name: "name-en", kind: kindString, value: "NAME", help: "name in English"},
		{name: "picture", kind: kindString, value: "FILE", help: "a JPEG or PNG of at most 10 MB, kept in the ledger (at most 1200 px on its long side)"},
		{name: "stock", kind: kindInt, value: "N", help: "how many there are (default unlimited)"},
		{name: "from", kind: kindTime, value: "TIME", help: "offered from"},
		{name: "to", kind: kindTime, value: "TIME", help: "offered until"},
		atFlag, requestIDFlag,
	}, db: dbOpen, changes: true, run: cmdBoardAdd,
		help: "add an item to the reward board, or replace the item with that id; its --coop and --store must be recorded (coop add, store add). Its stock is one counter for the whole cooperative (for a store's own reward, for that store), however many stores offer it. Its picture is stored in the ledger once, named by its SHA-256, and prints from any copy of it (a bonus program has no board)"},
	{name: "board list", flags: []flagSpec{
		{name: "coop", kind: kindString, value: "COOP", help: "only this cooperative's board"},
		{name: "store", kind: kindString, value: "STORE", help: "only what this store offers"},
	}, db: dbRead, run: cmdBoardList,
		help: "list the reward board"},
	{name: "board remove", args: []string{"ID"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdBoardRemove,
		help: "take an item off the board (vouchers already made stay valid)"},
	{name: "board print", flags: []flagSpec{
		{name: "coop", kind: kindString, value: "COOP", help: "only this cooperative's board"},
		{name: "store", kind: kindString, value: "STORE", help: "only what this store offers; the store is named on the poster"},
		{name: "size", kind: kindString, value: "A4|A3", choices: []string{printer.PosterA4, printer.PosterA3},
			help: "the poster's paper, portrait (default A4)"},
		outFlag, printerFlag,
	}, db: dbRead, run: cmdBoardPrint,
		help: "print the reward board as a poster; items whose offer has ended are left out (a bonus program has no board)"},
	{name: "redeem", args: []string{"CARD", "REWARD"}, flags: []flagSpec{
		{name: "store", kind: kindString, value: "STORE", help: "the store where the voucher is made"},
		atFlag, requestIDFlag,
	}, db: dbOpen, changes: true, run: cmdRedeem,
		help: "exchange points for a reward of the board; prints the voucher code"},
	{name: "voucher claim", args: []string{"CODE"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdVoucherClaim,
		help: "mark a voucher used at a till"},
	{name: "voucher cancel", args: []string{"CODE"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdVoucherCancel,
		help: "cancel an open voucher; its points come back"},
	{name: "voucher print", args: []string{"CODE"}, flags: []flagSpec{
		voucherOutFlag, escposFlag, printerFlag, usbFlag,
	}, db: dbRead, run: cmdVoucherPrint,
		help: "print an open voucher (a claimed, cancelled or expired one is refused)"},
	{name: "printer test", flags: []flagSpec{printerFlag, usbFlag}, db: dbNone, run: cmdPrinterTest,
		help: "print a test page: a sample card (CUPS only) and vouchers with their barcodes and Cyrillic pangrams; opens no database"},
	{name: "scanner decode", args: []string{"FILE|-"}, flags: scannerDecodeFlags, db: dbNone, run: cmdScannerDecode,
		help: "decode a scanner capture (raw reports as read from /dev/hidrawN; - reads stdin) and print every scan, one a line, rejected ones with their reason and repeats kept; opens no database"},
	{name: "scanner list", db: dbNone, run: cmdScannerList,
		help: "list the USB devices that look like barcode scanners (VID:PID, mode, and whether this user may open them, with the udev rule when not) and the serial ports; opens no database"},
	{name: "scanner watch", flags: scannerWatchFlags, db: dbNone, run: cmdScannerWatch,
		help: "read a live scanner and print each scan as it comes (rejected ones with their reason) and the scanner coming and going, until Ctrl-C; opens no database"},
	{name: "report liability", flags: []flagSpec{
		{name: "at", kind: kindTime, value: "TIME", help: "the moment the report is for: now (the default) or a moment ahead, which previews what matures, expires and lapses by then; a moment past is refused, as what the ledger held then is not kept"},
		{name: "by", kind: kindString, value: "store|coop|day", choices: []string{rewards.ByStore, rewards.ByCoop, rewards.ByDay},
			help: "group by the store of the receipt that earned the points, its cooperative, or the business day they were earned (default store); welcome bonuses belong to no store or cooperative but to the day they were granted, debt to no store, cooperative or day"},
		{name: "csv", kind: kindBool, help: "print CSV for a spreadsheet instead of a table"},
	}, db: dbRead, run: cmdReportLiability,
		help: "the points outstanding, the liability a chain's accountant books: available, pending, less debt (the sum of all balances, as check reports it), plus what open vouchers hold; their value in the program's currency for a bonus program; and what expires in each of the next 12 months"},
	{name: "check", db: dbRead, run: cmdCheck,
		help: "verify the ledger's invariants and the database file; exit 1 when there are problems"},
	{name: "backup", db: dbRead, run: cmdBackup, flags: []flagSpec{
		{name: "to", kind: kindString, value: "FILE", required: true, check: notEmpty, help: "the new file the copy is written to"},
	}, help: "write a consistent copy of the ledger to a new file, also while tochkad or another command writes to it"},
	{name: "help", db: dbNone, run: func(*cmdCtx) error { return nil },
		help: "print this help"},
}

func lookupCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// isGroup reports whether name is the first word of longer commands.
func isGroup(name string) bool { return len(subcommands(name)) > 0 }

func subcommands(group string) []string {
	var out []string
	for _, c := range commands {
		if sub, ok := strings.CutPrefix(c.name, group+" "); ok {
			out = append(out, sub)
		}
	}
	return out
}

func cmdInit(c *cmdCtx) error {
	data, err := readProgram(c.in.str["program"])
	if err != nil {
		return err
	}
	p, err := rewards.ParseProgram(data)
	if err != nil {
		return err
	}
	np, err := c.store.InstallProgram(c.ctx, rewards.ProgramInstall{Meta: c.meta(), Program: p})
	if err != nil {
		return err
	}
	c.changed("done.program", lang.Args{"program": np.Name, "version": np.Version})
	if c.json {
		return c.printJSON(np)
	}
	_, err = fmt.Fprintln(c.out, c.words(np).t("out.installed", lang.Args{"program": np.Name, "kind": lang.M("program.kind."+np.Kind, nil),
		"currency": np.Currency, "zone": np.Timezone, "version": np.Version}))
	return err
}

// readProgram reads a program file, or the bundled program of that name
// when there is no such file.
func readProgram(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err == nil {
		return data, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read program: %w", err)
	}
	bundled := strings.TrimSuffix(name, ".toml") + ".toml"
	if !strings.ContainsRune(bundled, '/') {
		if data, berr := fs.ReadFile(assets.Programs, "programs/"+bundled); berr == nil {
			return data, nil
		}
	}
	return nil, rewards.Fail(rewards.ENOTFOUND, "cli.error.no_program",
		lang.Args{"name": name, "bundled": strings.Join(bundledPrograms(), ", ")})
}

func bundledPrograms() []string {
	entries, _ := fs.ReadDir(assets.Programs, "programs")
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			out = append(out, n)
		}
	}
	return out
}

// personFlags are the personal data card issue and card register take.
var personFlags = []flagSpec{
	{name: "given-name", kind: kindString, value: "NAME", help: "the customer's given name (the kiosk greets by it)"},
	{name: "family-name", kind: kindString, value: "NAME", help: "the customer's family name"},
	{name: "name", kind: kindString, value: "NAME", help: "shorthand for both, \"GIVEN FAMILY\": split at the first space into --given-name and --family-name"},
	{name: "phone", kind: kindString, value: "PHONE", help: "the phone, stored as +CC...: with its country code (+359..., +7..., 00...) or in the program country's local form (0888 123 456, 8 912 345-67-89); registering it grants the welcome bonus once"},
	{name: "email", kind: kindString, value: "EMAIL", help: "the e-mail address"},
	{name: "consent", kind: kindBool, help: "the customer consents to the processing of their data (required with any of the above; its time is recorded)"},
	{name: "marketing", kind: kindBool, help: "the customer consents to marketing messages (off unless given; needs --consent); --marketing=false withdraws that consent, recording when"},
}

// personHelp says what the personal data flags have in common.
const personHelp = "Personal data are kept apart from the event log, so that card forget erases them; " +
	"one phone belongs to one household (a holder's card and its family cards)"

// details are the personal data the flags give.
func (c *cmdCtx) details() rewards.Details {
	in := c.in
	return rewards.Details{GivenName: in.str["given-name"], FamilyName: in.str["family-name"], Phone: in.str["phone"],
		Email: in.str["email"], Consent: in.bool("consent"), Marketing: in.bool("marketing"),
		NoMarketing: in.set["marketing"] && !in.bool("marketing")}
}

func cmdCardIssue(c *cmdCtx) error {
	card, err := c.store.IssueCard(c.ctx, rewards.CardIssue{Meta: c.meta(),
		Number: c.in.str["number"], Handed: true, Member: c.in.bool("member"),
		Details: c.details(), Name: c.in.str["name"]})
	if err != nil {
		return err
	}
	c.changed("done.card_issued", lang.Args{"card": card.Number})
	return c.printNumber(card)
}

func cmdCardReplace(c *cmdCtx) error {
	old := c.in.args[0]
	card, err := c.store.ReplaceCard(c.ctx, rewards.CardReplace{Meta: c.meta(), Card: old})
	if err != nil {
		return err
	}
	c.changed("done.card_replaced", lang.Args{"card": old, "new": card.Number})
	return c.printNumber(card)
}

// printNumber prints a new card's number alone, for scripts to capture, or
// the card as JSON.
func (c *cmdCtx) printNumber(card rewards.Card) error {
	if c.json {
		return c.printJSON(card)
	}
	_, err := fmt.Fprintln(c.out, card.Number)
	return err
}

func cmdCardRegister(c *cmdCtx) error {
	card, err := c.store.RegisterCard(c.ctx, rewards.CardRegister{Meta: c.meta(),
		Card: c.in.args[0], Details: c.details(), Name: c.in.str["name"], Member: c.in.bool("member")})
	return c.printCard(card, err, "done.card_registered", nil)
}

func cmdCardForget(c *cmdCtx) error {
	card, err := c.store.ForgetCard(c.ctx, rewards.CardAction{Meta: c.meta(), Card: c.in.args[0]})
	return c.printCard(card, err, "done.card_forgotten", nil)
}

// cmdCardExport prints the customer's data as JSON, --json or not: it is
// what a data-access request is answered with.
func cmdCardExport(c *cmdCtx) error {
	data, err := c.store.ExportCard(c.ctx, c.in.args[0], c.at)
	if err != nil {
		return err
	}
	return c.printJSON(data)
}

func cmdCardBlock(c *cmdCtx) error {
	card, err := c.store.BlockCard(c.ctx, rewards.CardAction{Meta: c.meta(), Card: c.in.args[0]})
	return c.printCard(card, err, "done.card_blocked", nil)
}

func cmdCardLink(c *cmdCtx) error {
	holder := c.in.str["to"]
	card, err := c.store.LinkCard(c.ctx, rewards.CardLink{Meta: c.meta(),
		Card: c.in.args[0], Holder: holder, Pool: c.in.bool("pool")})
	return c.printCard(card, err, "done.card_linked", lang.Args{"holder": holder})
}

func cmdCardMember(c *cmdCtx) error {
	card, err := c.store.MakeMember(c.ctx, rewards.CardAction{Meta: c.meta(), Card: c.in.args[0]})
	return c.printCard(card, err, "done.card_member", nil)
}

// printCard prints the card a change returned; done says what was done to
// it, for when the answer does not reach the operator.
func (c *cmdCtx) printCard(card rewards.Card, err error, done string, args lang.Args) error {
	if err != nil {
		return err
	}
	if args == nil {
		args = lang.Args{}
	}
	args["card"] = card.Number
	c.changed(done, args)
	return emit(c, card, nil, writeCard)
}

// readInput opens FILE, or stdin for "-".
func (c *cmdCtx) readInput(name string, parse func(io.Reader) error) error {
	if name == "-" {
		return parse(c.stdin)
	}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return rewards.Fail(rewards.ENOTFOUND, "cli.error.no_file", lang.Args{"name": name})
	} else if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	return parse(f)
}

// The --request-id of a receipt or a return is its id.
var (
	receiptIDFlag = flagSpec{name: "request-id", kind: kindString, value: "ID", check: checkRequestID,
		help: "the receipt's id, the idempotency key, when the file leaves it out (else it must be the same)"}
	returnIDFlag = flagSpec{name: "request-id", kind: kindString, value: "ID", check: checkRequestID,
		help: "the return's id, the idempotency key, when the file leaves it out (else it must be the same)"}
)

// readBody reads a receipt or a return from FILE or stdin, with
// --request-id as its id when it has none of its own.
func (c *cmdCtx) readBody(what string, parse func(io.Reader) error) error {
	return c.readInput(c.in.args[0], func(rd io.Reader) error {
		id := c.in.str["request-id"]
		if id == "" {
			return parse(rd)
		}
		// The parser reads at most 4 MiB; one byte more says it is too long.
		data, err := io.ReadAll(io.LimitReader(rd, 4<<20+1))
		if err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
		if data, err = withID(data, id, what); err != nil {
			return err
		}
		return parse(bytes.NewReader(data))
	})
}

// withID gives a JSON object the id "id" when it has none; one it has must
// be id. Anything but an object is left for the parser to refuse.
func withID(data []byte, id, what string) ([]byte, error) {
	var probe struct {
		ID *string `json:"id"`
	}
	start := bytes.IndexByte(data, '{')
	if json.Unmarshal(data, &probe) != nil || start < 0 {
		return data, nil
	}
	if probe.ID != nil {
		if *probe.ID != id {
			return nil, rewards.Fail(rewards.EINVALID, "cli.error.request_id_mismatch",
				lang.Args{"what": lang.M("subject."+what, nil), "got": *probe.ID, "id": id})
		}
		return data, nil
	}
	q, _ := json.Marshal(id)
	rest := data[start+1:]
	out := append(append(append([]byte{}, data[:start+1]...), `"id":`...), q...)
	if t := bytes.TrimSpace(rest); len(t) > 0 && t[0] != '}' {
		out = append(out, ',')
	}
	return append(out, rest...), nil
}

func (c *cmdCtx) receipt() (*rewards.Receipt, error) {
	var r *rewards.Receipt
	err := c.readBody("receipt", func(rd io.Reader) (err error) {
		r, err = rewards.ParseReceipt(rd)
		return err
	})
	return r, err
}

// emit prints what a command got back: as JSON with --json, else the way
// human writes it for a person.
func emit[T any](c *cmdCtx, v T, err error, human func(io.Writer, T, words) error) error {
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(v)
	}
	p, err := c.program()
	if err != nil {
		return err
	}
	return human(c.out, v, c.words(p))
}

func cmdReceiptPost(c *cmdCtx) error {
	r, err := c.receipt()
	if err != nil {
		return err
	}
	res, err := c.store.PostReceipt(c.ctx, *r)
	if err != nil {
		return err
	}
	c.changed("done.receipt", lang.Args{"receipt": res.Receipt, "card": res.Card, "earned": res.Earned, "spent": res.Spent})
	return emit(c, res, nil, writeReceipt)
}

func cmdReceiptQuote(c *cmdCtx) error {
	r, err := c.receipt()
	if err != nil {
		return err
	}
	q, err := c.store.QuoteReceipt(c.ctx, *r)
	return emit(c, q, err, writeQuote)
}

func cmdReceiptReturn(c *cmdCtx) error {
	var r *rewards.Return
	err := c.readBody("return", func(rd io.Reader) (err error) {
		r, err = rewards.ParseReturn(rd)
		return err
	})
	if err != nil {
		return err
	}
	res, err := c.store.PostReturn(c.ctx, *r)
	if err != nil {
		return err
	}
	c.changed("done.return", lang.Args{"return": res.Return, "receipt": res.Receipt, "card": res.Card, "taken": res.TakeBack, "given": res.Refunded})
	return emit(c, res, nil, writeReturn)
}

func cmdBalance(c *cmdCtx) error {
	b, err := c.store.Balance(c.ctx, c.in.args[0], c.at)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(b)
	}
	p, err := c.program()
	if err != nil {
		return err
	}
	var replacedBy string
	if b.Status == rewards.CardReplaced {
		card, err := c.store.Card(c.ctx, b.Card, c.at)
		if err != nil {
			return err
		}
		replacedBy = card.ReplacedBy
	}
	return writeBalance(c.out, b, replacedBy, c.words(p))
}

func cmdHistory(c *cmdCtx) error {
	h, err := c.store.History(c.ctx, c.in.args[0])
	if err != nil || c.json {
		return emit(c, h, err, nil)
	}
	pl, err := c.places()
	if err != nil {
		return err
	}
	p, err := c.program()
	if err != nil {
		return err
	}
	return writeHistory(c.out, h, c.words(p), pl)
}

func cmdBoardAdd(c *cmdCtx) error {
	in := c.in
	rw := rewards.Reward{ID: in.str["id"], Coop: in.str["coop"], Store: in.str["store"], Points: in.num["points"], Names: c.names()}
	p, err := c.program()
	if err != nil {
		return err
	}
	// Said before the picture is read: a bonus program has no board to
	// show it on.
	if err := p.KeepsBoard(); err != nil {
		return err
	}
	if file := in.str["picture"]; file != "" {
		pic, err := picture.ReadFile(file)
		if err != nil {
			return err
		}
		// A picture is stored by its content, once: stored and then not
		// shown (the item refused), it changes nothing anyone sees, check
		// names it in a notice, and the next item with that file finds it
		// there.
		if pic, err = c.store.PutPicture(c.ctx, pic); err != nil {
			return err
		}
		rw.Picture = pic.Hash
	}
	if n, ok := in.num["stock"]; ok {
		rw.Stock = &n
	}
	if t, ok := in.times["from"]; ok {
		rw.ValidFrom = &t
	}
	if t, ok := in.times["to"]; ok {
		rw.ValidTo = &t
	}
	added, err := c.store.AddReward(c.ctx, rewards.RewardAdd{Meta: c.meta(), Reward: rw})
	if err != nil {
		return err
	}
	c.changed("done.reward_added", lang.Args{"reward": added.ID})
	return emit(c, added, nil, func(w io.Writer, r rewards.Reward, wd words) error {
		return writeRewards(w, []rewards.Reward{r}, wd)
	})
}

func cmdBoardList(c *cmdCtx) error {
	list, err := c.store.Rewards(c.ctx, c.in.str["coop"], c.in.str["store"])
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(list)
	}
	p, err := c.program()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(c.out, c.words(p).t("out.board.empty", nil))
		return err
	}
	return writeRewards(c.out, list, c.words(p))
}

func cmdBoardRemove(c *cmdCtx) error {
	id := c.in.args[0]
	if err := c.store.RemoveReward(c.ctx, rewards.RewardRemove{Meta: c.meta(), Reward: id}); err != nil {
		return err
	}
	c.changed("done.reward_removed", lang.Args{"reward": id})
	if c.json {
		return c.printJSON(struct {
			ID      string `json:"id"`
			Removed bool   `json:"removed"`
		}{id, true})
	}
	_, err := fmt.Fprintln(c.out, lang.Text(c.readerLang(), "out.board.removed", lang.Args{"reward": id}))
	return err
}

func cmdRedeem(c *cmdCtx) error {
	v, err := c.store.Redeem(c.ctx, rewards.Redemption{Meta: c.meta(),
		Card: c.in.args[0], Reward: c.in.args[1], Store: c.in.str["store"]})
	if err != nil {
		return err
	}
	c.changed("done.voucher_made", lang.Args{"code": v.Code, "points": v.Points, "card": v.Card, "reward": v.Reward})
	v = voucherAt(v, c.at)
	if c.json {
		return c.printJSON(v)
	}
	_, err = fmt.Fprintln(c.out, v.Code)
	return err
}

func cmdVoucherClaim(c *cmdCtx) error {
	v, err := c.store.ClaimVoucher(c.ctx, rewards.VoucherAction{Meta: c.meta(), Code: c.in.args[0]})
	return c.printVoucher(v, err, "done.voucher_claimed")
}

func cmdVoucherCancel(c *cmdCtx) error {
	v, err := c.store.CancelVoucher(c.ctx, rewards.VoucherAction{Meta: c.meta(), Code: c.in.args[0]})
	return c.printVoucher(v, err, "done.voucher_cancelled")
}

// printVoucher prints the voucher a change returned; done says what was
// done to it, for when the answer does not reach the operator.
func (c *cmdCtx) printVoucher(v rewards.Voucher, err error, done string) error {
	if err != nil {
		return err
	}
	c.changed(done, lang.Args{"code": v.Code})
	return emit(c, v, nil, writeVoucher)
}

// voucherAt is a voucher a change returned as it stood at the change's
// time. The store reads a voucher's status at its own now, the host's
// clock: a voucher made with an --at a month back has lapsed by then,
// though the ledger records it open.
func voucherAt(v rewards.Voucher, at time.Time) rewards.Voucher {
	if v.Status == rewards.VoucherExpired && v.ClosedAt == nil {
		v.Status = rewards.VoucherOpen // open in the ledger, past its validity by now
	}
	v.Status = v.StatusAt(at)
	return v
}

// checkProgressFrom is the size of a log whose replay shows its progress:
// a smaller one is replayed before a person would look. (A variable, so
// that a test can see the progress on a small log.)
var checkProgressFrom = 20_000

func cmdBackup(c *cmdCtx) error {
	to := c.in.str["to"]
	if err := c.store.Backup(c.ctx, to); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(struct {
			Backup string `json:"backup"`
		}{to})
	}
	_, err := fmt.Fprintln(c.out, lang.Text(c.readerLang(), "out.backup", lang.Args{"path": to}))
	return err
}

func cmdCheck(c *cmdCtx) error {
	var p *progress
	c.store.Progress = func(done, total int) {
		if total < checkProgressFrom {
			return
		}
		if p == nil {
			p = c.progress(total, lang.Text(c.readerLang(), "out.check.progress", nil))
		}
		p.add()
	}
	r, err := c.store.Check(c.ctx)
	if p != nil {
		p.stop()
	}
	if err != nil {
		return err
	}
	if c.json {
		err = c.printJSON(r)
	} else {
		err = writeCheck(c.out, r, c.readerLang())
	}
	if err != nil {
		return err
	}
	if len(r.Problems) > 0 {
		return rewards.Fail(rewards.EREFUSED, "cli.error.check_problems", lang.Args{"count": lang.Number(len(r.Problems))})
	}
	return nil
}
