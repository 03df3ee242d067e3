package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Every route of the API needs "Authorization: Bearer TOKEN": the token
// of a device (rewards.Device) that Options.Devices finds by the token's
// hash, at each request, so that a revocation counts from the next one.
// A request without a token, with a token no device has, or with a revoked
// device's token is answered unauthenticated (401). The device's role and
// place then meet the rights table (rewards.Rights): the route first, as
// the request comes in, then each place the request concerns, which the
// route's handler reads from the path or the body (and, for a voucher or
// a reward named by id, from the ledger) before it calls the ledger; a
// refusal is forbidden (403), naming what is not allowed.

// deviceKey is the context key of the device a request was made by.
type deviceKey struct{}

// caller is a request's authenticated device and the route it came in by.
type caller struct {
	device rewards.Device
	route  string
}

// authorize authenticates the request's bearer token and checks that its
// device may use the route at all; the request it returns carries both.
func (h *handler) authorize(r *http.Request, route string) (*http.Request, error) {
	d, err := h.authenticate(r)
	if err != nil {
		return r, err
	}
	limited := d.Role == rewards.RoleKiosk && limitedRoutes[route]
	// A staff session's token beside the device's acts with the session's
	// role, and its changes record the staff member (staff.go).
	d, ctx, err := h.staffSession(r, d)
	if err != nil {
		return r, err
	}
	if err := rewards.Allowed(route, d); err != nil {
		return r, err
	}
	if limited {
		if err := h.cards.allow(d.Name, time.Now()); err != nil {
			return r, err
		}
	}
	// The changes the request makes are recorded as its device's.
	ctx = rewards.WithDevice(ctx, d.Name)
	return r.WithContext(context.WithValue(ctx, deviceKey{}, caller{device: d, route: route})), nil
}

// authenticate finds the device of the request's bearer token.
func (h *handler) authenticate(r *http.Request) (rewards.Device, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return rewards.Device{}, rewards.Fail(rewards.EUNAUTHENTICATED, "auth.missing", nil)
	}
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return rewards.Device{}, rewards.Fail(rewards.EUNAUTHENTICATED, "auth.malformed", nil)
	}
	if h.devices == nil {
		// No devices to find a token's in: nothing is served.
		return rewards.Device{}, rewards.Fail(rewards.EUNAUTHENTICATED, "auth.unknown", nil)
	}
	d, err := h.devices.DeviceByToken(r.Context(), rewards.TokenHash(token))
	switch {
	case rewards.ErrorCode(err) == rewards.ENOTFOUND:
		return d, rewards.Fail(rewards.EUNAUTHENTICATED, "auth.unknown", nil)
	case err != nil:
		return d, err
	case !d.Active():
		return d, rewards.Fail(rewards.EUNAUTHENTICATED, "auth.revoked", lang.Args{"device": d.Name})
	}
	return d, nil
}

// callerOf is the request's device, which authorize put in its context.
func callerOf(r *http.Request) caller { return callerIn(r.Context()) }

func callerIn(ctx context.Context) caller {
	c, _ := ctx.Value(deviceKey{}).(caller)
	return c
}

// may checks that the request's device may act on its route in each of
// the places: the rights table's cell for its role and their scope.
func may(r *http.Request, places ...rewards.Place) error {
	c := callerOf(r)
	return rewards.Allowed(c.route, c.device, places...)
}

// storePlace is a store with its cooperative as the store records say;
// an unrecorded store has none, and so belongs to no device's cooperative.
func (h *handler) storePlace(ctx context.Context, id string) (rewards.Place, error) {
	places, err := h.storePlaces(ctx, []string{id})
	if err != nil {
		return rewards.Place{}, err
	}
	return places[0], nil
}

// storePlaces are the places of the stores, in order, reading the store
// records at most once: none at all for a till's own store, whose
// cooperative its device's lookup read just now.
func (h *handler) storePlaces(ctx context.Context, ids []string) ([]rewards.Place, error) {
	d := callerIn(ctx).device
	out := make([]rewards.Place, len(ids))
	var coopOf map[string]string
	for i, id := range ids {
		switch {
		case id == "":
		case d.Store == id:
			out[i] = rewards.Place{Store: id, Coop: d.Coop}
		default:
			if coopOf == nil {
				stores, err := h.s.Stores(ctx)
				if err != nil {
					return nil, err
				}
				coopOf = make(map[string]string, len(stores))
				for _, st := range stores {
					coopOf[st.ID] = st.Coop
				}
			}
			out[i] = rewards.Place{Store: id, Coop: coopOf[id]}
		}
	}
	return out, nil
}

// reward is the board's reward with the id, nil when there is none.
func (h *handler) reward(ctx context.Context, id string) (*rewards.Reward, error) {
	rw, err := h.s.Reward(ctx, id)
	if rewards.ErrorCode(err) == rewards.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &rw, nil
}

// rewardPlace is where a reward is offered: its store, or its cooperative
// as a whole (a shared reward, a cooperative manager's to edit).
func (h *handler) rewardPlace(ctx context.Context, rw rewards.Reward) (rewards.Place, error) {
	if rw.Store != "" {
		return h.storePlace(ctx, rw.Store)
	}
	return rewards.Place{Coop: rw.Coop}, nil
}

// voucherPlace is the place a voucher concerns: the store it was made in,
// else its reward's cooperative, else (its reward gone) none known.
func (h *handler) voucherPlace(ctx context.Context, v rewards.Voucher) (rewards.Place, error) {
	if v.Store != "" {
		return h.storePlace(ctx, v.Store)
	}
	rw, err := h.reward(ctx, v.Reward)
	if err != nil || rw == nil {
		return rewards.Place{}, err
	}
	return rewards.Place{Coop: rw.Coop}, nil
}
