package api

import (
	"net/http"
	"strconv"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Managers list the conflicts of kiosks' uploads (GET /v1/conflicts, the
// open ones; ?all=1 the resolved ones too) and close one with a note
// (POST /v1/conflicts/{id}/resolve), recorded as closed by the staff
// member whose session asks, else by the device.

// ConflictResolve is the body of POST /v1/conflicts/{id}/resolve: the id,
// when given, must be the path's.
type ConflictResolve struct {
	ID   int64  `json:"id,omitempty"`
	Note string `json:"note"`
}

func (h *handler) conflicts(r *http.Request) (any, error) {
	all := false
	if v := r.URL.Query().Get("all"); v != "" {
		var err error
		if all, err = strconv.ParseBool(v); err != nil {
			return nil, rewards.Fail(rewards.EINVALID, "conflict.all_bad", lang.Args{"got": v})
		}
	}
	if h.sync == nil {
		return []rewards.Conflict{}, nil
	}
	return nonNil(h.sync.Conflicts(r.Context(), all))
}

func (h *handler) resolveConflict(r *http.Request) (any, error) {
	var c ConflictResolve
	if err := decode(r, CommandLimit, "conflict resolve", &c); err != nil {
		return nil, err
	}
	path := r.PathValue("id")
	id, err := strconv.ParseInt(path, 10, 64)
	if err != nil || id <= 0 {
		return nil, rewards.Fail(rewards.ENOTFOUND, "conflict.unknown", lang.Args{"id": path})
	}
	if c.ID != 0 && c.ID != id {
		return nil, rewards.Fail(rewards.EINVALID, "api.path_mismatch", lang.Args{"field": "id", "body": c.ID, "path": path})
	}
	if h.sync == nil {
		return nil, noRoute(r)
	}
	by := rewards.StaffIn(r.Context())
	if by == "" {
		by = callerOf(r).device.Name
	}
	return h.sync.ResolveConflict(r.Context(), id, by, c.Note)
}
