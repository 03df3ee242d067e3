package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The records of cooperatives and stores, and how the other commands name
// them: by name in the language they write, by id where none is recorded.

// nameFlags are the names of a cooperative or a store, one flag a language.
var nameFlags = []flagSpec{
	{name: "name-bg", kind: kindString, value: "NAME", helpKey: "help.flag.name_bg"},
	{name: "name-ru", kind: kindString, value: "NAME", helpKey: "help.flag.name_ru"},
	{name: "name-en", kind: kindString, value: "NAME", helpKey: "help.flag.name_en"},
}

func (c *cmdCtx) names() rewards.Names {
	return rewards.Names{BG: c.in.str["name-bg"], RU: c.in.str["name-ru"], EN: c.in.str["name-en"]}
}

func cmdCoopAdd(c *cmdCtx) error {
	co, err := c.store.AddCoop(c.ctx, rewards.CoopAdd{Meta: c.meta(), Coop: rewards.Coop{ID: c.in.str["id"], Names: c.names()}})
	if err != nil {
		return err
	}
	c.changed("done.coop", lang.Args{"coop": co.ID})
	return emit(c, co, nil, func(w io.Writer, co rewards.Coop, wd words) error {
		return writeCoops(w, []rewards.Coop{co}, wd)
	})
}

func cmdCoopList(c *cmdCtx) error {
	list, err := c.store.Coops(c.ctx)
	return emit(c, list, err, func(w io.Writer, list []rewards.Coop, wd words) error {
		if len(list) == 0 {
			_, err := fmt.Fprintln(w, wd.t("out.coops.none", nil))
			return err
		}
		return writeCoops(w, list, wd)
	})
}

func cmdStoreAdd(c *cmdCtx) error {
	st, err := c.store.AddStore(c.ctx, rewards.StoreAdd{Meta: c.meta(), Store: rewards.Store{
		ID: c.in.str["id"], Coop: c.in.str["coop"], Names: c.names(), Address: c.in.str["address"]}})
	if err != nil {
		return err
	}
	c.changed("done.store", lang.Args{"store": st.ID})
	return emit(c, st, nil, func(w io.Writer, st rewards.Store, wd words) error {
		return writeStores(w, []rewards.Store{st}, wd)
	})
}

func cmdStoreList(c *cmdCtx) error {
	list, err := c.store.Stores(c.ctx)
	return emit(c, list, err, func(w io.Writer, list []rewards.Store, wd words) error {
		if len(list) == 0 {
			_, err := fmt.Fprintln(w, wd.t("out.stores.none", nil))
			return err
		}
		return writeStores(w, list, wd)
	})
}

// allNames writes a record's names, Bulgarian, Russian, English, as the
// board's listing does.
func allNames(n rewards.Names) string {
	var out []string
	for _, s := range []string{n.BG, n.RU, n.EN} {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " / ")
}

func writeCoops(w io.Writer, list []rewards.Coop, wd words) error {
	tw := newTable(w)
	fmt.Fprintln(tw, wd.t("out.coops.head", nil))
	for _, co := range list {
		fmt.Fprintf(tw, "%s\t%s\n", co.ID, allNames(co.Names))
	}
	return tw.Flush()
}

func writeStores(w io.Writer, list []rewards.Store, wd words) error {
	tw := newTable(w)
	fmt.Fprintln(tw, wd.t("out.stores.head", nil))
	for _, st := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", st.ID, st.Coop, allNames(st.Names), st.Address)
	}
	return tw.Flush()
}

// places are the recorded cooperatives and stores by id, to name them.
type places struct {
	coops  map[string]rewards.Coop
	stores map[string]rewards.Store
}

// places reads the records of cooperatives and stores.
func (c *cmdCtx) places() (places, error) {
	pl := places{coops: map[string]rewards.Coop{}, stores: map[string]rewards.Store{}}
	coops, err := c.store.Coops(c.ctx)
	if err != nil {
		return pl, err
	}
	for _, co := range coops {
		pl.coops[co.ID] = co
	}
	stores, err := c.store.Stores(c.ctx)
	if err != nil {
		return pl, err
	}
	for _, st := range stores {
		pl.stores[st.ID] = st
	}
	return pl, nil
}

// store names the store id in language l: its recorded name, else the id
// ("" for none).
func (pl places) store(id, l string) string {
	if st, ok := pl.stores[id]; ok {
		return st.In(l)
	}
	return id
}

// coop names the cooperative id in language l: its recorded name, else the
// id.
func (pl places) coop(id, l string) string {
	if co, ok := pl.coops[id]; ok {
		return co.In(l)
	}
	return id
}
