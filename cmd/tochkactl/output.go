package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Human output: short lines a cashier can read aloud, in the reader's
// language (--lang), times in the program's time zone, money as currency
// amounts. Every text is a key of the catalog (assets/i18n/output.*.toml).

// words writes the CLI's lines in one language for one program.
type words struct {
	l string
	p *rewards.Program
}

// words is the reader's language with program p.
func (c *cmdCtx) words(p *rewards.Program) words { return words{l: c.readerLang(), p: p} }

// t renders the catalog's key with its arguments.
func (w words) t(key string, args lang.Args) string { return lang.Text(w.l, key, args) }

// units names n points the way the program calls them: 1 точка, 5 бонусов.
func (w words) units(n int64) string {
	key := "unit.points"
	if w.p.Kind == rewards.KindBonus {
		key = "unit.bonuses"
	}
	return lang.Text(w.l, key, lang.Args{"count": lang.Number(n)})
}

// number writes a count as the reader writes it: 1,600 (1 600 in
// Bulgarian and Russian).
func (w words) number(n int64) string { return lang.FormatNumber(w.l, n) }

// money writes an amount in minor units as the currency amount: 12.00 RUB
// (12,00 RUB in Bulgarian and Russian). Both bundled currencies, like
// most, have 100 minor units.
func (w words) money(minor int64) string {
	return lang.FormatMoney(w.l, minor, w.p.Currency)
}

// when writes a moment in the program's time zone.
func (w words) when(t time.Time) string { return lang.FormatTime(w.l, t.In(w.p.Location())) }

// table lines up columns two spaces apart, without trailing blanks.
type table struct {
	*tabwriter.Writer
	buf strings.Builder
	out io.Writer
}

func newTable(w io.Writer) *table {
	t := &table{out: w}
	t.Writer = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

// Flush writes the table out.
func (t *table) Flush() error {
	if err := t.Writer.Flush(); err != nil {
		return err
	}
	lines := strings.SplitAfter(t.buf.String(), "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "\n") {
			lines[i] = strings.TrimRight(l, " \n") + "\n"
		}
	}
	t.buf.Reset()
	_, err := io.WriteString(t.out, strings.Join(lines, ""))
	return err
}

// status describes a card's status with the date that goes with it.
func (w words) status(st string, activeFrom, blockedAt *time.Time, replacedBy string) string {
	switch st {
	case rewards.CardActive:
		if activeFrom != nil {
			return w.t("out.status.active_since", lang.Args{"at": w.when(*activeFrom)})
		}
		return w.t("out.status.active", nil)
	case rewards.CardIssued:
		if activeFrom == nil {
			return w.t("out.status.issued", nil)
		}
		return w.t("out.status.activates", lang.Args{"at": w.when(*activeFrom)})
	case rewards.CardBlocked:
		if blockedAt != nil {
			return w.t("out.status.blocked_since", lang.Args{"at": w.when(*blockedAt)})
		}
		return w.t("out.status.blocked", nil)
	case rewards.CardReplaced:
		if replacedBy != "" {
			return w.t("out.status.replaced_by", lang.Args{"card": replacedBy})
		}
		return w.t("out.status.replaced", nil)
	}
	return st
}

func writeCard(out io.Writer, c rewards.Card, w words) error {
	fmt.Fprintf(out, "%s\n", w.t("out.card", lang.Args{"card": c.Number, "status": w.status(c.Status, c.ActiveFrom, c.BlockedAt, c.ReplacedBy)}))
	var details []string
	if c.Member {
		details = append(details, w.t("out.card.member", nil))
	}
	if c.Phone != "" {
		details = append(details, w.t("out.card.phone", lang.Args{"phone": c.Phone}))
	}
	if c.Name != "" {
		details = append(details, w.t("out.card.name", lang.Args{"name": c.Name}))
	}
	if c.Email != "" {
		details = append(details, w.t("out.card.email", lang.Args{"email": c.Email}))
	}
	if c.Holder != "" {
		key := "out.card.family"
		if c.Pooled {
			key = "out.card.family_pooled"
		}
		details = append(details, w.t(key, lang.Args{"holder": c.Holder}))
	}
	if c.PurchaseTotal != 0 {
		details = append(details, w.t("out.card.purchases", lang.Args{"amount": w.money(c.PurchaseTotal)}))
	}
	if len(details) > 0 {
		fmt.Fprintf(out, "  %s\n", strings.Join(details, "; "))
	}
	return nil
}

// labelled writes lines under a label, the first beside it and the rest
// lined up under the first: "pending:  5 from …".
func labelled(out io.Writer, label string, lines []string, none string) {
	pad := strings.Repeat(" ", utf8.RuneCountInString(label))
	if len(lines) == 0 {
		lines = []string{none}
	}
	for i, l := range lines {
		if i > 0 {
			label = pad
		}
		fmt.Fprintf(out, "%s %s\n", label, l)
	}
}

func writeBalance(out io.Writer, b rewards.Balance, replacedBy string, w words) error {
	fmt.Fprintf(out, "%s\n", w.t("out.card", lang.Args{"card": b.Card, "status": w.status(b.Status, b.ActiveFrom, nil, replacedBy)}))
	fmt.Fprintf(out, "%s\n", w.t("out.balance.available", lang.Args{"points": w.units(b.Available)}))
	labels := []string{w.t("out.balance.pending", nil), w.t("out.balance.expiring", nil)}
	width := max(utf8.RuneCountInString(labels[0]), utf8.RuneCountInString(labels[1])) + 1
	var pending, expiring []string
	for _, pp := range b.Pending {
		pending = append(pending, w.t("out.balance.pending_from", lang.Args{"points": lang.Number(pp.Points), "at": w.when(pp.AvailableFrom)}))
	}
	for _, e := range b.Expiring {
		expiring = append(expiring, w.t("out.balance.expiring_on", lang.Args{"points": lang.Number(e.Points), "at": w.when(e.ExpiresAt)}))
	}
	none := w.t("out.none", nil)
	labelled(out, padRight(labels[0], width), pending, none)
	labelled(out, padRight(labels[1], width), expiring, none)
	_, err := fmt.Fprintf(out, "%s\n", w.t("out.balance.as_of", lang.Args{"at": w.when(b.AsOf)}))
	return err
}

// padRight pads s with spaces to width characters.
func padRight(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
}

// balanceLine sums a balance up in one line, after a receipt or a return.
func balanceLine(b *rewards.Balance, w words) string {
	if b == nil {
		return ""
	}
	s := w.t("out.balance.line", lang.Args{"points": w.units(b.Available)})
	for _, pp := range b.Pending {
		s += w.t("out.balance.line_pending", lang.Args{"points": lang.Number(pp.Points), "at": w.when(pp.AvailableFrom)})
	}
	return s
}

func writeReceipt(out io.Writer, r rewards.ReceiptResult, w words) error {
	fmt.Fprintf(out, "%s\n", w.t("out.receipt", lang.Args{"receipt": r.Receipt, "card": r.Card, "points": w.units(r.Earned)}))
	tw := newTable(out)
	if r.Spent > 0 {
		fmt.Fprintf(tw, "  %s\n", w.t("out.receipt.head_discount", nil))
		for _, l := range r.Lines {
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", l.SKU, l.Earned, w.money(l.Discount))
		}
	} else {
		fmt.Fprintf(tw, "  %s\n", w.t("out.receipt.head", nil))
		for _, l := range r.Lines {
			fmt.Fprintf(tw, "  %s\t%d\n", l.SKU, l.Earned)
		}
	}
	tw.Flush()
	if r.Spent > 0 {
		fmt.Fprintf(out, "%s\n", w.t("out.receipt.paid", lang.Args{"points": w.units(r.Spent), "discount": w.money(r.Discount)}))
	}
	if r.Balance != nil {
		fmt.Fprintln(out, balanceLine(r.Balance, w))
	}
	return nil
}

func writeQuote(out io.Writer, q rewards.Quote, w words) error {
	fmt.Fprintf(out, "%s\n", w.t("out.quote.earn", lang.Args{"points": w.units(q.Earned)}))
	tw := newTable(out)
	if w.p.Kind == rewards.KindBonus {
		off, _ := w.p.BonusValue(q.MaxSpend)
		fmt.Fprintf(out, "%s\n", w.t("out.quote.max_spend", lang.Args{"points": w.units(q.MaxSpend), "off": w.money(off)}))
		fmt.Fprintf(tw, "  %s\n", w.t("out.quote.head_discount", nil))
		for _, l := range q.Lines {
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", l.SKU, l.Earned, w.money(l.MaxDiscount))
		}
	} else {
		fmt.Fprintf(tw, "  %s\n", w.t("out.receipt.head", nil))
		for _, l := range q.Lines {
			fmt.Fprintf(tw, "  %s\t%d\n", l.SKU, l.Earned)
		}
	}
	return tw.Flush()
}

func writeReturn(out io.Writer, r rewards.ReturnResult, w words) error {
	fmt.Fprintf(out, "%s\n", w.t("out.return", lang.Args{"return": r.Return, "receipt": r.Receipt, "card": r.Card,
		"taken": w.units(r.TakeBack), "given": w.units(r.Refunded)}))
	if r.Balance != nil {
		fmt.Fprintln(out, balanceLine(r.Balance, w))
	}
	return nil
}

// writeHistory writes a card's entries, one a line, each with the store
// it was made in, by its name where the store is recorded.
func writeHistory(out io.Writer, h []rewards.HistoryEntry, w words, pl places) error {
	if len(h) == 0 {
		_, err := fmt.Fprintln(out, w.t("out.history.none", nil))
		return err
	}
	width := 0 // points right-aligned, the rest left
	for _, e := range h {
		width = max(width, len(fmt.Sprintf("%+d", e.Points)))
	}
	tw := newTable(out)
	for _, e := range h {
		fmt.Fprintf(tw, "%s\t%s\t%*s\t%s\t%s\t%s\n", w.when(e.At), w.t("out.entry."+e.Kind, nil), width, fmt.Sprintf("%+d", e.Points), e.Card, e.Ref,
			pl.store(e.Store, w.l))
	}
	return tw.Flush()
}

func writeRewards(out io.Writer, list []rewards.Reward, w words) error {
	tw := newTable(out)
	fmt.Fprintln(tw, w.t("out.rewards.head", nil))
	for _, r := range list {
		var names []string
		for _, n := range []string{r.Names.BG, r.Names.RU, r.Names.EN} {
			if n != "" {
				names = append(names, n)
			}
		}
		stock := w.t("out.rewards.unlimited", nil)
		if r.Stock != nil {
			stock = fmt.Sprint(*r.Stock)
		}
		where := r.Coop
		if r.Store != "" {
			where += "/" + r.Store
		}
		offered := w.t("out.rewards.always", nil)
		switch {
		case r.ValidFrom != nil && r.ValidTo != nil:
			offered = w.when(*r.ValidFrom) + " – " + w.when(*r.ValidTo)
		case r.ValidFrom != nil:
			offered = w.t("out.rewards.from", lang.Args{"at": w.when(*r.ValidFrom)})
		case r.ValidTo != nil:
			offered = w.t("out.rewards.until", lang.Args{"at": w.when(*r.ValidTo)})
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.ID, r.Points, strings.Join(names, " / "), stock, where, offered)
	}
	return tw.Flush()
}

func writeVoucher(out io.Writer, v rewards.Voucher, w words) error {
	args := lang.Args{"code": v.Code, "reward": v.Names, "points": w.units(v.Points), "card": v.Card, "until": w.when(v.ValidUntil),
		"status": w.t("out.voucher.status."+v.Status, nil)}
	key := "out.voucher"
	switch v.Status {
	case rewards.VoucherClaimed:
		key = "out.voucher.claimed"
	case rewards.VoucherCancelled:
		key = "out.voucher.cancelled"
	}
	_, err := fmt.Fprintln(out, w.t(key, args))
	return err
}

func writeCheck(out io.Writer, r rewards.CheckReport, l string) error {
	if r.Replica {
		// What a replica holds is checked, not a log it does not hold.
		fmt.Fprintln(out, lang.Text(l, "out.check.replica", nil))
	}
	if r.CatchingUp {
		fmt.Fprintln(out, lang.Text(l, "out.check.catching_up", nil))
	}
	if len(r.UnrecordedStores) > 0 {
		// A notice, not a problem: tills are not ours to stop.
		fmt.Fprintln(out, lang.Text(l, "out.check.unrecorded", lang.Args{"stores": strings.Join(r.UnrecordedStores, ", ")}))
	}
	if len(r.UnusedPictures) > 0 {
		// A notice too: such a picture harms nothing but the room it takes.
		fmt.Fprintln(out, lang.Text(l, "out.check.unused_pictures", lang.Args{"count": lang.Number(len(r.UnusedPictures)),
			"pictures": strings.Join(r.UnusedPictures, ", ")}))
	}
	args := lang.Args{"accounts": r.Accounts, "entries": r.Entries, "lots": r.Lots, "total": r.Total, "integrity": r.Integrity, "problems": len(r.Problems)}
	if len(r.Problems) == 0 {
		_, err := fmt.Fprintln(out, lang.Text(l, "out.check.ok", args))
		return err
	}
	fmt.Fprintln(out, lang.Text(l, "out.check.problems", args))
	for _, pr := range r.Problems {
		fmt.Fprintf(out, "  - %s\n", pr.In(l))
	}
	return nil
}
