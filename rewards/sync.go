package rewards

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
)

// Sync between the central ledger and a kiosk's replica (rewards/replica,
// ARCHITECTURE.md "Sync"). The central ledger serves a change feed: each
// Change is what one event of its log did, as rows to write, never a
// command to run again, so that a replica needs no history it does not
// hold. Rows are those of the ledger's tables, times in Unix milliseconds.

// LocalIDs is where a replica's own ids begin: the events it makes, the
// accounts, lots and entries they write. The central ledger's ids, which a
// replica holds as they are, stay below it.
const LocalIDs int64 = 1 << 40

// SyncChanges is one page of the change feed: the changes after a cursor,
// in the central ledger's order, and the cursor after them.
type SyncChanges struct {
	Changes []Change `json:"changes"`
	// Next is the cursor after the last change; the same cursor as asked
	// when there were none. A cursor is opaque to its reader.
	Next string `json:"next"`
	// More says that changes wait after Next.
	More bool `json:"more"`
	// Staff, when StaffDigest differs from the one the reader gave, is the
	// whole staff of the reader's scope, PIN hashes and lock-outs
	// included: staff are no events, and a replica replaces its staff by
	// these.
	Staff       []SyncStaff `json:"staff,omitempty"`
	StaffDigest string      `json:"staff_digest"`
	// Conflicts is how many conflicts are open.
	Conflicts int `json:"conflicts"`
}

// Change is what one event of the central ledger did. Rows of accounts,
// cards, lots and vouchers are given as they stand when the page was read
// (a later change gives them again); entries are those the event wrote.
type Change struct {
	Seq   int64  `json:"seq"`
	Event string `json:"event"` // the event's id: a replica knows its own
	Kind  string `json:"kind"`
	// Whole says that the accounts are given whole (every card, every
	// lot, the last 50 entries, the open vouchers): what a replica holds
	// of them is replaced. A link, a replacement or a forget moves or
	// erases more than one event's rows show.
	Whole    bool          `json:"whole,omitempty"`
	Accounts []SyncAccount `json:"accounts,omitempty"`
	Cards    []SyncCard    `json:"cards,omitempty"`
	Lots     []SyncLot     `json:"lots,omitempty"`
	Entries  []SyncEntry   `json:"entries,omitempty"`
	Vouchers []SyncVoucher `json:"vouchers,omitempty"`
	// Rewards are board items added or changed (of the reader's scope);
	// Removed, the ids of items taken off.
	Rewards []Reward `json:"rewards,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Stores  []Store  `json:"stores,omitempty"`
	Coops   []Coop   `json:"coops,omitempty"`
	Program *Program `json:"program,omitempty"`
	// Gone, in a resync (SyncResync), are the cards asked for that the
	// central ledger does not hold: a kiosk's own, whose issuing it
	// refused.
	Gone []string `json:"gone,omitempty"`
}

// SyncResync is the kind of the change that answers a kiosk's resync of
// cards (SyncSource.Resync): no event's, their accounts given whole.
const SyncResync = "sync.resync"

// SyncAccount is an account's row with the given name of its customer
// (empty: none, or erased by a forget): the only personal data a replica
// holds.
type SyncAccount struct {
	ID            int64  `json:"id"`
	MemberSince   *int64 `json:"member_since,omitempty"`
	WelcomeAt     *int64 `json:"welcome_at,omitempty"`
	Debt          int64  `json:"debt,omitempty"`
	PurchaseTotal int64  `json:"purchase_total,omitempty"`
	SweepAt       *int64 `json:"sweep_at,omitempty"`
	Person        string `json:"person,omitempty"`
	GivenName     string `json:"given_name,omitempty"`
	// Trimmed, given with a whole account, is the sum of the points of
	// its entries older than the last 50, which the change leaves out.
	Trimmed int64 `json:"trimmed,omitempty"`
}

// SyncCard is a card's row.
type SyncCard struct {
	Number     string `json:"number"`
	Account    int64  `json:"account"`
	IssuedAt   int64  `json:"issued_at"`
	HandedAt   *int64 `json:"handed_at,omitempty"`
	ActiveFrom *int64 `json:"active_from,omitempty"`
	BlockedAt  *int64 `json:"blocked_at,omitempty"`
	ReplacedBy string `json:"replaced_by,omitempty"`
	Holder     string `json:"holder,omitempty"`
	Pooled     bool   `json:"pooled,omitempty"`
}

// SyncLot is a lot's row.
type SyncLot struct {
	ID            int64  `json:"id"`
	Account       int64  `json:"account"`
	Card          string `json:"card"`
	Points        int64  `json:"points"`
	Remaining     int64  `json:"remaining"`
	AvailableFrom int64  `json:"available_from"`
	ExpiresAt     *int64 `json:"expires_at,omitempty"`
	Amount        int64  `json:"amount,omitempty"`
	// What made it, as a card's history names it: the kind of its event
	// (a receipt, a card's issue or registration), the event's client id
	// (a receipt's id), its business time and the receipt's store. A
	// replica holds no events of the central ledger.
	Kind  string `json:"kind,omitempty"`
	Ref   string `json:"ref,omitempty"`
	At    int64  `json:"at,omitempty"`
	Store string `json:"store,omitempty"`
}

// SyncEntry is an entry's row with its allocations: [lot, points] pairs.
type SyncEntry struct {
	ID       int64      `json:"id"`
	Account  int64      `json:"account"`
	Card     string     `json:"card"`
	Event    int64      `json:"event"`
	Kind     string     `json:"kind"`
	Points   int64      `json:"points"`
	At       int64      `json:"at"`
	Ref      string     `json:"ref,omitempty"`
	Reverses int64      `json:"reverses,omitempty"`
	Allocs   [][2]int64 `json:"allocs,omitempty"`
	// Store is the store of a spend's or a redemption's event, which a
	// card's history names.
	Store string `json:"store,omitempty"`
}

// SyncVoucher is a voucher's row.
type SyncVoucher struct {
	Code       string `json:"code"`
	Account    int64  `json:"account"`
	Card       string `json:"card"`
	Reward     string `json:"reward"`
	Names      string `json:"names"` // the reward's names, JSON, as the voucher keeps them
	Points     int64  `json:"points"`
	Store      string `json:"store"`
	Status     string `json:"status"`
	CreatedAt  int64  `json:"created_at"`
	ValidUntil int64  `json:"valid_until"`
	ClosedAt   *int64 `json:"closed_at,omitempty"`
	Entry      int64  `json:"entry"`
}

// SyncStaff is a staff member as a replica holds them, so that staff log
// in at an offline kiosk: the PIN's hash and the lock-out with them.
type SyncStaff struct {
	StaffMember
	PINHash     string `json:"pin_hash"`
	Failures    int    `json:"failures,omitempty"`
	LockedUntil *int64 `json:"locked_until,omitempty"`
}

// SyncEvent is one event of a kiosk's outbox as it is uploaded: the event
// as the kiosk applied it, the staff member whose session made it (empty:
// none), and, for an enrolment, the personal data typed at the kiosk,
// which the kiosk's log keeps apart as every ledger does.
type SyncEvent struct {
	Event
	Staff    string   `json:"staff,omitempty"`
	Personal *Details `json:"personal,omitempty"`
}

// Outcomes of an uploaded event.
const (
	SyncApplied   = "applied"
	SyncDuplicate = "duplicate"
	SyncRejected  = "rejected"
)

// Outcomes of a conflict: what became of the uploaded event it records.
const (
	ConflictRejected = "rejected" // refused; a redemption's voucher is void
	ConflictDebt     = "debt"     // an offline redemption applied, the balance it lacked owed
	ConflictAhead    = "ahead"    // dated ahead of the server's clock: applied as of that clock
)

// EventCards is the card numbers an event's body names: its card, the
// number of a card it issues, the holder a card is linked to, a
// replacement's new number.
func EventCards(body json.RawMessage) []string {
	var b struct {
		Card      string `json:"card"`
		Number    string `json:"number"`
		Holder    string `json:"holder"`
		NewNumber string `json:"new_number"`
	}
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	var out []string
	for _, n := range []string{b.Card, b.Number, b.Holder, b.NewNumber} {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// SyncMax is the most events one upload may hold.
const SyncMax = 1000

// Validate checks what an uploaded event must carry before the ledger
// looks at it: an id, a kind, a business time and a body that is a JSON
// object; what its body says is its command's to check.
func (e *SyncEvent) Validate() error {
	const what = "uploaded event"
	if err := validID(e.ID); err != nil {
		return invalidField(what, "id", err)
	}
	if err := validID(e.Kind); err != nil {
		return invalidField(what, "kind", err)
	}
	if e.At.IsZero() {
		return invalidField(what, "at", wrong("problem.required", nil))
	}
	if err := validTime(e.At); err != nil {
		return invalidField(what, "at", err)
	}
	if len(e.Body) == 0 || e.Body[0] != '{' || !json.Valid(e.Body) {
		return invalidField(what, "body", wrong("problem.json_object", nil))
	}
	return nil
}

// LeaseMax is the most card numbers one lease may ask for.
const LeaseMax = 1000

// SyncResult is the answer for one uploaded event: applied (at Seq),
// duplicate (applied before, at Seq), or rejected with the error's code,
// key and message; Conflict is the conflict it was recorded as, when one
// (a refused event, or one applied otherwise than it was made).
type SyncResult struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Seq      int64     `json:"seq,omitempty"`
	Code     string    `json:"code,omitempty"`
	Key      string    `json:"key,omitempty"`
	Args     lang.Args `json:"args,omitempty"` // in WireArgs's form
	Message  string    `json:"message,omitempty"`
	Conflict int64     `json:"conflict,omitempty"`
}

// Conflict is what the central ledger could not honour of a kiosk's
// upload as it was made, for a manager to see and close.
type Conflict struct {
	ID         int64           `json:"id"`
	Device     string          `json:"device"`
	Staff      string          `json:"staff,omitempty"`
	Event      string          `json:"event"`
	Kind       string          `json:"kind"`
	Card       string          `json:"card,omitempty"`
	At         time.Time       `json:"at"`
	Outcome    string          `json:"outcome"`        // rejected | debt | ahead
	Code       string          `json:"code,omitempty"` // a rejection's error code
	Key        string          `json:"key"`
	Args       lang.Args       `json:"args"`    // in WireArgs's form
	Message    string          `json:"message"` // in English; render Key and Args for another language
	Body       json.RawMessage `json:"body"`
	RecordedAt time.Time       `json:"recorded_at"`
	ResolvedAt *time.Time      `json:"resolved_at,omitempty"`
	ResolvedBy string          `json:"resolved_by,omitempty"`
	Note       string          `json:"note,omitempty"`
}

// SyncScope is what a kiosk's replica holds beyond every card: the board,
// staff and places of its store or cooperative.
type SyncScope struct {
	Store string `json:"store,omitempty"`
	Coop  string `json:"coop,omitempty"`
}

// SnapshotInfo is what a snapshot's answer says beside its file: the
// cursor the replica stands at, and the kiosk's name and place at the
// server.
type SnapshotInfo struct {
	Cursor, Device, Store, Coop string
}

// SyncSource is the central ledger's side of sync.
type SyncSource interface {
	// Changes returns up to limit changes after the cursor (empty: from
	// the start) within the scope; staffDigest is the digest of the staff
	// the reader holds.
	Changes(ctx context.Context, scope SyncScope, cursor string, limit int, staffDigest string) (SyncChanges, error)
	// Resync gives the accounts of the cards as they stand now, whole,
	// for a kiosk whose own event about them was refused: what it
	// computed for the event may be more than its undoing reaches.
	Resync(ctx context.Context, scope SyncScope, cards []string) (Change, error)
	// Snapshot writes the scope's replica as it stands at a cursor, as a
	// SQLite file, to w, and returns the cursor.
	Snapshot(ctx context.Context, scope SyncScope, w io.Writer) (cursor string, err error)
	SyncUploads
}

// SyncUploads is what the central ledger takes from kiosks and keeps of
// it: their uploads, the card numbers leased to them, the conflicts.
type SyncUploads interface {
	// Upload applies a kiosk's events in order and answers for each.
	// may is the rights check of an event's staff member (or of the
	// kiosk, when it names none) on its route (SyncRoute); nil checks
	// nothing. A refusal of it rejects the event.
	Upload(ctx context.Context, d Device, events []SyncEvent, may func(SyncEvent) error) ([]SyncResult, error)
	// LeaseNumbers leases n new card numbers (1 to LeaseMax) to the
	// device.
	LeaseNumbers(ctx context.Context, d Device, n int) ([]string, error)
	// Conflicts lists the conflicts, the open ones only unless all.
	Conflicts(ctx context.Context, all bool) ([]Conflict, error)
	// ResolveConflict closes a conflict with a note, by whom.
	ResolveConflict(ctx context.Context, id int64, by, note string) (Conflict, error)
}

// syncRoutes maps the kinds of event a kiosk makes offline to the route
// of the rights table whose cell decides whether the staff session (or
// the kiosk alone) that made one may: the issue's card issue, registration,
// link, block, replacement and redemption, and, as the same staff work at
// a kiosk, making a member and forgetting a customer. A staff login and a
// consent are no events of their own: a login opens the session events
// name, a consent travels with its registration.
var syncRoutes = map[string]string{
	EventCardIssue:    RouteCardIssue,
	EventCardRegister: RouteCardRegister,
	EventCardLink:     RouteCardLink,
	EventCardBlock:    RouteCardBlock,
	EventCardReplace:  RouteCardReplace,
	EventCardMember:   RouteCardMember,
	EventCardForget:   RouteCardForget,
	EventRedeem:       RouteRedeem,
}

// SyncRoute is the route of the rights table whose cell decides an
// uploaded event of kind; "" for a kind a kiosk never uploads (receipts,
// returns, claims, the board, the program): such an event is refused.
func SyncRoute(kind string) string { return syncRoutes[kind] }

// UploadDevice is the device an uploaded event made in the staff member's
// session at the kiosk acts as (SessionDevice), refused when the member is
// one who could not have logged in there (as StaffLogin.Attempt refuses).
func UploadDevice(m StaffMember, kiosk Device) (Device, error) {
	if err := sessionFits(m, kiosk, m.Number); err != nil {
		return Device{}, err
	}
	return m.SessionDevice(kiosk), nil
}

// OfflineDay is the business day of t in the program's time zone, as the
// offline cap counts a card's redemptions: 2006-01-02.
func (p *Program) OfflineDay(t time.Time) string {
	return t.In(p.Location()).Format(time.DateOnly)
}

// OfflineCapLeft is how many more points of a card a kiosk may redeem
// offline in a day it has redeemed used of: the program's cap less used.
// A redemption of points past it is refused (over the cap), and
// RedeemOffline takes what is left as its debt allowance.
func (p *Program) OfflineCapLeft(card string, used, points int64) (left int64, err error) {
	left = p.Spend.OfflineCap - used
	if points > left {
		return 0, Fail(EREFUSED, "sync.over_cap", lang.Args{"card": card, "cap": lang.M("unit.points", lang.Args{"count": p.Spend.OfflineCap}),
			"used": lang.M("unit.points", lang.Args{"count": used}), "points": lang.M("unit.points", lang.Args{"count": points})})
	}
	return left, nil
}
