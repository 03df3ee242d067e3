package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// A kiosk uploads the events its replica made (POST /v1/sync/events, at
// most rewards.SyncMax a request) and leases card numbers to issue cards
// with offline (POST /v1/sync/numbers). The upload's route is the kiosk's
// alone; each event is then checked as the request that would have made
// it online: the staff member it names, in a session at this kiosk
// (rewards.UploadDevice), or the kiosk itself when it names none, on the
// rights table's cell of the event's route (rewards.SyncRoute) for the
// places that route's handler would look at. A refusal rejects that event
// and becomes a conflict; the others are applied.

// UploadLimit is the body limit of an upload: SyncMax events.
const UploadLimit = BatchLimit

// SyncUpload is the body of POST /v1/sync/events.
type SyncUpload struct {
	Events []rewards.SyncEvent `json:"events"`
}

// SyncUploaded is the answer of POST /v1/sync/events: one result for each
// event, in order.
type SyncUploaded struct {
	Results []rewards.SyncResult `json:"results"`
}

// NumbersLease is the body of POST /v1/sync/numbers; NumbersLeased its
// answer.
type NumbersLease struct {
	Count int `json:"count"`
}

// NumbersLeased is the card numbers leased.
type NumbersLeased struct {
	Numbers []string `json:"numbers"`
}

// uploadRoutes registers the routes of kiosks' uploads and of conflicts.
func (h *handler) uploadRoutes(route func(string, func(*http.Request) (any, error), ...string)) {
	route(rewards.RouteSyncEvents, h.upload)
	route(rewards.RouteSyncNumbers, func(r *http.Request) (any, error) {
		var c NumbersLease
		if err := decode(r, CommandLimit, "numbers lease", &c); err != nil {
			return nil, err
		}
		if h.sync == nil {
			return nil, noRoute(r)
		}
		numbers, err := h.sync.LeaseNumbers(r.Context(), callerOf(r).device, c.Count)
		return NumbersLeased{Numbers: numbers}, err
	})
	route(rewards.RouteConflicts, h.conflicts, "all")
	route(rewards.RouteConflictResolve, h.resolveConflict)
}

// noRoute is the answer of a route whose service the server was not given.
func noRoute(r *http.Request) error {
	return rewards.Fail(rewards.ENOTFOUND, "api.route_unknown", lang.Args{"method": r.Method, "path": r.URL.Path})
}

func (h *handler) upload(r *http.Request) (any, error) {
	var body SyncUpload
	if err := decode(r, UploadLimit, "upload", &body); err != nil {
		return nil, err
	}
	if len(body.Events) > rewards.SyncMax {
		return nil, rewards.Fail(rewards.ETOOLARGE, "sync.too_many", lang.Args{"count": len(body.Events), "max": rewards.SyncMax})
	}
	if h.sync == nil {
		return nil, noRoute(r)
	}
	kiosk := callerOf(r).device
	res, err := h.sync.Upload(r.Context(), kiosk, body.Events, h.mayUpload(r.Context(), kiosk))
	if err != nil {
		return nil, err
	}
	return SyncUploaded{Results: nonNilList(res)}, nil
}

// nonNilList is a list as an answer's field: [] rather than null.
func nonNilList[T any](list []T) []T {
	l, _ := nonNil(list, nil)
	return l
}

// mayUpload is the rights check of each event a kiosk uploads: the
// device the event acts as (its staff member's session at the kiosk, or
// the kiosk) may use the event's route for the places that route's
// handler would check. The staff are read once, at the first event that
// names a member.
func (h *handler) mayUpload(ctx context.Context, kiosk rewards.Device) func(rewards.SyncEvent) error {
	var staff map[string]rewards.StaffMember
	return func(e rewards.SyncEvent) error {
		route := rewards.SyncRoute(e.Kind)
		if route == "" {
			return nil // the ledger refuses the kind itself
		}
		d := kiosk
		if e.Staff != "" {
			if staff == nil {
				staff = map[string]rewards.StaffMember{}
				if h.staff != nil {
					list, err := h.staff.StaffList(ctx)
					if err != nil {
						return err
					}
					for _, m := range list {
						staff[m.Number] = m
					}
				}
			}
			m, ok := staff[e.Staff]
			if !ok {
				return rewards.Fail(rewards.EFORBIDDEN, "sync.staff_unknown", lang.Args{"number": e.Staff, "id": e.ID})
			}
			var err error
			if d, err = rewards.UploadDevice(m, kiosk); err != nil {
				return err
			}
		}
		var places []rewards.Place
		if e.Kind == rewards.EventRedeem {
			var c rewards.Redemption
			if json.Unmarshal(e.Body, &c) != nil {
				return nil // the ledger refuses a body that does not decode
			}
			if c.Store == "" {
				c.Store = kiosk.Store // as redeem fills it in
			}
			var err error
			if places, err = h.redemptionPlaces(ctx, c); err != nil {
				return err
			}
		}
		return rewards.Allowed(route, d, places...)
	}
}
