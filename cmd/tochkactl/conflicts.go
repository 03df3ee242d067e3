package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
)

// The conflicts of kiosks' uploads: what the central ledger could not
// honour of an event as a kiosk made it offline. A manager lists them
// (`conflicts`, the open ones; --all the resolved ones too) and closes one
// with a note (`conflicts resolve ID --note TEXT`), on the server with
// --server, else in the local ledger, closed by --device's name.

// conflictCommands are the conflict commands, in the order the help shows
// them.
var conflictCommands = []*command{
	{name: "conflicts", flags: []flagSpec{
		{name: "all", kind: kindBool},
	}, db: dbRead, run: cmdConflicts},
	{name: "conflicts resolve", args: []string{"ID"}, flags: []flagSpec{
		{name: "note", kind: kindString, value: "TEXT", required: true, check: notEmpty},
	}, db: dbOpen, changes: true, run: cmdConflictResolve},
}

// conflictServer keeps the conflicts elsewhere: the server's API client,
// or a kiosk's replica, which asks its server.
type conflictServer interface {
	Conflicts(ctx context.Context, all bool) ([]rewards.Conflict, error)
	ResolveConflict(ctx context.Context, id int64, note string) (rewards.Conflict, error)
}

var (
	_ conflictServer = (*api.Client)(nil)
	_ conflictServer = (*replica.Service)(nil)
)

func cmdConflicts(c *cmdCtx) error {
	all := c.in.bool("all")
	var list []rewards.Conflict
	var err error
	if server, ok := c.store.(conflictServer); ok {
		list, err = server.Conflicts(c.ctx, all)
	} else {
		list, err = c.local.Conflicts(c.ctx, all)
	}
	return emit(c, list, err, func(w io.Writer, list []rewards.Conflict, wd words) error {
		if len(list) == 0 {
			_, err := fmt.Fprintln(w, wd.t("out.conflicts.none", nil))
			return err
		}
		return writeConflicts(w, list, wd)
	})
}

func cmdConflictResolve(c *cmdCtx) error {
	id, err := strconv.ParseInt(c.in.args[0], 10, 64)
	if err != nil || id <= 0 {
		return rewards.Fail(rewards.ENOTFOUND, "conflict.unknown", lang.Args{"id": c.in.args[0]})
	}
	note := c.in.str["note"]
	var cf rewards.Conflict
	if server, ok := c.store.(conflictServer); ok {
		cf, err = server.ResolveConflict(c.ctx, id, note)
	} else {
		cf, err = c.local.ResolveConflict(c.ctx, id, c.local.Device, note)
	}
	if err != nil {
		return err
	}
	c.changed("done.conflict_resolved", lang.Args{"id": cf.ID})
	return emit(c, cf, nil, func(w io.Writer, cf rewards.Conflict, wd words) error {
		return writeConflicts(w, []rewards.Conflict{cf}, wd)
	})
}

// writeConflicts writes conflicts as a table, each message in the
// reader's language, and a resolved one's note below it.
func writeConflicts(w io.Writer, list []rewards.Conflict, wd words) error {
	tw := newTable(w)
	fmt.Fprintln(tw, wd.t("out.conflicts.head", nil))
	for _, cf := range list {
		outcome := wd.t("out.conflicts.outcome."+cf.Outcome, nil)
		if cf.ResolvedAt != nil {
			outcome = wd.t("out.conflicts.resolved", lang.Args{"outcome": outcome})
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cf.ID, wd.when(cf.At), cf.Device, dash(cf.Staff), cf.Kind, dash(cf.Card),
			outcome, wd.t(cf.Key, rewards.DomainArgs(cf.Args)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, cf := range list {
		if cf.ResolvedAt != nil {
			if _, err := fmt.Fprintln(w, wd.t("out.conflicts.note", lang.Args{"id": cf.ID, "by": cf.ResolvedBy, "at": wd.when(*cf.ResolvedAt), "note": cf.Note})); err != nil {
				return err
			}
		}
	}
	return nil
}

// The conflict commands follow the audit trail in the help: after it, or,
// before staff.go's init put it in, after the device commands, which the
// staff commands and the audit trail then go before.
func init() {
	i := slices.IndexFunc(commands, func(c *command) bool { return c.name == "audit" })
	if i < 0 {
		i = slices.IndexFunc(commands, func(c *command) bool { return c.name == "device revoke" })
	}
	commands = slices.Insert(commands, i+1, conflictCommands...)
}
