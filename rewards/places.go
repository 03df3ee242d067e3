package rewards

import (
	"context"

	"github.com/tochka-loyalty/tochka/lang"
)

// Event kinds of the records of cooperatives and stores.
const (
	EventCoopAdd  = "coop.add"
	EventStoreAdd = "store.add"
)

// Coop is a cooperative: a group of stores with one reward board. Its
// names are what posters, vouchers and history show instead of its id.
type Coop struct {
	ID    string `json:"id"`
	Names Names  `json:"names"`
}

// Store is one store of a cooperative: where receipts are made and
// vouchers claimed.
type Store struct {
	ID      string `json:"id"`
	Coop    string `json:"coop"`
	Names   Names  `json:"names"`
	Address string `json:"address,omitempty"`
}

// In returns the cooperative's name in language l, or its id when it has
// no name: a cooperative is always named by something a person can read.
func (c Coop) In(l string) string { return nameOr(c.Names, c.ID, l) }

// In returns the store's name in language l, or its id when it has none.
func (s Store) In(l string) string { return nameOr(s.Names, s.ID, l) }

func nameOr(n Names, id, l string) string {
	if s := n.In(l); s != "" {
		return s
	}
	return id
}

// validNames checks the names of a cooperative or a store: at least one,
// each a name (validName); what is "coop" or "store", the start of the
// message keys.
func validNames(what string, n Names) error {
	if n.BG == "" && n.RU == "" && n.EN == "" {
		return Fail(EINVALID, "places."+what+"_names_required", nil)
	}
	for _, x := range []struct{ lang, name string }{{lang.BG, n.BG}, {lang.RU, n.RU}, {lang.EN, n.EN}} {
		if err := validName(x.name); err != nil {
			return Fail(EINVALID, "places.name_bad", lang.Args{"lang": x.lang, "problem": detail(err)})
		}
	}
	return nil
}

// Validate checks a cooperative and names the first field that is wrong.
func (c *Coop) Validate() error {
	if err := validID(c.ID); err != nil {
		return Fail(EINVALID, "places.coop_id_bad", lang.Args{"problem": detail(err)})
	}
	return validNames("coop", c.Names)
}

// Validate checks a store and names the first field that is wrong.
func (s *Store) Validate() error {
	if err := validID(s.ID); err != nil {
		return Fail(EINVALID, "places.store_id_bad", lang.Args{"problem": detail(err)})
	}
	if err := validID(s.Coop); err != nil {
		return Fail(EINVALID, "places.store_coop_bad", lang.Args{"store": s.ID, "problem": detail(err)})
	}
	if err := validNames("store", s.Names); err != nil {
		return err
	}
	if err := validName(s.Address); err != nil {
		return Fail(EINVALID, "places.address_bad", lang.Args{"store": s.ID, "problem": detail(err)})
	}
	return nil
}

// CoopAdd records a cooperative, or updates the record with its id.
type CoopAdd struct {
	Meta
	Coop Coop `json:"coop"`
}

// StoreAdd records a store, or updates the record with its id.
type StoreAdd struct {
	Meta
	Store Store `json:"store"`
}

// Validate checks the recording of a cooperative.
func (c *CoopAdd) Validate() error {
	if err := c.Meta.validate("coop add"); err != nil {
		return err
	}
	return c.Coop.Validate()
}

// Validate checks the recording of a store.
func (s *StoreAdd) Validate() error {
	if err := s.Meta.validate("store add"); err != nil {
		return err
	}
	return s.Store.Validate()
}

// StoreInCoop checks that a store names a recorded cooperative: coop is
// the record of s.Coop, nil when there is none.
func StoreInCoop(s Store, coop *Coop) error {
	if coop == nil {
		return Fail(ENOTFOUND, "places.coop_unknown", lang.Args{"coop": s.Coop})
	}
	return nil
}

// RewardPlaces checks that a reward names recorded places: its
// cooperative, and the store it is narrowed to, which must be one of that
// cooperative's. coop and store are the records of r.Coop and r.Store,
// nil when there is none.
func RewardPlaces(r Reward, coop *Coop, store *Store) error {
	if coop == nil {
		return Fail(ENOTFOUND, "places.coop_unknown", lang.Args{"coop": r.Coop})
	}
	if r.Store == "" {
		return nil
	}
	if store == nil {
		return Fail(ENOTFOUND, "places.store_unknown", lang.Args{"store": r.Store})
	}
	if store.Coop != r.Coop {
		return Fail(EINVALID, "places.store_other_coop", lang.Args{"store": *store, "store_coop": store.Coop, "coop": r.Coop})
	}
	return nil
}

// Places records the cooperatives and stores that rewards, receipts and
// vouchers name by id.
type Places interface {
	// AddCoop records a cooperative, or updates the record with its id.
	AddCoop(ctx context.Context, c CoopAdd) (Coop, error)
	// Coops lists the recorded cooperatives by id.
	Coops(ctx context.Context) ([]Coop, error)
	// AddStore records a store of a recorded cooperative, or updates the
	// record with its id.
	AddStore(ctx context.Context, s StoreAdd) (Store, error)
	// Stores lists the recorded stores by id.
	Stores(ctx context.Context) ([]Store, error)
}
