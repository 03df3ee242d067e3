package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Upload sends a kiosk's events (at most rewards.SyncMax) and returns the
// answer for each, in order (POST /v1/sync/events). The client's token is
// the kiosk's.
func (c *Client) Upload(ctx context.Context, events []rewards.SyncEvent) ([]rewards.SyncResult, error) {
	out, err := call[SyncUploaded](c, ctx, change(http.MethodPost, "/v1/sync/events", SyncUpload{Events: events}))
	return out.Results, err
}

// LeaseNumbers leases n card numbers to the client's kiosk (POST
// /v1/sync/numbers).
func (c *Client) LeaseNumbers(ctx context.Context, n int) ([]string, error) {
	out, err := call[NumbersLeased](c, ctx, change(http.MethodPost, "/v1/sync/numbers", NumbersLease{Count: n}))
	return out.Numbers, err
}

// Conflicts lists the conflicts of kiosks' uploads, the open ones only
// unless all (GET /v1/conflicts).
func (c *Client) Conflicts(ctx context.Context, all bool) ([]rewards.Conflict, error) {
	rq := request{method: http.MethodGet, path: "/v1/conflicts"}
	if all {
		rq.query = url.Values{"all": {"1"}}
	}
	return call[[]rewards.Conflict](c, ctx, rq)
}

// ResolveConflict closes a conflict with a note (POST
// /v1/conflicts/{id}/resolve), recorded as closed by the client's staff
// session's member, else its device.
func (c *Client) ResolveConflict(ctx context.Context, id int64, note string) (rewards.Conflict, error) {
	return call[rewards.Conflict](c, ctx, change(http.MethodPost, "/v1/conflicts/"+strconv.FormatInt(id, 10)+"/resolve", ConflictResolve{ID: id, Note: note}))
}
