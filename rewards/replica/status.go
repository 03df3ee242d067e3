package replica

import (
	"context"

	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// Status is how fresh a replica is: what `tochkactl sync status` prints
// and the kiosk's screens show. Of the replica's own record
// (sqlite.ReplicaInfo): PulledAt is when the feed was last caught up,
// Online whether the last call reached the server (LastError, when not,
// why), Outbox how many of the kiosk's events wait for the server,
// Conflicts how many were open when the server last said.
type Status struct {
	sqlite.ReplicaInfo
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
	return Status{ReplicaInfo: info, Numbers: left}, err
}
