// Package replica is a kiosk's side of sync: a local copy of the central
// ledger that keeps working while the store's link is down, uploads what
// the kiosk did exactly once, and converges with the server.
//
// The replica is a ledger file of package sqlite that records that it is
// one (its upstream, its token and its cursor in the change feed). What a
// kiosk does runs the domain's rules on the replica, and the store writes
// its event to the outbox in the same transaction, so the screen sees it
// at once. Two loops, run by Run (or once each by Sync), talk to the
// server:
//
//   - the upload sends the outbox in batches; the server applies each
//     event once (its id is its idempotency key) and answers for each,
//     and only an answered event leaves the outbox, so an upload cut at
//     any moment is sent again and answered "duplicate";
//   - the pull applies the change feed after the saved cursor and moves
//     the cursor in the same transaction, so a pull cut at any moment
//     starts again where the last committed page ended. A change carries
//     its effects (rows), not a command to run again; the server's effects
//     of the kiosk's own event replace what the kiosk computed.
//
// While the server cannot be reached the loops back off exponentially with
// jitter, and the replica records that it is offline and since when; the
// kiosk goes on against its copy.
package replica

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// Upstream is the central ledger as a replica reaches it: the API's
// client (rewards/api) with the kiosk's token.
type Upstream interface {
	// Changes reads a page of the change feed after the cursor.
	Changes(ctx context.Context, cursor string, limit int, staffDigest string) (rewards.SyncChanges, error)
	// Upload sends outbox events and returns the server's answer for each.
	Upload(ctx context.Context, events []rewards.SyncEvent) ([]rewards.SyncResult, error)
	// LeaseNumbers leases n card numbers for issuing cards offline.
	LeaseNumbers(ctx context.Context, n int) ([]string, error)
	// Picture fetches a board picture by its hash.
	Picture(ctx context.Context, hash string) (rewards.Picture, error)
	// Redeem redeems at the server.
	Redeem(ctx context.Context, r rewards.Redemption) (rewards.Voucher, error)
	// Resync reads the accounts of the cards whole.
	Resync(ctx context.Context, cards []string) (rewards.Change, error)
}

// Defaults of a Replica's settings.
const (
	DefaultPage       = 1000
	DefaultBatch      = 1000 // the most one upload may carry
	DefaultEvery      = 5 * time.Second
	DefaultMaxBackoff = 2 * time.Minute
	// LeaseBlock card numbers are leased at a time, renewed while online
	// once no more than LeaseLow are left.
	LeaseBlock = 1000
	LeaseLow   = LeaseBlock / 5
)

// Replica runs a kiosk's sync with the central ledger.
type Replica struct {
	Ledger *sqlite.Store
	Up     Upstream
	Logger *slog.Logger
	// Page is how many events' changes one pull request asks for; Batch
	// how many events one upload carries; Every how long Run waits
	// between rounds when the last one succeeded;
	// MaxBackoff the longest wait after failures.
	Page, Batch       int
	Every, MaxBackoff time.Duration
}

// New returns a replica's sync over the ledger and the upstream, with the
// default settings.
func New(ledger *sqlite.Store, up Upstream) *Replica {
	return &Replica{Ledger: ledger, Up: up, Logger: slog.New(slog.DiscardHandler),
		Page: DefaultPage, Batch: DefaultBatch, Every: DefaultEvery, MaxBackoff: DefaultMaxBackoff}
}

// Round is what one round of sync did.
type Round struct {
	Uploaded int `json:"uploaded"` // events the server answered for
	Pulled   int `json:"pulled"`   // changes applied
}

// Sync runs one round: the upload of the whole outbox, a lease of card
// numbers when few are left, and the pull until the feed is caught up. It
// records in the replica whether the server answered.
func (r *Replica) Sync(ctx context.Context) (Round, error) {
	var rd Round
	err := r.round(ctx, &rd)
	if ctx.Err() != nil {
		return rd, err
	}
	offline := api.Unreachable(err)
	if offline {
		r.Logger.Info("the server cannot be reached", "err", err)
		err = unreachable(err)
	}
	st := sqlite.SyncState{Online: !offline}
	if err != nil {
		st.LastError = err.Error()
	}
	if rd.Uploaded > 0 {
		st.PushedAt = time.Now()
	}
	if serr := r.Ledger.SetSyncState(context.WithoutCancel(ctx), st); serr != nil && err == nil {
		err = serr
	}
	return rd, err
}

func (r *Replica) round(ctx context.Context, rd *Round) error {
	// What a sync cut short after the server refused events still waits.
	if err := r.resync(ctx); err != nil {
		return err
	}
	var err error
	if rd.Uploaded, err = r.Push(ctx); err != nil {
		return err
	}
	if err := r.Lease(ctx); err != nil {
		return err
	}
	rd.Pulled, err = r.Pull(ctx)
	return err
}

// Push uploads the outbox in batches until it is empty and returns how
// many events the server answered for. An event leaves the outbox only
// with its answer, in the transaction that records it.
func (r *Replica) Push(ctx context.Context) (int, error) {
	done := 0
	for {
		events, err := r.Ledger.Outbox(ctx, r.Batch)
		if err != nil || len(events) == 0 {
			return done, err
		}
		results, err := r.Up.Upload(ctx, events)
		if err != nil {
			return done, err
		}
		if len(results) != len(events) {
			return done, fmt.Errorf("sync: the server answered %d of %d events", len(results), len(events))
		}
		if err := r.Ledger.Answered(ctx, results); err != nil {
			return done, err
		}
		done += len(results)
		for _, res := range results {
			if res.Status == rewards.SyncRejected {
				r.Logger.Warn("the server refused an event of this kiosk", "event", res.ID, "key", res.Key, "message", res.Message, "conflict", res.Conflict)
			}
		}
		if err := r.resync(ctx); err != nil {
			return done, err
		}
		if len(events) < r.Batch {
			return done, nil
		}
	}
}

// resync replaces what the replica holds of the accounts of the cards
// whose events the server refused (ResyncCards) by the server's: undoing
// a refused event reaches what it did to points and vouchers, not always
// what it did to cards (a replacement, a link).
func (r *Replica) resync(ctx context.Context) error {
	cards, err := r.Ledger.ResyncCards(ctx)
	if err != nil {
		return err
	}
	for len(cards) > 0 {
		n := min(len(cards), 100)
		c, err := r.Up.Resync(ctx, cards[:n])
		if err != nil && !api.Unreachable(err) && rewards.ErrorCode(err) != rewards.EINTERNAL {
			// Refused (a number the server does not take): asking
			// again would block every round after.
			r.Logger.Warn("the server refused to resync cards", "cards", cards[:n], "err", err)
			if err := r.Ledger.ForgetResync(ctx, cards[:n]); err != nil {
				return err
			}
			cards = cards[n:]
			continue
		}
		if err != nil {
			return err
		}
		if err := r.Ledger.ApplyResync(ctx, c); err != nil {
			return err
		}
		cards = cards[n:]
	}
	return nil
}

// Pull applies the change feed after the replica's cursor, page by page,
// until it is caught up, and returns how many changes it applied. The
// board's pictures the replica lacks are fetched after the pages. The next page is fetched while one is applied, so that the
// server's reading and the network overlap the replica's writing; only
// an applied page moves the cursor.
func (r *Replica) Pull(ctx context.Context) (int, error) {
	info, err := r.Ledger.ReplicaInfo(ctx)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type fetched struct {
		from string // the cursor the page was read after
		page rewards.SyncChanges
		err  error
	}
	pages := make(chan fetched, 1)
	go func() {
		defer close(pages)
		cursor, digest := info.Cursor, info.StaffDigest
		for {
			page, err := r.Up.Changes(ctx, cursor, r.Page, digest)
			select {
			case pages <- fetched{cursor, page, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || !page.More {
				return
			}
			cursor, digest = page.Next, page.StaffDigest
		}
	}()
	done := 0
	for f := range pages {
		if f.err != nil {
			return done, f.err
		}
		if err := r.Ledger.ApplyChanges(ctx, f.from, f.page); errors.Is(err, sqlite.ErrPulled) {
			break // another pull got there first
		} else if err != nil {
			return done, err
		}
		done += len(f.page.Changes)
	}
	if err := ctx.Err(); err != nil {
		return done, err
	}
	return done, r.fetchPictures(ctx)
}

// fetchPictures stores the pictures the board names and the replica
// lacks: asked after every pull, so that one a broken link left out is
// fetched by the next.
func (r *Replica) fetchPictures(ctx context.Context) error {
	missing, err := r.Ledger.MissingPictures(ctx)
	if err != nil {
		return err
	}
	for _, hash := range missing {
		p, err := r.Up.Picture(ctx, hash)
		if err != nil {
			return err
		}
		if _, err := r.Ledger.PutPicture(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// Lease asks the server for a block of card numbers when no more than
// LeaseLow are left for issuing cards offline.
func (r *Replica) Lease(ctx context.Context) error {
	left, err := r.Ledger.NumbersLeft(ctx)
	if err != nil || left > LeaseLow {
		return err
	}
	numbers, err := r.Up.LeaseNumbers(ctx, LeaseBlock)
	if err != nil {
		return err
	}
	return r.Ledger.AddNumbers(ctx, numbers)
}

// Run syncs in rounds until ctx is done: after a round that succeeded it
// waits Every, after failures it backs off exponentially,
// from a second up to MaxBackoff, each wait drawn between half and the
// whole of its step so that kiosks that lost the link together do not
// call back together. It returns ctx's error.
func (r *Replica) Run(ctx context.Context) error {
	failures := 0
	for {
		_, err := r.Sync(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := r.Every
		if err != nil {
			failures++
			wait = Backoff(failures, r.MaxBackoff)
			r.Logger.Info("sync failed; trying again", "in", wait, "err", err)
		} else {
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Redeem exchanges points for a reward: at the server while it can be
// reached (the voucher is then pulled into the replica at once), else on
// the replica under the offline rules (the program's offline cap), the
// event to be uploaded later. The redemption's id and voucher code are
// drawn here when not given (and its time taken), so that a request whose
// answer was lost and that is then made offline is one redemption with
// one code: the server answers its upload "duplicate".
func (r *Replica) Redeem(ctx context.Context, red rewards.Redemption) (rewards.Voucher, error) {
	if red.ID == "" {
		red.ID = crand.Text()
	}
	if red.Code == "" {
		red.Code = rewards.NewVoucherCode()
	}
	if red.At.IsZero() {
		red.At = r.Ledger.Now() // the same body either way
	}
	if red.Store == "" {
		// The kiosk's store, as the server takes a redemption made at it.
		info, err := r.Ledger.ReplicaInfo(ctx)
		if err != nil {
			return rewards.Voucher{}, err
		}
		red.Store = info.Store
	}
	v, err := r.Up.Redeem(ctx, red)
	if err == nil {
		if _, perr := r.Pull(ctx); perr != nil {
			r.Logger.Info("the voucher was made at the server and is not pulled yet", "code", v.Code, "err", perr)
		}
		return v, nil
	}
	if !api.Unreachable(err) {
		return v, err
	}
	r.Logger.Info("redeeming offline", "err", err)
	return r.Ledger.Redeem(ctx, red)
}

// unreachable is the refusal of a sync that could not reach the server,
// naming why in the network's own words (no URL, no request).
func unreachable(err error) error {
	reason := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		reason = ue.Err.Error()
	}
	return rewards.Fail(rewards.EREFUSED, "sync.unreachable", lang.Args{"reason": reason})
}

// Backoff is the wait after the n-th failure in a row: a second doubled
// n-1 times, at most max, of which a random half is taken off (jitter).
func Backoff(n int, max time.Duration) time.Duration {
	step := time.Second
	for i := 1; i < n && step < max; i++ {
		step *= 2
	}
	step = min(step, max)
	return step/2 + rand.N(step/2+1)
}

// Source is the server as Init reaches it (the API's client): an
// upstream that also gives a kiosk's replica whole.
type Source interface {
	Upstream
	// Snapshot downloads the kiosk's replica whole into w.
	Snapshot(ctx context.Context, w io.Writer) (rewards.SnapshotInfo, error)
}

// Init makes the replica file at path from the server's snapshot, records
// in it its upstream and token, and leases it a first block of card
// numbers, and pulls what changed meanwhile: the one way a replica is made
// (`tochkactl sync init`). A file already at path is refused and left as
// it was.
func Init(ctx context.Context, path, upstream, token string, src Source) error {
	if _, err := os.Stat(path); err == nil {
		return rewards.Fail(rewards.ECONFLICT, "sync_feed.replica_exists", lang.Args{"path": path})
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// The snapshot first, then the numbers: an Init that fails before it
	// has a replica leases none (a kiosk restarted in a loop would waste
	// a block each time); a lease that fails leaves no replica behind.
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	info, err := src.Snapshot(ctx, tmp)
	if api.Unreachable(err) {
		return unreachable(err)
	} else if err != nil {
		return err
	}
	numbers, err := src.LeaseNumbers(ctx, LeaseBlock)
	if api.Unreachable(err) {
		return unreachable(err)
	} else if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := sqlite.InstallSnapshot(path, tmp, upstream, token, info.Device, info.Store, info.Coop); err != nil {
		return err
	}
	l := sqlite.NewStore(path)
	if err := l.Open(); err != nil {
		return err
	}
	defer l.Close()
	if err := l.AddNumbers(ctx, numbers); err != nil {
		return err
	}
	// What changed while the snapshot came, which also records the
	// replica as fresh and online.
	_, err = New(l, src).Pull(ctx)
	return err
}
