package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// A staff member logs in through a kiosk's or a manager's machine's token
// (POST /v1/staff/login, {number, pin} or {card, pin}: the number typed or
// the staff card scanned) and gets a session token. A
// request that carries it in X-Staff-Session beside the device's bearer
// token acts with the session's role (session:staff or session:manager)
// in the staff member's own place, under the device's name, and each
// change it makes records the staff member's number. The session belongs
// to the device it was opened at: another device's token with it is
// refused. Sessions and lock-outs live in the ledger, so that every server
// on it agrees.

// StaffSessionHeader carries a staff session's token.
const StaffSessionHeader = "X-Staff-Session"

// staffSession is the device a request acts as: d, or, when the request
// carries a staff session opened at d, d with the session's role and its
// member's place, with ctx recording the member.
func (h *handler) staffSession(r *http.Request, d rewards.Device) (rewards.Device, context.Context, error) {
	ctx := r.Context()
	token := strings.TrimSpace(r.Header.Get(StaffSessionHeader))
	if token == "" {
		return d, ctx, nil
	}
	if h.staff == nil {
		return d, ctx, rewards.Fail(rewards.EUNAUTHENTICATED, "staff.session_unknown", nil)
	}
	s, err := h.staff.SessionByToken(ctx, rewards.TokenHash(token))
	if err != nil {
		return d, ctx, err
	}
	if s.Device != d.Name {
		return d, ctx, rewards.Fail(rewards.EUNAUTHENTICATED, "staff.session_device", lang.Args{"device": d.Name})
	}
	return s.Staff.SessionDevice(d), rewards.WithStaff(ctx, s.Staff.Number), nil
}

// staffRoutes registers the staff login, the adding of staff members and
// their new PINs, and the audit trail.
func (h *handler) staffRoutes(route func(string, func(*http.Request) (any, error), ...string)) {
	route(rewards.RouteStaffLogin, func(r *http.Request) (any, error) {
		var c rewards.StaffLogin
		if err := decode(r, CommandLimit, "staff login", &c); err != nil {
			return nil, err
		}
		if h.staff == nil {
			return nil, c.Unknown()
		}
		d := callerOf(r).device
		c.Device = d.Name
		return h.staff.LoginStaff(r.Context(), c, d)
	})
	route(rewards.RouteStaffAdd, func(r *http.Request) (any, error) {
		// The PIN is no field of the command's JSON (it must never be
		// echoed nor logged with it): the request carries it beside.
		var body struct {
			rewards.StaffAdd
			PIN string `json:"pin"`
		}
		if err := decode(r, CommandLimit, "staff add", &body); err != nil {
			return nil, err
		}
		c := body.StaffAdd
		c.PIN = body.PIN
		place := rewards.Place{Coop: c.Staff.Coop}
		if c.Staff.Store != "" {
			var err error
			if place, err = h.storePlace(r.Context(), c.Staff.Store); err != nil {
				return nil, err
			}
		}
		if err := may(r, place); err != nil {
			return nil, err
		}
		if h.staff == nil {
			return nil, rewards.Fail(rewards.ENOTFOUND, "api.route_unknown", lang.Args{"method": r.Method, "path": r.URL.Path})
		}
		return h.staff.AddStaff(r.Context(), c)
	})
	route(rewards.RouteStaffPIN, func(r *http.Request) (any, error) {
		// The PIN, as staff add's, is no field of the command's JSON.
		var body struct {
			rewards.StaffPINSet
			PIN string `json:"pin"`
		}
		if err := decode(r, CommandLimit, "staff pin", &body); err != nil {
			return nil, err
		}
		c := body.StaffPINSet
		c.PIN = body.PIN
		if err := fromPath(&c.Number, "number", pathKey(r, "number")); err != nil {
			return nil, err
		}
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if h.staff == nil {
			return nil, noRoute(r)
		}
		// The member's place is what the request concerns: a manager
		// gives PINs to the staff of its own place.
		list, err := h.staff.StaffList(r.Context())
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(list, func(m rewards.StaffMember) bool { return m.Number == c.Number })
		if i < 0 {
			return nil, rewards.Fail(rewards.ENOTFOUND, "staff.unknown", lang.Args{"number": c.Number})
		}
		if err := may(r, list[i].Place()); err != nil {
			return nil, err
		}
		return h.staff.SetStaffPIN(r.Context(), c)
	})
	route(rewards.RouteAudit, func(r *http.Request) (any, error) {
		var since time.Time
		if v := r.URL.Query().Get("since"); v != "" {
			var err error
			if since, err = time.Parse(time.RFC3339, v); err != nil {
				return nil, rewards.Fail(rewards.EINVALID, "staff.since_bad", lang.Args{"since": v})
			}
		}
		if h.staff == nil {
			return []rewards.AuditEntry{}, nil
		}
		return nonNil(h.staff.Audit(r.Context(), since))
	}, "since")
}
