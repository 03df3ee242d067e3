// Package rewardstest is the contract suite that every store of the rewards
// service interfaces must pass: the ledger's rules (activation, earning,
// maturation, spending, returns, expiry, vouchers, lost and family cards,
// idempotency) played out by moving a store's clock, and thousands of
// random operations with the ledger's invariants checked after each.
//
// A store's own tests call Run with a constructor; the suite opens a fresh
// store for each scenario and installs a bundled program on it itself.
// Refusals are compared by error code, and which refusal it was by what the
// store shows afterwards (a card's status, a voucher's, a balance), never by
// the wording of a message.
package rewardstest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/assets"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Store is what the suite drives: the union of the rewards service interfaces.
// A store that also implements rewards.EventLog has its event log checked
// too (a refused command records nothing, a repeat records nothing, the log
// replays into a fresh store); one that implements rewards.Devices has its
// devices checked (the Devices scenario), one that implements rewards.OTPs
// its one-time codes (the OTP scenario).
type Store = rewards.Service

// Run runs every scenario of the suite as a subtest of t, named after the
// scenario (ActivationDelay, BatchCardRegister, ..., RandomOperations).
//
// open makes a new, empty store, with no program installed, whose now is the
// given clock: the ledger host's clock, which a command may be dated at
// most the program's [ledger] max_clock_skew ahead of; the business time
// of a command that names none; and the time a voucher's status and the
// board's stock are read at. It registers the store's closing with
// t.Cleanup. The suite may call it more than once in a scenario (a fresh
// store to replay an event log into).
//
// As a scenario plays, the suite moves the clock on to each command's date
// before it sends the command, as a ledger's clock moves on while the tills
// send their sales; only the scenarios of the skew rule hold it still.
func Run(t *testing.T, open func(t *testing.T, now func() time.Time) Store) {
	s := suite{open: open}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
	}
	// Devices are kept by a ledger store, not by the API's client (they
	// are made on the ledger's machine): their scenario runs on a store
	// that keeps them.
	if _, ok := devicesOf(open(t, time.Now)); ok {
		t.Run("Devices", func(t *testing.T) { devices(t, s) })
	}
	// So are one-time codes (rewards.OTPs).
	if _, ok := otpsOf(open(t, time.Now)); ok {
		t.Run("OTP", func(t *testing.T) { otp(t, s) })
	}
	if _, ok := staffOf(open(t, time.Now)); ok {
		t.Run("Staff", func(t *testing.T) { staff(t, s) })
		t.Run("StaffCards", func(t *testing.T) { staffCards(t, s) })
	}
}

// scenarios are the suite's subtests, in the order they run.
var scenarios = []struct {
	name string
	run  func(*testing.T, suite)
}{
	{"SmokeCoop", smokeCoop},
	{"ActivationDelay", activationDelay},
	{"BatchCardRegister", batchCardRegister},
	{"CoopEarningSeedExample", coopEarningSeedExample},
	{"WelcomeNextDay", welcomeNextDay},
	{"BonusMaturationAndPositions", bonusMaturationAndPositions},
	{"PayWithBonuses", payWithBonuses},
	{"Returns", returns},
	{"ReturnTakeBackDays", returnTakeBackDays},
	{"LostCard", lostCard},
	{"FamilyPooling", familyPooling},
	{"PersonalData", personalData},
	{"OnePhoneOneHousehold", onePhoneOneHousehold},
	{"ForgetKeepsPoints", forgetKeepsPoints},
	{"ExportHoldsTheAccount", exportHoldsTheAccount},
	{"Vouchers", vouchers},
	{"Idempotency", idempotency},
	{"BatchAsOneByOne", batchAsOneByOne},
	{"RepeatReturnsFirstResult", repeatReturnsFirstResult},
	{"ProgramInstallRepeat", programInstallRepeat},
	{"Expiry", expiry},
	{"ExpiredPointsPayNoDebt", expiredPointsPayNoDebt},
	{"StockAfterLapseAndRetry", stockAfterLapseAndRetry},
	{"PreviewAgreesWithLedger", previewAgreesWithLedger},
	{"CancelledMidCommand", cancelledMidCommand},
	{"FutureDatedRefused", futureDatedRefused},
	{"PreviewFarAhead", previewFarAhead},
	{"Places", places},
	{"LiabilityPoints", liabilityPoints},
	{"LiabilityBonus", liabilityBonus},
	{"LiabilityPast", liabilityPast},
	{"BoardPictures", boardPictures},
	{"BoardReward", boardReward},
	{"BatchPrints", batchPrints},
	{"BonusHasNoBoard", bonusHasNoBoard},
	{"RandomOperations", randomOperations},
}

var ctx = context.Background()

// The scenarios' short names for the exported helpers.
var (
	mustCard    = MustCard
	checkLedger = CheckLedger
)

// suite opens the stores of a run.
type suite struct {
	open func(t *testing.T, now func() time.Time) Store
}

// start is the time every scenario's clock starts at, and its program's
// installation time.
const start = "2026-11-01T08:00:00Z"

// store opens a fresh store and installs on it the bundled program named
// ("coop", "bonus"), edited by the replacements old→new given in pairs. Its
// clock follows the scenario: a command dated later than the clock moves
// the clock on to its date.
func (s suite) store(t *testing.T, program string, edits ...string) (Store, *clock) {
	t.Helper()
	st, c := s.fixedStore(t, program, edits...)
	return following{Store: st, clk: c}, c
}

// fixedStore is store with a clock that moves only when the scenario moves
// it, for the scenarios of the skew rule.
func (s suite) fixedStore(t *testing.T, program string, edits ...string) (Store, *clock) {
	t.Helper()
	p := Program(t, program, edits...)
	c := &clock{t: ts(start)}
	st := s.open(t, c.now)
	if _, err := st.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: c.now()}, Program: p}); err != nil {
		t.Fatal(err)
	}
	return st, c
}

// Program is the bundled program named ("coop", "bonus"), edited by the
// replacements old→new given in pairs: a scenario's rules, and a store's
// own tests'.
func Program(t testing.TB, name string, edits ...string) *rewards.Program {
	t.Helper()
	src, err := assets.Programs.ReadFile("programs/" + name + ".toml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("program %s has no %q to edit", name, edits[i])
		}
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	p, err := rewards.ParseProgram([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// clock is a scenario's now: it moves only when the scenario moves it. A
// store may read it from goroutines of its own (a server's handlers).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// follow moves the clock on to t when t is later; it never moves it back.
func (c *clock) follow(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

// following is a store whose clock follows the commands sent to it: before
// each command dated later than the clock, the clock moves on to its date.
// Reads (a balance or a card at a time, a quote) leave it where it is: a
// preview may look at any moment.
type following struct {
	Store
	clk *clock
}

func (f following) InstallProgram(ctx context.Context, c rewards.ProgramInstall) (*rewards.Program, error) {
	f.clk.follow(c.At)
	return f.Store.InstallProgram(ctx, c)
}

func (f following) IssueCard(ctx context.Context, c rewards.CardIssue) (rewards.Card, error) {
	f.clk.follow(c.At)
	return f.Store.IssueCard(ctx, c)
}

func (f following) RegisterCard(ctx context.Context, c rewards.CardRegister) (rewards.Card, error) {
	f.clk.follow(c.At)
	return f.Store.RegisterCard(ctx, c)
}

func (f following) BlockCard(ctx context.Context, c rewards.CardAction) (rewards.Card, error) {
	f.clk.follow(c.At)
	return f.Store.BlockCard(ctx, c)
}

func (f following) ReplaceCard(ctx context.Context, c rewards.CardReplace) (rewards.Card, error) {
	f.clk.follow(c.At)
	return f.Store.ReplaceCard(ctx, c)
}

func (f following) LinkCard(ctx context.Context, c rewards.CardLink) (rewards.Card, error) {
	f.clk.follow(c.At)
	return f.Store.LinkCard(ctx, c)
}

func (f following) MakeMember(ctx context.Context, c rewards.CardAction) (rewards.Card, error) {
	f.clk.follow(c.At)
	return f.Store.MakeMember(ctx, c)
}

func (f following) ForgetCard(ctx context.Context, c rewards.CardAction) (rewards.Card, error) {
	f.clk.follow(c.At)
	return f.Store.ForgetCard(ctx, c)
}

func (f following) PostReceipts(ctx context.Context, rs []rewards.Receipt) ([]rewards.BatchReceipt, error) {
	for _, r := range rs {
		f.clk.follow(r.Time)
	}
	return f.Store.PostReceipts(ctx, rs)
}

func (f following) PostReceipt(ctx context.Context, r rewards.Receipt) (rewards.ReceiptResult, error) {
	f.clk.follow(r.Time)
	return f.Store.PostReceipt(ctx, r)
}

func (f following) PostReturn(ctx context.Context, r rewards.Return) (rewards.ReturnResult, error) {
	f.clk.follow(r.Time)
	return f.Store.PostReturn(ctx, r)
}

func (f following) Redeem(ctx context.Context, r rewards.Redemption) (rewards.Voucher, error) {
	f.clk.follow(r.At)
	return f.Store.Redeem(ctx, r)
}

func (f following) ClaimVoucher(ctx context.Context, v rewards.VoucherAction) (rewards.Voucher, error) {
	f.clk.follow(v.At)
	return f.Store.ClaimVoucher(ctx, v)
}

func (f following) CancelVoucher(ctx context.Context, v rewards.VoucherAction) (rewards.Voucher, error) {
	f.clk.follow(v.At)
	return f.Store.CancelVoucher(ctx, v)
}

func (f following) AddReward(ctx context.Context, r rewards.RewardAdd) (rewards.Reward, error) {
	f.clk.follow(r.At)
	return f.Store.AddReward(ctx, r)
}

func (f following) RemoveReward(ctx context.Context, r rewards.RewardRemove) error {
	f.clk.follow(r.At)
	return f.Store.RemoveReward(ctx, r)
}

func (f following) AddCoop(ctx context.Context, c rewards.CoopAdd) (rewards.Coop, error) {
	f.clk.follow(c.At)
	return f.Store.AddCoop(ctx, c)
}

func (f following) AddStore(ctx context.Context, c rewards.StoreAdd) (rewards.Store, error) {
	f.clk.follow(c.At)
	return f.Store.AddStore(ctx, c)
}

// MustPlaces records the cooperative coop and its stores, named after
// their ids, for the scenarios and a store's own tests that put rewards on
// a board.
func MustPlaces(t testing.TB, s Store, coop string, stores ...string) {
	t.Helper()
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: coop, Names: rewards.Names{EN: "Coop " + coop}}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range stores {
		if _, err := s.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{ID: id, Coop: coop, Names: rewards.Names{EN: "Store " + id}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// eventLog returns the event log of the store s wraps, when it keeps one.
func eventLog(s Store) (rewards.EventLog, bool) {
	if f, ok := s.(following); ok {
		s = f.Store
	}
	log, ok := s.(rewards.EventLog)
	return log, ok
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func receipt(id, card, at string, lines ...rewards.Line) rewards.Receipt {
	return rewards.Receipt{ID: id, Store: "s1", Card: card, Time: ts(at), Lines: lines}
}

// MustCard issues a card handed over at once and returns its number, for
// the scenarios and a store's own tests.
func MustCard(t testing.TB, s Store, c rewards.CardIssue) string {
	t.Helper()
	c.Handed = true
	card, err := s.IssueCard(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return card.Number
}

func mustPost(t *testing.T, s Store, r rewards.Receipt) rewards.ReceiptResult {
	t.Helper()
	res, err := s.PostReceipt(ctx, r)
	if err != nil {
		t.Fatalf("post %s: %v", r.ID, err)
	}
	return res
}

func balance(t *testing.T, s Store, card string, at string) rewards.Balance {
	t.Helper()
	b, err := s.Balance(ctx, card, ts(at))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cardAt returns a card as it stands at a time.
func cardAt(t *testing.T, s Store, number, at string) rewards.Card {
	t.Helper()
	c, err := s.Card(ctx, number, ts(at))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// CheckLedger fails the test when a check of the ledger finds a problem.
func CheckLedger(t testing.TB, s Store) {
	t.Helper()
	r, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) > 0 {
		t.Fatalf("ledger check: %v", r.Problems)
	}
}

// wantCode fails unless err is a domain error with the code; what says
// what was tried. The error's message is shown, for a person to read.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: want a %s error, got success", what, code)
	}
	if got := rewards.ErrorCode(err); got != code {
		t.Fatalf("%s: want a %s error, got %s: %v", what, code, got, err)
	}
}

// eventCount returns how many events s has recorded, and false when s keeps
// no event log.
func eventCount(t *testing.T, s Store) (int, bool) {
	t.Helper()
	log, ok := eventLog(s)
	if !ok {
		return 0, false
	}
	evs, err := log.Events(ctx, 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs), true
}
