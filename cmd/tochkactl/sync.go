package main

// The sync commands: a kiosk's replica made, synced and watched without a
// screen (rewards/replica).

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
)

// syncTimeout bounds each request of sync to the server; a snapshot's
// download is bounded by its own progress, not by this.
const syncTimeout = 60 * time.Second

var syncCommands = []*command{
	{name: "sync init", flags: []flagSpec{
		{name: "upstream", kind: kindString, value: "URL", required: true, check: checkServerURL},
		{name: "token", kind: kindString, value: "TOKEN", required: true, check: notEmpty},
	}, db: dbNone, changes: true, run: cmdSyncInit},
	{name: "sync run", flags: []flagSpec{{name: "follow", kind: kindBool}}, db: dbOpen, changes: true, run: cmdSyncRun},
	{name: "sync status", db: dbRead, run: cmdSyncStatus},
}

func init() { commands = append(commands, syncCommands...) }

// cmdSyncInit makes the replica at --db from the server's snapshot.
func cmdSyncInit(c *cmdCtx) error {
	path, err := dbPath(c.in, c.env)
	if err != nil {
		return err
	}
	upstream, token := c.in.str["upstream"], c.in.str["token"]
	client := api.NewClient(upstream, &http.Client{}, api.WithToken(token), api.WithLanguage(c.readerLang()))
	if err := replica.Init(c.ctx, path, upstream, token, client); err != nil {
		return err
	}
	c.changed("out.sync.init", lang.Args{"path": path, "upstream": upstream})
	if c.json {
		return c.printJSON(struct {
			Replica  string `json:"replica"`
			Upstream string `json:"upstream"`
		}{path, upstream})
	}
	_, err = fmt.Fprintln(c.out, lang.Text(c.readerLang(), "out.sync.init", lang.Args{"path": path, "upstream": upstream}))
	return err
}

// syncer is the sync of the replica the command opened, through a client
// of its upstream with its token.
func (c *cmdCtx) syncer() (*replica.Replica, *api.Client, error) {
	info, err := c.local.ReplicaInfo(c.ctx) // refused on a ledger that is no replica
	if err != nil {
		return nil, nil, err
	}
	client := api.NewClient(info.Upstream, &http.Client{Timeout: syncTimeout}, api.WithToken(info.Token), api.WithLanguage(c.readerLang()))
	r := replica.New(c.local, client)
	r.Logger = slog.New(slog.NewTextHandler(c.errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return r, client, nil
}

// onReplica makes the commands on a replica file behave as the kiosk
// does (replica.Service): they read the replica, its outbox takes what a
// kiosk may do offline, and the rest goes to the server.
func (c *cmdCtx) onReplica() error {
	r, client, err := c.syncer()
	if err != nil {
		return err
	}
	c.store = replica.NewService(r, client)
	return nil
}

// cmdSyncRun runs one round of sync, or with --follow rounds until
// SIGINT or SIGTERM.
func cmdSyncRun(c *cmdCtx) error {
	r, _, err := c.syncer()
	if err != nil {
		return err
	}
	if c.in.bool("follow") {
		r.Logger = slog.New(slog.NewTextHandler(c.errOut, nil)) // each failed round, and when it is tried again
		ctx, stop := signal.NotifyContext(c.ctx, syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		if err := r.Run(ctx); err != nil && err != context.Canceled {
			return err
		}
		return nil
	}
	rd, err := r.Sync(c.ctx)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(rd)
	}
	_, err = fmt.Fprintln(c.out, lang.Text(c.readerLang(), "out.sync.round", lang.Args{"uploaded": lang.Number(rd.Uploaded), "pulled": lang.Number(rd.Pulled)}))
	return err
}

// cmdSyncStatus prints how fresh the replica is.
func cmdSyncStatus(c *cmdCtx) error {
	st, err := replica.StatusOf(c.ctx, c.local) // refused on a ledger that is no replica
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(st)
	}
	l := c.readerLang()
	lines := []lang.Msg{lang.M("out.sync.upstream", lang.Args{"upstream": st.Upstream, "device": st.Device})}
	if st.PulledAt == nil {
		lines = append(lines, lang.M("out.sync.never_pulled", nil))
	} else {
		lines = append(lines, lang.M("out.sync.pulled", lang.Args{"at": lang.FormatTime(l, *st.PulledAt)}))
	}
	switch {
	case st.Online:
		lines = append(lines, lang.M("out.sync.online", nil))
	case st.LastError == "":
		lines = append(lines, lang.M("out.sync.offline_quiet", nil))
	default:
		lines = append(lines, lang.M("out.sync.offline", lang.Args{"error": st.LastError}))
	}
	lines = append(lines,
		lang.M("out.sync.outbox", lang.Args{"count": st.Outbox}),
		lang.M("out.sync.conflicts", lang.Args{"count": st.Conflicts}),
		lang.M("out.sync.numbers", lang.Args{"count": st.Numbers}))
	for _, m := range lines {
		if _, err := fmt.Fprintln(c.out, m.In(l)); err != nil {
			return err
		}
	}
	return nil
}
