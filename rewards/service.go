package rewards

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"github.com/tochka-loyalty/tochka/lang"
	"time"
)

// Event kinds: one per kind of change.
const (
	EventProgram       = "program.install"
	EventCardIssue     = "card.issue"
	EventCardRegister  = "card.register"
	EventCardBlock     = "card.block"
	EventCardReplace   = "card.replace"
	EventCardLink      = "card.link"
	EventCardMember    = "card.member"
	EventCardForget    = "card.forget"
	EventReceipt       = "receipt"
	EventReturn        = "return"
	EventRedeem        = "voucher.redeem"
	EventVoucherClaim  = "voucher.claim"
	EventVoucherCancel = "voucher.cancel"
	EventRewardAdd     = "reward.add"
	EventRewardRemove  = "reward.remove"
)

// Event is one recorded change: what a kiosk uploads and a server applies.
// Its body is the command as applied, generated values (card numbers,
// voucher codes) included, so that applying it again anywhere gives the
// same state.
type Event struct {
	Seq    int64           `json:"seq"` // order of the store that holds it
	ID     string          `json:"id"`  // UUID, the idempotency key
	Kind   string          `json:"kind"`
	Device string          `json:"device"`
	At     time.Time       `json:"at"` // business time
	Body   json.RawMessage `json:"body"`
}

// namespace for event ids made from client ids (UUID v5, RFC 9562).
var eventNamespace = [16]byte{0x7a, 0x3c, 0x52, 0x0e, 0x91, 0x4f, 0x4b, 0x6d, 0x8e, 0x21, 0x0d, 0x5a, 0x33, 0xc4, 0x19, 0x77}

// EventID returns the event UUID for a change of kind with the client's id:
// the same kind and id give the same UUID on every device. With no client id
// it returns a random UUID.
func EventID(kind, clientID string) string {
	var u [16]byte
	if clientID == "" {
		if _, err := rand.Read(u[:]); err != nil {
			panic("crypto/rand: " + err.Error())
		}
		u[6] = u[6]&0x0f | 0x40
	} else {
		buf := make([]byte, 0, 16+len(kind)+1+len(clientID))
		buf = append(append(append(append(buf, eventNamespace[:]...), kind...), 0), clientID...)
		sum := sha1.Sum(buf)
		copy(u[:], sum[:])
		u[6] = u[6]&0x0f | 0x50
	}
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// Meta is what every command carries: the client's id for idempotency
// (empty: a fresh one) and the business time.
type Meta struct {
	ID string    `json:"id,omitempty"`
	At time.Time `json:"at"`
}

// ProgramInstall installs a program as the next version of the one a
// ledger runs (`tochkactl init`). The program's Version is the store's to
// set.
type ProgramInstall struct {
	Meta
	Program *Program `json:"program"`
}

// CardIssue issues a new card. Handed is false for a card printed in a batch
// and not yet given to a customer; issued so with the id BatchCardID(B, i),
// it is card i of batch B.
//
// Its personal data (Details, Name) never reach the event's body: the store
// keeps them in the customer's Person record and the body refers to it by
// Person, with WithPhone saying whether a phone was registered.
type CardIssue struct {
	Meta
	Number string `json:"number,omitempty"` // set by the store when empty
	Handed bool   `json:"handed"`
	Member bool   `json:"member,omitempty"`
	Details
	// Name is a shorthand for the given and the family name, split at its
	// first space (SplitName).
	Name      string `json:"name,omitempty"`
	Person    string `json:"person,omitempty"`     // set by the store: the id of the Person record written
	WithPhone bool   `json:"with_phone,omitempty"` // set by the store: a phone was registered
}

// CardRegister hands a batch card over and/or registers personal data or
// membership; its personal data are kept as a CardIssue's are.
type CardRegister struct {
	Meta
	Card string `json:"card"`
	Details
	Name      string `json:"name,omitempty"` // shorthand, as CardIssue's
	Member    bool   `json:"member,omitempty"`
	Person    string `json:"person,omitempty"`     // set by the store, as CardIssue's
	WithPhone bool   `json:"with_phone,omitempty"` // set by the store, as CardIssue's
}

// Personal is the personal data a command gives, its Name split into the
// given and the family name where those are not given themselves.
func Personal(d Details, name string) Details {
	if name != "" && d.GivenName == "" && d.FamilyName == "" {
		d.GivenName, d.FamilyName = SplitName(name)
	}
	return d
}

// CardAction blocks a card or makes its account a member's.
type CardAction struct {
	Meta
	Card string `json:"card"`
}

// CardReplace blocks a lost card and moves everything to a new one.
type CardReplace struct {
	Meta
	Card      string `json:"card"`
	NewNumber string `json:"new_number,omitempty"` // set by the store when empty
}

// CardLink links a family card to a holder's card; with Pool the family
// card earns into the holder's account.
type CardLink struct {
	Meta
	Card   string `json:"card"`
	Holder string `json:"holder"`
	Pool   bool   `json:"pool"`
}

// Redemption exchanges points for a reward of the board.
type Redemption struct {
	Meta
	Card   string `json:"card"`
	Reward string `json:"reward"`
	Store  string `json:"store,omitempty"`
	Code   string `json:"code,omitempty"` // set by the store when empty
	// Debt is set by the central ledger on a redemption a kiosk made
	// offline and uploaded (RedeemOffline): the points of the price the
	// card's balance no longer covered, which the card owes; applied
	// again, the event owes as much again.
	Debt int64 `json:"debt,omitempty"`
}

// VoucherAction claims or cancels a voucher.
type VoucherAction struct {
	Meta
	Code string `json:"code"`
}

// RewardAdd adds or replaces an item of the board.
type RewardAdd struct {
	Meta
	Reward Reward `json:"reward"`
}

// RewardRemove takes an item off the board.
type RewardRemove struct {
	Meta
	Reward string `json:"reward"`
}

// validate checks what every command carries, for the command called what:
// a client id, when given, is an id like any other (a blank one would make
// a key that no one can type again), and a business time, when given, one
// that its JSON can write.
func (m *Meta) validate(what string) error {
	if m.ID != "" {
		if err := validID(m.ID); err != nil {
			return invalidField(what, "id", err)
		}
	}
	if err := validTime(m.At); err != nil {
		return invalidField(what, "at", err)
	}
	return nil
}

// Validate checks a program installation: what every command carries, and
// the program's keys as a stored program must have them (Validate). A new
// program is checked further, with ValidateNew, by ParseProgram or by
// whoever makes it; a stored one, applied again elsewhere, need not be.
func (c *ProgramInstall) Validate() error {
	const what = "program install"
	if err := c.Meta.validate(what); err != nil {
		return err
	}
	if c.Program == nil {
		return invalidField(what, "program", wrong("problem.required", nil))
	}
	return c.Program.Validate()
}

// Validate checks a card issue and names the first field that is wrong.
func (c *CardIssue) Validate() error {
	const what = "card issue"
	if err := c.Meta.validate(what); err != nil {
		return err
	}
	if c.Number != "" {
		if err := validCardField(c.Number); err != nil {
			return invalidField(what, "number", err)
		}
	}
	return validDetails(what, c.Details, c.Name)
}

// Validate checks a card registration and names the first field that is
// wrong.
func (c *CardRegister) Validate() error {
	const what = "card register"
	if err := c.Meta.validate(what); err != nil {
		return err
	}
	if err := validCardField(c.Card); err != nil {
		return invalidField(what, "card", err)
	}
	return validDetails(what, c.Details, c.Name)
}

// ValidateRequest checks a card issue as a caller sends it: as Validate
// does, and without the fields only a ledger sets.
func (c *CardIssue) ValidateRequest() error {
	if err := c.Validate(); err != nil {
		return err
	}
	return ledgerSet("card issue", c.Person, c.WithPhone)
}

// ValidateRequest checks a card registration as a caller sends it: as
// Validate does, and without the fields only a ledger sets.
func (c *CardRegister) ValidateRequest() error {
	if err := c.Validate(); err != nil {
		return err
	}
	return ledgerSet("card register", c.Person, c.WithPhone)
}

// ValidateEvent checks what a card issue applied as an event made
// elsewhere must hold beyond Validate: the fields a ledger sets only
// beside the personal data they stand for (ledgerSetBacked).
func (c *CardIssue) ValidateEvent() error {
	return ledgerSetBacked("card issue", c.Person, c.WithPhone, Personal(c.Details, c.Name))
}

// ValidateEvent checks a card registration applied as an event made
// elsewhere, as CardIssue's does.
func (c *CardRegister) ValidateEvent() error {
	return ledgerSetBacked("card register", c.Person, c.WithPhone, Personal(c.Details, c.Name))
}

// ledgerSet refuses a request that sets what a ledger sets when it keeps a
// command's personal data: a caller's with_phone would grant a welcome
// bonus with no phone.
func ledgerSet(what, person string, withPhone bool) error {
	switch {
	case person != "":
		return invalidField(what, "person", wrong("problem.ledger_set", nil))
	case withPhone:
		return invalidField(what, "with_phone", wrong("problem.ledger_set", nil))
	}
	return nil
}

// ledgerSetBacked refuses an event made elsewhere whose ledger-set fields
// stand for personal data it does not give: with_phone without a phone
// would grant a welcome bonus no phone earned, and a person without any
// personal data would refer to a record this ledger does not hold. An
// event that gives the data (a kiosk's upload with them) is kept as a
// local command is: the data in this ledger's record, the body referring
// to it.
func ledgerSetBacked(what, person string, withPhone bool, d Details) error {
	switch {
	case withPhone && d.Phone == "":
		return invalidField(what, "with_phone", wrong("problem.with_phone_unbacked", nil))
	case person != "" && !d.personal():
		return invalidField(what, "person", wrong("problem.person_unbacked", nil))
	}
	return nil
}

// validDetails checks the personal data of a command called what as text;
// their forms are the program's to check (Program.Details).
func validDetails(what string, d Details, name string) error {
	if err := validPhoneField(d.Phone); err != nil {
		return invalidField(what, "phone", err)
	}
	for _, f := range []struct{ field, v string }{{"name", name}, {"given_name", d.GivenName}, {"family_name", d.FamilyName}, {"email", d.Email}} {
		if err := validName(f.v); err != nil {
			return invalidField(what, f.field, err)
		}
	}
	return nil
}

// Validate checks a card action (block, membership, forgetting) and names the first
// field that is wrong.
func (c *CardAction) Validate() error {
	const what = "card action"
	if err := c.Meta.validate(what); err != nil {
		return err
	}
	if err := validCardField(c.Card); err != nil {
		return invalidField(what, "card", err)
	}
	return nil
}

// Validate checks a card replacement and names the first field that is
// wrong.
func (c *CardReplace) Validate() error {
	const what = "card replace"
	if err := c.Meta.validate(what); err != nil {
		return err
	}
	if err := validCardField(c.Card); err != nil {
		return invalidField(what, "card", err)
	}
	if c.NewNumber != "" {
		if err := validCardField(c.NewNumber); err != nil {
			return invalidField(what, "new_number", err)
		}
	}
	return nil
}

// Validate checks a card link and names the first field that is wrong.
func (c *CardLink) Validate() error {
	const what = "card link"
	if err := c.Meta.validate(what); err != nil {
		return err
	}
	if err := validCardField(c.Card); err != nil {
		return invalidField(what, "card", err)
	}
	if err := validCardField(c.Holder); err != nil {
		return invalidField(what, "holder", err)
	}
	return nil
}

// Validate checks a redemption and names the first field that is wrong.
func (r *Redemption) Validate() error {
	const what = "redemption"
	if err := r.Meta.validate(what); err != nil {
		return err
	}
	if err := validCardField(r.Card); err != nil {
		return invalidField(what, "card", err)
	}
	if err := validID(r.Reward); err != nil {
		return invalidField(what, "reward", err)
	}
	if r.Store != "" {
		if err := validID(r.Store); err != nil {
			return invalidField(what, "store", err)
		}
	}
	if r.Code != "" {
		if err := validCodeField(r.Code); err != nil {
			return invalidField(what, "code", err)
		}
	}
	if r.Debt < 0 || r.Debt > MaxRewardPoints {
		return invalidField(what, "debt", between(0, MaxRewardPoints, r.Debt))
	}
	return nil
}

// ValidateRequest checks a redemption as a caller or a kiosk's upload
// sends it: as Validate does, and without the debt only a ledger sets.
func (r *Redemption) ValidateRequest() error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.Debt != 0 {
		return invalidField("redemption", "debt", wrong("problem.ledger_set", nil))
	}
	return nil
}

// Validate checks a voucher claim or cancellation and names the first
// field that is wrong.
func (v *VoucherAction) Validate() error {
	const what = "voucher action"
	if err := v.Meta.validate(what); err != nil {
		return err
	}
	if err := validCodeField(v.Code); err != nil {
		return invalidField(what, "code", err)
	}
	return nil
}

// Validate checks an item added to the board and names the first field
// that is wrong.
func (r *RewardAdd) Validate() error {
	if err := r.Meta.validate("reward add"); err != nil {
		return err
	}
	return r.Reward.Validate()
}

// Validate checks the removal of an item of the board.
func (r *RewardRemove) Validate() error {
	const what = "reward remove"
	if err := r.Meta.validate(what); err != nil {
		return err
	}
	if err := validID(r.Reward); err != nil {
		return invalidField(what, "reward", err)
	}
	return nil
}

// Programs installs and reads the program a store runs.
type Programs interface {
	// InstallProgram installs the command's program as the next version
	// of the program and returns it as installed. Installing the program
	// in force again changes nothing and returns it; the same id again
	// returns the first result, and with another program is a conflict.
	InstallProgram(ctx context.Context, c ProgramInstall) (*Program, error)
	// Program returns the program in force.
	Program(ctx context.Context) (*Program, error)
}

// Cards manages cards and their accounts.
type Cards interface {
	// IssueCard issues a card with an account of its own; with personal
	// data it is registered at once (with a phone, the welcome bonus
	// granted).
	IssueCard(ctx context.Context, c CardIssue) (Card, error)
	// RegisterCard hands a batch card over (its activation delay counts
	// from then) and/or records personal data or membership.
	RegisterCard(ctx context.Context, c CardRegister) (Card, error)
	// BlockCard blocks a lost or stopped card.
	BlockCard(ctx context.Context, c CardAction) (Card, error)
	// ReplaceCard blocks a card if it is not yet and moves its account,
	// lots, purchase total and household links to a new card, returned.
	ReplaceCard(ctx context.Context, c CardReplace) (Card, error)
	// LinkCard links a family card to a holder's; with pooling its points
	// move to the holder's account, and it earns there from then on.
	LinkCard(ctx context.Context, c CardLink) (Card, error)
	// MakeMember makes the card's account a member's from the command's
	// time on.
	MakeMember(ctx context.Context, c CardAction) (Card, error)
	// ForgetCard erases the personal data of the card's customer, from
	// the store's files too, and keeps the points: the card still earns
	// and redeems.
	ForgetCard(ctx context.Context, c CardAction) (Card, error)
	// ExportCard returns everything stored about the card's customer at t.
	ExportCard(ctx context.Context, number string, t time.Time) (CustomerData, error)
	// Card returns a card as it stands at t.
	Card(ctx context.Context, number string, t time.Time) (Card, error)
	// RecordPrint records that a print job printed cards (CardPrint) and
	// returns the batch cards among them, with the job that printed each
	// first. An unknown card is not found and records nothing.
	RecordPrint(ctx context.Context, p CardPrint) ([]BatchCard, error)
	// UnprintedCards lists the cards of the batch (of every batch when
	// batch is empty) that no print job has printed and that still wait
	// to be handed over (not blocked, replaced or handed to a customer),
	// by batch and place in it.
	UnprintedCards(ctx context.Context, batch string) ([]BatchCard, error)
}

// Ledger posts receipts and returns and answers balances.
type Ledger interface {
	// PostReceipts posts a batch in one transaction; a refused receipt
	// gets its error in its result slot and changes nothing.
	PostReceipts(ctx context.Context, rs []Receipt) ([]BatchReceipt, error)
	// PostReceipt posts one receipt; the result carries the balance after.
	PostReceipt(ctx context.Context, r Receipt) (ReceiptResult, error)
	// QuoteReceipt says what a receipt would earn and the most that may be
	// paid with points; it changes nothing.
	QuoteReceipt(ctx context.Context, r Receipt) (Quote, error)
	// PostReturn takes back what returned lines earned and gives back the
	// bonuses spent on them.
	PostReturn(ctx context.Context, r Return) (ReturnResult, error)
	// Balance is what a card holds at t, which may be in the future.
	Balance(ctx context.Context, card string, t time.Time) (Balance, error)
	// History lists a card's entries, its replaced predecessors' included.
	History(ctx context.Context, card string) ([]HistoryEntry, error)
	// Check verifies the ledger's invariants.
	Check(ctx context.Context) (CheckReport, error)
}

// Vouchers exchanges points for rewards and settles the vouchers.
type Vouchers interface {
	// Redeem spends a reward's price in points now and makes its voucher.
	Redeem(ctx context.Context, r Redemption) (Voucher, error)
	// ClaimVoucher marks an open voucher used at a till.
	ClaimVoucher(ctx context.Context, v VoucherAction) (Voucher, error)
	// CancelVoucher closes an open voucher and gives its points back to
	// the lots they came from.
	CancelVoucher(ctx context.Context, v VoucherAction) (Voucher, error)
	// Voucher returns a voucher by its code, typed in any form.
	Voucher(ctx context.Context, code string) (Voucher, error)
}

// Board is the reward board.
type Board interface {
	// AddReward adds an item, or replaces the item with its id. It is
	// refused on a program that keeps no board (Program.KeepsBoard) and
	// when the picture the item names is not stored (Pictures).
	AddReward(ctx context.Context, r RewardAdd) (Reward, error)
	// RemoveReward takes an item off; vouchers made for it stay valid.
	RemoveReward(ctx context.Context, r RewardRemove) error
	// Rewards lists the board of a cooperative, narrowed to a store when
	// store is not empty; all cooperatives when coop is empty.
	Rewards(ctx context.Context, coop, store string) ([]Reward, error)
	// Reward is the item with the id as Rewards lists it; not found when
	// the board has none.
	Reward(ctx context.Context, id string) (Reward, error)
}

// Pictures keeps the reward board's pictures by content. A picture is a
// blob fetched by its hash, not an event: storing one changes no balance
// and records nothing in the log, and the same bytes are stored once.
type Pictures interface {
	// PutPicture stores a picture (Picture.Validate) unless one with its
	// hash is stored already, and returns it as stored.
	PutPicture(ctx context.Context, p Picture) (Picture, error)
	// Picture returns the stored picture with the hash, its bytes
	// included.
	Picture(ctx context.Context, hash string) (Picture, error)
}

// EventLog reads and applies events: the ground for sync and replay.
type EventLog interface {
	// Events returns up to limit events after seq, in order.
	Events(ctx context.Context, after int64, limit int) ([]Event, error)
	// Apply applies an event made elsewhere (or earlier); applying the same
	// event again changes nothing and returns the first result.
	Apply(ctx context.Context, e Event) (json.RawMessage, error)
}

// BatchReceipt is one receipt's answer in a batch: what it did, or Err,
// why it was refused (nothing of it was recorded).
type BatchReceipt struct {
	ReceiptResult
	Err error `json:"-"`
}

// Problem is one thing a check found wrong: the key of its message in the
// catalog, its arguments, and the message in English.
type Problem struct {
	Key     string    `json:"key"`
	Args    lang.Args `json:"args"`
	Message string    `json:"message"`
}

// NewProblem is the problem key with its arguments.
func NewProblem(key string, args lang.Args) Problem {
	return Problem{Key: key, Args: args, Message: lang.Text(lang.EN, key, args)}
}

// In renders the problem in language l.
func (p Problem) In(l string) string { return lang.Text(l, p.Key, p.Args) }

// String is the problem in English.
func (p Problem) String() string { return p.Message }

// CheckReport is what a ledger check found.
type CheckReport struct {
	Accounts  int       `json:"accounts"`
	Entries   int       `json:"entries"`
	Lots      int       `json:"lots"`
	Total     int64     `json:"total"` // sum of all balances
	Integrity string    `json:"integrity"`
	Problems  []Problem `json:"problems"`
	// UnrecordedStores are the store ids that receipts name and no record
	// has: a notice, not a problem (tills are not ours to stop).
	UnrecordedStores []string `json:"unrecorded_stores"`
	// UnusedPictures are the hashes of stored pictures that no reward on
	// the board names: a notice, not a problem. A picture is stored before
	// the reward that shows it is accepted, and stays when that reward is
	// refused, removed or given another picture (or has not arrived yet,
	// from elsewhere); it harms nothing but the room it takes.
	UnusedPictures []string `json:"unused_pictures"`
	// Replica says the ledger checked is a kiosk's replica, which holds
	// no event log to replay: its check compares what it holds.
	Replica bool `json:"replica,omitempty"`
	// CatchingUp, of a replica, says it is behind the server or waits for
	// its answers: rows come as they stand at the server, so that its
	// accounts' entries are checked against their lots once it is not.
	CatchingUp bool `json:"catching_up,omitempty"`
}

// Service is the union of the ledger's service interfaces: what a store
// implements (rewards/sqlite), what the HTTP API serves and what its
// client implements (rewards/api), and what the contract suite runs
// against (rewards/rewardstest).
type Service interface {
	Programs
	Cards
	Ledger
	Vouchers
	Board
	Places
	Reports
	Pictures
}
