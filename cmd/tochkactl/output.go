package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Human output: short lines a cashier can read aloud, times in the
// program's time zone, money as currency amounts.

// units names n points the way the program calls them.
func units(p *rewards.Program, n int64) string {
	one, many := "point", "points"
	if p.Kind == rewards.KindBonus {
		one, many = "bonus", "bonuses"
	}
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// money writes an amount in minor units as the currency amount: 12.00 RUB.
// Both bundled currencies, like most, have 100 minor units.
func money(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, minor/100, minor%100, currency)
}

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

func when(t time.Time, loc *time.Location) string { return rewards.FormatTime(t, loc) }

// status describes a card's status with the date that goes with it.
func status(st string, activeFrom, blockedAt *time.Time, replacedBy string, loc *time.Location) string {
	switch st {
	case rewards.CardActive:
		if activeFrom != nil {
			return "active since " + when(*activeFrom, loc)
		}
		return "active"
	case rewards.CardIssued:
		if activeFrom == nil {
			return "issued, not handed over yet"
		}
		return "issued, activates on " + when(*activeFrom, loc)
	case rewards.CardBlocked:
		if blockedAt != nil {
			return "blocked since " + when(*blockedAt, loc)
		}
		return "blocked"
	case rewards.CardReplaced:
		if replacedBy != "" {
			return "replaced by card " + replacedBy
		}
		return "replaced"
	}
	return st
}

func writeCard(w io.Writer, c rewards.Card, p *rewards.Program) error {
	fmt.Fprintf(w, "card %s: %s\n", c.Number, status(c.Status, c.ActiveFrom, c.BlockedAt, c.ReplacedBy, p.Location()))
	var details []string
	if c.Member {
		details = append(details, "member")
	}
	if c.Phone != "" {
		details = append(details, "phone "+c.Phone)
	}
	if c.Name != "" {
		details = append(details, "name "+c.Name)
	}
	if c.Email != "" {
		details = append(details, "e-mail "+c.Email)
	}
	if c.Holder != "" {
		link := "family card of " + c.Holder
		if c.Pooled {
			link += ", pooled"
		}
		details = append(details, link)
	}
	if c.PurchaseTotal != 0 {
		details = append(details, "purchases "+money(c.PurchaseTotal, p.Currency))
	}
	if len(details) > 0 {
		fmt.Fprintf(w, "  %s\n", strings.Join(details, "; "))
	}
	return nil
}

func writeBalance(w io.Writer, b rewards.Balance, replacedBy string, p *rewards.Program) error {
	loc := p.Location()
	fmt.Fprintf(w, "card %s: %s\n", b.Card, status(b.Status, b.ActiveFrom, nil, replacedBy, loc))
	fmt.Fprintf(w, "available: %s\n", units(p, b.Available))
	label := "pending:  "
	for _, pp := range b.Pending {
		fmt.Fprintf(w, "%s %d from %s\n", label, pp.Points, when(pp.AvailableFrom, loc))
		label = "          "
	}
	if len(b.Pending) == 0 {
		fmt.Fprintf(w, "%s none\n", label)
	}
	label = "expiring: "
	for _, e := range b.Expiring {
		fmt.Fprintf(w, "%s %d on %s\n", label, e.Points, when(e.ExpiresAt, loc))
		label = "          "
	}
	if len(b.Expiring) == 0 {
		fmt.Fprintf(w, "%s none\n", label)
	}
	_, err := fmt.Fprintf(w, "as of %s\n", when(b.AsOf, loc))
	return err
}

// balanceLine sums a balance up in one line, after a receipt or a return.
func balanceLine(b *rewards.Balance, p *rewards.Program) string {
	if b == nil {
		return ""
	}
	s := fmt.Sprintf("balance: %s available", units(p, b.Available))
	for _, pp := range b.Pending {
		s += fmt.Sprintf(", %d pending from %s", pp.Points, when(pp.AvailableFrom, p.Location()))
	}
	return s
}

func writeReceipt(w io.Writer, r rewards.ReceiptResult, p *rewards.Program) error {
	fmt.Fprintf(w, "receipt %s, card %s: earned %s\n", r.Receipt, r.Card, units(p, r.Earned))
	tw := newTable(w)
	if r.Spent > 0 {
		fmt.Fprintln(tw, "  SKU\tEARNED\tDISCOUNT")
		for _, l := range r.Lines {
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", l.SKU, l.Earned, money(l.Discount, p.Currency))
		}
	} else {
		fmt.Fprintln(tw, "  SKU\tEARNED")
		for _, l := range r.Lines {
			fmt.Fprintf(tw, "  %s\t%d\n", l.SKU, l.Earned)
		}
	}
	tw.Flush()
	if r.Spent > 0 {
		fmt.Fprintf(w, "paid with %s: discount %s\n", units(p, r.Spent), money(r.Discount, p.Currency))
	}
	if r.Balance != nil {
		fmt.Fprintln(w, balanceLine(r.Balance, p))
	}
	return nil
}

func writeQuote(w io.Writer, q rewards.Quote, p *rewards.Program) error {
	fmt.Fprintf(w, "would earn %s\n", units(p, q.Earned))
	tw := newTable(w)
	if p.Kind == rewards.KindBonus {
		off, _ := p.BonusValue(q.MaxSpend)
		fmt.Fprintf(w, "may pay with at most %s (%s off)\n", units(p, q.MaxSpend), money(off, p.Currency))
		fmt.Fprintln(tw, "  SKU\tEARNED\tMAX DISCOUNT")
		for _, l := range q.Lines {
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", l.SKU, l.Earned, money(l.MaxDiscount, p.Currency))
		}
	} else {
		fmt.Fprintln(tw, "  SKU\tEARNED")
		for _, l := range q.Lines {
			fmt.Fprintf(tw, "  %s\t%d\n", l.SKU, l.Earned)
		}
	}
	return tw.Flush()
}

func writeReturn(w io.Writer, r rewards.ReturnResult, p *rewards.Program) error {
	fmt.Fprintf(w, "return %s of receipt %s, card %s: %s taken back, %s given back\n",
		r.Return, r.Receipt, r.Card, units(p, r.TakeBack), units(p, r.Refunded))
	if r.Balance != nil {
		fmt.Fprintln(w, balanceLine(r.Balance, p))
	}
	return nil
}

// writeHistory writes a card's entries, one a line, each with the store
// it was made in, by its name where the store is recorded.
func writeHistory(w io.Writer, h []rewards.HistoryEntry, p *rewards.Program, pl places) error {
	if len(h) == 0 {
		_, err := fmt.Fprintln(w, "no entries yet")
		return err
	}
	width := 0 // points right-aligned, the rest left
	for _, e := range h {
		width = max(width, len(fmt.Sprintf("%+d", e.Points)))
	}
	tw := newTable(w)
	for _, e := range h {
		fmt.Fprintf(tw, "%s\t%s\t%*s\t%s\t%s\t%s\n", when(e.At, p.Location()), e.Kind, width, fmt.Sprintf("%+d", e.Points), e.Card, e.Ref,
			pl.store(e.Store, lang.EN))
	}
	return tw.Flush()
}

func writeRewards(w io.Writer, list []rewards.Reward, p *rewards.Program) error {
	loc := p.Location()
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tPOINTS\tNAME\tSTOCK\tWHERE\tOFFERED")
	for _, r := range list {
		var names []string
		for _, n := range []string{r.Names.BG, r.Names.RU, r.Names.EN} {
			if n != "" {
				names = append(names, n)
			}
		}
		stock := "unlimited"
		if r.Stock != nil {
			stock = fmt.Sprint(*r.Stock)
		}
		where := r.Coop
		if r.Store != "" {
			where += "/" + r.Store
		}
		offered := "always"
		switch {
		case r.ValidFrom != nil && r.ValidTo != nil:
			offered = when(*r.ValidFrom, loc) + " – " + when(*r.ValidTo, loc)
		case r.ValidFrom != nil:
			offered = "from " + when(*r.ValidFrom, loc)
		case r.ValidTo != nil:
			offered = "until " + when(*r.ValidTo, loc)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.ID, r.Points, strings.Join(names, " / "), stock, where, offered)
	}
	return tw.Flush()
}

func writeVoucher(w io.Writer, v rewards.Voucher, p *rewards.Program) error {
	loc := p.Location()
	name := v.Names.In("en")
	switch v.Status {
	case rewards.VoucherClaimed:
		fmt.Fprintf(w, "voucher %s claimed: %s (%s), card %s\n", v.Code, name, units(p, v.Points), v.Card)
	case rewards.VoucherCancelled:
		fmt.Fprintf(w, "voucher %s cancelled: %s back on card %s\n", v.Code, units(p, v.Points), v.Card)
	default:
		fmt.Fprintf(w, "voucher %s %s: %s (%s), card %s, valid until %s\n", v.Code, v.Status, name, units(p, v.Points), v.Card, when(v.ValidUntil, loc))
	}
	return nil
}

func writeCheck(w io.Writer, r rewards.CheckReport) error {
	if len(r.UnrecordedStores) > 0 {
		// A notice, not a problem: tills are not ours to stop.
		fmt.Fprintf(w, "notice: receipts name stores that are not recorded: %s\n", strings.Join(r.UnrecordedStores, ", "))
	}
	if len(r.Problems) == 0 {
		_, err := fmt.Fprintf(w, "ledger ok: %d accounts, %d entries, %d lots, %d held in all; integrity %s\n",
			r.Accounts, r.Entries, r.Lots, r.Total, r.Integrity)
		return err
	}
	fmt.Fprintf(w, "ledger check found %d problem(s) in %d accounts, %d entries, %d lots:\n", len(r.Problems), r.Accounts, r.Entries, r.Lots)
	for _, pr := range r.Problems {
		fmt.Fprintf(w, "  - %s\n", pr)
	}
	return nil
}
