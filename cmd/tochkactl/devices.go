package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The devices that call the central API with a bearer token. These
// commands work on a local ledger only: that is how the first admin token
// is made, before any device may call the server.

// deviceCommands are the device commands, in the order the help shows them.
var deviceCommands = []*command{
	{name: "device add", flags: []flagSpec{
		{name: "name", kind: kindString, value: "NAME", required: true},
		{name: "role", kind: kindString, value: "pos|kiosk|manager|admin", required: true, choices: rewards.DeviceRoles},
		{name: "store", kind: kindString, value: "STORE", oneOf: "place"},
		{name: "coop", kind: kindString, value: "COOP", oneOf: "place"},
		atFlag, requestIDFlag,
	}, db: dbOpen, changes: true, run: cmdDeviceAdd},
	{name: "device list", db: dbRead, run: cmdDeviceList},
	{name: "device revoke", args: []string{"NAME"}, flags: []flagSpec{atFlag, requestIDFlag}, db: dbOpen, changes: true, run: cmdDeviceRevoke},
}

func cmdDeviceAdd(c *cmdCtx) error {
	nd, err := c.local.AddDevice(c.ctx, rewards.DeviceAdd{Meta: c.meta(), Device: rewards.Device{
		Name: c.in.str["name"], Role: c.in.str["role"], Store: c.in.str["store"], Coop: c.in.str["coop"]}})
	if err != nil {
		return err
	}
	c.changed("done.device_add", lang.Args{"device": nd.Name})
	if nd.Token == "" {
		// A repeat: the token was printed the first time and is not kept.
		fmt.Fprintln(c.errOut, lang.Text(c.readerLang(), "out.device.no_token", lang.Args{"device": nd.Name}))
	}
	return emit(c, nd, nil, func(w io.Writer, nd rewards.NewDevice, wd words) error {
		if err := writeDevices(w, []rewards.Device{nd.Device}, wd); err != nil {
			return err
		}
		if nd.Token == "" {
			return nil
		}
		_, err := fmt.Fprintln(w, wd.t("out.device.token", lang.Args{"token": nd.Token}))
		return err
	})
}

func cmdDeviceList(c *cmdCtx) error {
	list, err := c.local.Devices(c.ctx)
	return emit(c, list, err, func(w io.Writer, list []rewards.Device, wd words) error {
		if len(list) == 0 {
			_, err := fmt.Fprintln(w, wd.t("out.devices.none", nil))
			return err
		}
		return writeDevices(w, list, wd)
	})
}

func cmdDeviceRevoke(c *cmdCtx) error {
	d, err := c.local.RevokeDevice(c.ctx, rewards.DeviceRevoke{Meta: c.meta(), Name: c.in.args[0]})
	if err != nil {
		return err
	}
	c.changed("done.device_revoke", lang.Args{"device": d.Name})
	return emit(c, d, nil, func(w io.Writer, d rewards.Device, wd words) error {
		return writeDevices(w, []rewards.Device{d}, wd)
	})
}

// writeDevices writes devices as a table: a store's device shows its store
// and the store's cooperative.
func writeDevices(w io.Writer, list []rewards.Device, wd words) error {
	tw := newTable(w)
	fmt.Fprintln(tw, wd.t("out.devices.head", nil))
	for _, d := range list {
		revoked := "-"
		if d.RevokedAt != nil {
			revoked = wd.when(*d.RevokedAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Name, d.Role, dash(d.Store), dash(d.Coop), wd.when(d.CreatedAt), revoked)
	}
	return tw.Flush()
}

// dash is s, or "-" for an empty column.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// The device commands follow the records of stores in the help; kept here,
// they stay apart from the command table's other edits.
func init() {
	i := slices.IndexFunc(commands, func(c *command) bool { return c.name == "store list" })
	commands = slices.Insert(commands, i+1, deviceCommands...)
}
