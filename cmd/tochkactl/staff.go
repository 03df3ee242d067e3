package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Staff members who log in at kiosks with a number (or a staff card) and a
// PIN, and the audit trail of the changes made. Like the device commands, staff add
// and list work on a local ledger: a PIN is read from a file (or stdin),
// never from the command line, where ps and the shell's history would
// show it.

// staffCommands are the staff commands, in the order the help shows them.
var staffCommands = []*command{
	{name: "staff add", flags: []flagSpec{
		{name: "name", kind: kindString, value: "NAME", required: true},
		{name: "number", kind: kindString, value: "NNNN", required: true},
		{name: "store", kind: kindString, value: "STORE", oneOf: "place"},
		{name: "coop", kind: kindString, value: "COOP", oneOf: "place"},
		{name: "role", kind: kindString, value: "staff|manager", required: true, choices: rewards.StaffRoles},
		{name: "pin-file", kind: kindString, value: "FILE", required: true},
		{name: "card", kind: kindString, value: "NUMBER"},
		atFlag, requestIDFlag,
	}, db: dbOpen, changes: true, run: cmdStaffAdd},
	{name: "staff card", flags: []flagSpec{
		{name: "number", kind: kindString, value: "NNNN", required: true},
		{name: "card", kind: kindString, value: "NUMBER", oneOf: "staff_card"},
		{name: "remove", kind: kindBool, oneOf: "staff_card"},
	}, db: dbOpen, changes: true, run: cmdStaffCard},
	{name: "staff list", db: dbRead, run: cmdStaffList},
	{name: "audit", flags: []flagSpec{
		{name: "since", kind: kindTime, value: "TIME"},
	}, db: dbRead, run: cmdAudit},
}

func cmdStaffAdd(c *cmdCtx) error {
	var pin string
	if err := c.readInput(c.in.str["pin-file"], func(r io.Reader) error {
		data, err := io.ReadAll(io.LimitReader(r, 1024))
		pin = strings.TrimSpace(string(data))
		return err
	}); err != nil {
		return err
	}
	m, err := c.local.AddStaff(c.ctx, rewards.StaffAdd{Meta: c.meta(), PIN: pin, Staff: rewards.StaffMember{
		Name: c.in.str["name"], Number: c.in.str["number"], Role: c.in.str["role"], Store: c.in.str["store"], Coop: c.in.str["coop"],
		Card: c.in.str["card"]}})
	if err != nil {
		return err
	}
	c.changed("done.staff_add", lang.Args{"number": m.Number})
	return emit(c, m, nil, func(w io.Writer, m rewards.StaffMember, wd words) error {
		return writeStaff(w, []rewards.StaffMember{m}, wd)
	})
}

func cmdStaffCard(c *cmdCtx) error {
	m, err := c.local.SetStaffCard(c.ctx, rewards.StaffCardSet{Number: c.in.str["number"], Card: c.in.str["card"]})
	if err != nil {
		return err
	}
	if m.Card == "" {
		c.changed("done.staff_card_removed", lang.Args{"number": m.Number})
	} else {
		c.changed("done.staff_card", lang.Args{"number": m.Number, "card": m.Card})
	}
	return emit(c, m, nil, func(w io.Writer, m rewards.StaffMember, wd words) error {
		return writeStaff(w, []rewards.StaffMember{m}, wd)
	})
}

func cmdStaffList(c *cmdCtx) error {
	list, err := c.local.StaffList(c.ctx)
	return emit(c, list, err, func(w io.Writer, list []rewards.StaffMember, wd words) error {
		if len(list) == 0 {
			_, err := fmt.Fprintln(w, wd.t("out.staff.none", nil))
			return err
		}
		return writeStaff(w, list, wd)
	})
}

// writeStaff writes staff members as a table; never a PIN nor its hash.
func writeStaff(w io.Writer, list []rewards.StaffMember, wd words) error {
	tw := newTable(w)
	fmt.Fprintln(tw, wd.t("out.staff.head", nil))
	for _, m := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Number, m.Name, m.Role, dash(m.Store), dash(m.Coop), dash(m.Card), wd.when(m.CreatedAt))
	}
	return tw.Flush()
}

func cmdAudit(c *cmdCtx) error {
	var since time.Time
	if c.in.set["since"] {
		since = c.in.times["since"]
	}
	list, err := c.local.Audit(c.ctx, since)
	return emit(c, list, err, func(w io.Writer, list []rewards.AuditEntry, wd words) error {
		if len(list) == 0 {
			_, err := fmt.Fprintln(w, wd.t("out.audit.none", nil))
			return err
		}
		tw := newTable(w)
		fmt.Fprintln(tw, wd.t("out.audit.head", nil))
		for _, e := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", wd.when(e.At), e.Kind, e.Device, dash(e.Staff), dash(e.Subject))
		}
		return tw.Flush()
	})
}

// The staff commands follow the device commands in the help; kept here,
// they stay apart from the command table's other edits.
func init() {
	i := slices.IndexFunc(commands, func(c *command) bool { return c.name == "device revoke" })
	commands = slices.Insert(commands, i+1, staffCommands...)
}
