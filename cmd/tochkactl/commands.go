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

// command is one command of the CLI. Its help text is the catalog's
// help.cmd.NAME, its words joined by underscores (help.cmd.card_issue), and
// its flags' help.flag.NAME.FLAG (see helpKey and flagHelpKey).
type command struct {
	name  string   // the command words: "card issue"
	args  []string // positional arguments, required but those in brackets; a last one written CARD... takes one or more, [CARD...] none or more
	flags []flagSpec
	// db is dbRead for every command that changes nothing: it reads a
	// ledger that a newer Tochka made, and takes no write lock.
	db dbMode
	// changes is true for a command that changes the ledger: a failure
	// after the change is exit status 3.
	changes bool
	run     func(c *cmdCtx) error
}

// requestIDFlag is the idempotency key of a change: the command's id.
var requestIDFlag = flagSpec{name: "request-id", kind: kindString, value: "ID", check: checkRequestID, helpKey: "help.flag.request_id"}

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
		{name: "program", kind: kindString, value: "FILE", required: true},
		atFlag, requestIDFlag,
	}, db: dbCreate, changes: true, run: cmdInit},
	{name: "card issue", flags: append([]flagSpec{
		atFlag,
		{name: "member", kind: kindBool},
		{name: "number", kind: kindString, value: "CARD"},
		requestIDFlag,
	}, personFlags...), db: dbOpen, changes: true, run: cmdCardIssue},
	// card register hands over a batch card and/or records personal data.
	{name: "card register", args: []string{"CARD"}, flags: append([]flagSpec{
		{name: "member", kind: kindBool},
		atFlag, requestIDFlag,
	}, personFlags...), db: dbOpen, changes: true, run: cmdCardRegister},
	// card forget erases a customer's personal data; points and history stay.
	{name: "card forget", args: []string{"CARD"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdCardForget},
	// card export answers a data-access request: all about the customer, as JSON.
	{name: "card export", args: []string{"CARD"}, flags: []flagSpec{
		{name: "at", kind: kindTime, value: "TIME"},
	}, db: dbRead, run: cmdCardExport},
	{name: "card block", args: []string{"CARD"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdCardBlock},
	{name: "card replace", args: []string{"CARD"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdCardReplace},
	{name: "card link", args: []string{"CARD"}, flags: []flagSpec{
		{name: "to", kind: kindString, value: "HOLDER", required: true},
		{name: "pool", kind: kindBool},
		atFlag, requestIDFlag,
	}, db: dbOpen, changes: true, run: cmdCardLink},
	// card member makes the account a cooperator's from --at on.
	{name: "card member", args: []string{"CARD"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdCardMember},
	// card print records what it printed of batch cards (card list
	// --unprinted): it changes the ledger.
	{name: "card print", args: []string{"[CARD...]"}, flags: []flagSpec{
		layoutFlag, outFlag, printerFlag, unprintedFlag, batchFlag,
	}, db: dbOpen, changes: true, run: cmdCardPrint},
	{name: "card batch", flags: []flagSpec{
		{name: "count", kind: kindInt, value: "N", required: true, check: between(1, maxBatch)},
		layoutFlag, outFlag, printerFlag, atFlag, batchIDFlag,
	}, db: dbOpen, changes: true, run: cmdCardBatch},
	// card list --unprinted: the batch cards no print job has printed.
	{name: "card list", flags: []flagSpec{
		unprintedFlag.needed(), batchFlag,
	}, db: dbRead, run: cmdCardList},
	{name: "receipt post", args: []string{"FILE|-"}, flags: []flagSpec{receiptIDFlag}, db: dbOpen, changes: true, run: cmdReceiptPost},
	// receipt quote: what a receipt would earn and may pay with points.
	{name: "receipt quote", args: []string{"FILE|-"}, db: dbRead, run: cmdReceiptQuote},
	{name: "receipt return", args: []string{"FILE|-"}, flags: []flagSpec{returnIDFlag}, db: dbOpen, changes: true, run: cmdReceiptReturn},
	{name: "balance", args: []string{"CARD"}, flags: []flagSpec{
		{name: "at", kind: kindTime, value: "TIME"},
	}, db: dbRead, run: cmdBalance},
	{name: "history", args: []string{"CARD"}, db: dbRead, run: cmdHistory},
	{name: "coop add", flags: append(append([]flagSpec{
		{name: "id", kind: kindString, value: "ID", required: true},
	}, nameFlags...), atFlag, requestIDFlag), db: dbOpen, changes: true, run: cmdCoopAdd},
	{name: "coop list", db: dbRead, run: cmdCoopList},
	{name: "store add", flags: append(append([]flagSpec{
		{name: "id", kind: kindString, value: "ID", required: true},
		{name: "coop", kind: kindString, value: "COOP", required: true},
	}, nameFlags...),
		flagSpec{name: "address", kind: kindString, value: "TEXT"},
		atFlag, requestIDFlag), db: dbOpen, changes: true, run: cmdStoreAdd},
	{name: "store list", db: dbRead, run: cmdStoreList},
	{name: "board add", flags: []flagSpec{
		{name: "id", kind: kindString, value: "ID", required: true},
		{name: "coop", kind: kindString, value: "COOP", required: true},
		{name: "store", kind: kindString, value: "STORE"},
		{name: "points", kind: kindInt, value: "N", required: true},
		{name: "name-bg", kind: kindString, value: "NAME", helpKey: "help.flag.name_bg"},
		{name: "name-ru", kind: kindString, value: "NAME", helpKey: "help.flag.name_ru"},
		{name: "name-en", kind: kindString, value: "NAME", helpKey: "help.flag.name_en"},
		{name: "picture", kind: kindString, value: "FILE"},
		{name: "stock", kind: kindInt, value: "N"},
		{name: "from", kind: kindTime, value: "TIME"},
		{name: "to", kind: kindTime, value: "TIME"},
		atFlag, requestIDFlag,
	}, db: dbOpen, changes: true, run: cmdBoardAdd},
	{name: "board list", flags: []flagSpec{
		{name: "coop", kind: kindString, value: "COOP"},
		{name: "store", kind: kindString, value: "STORE"},
	}, db: dbRead, run: cmdBoardList},
	{name: "board remove", args: []string{"ID"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdBoardRemove},
	{name: "board print", flags: []flagSpec{
		{name: "coop", kind: kindString, value: "COOP"},
		{name: "store", kind: kindString, value: "STORE"},
		{name: "size", kind: kindString, value: "A4|A3", choices: []string{printer.PosterA4, printer.PosterA3}},
		{name: "in-stock", kind: kindBool},
		outFlag, printerFlag,
	}, db: dbRead, run: cmdBoardPrint},
	{name: "redeem", args: []string{"CARD", "REWARD"}, flags: []flagSpec{
		{name: "store", kind: kindString, value: "STORE"},
		atFlag, requestIDFlag,
	}, db: dbOpen, changes: true, run: cmdRedeem},
	{name: "voucher claim", args: []string{"CODE"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdVoucherClaim},
	{name: "voucher cancel", args: []string{"CODE"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdVoucherCancel},
	{name: "voucher print", args: []string{"CODE"}, flags: []flagSpec{
		voucherOutFlag, escposFlag, printerFlag, usbFlag,
	}, db: dbRead, run: cmdVoucherPrint},
	{name: "printer test", flags: []flagSpec{printerFlag, usbFlag}, db: dbNone, run: cmdPrinterTest},
	{name: "scanner decode", args: []string{"FILE|-"}, flags: scannerDecodeFlags, db: dbNone, run: cmdScannerDecode},
	{name: "scanner list", db: dbNone, run: cmdScannerList},
	{name: "scanner watch", flags: scannerWatchFlags, db: dbNone, run: cmdScannerWatch},
	// report liability: the points outstanding, an accountant's liability.
	{name: "report liability", flags: []flagSpec{
		{name: "at", kind: kindTime, value: "TIME"},
		{name: "by", kind: kindString, value: "store|coop|day", choices: []string{rewards.ByStore, rewards.ByCoop, rewards.ByDay}},
		{name: "csv", kind: kindBool},
	}, db: dbRead, run: cmdReportLiability},
	{name: "check", db: dbRead, run: cmdCheck},
	{name: "backup", db: dbRead, run: cmdBackup, flags: []flagSpec{
		{name: "to", kind: kindString, value: "FILE", required: true, check: notEmpty},
	}},
	{name: "help", db: dbNone, run: func(*cmdCtx) error { return nil }},
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
	{name: "given-name", kind: kindString, value: "NAME", helpKey: "help.flag.given_name"},
	{name: "family-name", kind: kindString, value: "NAME", helpKey: "help.flag.family_name"},
	{name: "name", kind: kindString, value: "NAME", helpKey: "help.flag.name"},
	{name: "phone", kind: kindString, value: "PHONE", helpKey: "help.flag.phone"},
	{name: "email", kind: kindString, value: "EMAIL", helpKey: "help.flag.email"},
	{name: "consent", kind: kindBool, helpKey: "help.flag.consent"},
	{name: "marketing", kind: kindBool, helpKey: "help.flag.marketing"},
}

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
	receiptIDFlag = flagSpec{name: "request-id", kind: kindString, value: "ID", check: checkRequestID}
	returnIDFlag  = flagSpec{name: "request-id", kind: kindString, value: "ID", check: checkRequestID}
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
	if err := c.local.Backup(c.ctx, to); err != nil {
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
	if c.local != nil { // the server checks its ledger with no progress to show
		c.local.Progress = func(done, total int) {
			if total < checkProgressFrom {
				return
			}
			if p == nil {
				p = c.progress(total, lang.Text(c.readerLang(), "out.check.progress", nil))
			}
			p.add()
		}
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
