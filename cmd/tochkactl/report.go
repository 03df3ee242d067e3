package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

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
	// Without --at, the ledger's own now: the moment it reads its clock
	// at, which a moment taken here, before it, would precede.
	var at time.Time
	if t, ok := c.in.times["at"]; ok {
		at = t
	}
	l, err := c.store.Liability(c.ctx, at, by)
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
			r.Name = pl.store(r.Group, c.readerLang())
		case by == rewards.ByCoop:
			r.Name = pl.coop(r.Group, c.readerLang())
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
	return writeLiability(c.out, l, c.words(p))
}

// noGroup names the group of no store, cooperative or day in a CSV file:
// debt, and welcome bonuses by store or cooperative.
func noGroup(by string) string { return "(no " + by + ")" }

func writeLiability(out io.Writer, l rewards.Liability, w words) error {
	by := w.t("out.liability.by."+l.By, nil)
	// The lines that name the unit name it as the program does: points,
	// or a bonus program's bonuses.
	unit := ""
	if l.Kind == rewards.KindBonus {
		unit = ".bonus"
	}
	fmt.Fprintln(out, w.t("out.liability.title"+unit, lang.Args{"at": w.when(l.At), "by": w.t("out.liability.grouped."+l.By, nil)}))
	tw := newTable(out)
	head := strings.ToUpper(by) + "\t" + w.t("out.liability.head", nil)
	if l.Kind == rewards.KindBonus {
		head += "\t" + w.t("out.liability.value", nil)
	}
	fmt.Fprintln(tw, head)
	line := func(group, name string, r rewards.LiabilityRow) {
		cells := []string{group, name}
		for _, n := range []int64{r.Available, r.Pending, r.Debt, r.Balance, r.Vouchers, r.Outstanding} {
			cells = append(cells, w.number(n))
		}
		fmt.Fprint(tw, strings.Join(cells, "\t"))
		if r.Value != nil {
			fmt.Fprintf(tw, "\t%s", w.money(*r.Value))
		}
		fmt.Fprintln(tw)
	}
	none, total := w.t("out.liability.none."+l.By, nil), w.t("out.liability.total", nil)
	for _, r := range l.Rows {
		group := r.Group
		if group == "" {
			group = none
		}
		line(group, r.Name, r)
	}
	line(total, "", l.Total)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s\n", w.t("out.liability.expiring"+unit, nil))
	tw = newTable(out)
	fmt.Fprintf(tw, "%s\t%s\n", strings.ToUpper(by), strings.Join(l.Months, "\t"))
	expiring := func(group string, r rewards.LiabilityRow) {
		cells := make([]string, len(r.Expiring))
		for i, n := range r.Expiring {
			cells[i] = w.number(n)
		}
		fmt.Fprintf(tw, "%s\t%s\n", group, strings.Join(cells, "\t"))
	}
	for _, r := range l.Rows {
		group := r.Group
		if group == "" {
			group = none
		}
		expiring(group, r)
	}
	expiring(total, l.Total)
	return tw.Flush()
}

// csvMoney writes minor units as a plain decimal with two places, as a
// spreadsheet reads it: 1234.50.
func csvMoney(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
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
			rec = append(rec, csvMoney(*r.Value))
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
