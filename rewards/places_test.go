package rewards_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

func TestPlacesValidate(t *testing.T) {
	names := rewards.Names{BG: "София 1"}
	for _, tc := range []struct {
		name string
		v    interface{ Validate() error }
		key  string // "": valid
	}{
		{"coop", &rewards.Coop{ID: "coop-sofia", Names: names}, ""},
		{"coop in English only", &rewards.Coop{ID: "c", Names: rewards.Names{EN: "C"}}, ""},
		{"coop without id", &rewards.Coop{Names: names}, "places.coop_id_bad"},
		{"coop id with a zero-width space", &rewards.Coop{ID: "a\u200bb", Names: names}, "places.coop_id_bad"},
		{"coop without names", &rewards.Coop{ID: "c"}, "places.coop_names_required"},
		{"coop name with an override", &rewards.Coop{ID: "c", Names: rewards.Names{RU: "a\u202eb"}}, "places.name_bad"},
		{"store", &rewards.Store{ID: "sofia-1", Coop: "coop-sofia", Names: names, Address: "ул. Витоша 1"}, ""},
		{"store without id", &rewards.Store{Coop: "c", Names: names}, "places.store_id_bad"},
		{"store without coop", &rewards.Store{ID: "s", Names: names}, "places.store_coop_bad"},
		{"store without names", &rewards.Store{ID: "s", Coop: "c"}, "places.store_names_required"},
		{"store name too long", &rewards.Store{ID: "s", Coop: "c", Names: rewards.Names{EN: strings.Repeat("x", 201)}}, "places.name_bad"},
		{"store address with a newline", &rewards.Store{ID: "s", Coop: "c", Names: names, Address: "a\nb"}, "places.address_bad"},
		{"coop add", &rewards.CoopAdd{Meta: rewards.Meta{ID: "r-1"}, Coop: rewards.Coop{ID: "c", Names: names}}, ""},
		{"coop add of a bad coop", &rewards.CoopAdd{Coop: rewards.Coop{ID: "c"}}, "places.coop_names_required"},
		{"store add of a bad store", &rewards.StoreAdd{Store: rewards.Store{ID: "s", Names: names}}, "places.store_coop_bad"},
	} {
		err := tc.v.Validate()
		var e *rewards.Error
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.key == "":
		case err == nil:
			t.Errorf("%s: valid, want %s", tc.name, tc.key)
		case !errors.As(err, &e) || e.Key != tc.key || e.Code != rewards.EINVALID:
			t.Errorf("%s: %#v, want an invalid %s", tc.name, err, tc.key)
		}
	}
}

func TestRewardPlaces(t *testing.T) {
	sofia := &rewards.Coop{ID: "coop-sofia", Names: rewards.Names{BG: "Кооп София"}}
	s1 := &rewards.Store{ID: "sofia-1", Coop: "coop-sofia", Names: rewards.Names{BG: "София 1", EN: "Sofia 1"}}
	p1 := &rewards.Store{ID: "plovdiv-1", Coop: "coop-plovdiv", Names: rewards.Names{BG: "Пловдив 1"}}
	r := rewards.Reward{ID: "mug", Coop: "coop-sofia"}
	rs := r
	rs.Store = "sofia-1"
	for _, tc := range []struct {
		name  string
		r     rewards.Reward
		coop  *rewards.Coop
		store *rewards.Store
		code  string
	}{
		{"a cooperative's reward", r, sofia, nil, ""},
		{"a store's reward", rs, sofia, s1, ""},
		{"cooperative not recorded", r, nil, nil, rewards.ENOTFOUND},
		{"store not recorded", rs, sofia, nil, rewards.ENOTFOUND},
		{"another cooperative's store", rs, sofia, p1, rewards.EINVALID},
	} {
		if got := rewards.ErrorCode(rewards.RewardPlaces(tc.r, tc.coop, tc.store)); got != tc.code {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.code)
		}
	}
	err := rewards.RewardPlaces(rs, sofia, p1)
	if got := rewards.ErrorText(err, lang.BG); got != "Магазин Пловдив 1 е на кооперация coop-plovdiv, а не на coop-sofia." {
		t.Errorf("in Bulgarian: %q", got)
	}
	if got := rewards.ErrorCode(rewards.StoreInCoop(*s1, nil)); got != rewards.ENOTFOUND {
		t.Errorf("a store of a cooperative not recorded: %q", got)
	}
	if rewards.StoreInCoop(*s1, sofia) != nil {
		t.Error("a store of a recorded cooperative refused")
	}
}

func TestPlaceNames(t *testing.T) {
	s := rewards.Store{ID: "sofia-1", Names: rewards.Names{BG: "София 1"}}
	if s.In(lang.EN) != "София 1" || s.In(lang.BG) != "София 1" {
		t.Errorf("a store named in Bulgarian only: %q, %q", s.In(lang.EN), s.In(lang.BG))
	}
	if got := (rewards.Coop{ID: "c-9"}).In(lang.RU); got != "c-9" {
		t.Errorf("a cooperative without names: %q", got)
	}
}
