package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Pages of the change feed (GET /v1/sync/changes?limit=): changes of at
// most SyncPageMax events, SyncPageDefault when the limit is not given.
const (
	SyncPageDefault = 1000
	SyncPageMax     = 10000
	// SyncResyncMax is the most cards one resync names.
	SyncResyncMax = 100
)

// Headers of a snapshot's answer (GET /v1/sync/snapshot): the cursor the
// replica stands at, and the kiosk's own name and place at the server.
const (
	SyncCursorHeader = "X-Sync-Cursor"
	SyncDeviceHeader = "X-Sync-Device"
	SyncStoreHeader  = "X-Sync-Store"
	SyncCoopHeader   = "X-Sync-Coop"
)

// syncRoutes serves a kiosk's pull: the change feed and the snapshot of
// its scope (its store's or cooperative's board and staff, every card).
func (h *handler) syncRoutes(route func(string, func(*http.Request) (any, error), ...string), rawRoute func(string, http.HandlerFunc, ...string)) {
	route(rewards.RouteSyncChanges, func(r *http.Request) (any, error) {
		src, err := h.syncSource(r)
		if err != nil {
			return nil, err
		}
		q := r.URL.Query()
		limit := SyncPageDefault
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > SyncPageMax {
				return nil, rewards.Fail(rewards.EINVALID, "sync.limit_bad", lang.Args{"limit": v, "max": SyncPageMax})
			}
			limit = n
		}
		return src.Changes(r.Context(), syncScope(r), q.Get("after"), limit, q.Get("staff"))
	}, "after", "limit", "staff")
	route(rewards.RouteSyncAccounts, func(r *http.Request) (any, error) {
		src, err := h.syncSource(r)
		if err != nil {
			return nil, err
		}
		cards := r.URL.Query()["card"]
		if len(cards) == 0 || len(cards) > SyncResyncMax {
			return nil, rewards.Fail(rewards.EINVALID, "sync.resync_cards", lang.Args{"count": len(cards), "max": SyncResyncMax})
		}
		return src.Resync(r.Context(), syncScope(r), cards)
	}, "card")
	rawRoute(rewards.RouteSyncSnapshot, func(w http.ResponseWriter, r *http.Request) {
		if err := h.snapshot(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// syncSource is the server's side of sync; the route is not served
// without one.
func (h *handler) syncSource(r *http.Request) (rewards.SyncSource, error) {
	if h.sync == nil {
		return nil, noRoute(r)
	}
	return h.sync, nil
}

// syncScope is what the request's device replicates: its own place.
func syncScope(r *http.Request) rewards.SyncScope {
	d := callerOf(r).device
	return rewards.SyncScope{Store: d.Store, Coop: d.Coop}
}

// snapshot answers the device's replica as a SQLite file. The file is
// made whole before the answer starts, so that a failure is answered as
// an error and the cursor can go in a header.
func (h *handler) snapshot(w http.ResponseWriter, r *http.Request) error {
	src, err := h.syncSource(r)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "tochka-snapshot-*.db")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cursor, err := src.Snapshot(r.Context(), syncScope(r), f)
	if err != nil {
		return err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	d := callerOf(r).device
	w.Header().Set("Content-Type", "application/vnd.sqlite3")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set(SyncCursorHeader, cursor)
	w.Header().Set(SyncDeviceHeader, d.Name)
	w.Header().Set(SyncStoreHeader, d.Store)
	w.Header().Set(SyncCoopHeader, d.Coop)
	_, err = io.Copy(w, f)
	if err != nil {
		// The answer has begun: the client sees a short body.
		h.log.Warn("snapshot cut short", "device", d.Name, "err", err)
	}
	return nil
}

// Changes reads a page of the change feed after the cursor (empty: from
// the start): up to limit events' changes (zero: the server's default),
// and the staff of the kiosk's scope when their digest is not staffDigest.
func (c *Client) Changes(ctx context.Context, cursor string, limit int, staffDigest string) (rewards.SyncChanges, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("after", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if staffDigest != "" {
		q.Set("staff", staffDigest)
	}
	return call[rewards.SyncChanges](c, ctx, request{method: http.MethodGet, path: "/v1/sync/changes", query: q})
}

// Resync reads the accounts of the cards whole (GET /v1/sync/accounts).
func (c *Client) Resync(ctx context.Context, cards []string) (rewards.Change, error) {
	return call[rewards.Change](c, ctx, request{method: http.MethodGet, path: "/v1/sync/accounts", query: url.Values{"card": cards}})
}

// Snapshot downloads the kiosk's replica, a SQLite file, into w.
func (c *Client) Snapshot(ctx context.Context, w io.Writer) (rewards.SnapshotInfo, error) {
	resp, err := c.stream(ctx, request{method: http.MethodGet, path: "/v1/sync/snapshot"})
	if err != nil {
		return rewards.SnapshotInfo{}, err
	}
	defer resp.Body.Close()
	info := rewards.SnapshotInfo{Cursor: resp.Header.Get(SyncCursorHeader), Device: resp.Header.Get(SyncDeviceHeader),
		Store: resp.Header.Get(SyncStoreHeader), Coop: resp.Header.Get(SyncCoopHeader)}
	n, err := io.Copy(w, resp.Body)
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return info, fmt.Errorf("api: GET /v1/sync/snapshot: %d of %d bytes: %w", n, resp.ContentLength, err)
	}
	return info, nil
}
