package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The reports for finance: read-only questions of the ledger.

func cmdReportLiability(c *cmdCtx) error {
	if c.json && c.in.bool("csv") {
		return badUsage(c.in.cmd, "csv_json", nil)
	}
	by := c.in.str["by"]
	if by == "" {
		by = rewards.ByStore
	}
	l, err := c.store.Liability(c.ctx, c.at, by)
	if err != nil {
		return err
	}
	pl, err := c.places()
	if err != nil {
		return err
	}
	for i := range l.Rows {
		switch r := &l.Rows[i]; {
		case r.Group == "":
		case by == rewards.ByStore:
			r.Name = pl.store(r.Group, lang.EN)
		case by == rewards.ByCoop:
			r.Name = pl.coop(r.Group, lang.EN)
		}
	}
	if c.json {
		return c.printJSON(l)
	}
	p, err := c.program()
	if err != nil {
		return err
	}
	if c.in.bool("csv") {
		return writeLiabilityCSV(c.out, l)
	}
	return writeLiability(c.out, l, p)
}

// noGroup names the group of no store, cooperative or day: welcome
// bonuses and debt.
func noGroup(by string) string { return "(no " + by + ")" }

// liabilityValue writes a row's value as a currency amount, or "" for a
// program whose points have none.
func liabilityValue(r rewards.LiabilityRow, currency string) string {
	if r.Value == nil {
		return ""
	}
	return money(*r.Value, currency)
}

func writeLiability(w io.Writer, l rewards.Liability, p *rewards.Program) error {
	fmt.Fprintf(w, "points outstanding at %s, by %s\n", when(l.At, p.Location()), l.By)
	tw := newTable(w)
	head := strings.ToUpper(l.By) + "\tNAME\tAVAILABLE\tPENDING\tDEBT\tBALANCE\tVOUCHERS\tOUTSTANDING"
	if l.Kind == rewards.KindBonus {
		head += "\tVALUE"
	}
	fmt.Fprintln(tw, head)
	line := func(group, name string, r rewards.LiabilityRow) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d", group, name, r.Available, r.Pending, r.Debt, r.Balance, r.Vouchers, r.Outstanding)
		if r.Value != nil {
			fmt.Fprintf(tw, "\t%s", liabilityValue(r, l.Currency))
		}
		fmt.Fprintln(tw)
	}
	for _, r := range l.Rows {
		group := r.Group
		if group == "" {
			group = noGroup(l.By)
		}
		line(group, r.Name, r)
	}
	line("total", "", l.Total)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nexpiring by month (of the points available and pending):\n")
	tw = newTable(w)
	fmt.Fprintf(tw, "%s\t%s\n", strings.ToUpper(l.By), strings.Join(l.Months, "\t"))
	expiring := func(group string, r rewards.LiabilityRow) {
		cells := make([]string, len(r.Expiring))
		for i, n := range r.Expiring {
			cells[i] = strconv.FormatInt(n, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\n", group, strings.Join(cells, "\t"))
	}
	for _, r := range l.Rows {
		group := r.Group
		if group == "" {
			group = noGroup(l.By)
		}
		expiring(group, r)
	}
	expiring("total", l.Total)
	return tw.Flush()
}

// writeLiabilityCSV writes the report for a spreadsheet: a row a group and
// one for the total, points as whole numbers, the value (a bonus program's)
// as a currency amount with two decimals, and what expires in each month.
func writeLiabilityCSV(w io.Writer, l rewards.Liability) error {
	cw := csv.NewWriter(w)
	head := []string{l.By, "name", "available", "pending", "debt", "balance", "vouchers", "outstanding"}
	if l.Kind == rewards.KindBonus {
		head = append(head, "value_"+l.Currency)
	}
	for _, m := range l.Months {
		head = append(head, "expiring_"+m)
	}
	cw.Write(head)
	record := func(group, name string, r rewards.LiabilityRow) {
		rec := []string{group, name}
		for _, n := range []int64{r.Available, r.Pending, r.Debt, r.Balance, r.Vouchers, r.Outstanding} {
			rec = append(rec, strconv.FormatInt(n, 10))
		}
		if r.Value != nil {
			rec = append(rec, strings.TrimSuffix(money(*r.Value, l.Currency), " "+l.Currency))
		}
		for _, n := range r.Expiring {
			rec = append(rec, strconv.FormatInt(n, 10))
		}
		cw.Write(rec)
	}
	for _, r := range l.Rows {
		name := r.Name
		if r.Group == "" {
			name = noGroup(l.By)
		}
		record(r.Group, name, r)
	}
	record("", "(total)", l.Total)
	cw.Flush()
	return cw.Error()
}
