package replica

import (
	"context"
	"time"

	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// Status is how fresh a replica is: what `tochkactl sync status` prints
// and the kiosk's screens show.
type Status struct {
	Upstream string `json:"upstream"`
	Device   string `json:"device"`
	Store    string `json:"store,omitempty"`
	Coop     string `json:"coop,omitempty"`
	// PulledAt is the end of the last pull that caught up; nil: none yet.
	PulledAt *time.Time `json:"pulled_at"`
	// PushedAt is the last upload the server answered; nil: none yet.
	PushedAt *time.Time `json:"pushed_at"`
	// Online says whether the last call to the server got an answer;
	// LastError, when not, what went wrong.
	Online    bool   `json:"online"`
	LastError string `json:"last_error,omitempty"`
	// Outbox is how many of the kiosk's events wait for the server.
	Outbox int `json:"outbox"`
	// Conflicts is how many conflicts were open when the server last
	// said.
	Conflicts int `json:"conflicts"`
	// Numbers is how many leased card numbers are left for issuing
	// cards offline.
	Numbers int `json:"card_numbers"`
}

// StatusOf reads how fresh the replica l is.
func StatusOf(ctx context.Context, l *sqlite.Store) (Status, error) {
	info, err := l.ReplicaInfo(ctx)
	if err != nil {
		return Status{}, err
	}
	left, err := l.NumbersLeft(ctx)
	if err != nil {
		return Status{}, err
	}
	return Status{Upstream: info.Upstream, Device: info.Device, Store: info.Store, Coop: info.Coop,
		PulledAt: info.PulledAt, PushedAt: info.PushedAt, Online: info.Online, LastError: info.LastError,
		Outbox: info.Outbox, Conflicts: info.Conflicts, Numbers: left}, nil
}
