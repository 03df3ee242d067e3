package replica

import (
	"context"
	"time"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// Service is the ledger as a kiosk sees it, and tochkactl on a replica
// file: reads and the changes a kiosk may make offline (issuing,
// registering, linking, blocking and replacing cards) run on the replica,
// whose store writes them to the outbox; a redemption goes to the server
// while it answers, else runs on the replica within the offline cap (Redeem);
// what only the server does (the board, places, pictures, the program,
// membership and forgetting, receipts, returns and vouchers at a till,
// a customer's export and a batch's print records) goes to the server, and
// while the server cannot be reached is refused with a message saying so.
// After a change at the server the replica pulls it at once.
type Service struct {
	*sqlite.Store
	sync   *Replica
	remote Remote
}

var _ rewards.Service = (*Service)(nil)

// Remote is the server as a kiosk's ledger reaches it: the API's client.
type Remote interface {
	rewards.Service
	Conflicts(ctx context.Context, all bool) ([]rewards.Conflict, error)
	ResolveConflict(ctx context.Context, id int64, note string) (rewards.Conflict, error)
}

// NewService returns the kiosk's ledger over the replica's sync and the
// server's API.
func NewService(r *Replica, remote Remote) *Service {
	return &Service{Store: r.Ledger, sync: r, remote: remote}
}

// atServer runs fn, a call of the server: refused with a message while
// the server cannot be reached, and followed by a pull once it is done.
func atServer[T any](s *Service, ctx context.Context, fn func() (T, error)) (T, error) {
	v, err := fn()
	if api.Unreachable(err) {
		s.sync.Logger.Info("the server cannot be reached", "err", err)
		return v, rewards.Fail(rewards.EREFUSED, "sync.needs_server", nil)
	}
	if err == nil {
		if _, perr := s.sync.Pull(ctx); perr != nil {
			s.sync.Logger.Info("done at the server and not pulled yet", "err", perr)
		}
	}
	return v, err
}

// Redeem implements rewards.Vouchers: at the server, or offline
// (Replica.Redeem).
func (s *Service) Redeem(ctx context.Context, r rewards.Redemption) (rewards.Voucher, error) {
	return s.sync.Redeem(ctx, r)
}

// InstallProgram implements rewards.Programs at the server.
func (s *Service) InstallProgram(ctx context.Context, c rewards.ProgramInstall) (*rewards.Program, error) {
	return atServer(s, ctx, func() (*rewards.Program, error) { return s.remote.InstallProgram(ctx, c) })
}

// MakeMember implements rewards.Cards at the server.
func (s *Service) MakeMember(ctx context.Context, c rewards.CardAction) (rewards.Card, error) {
	return atServer(s, ctx, func() (rewards.Card, error) { return s.remote.MakeMember(ctx, c) })
}

// ForgetCard implements rewards.Cards at the server.
func (s *Service) ForgetCard(ctx context.Context, c rewards.CardAction) (rewards.Card, error) {
	return atServer(s, ctx, func() (rewards.Card, error) { return s.remote.ForgetCard(ctx, c) })
}

// ExportCard implements rewards.Cards at the server: a replica holds no
// personal data but given names.
func (s *Service) ExportCard(ctx context.Context, number string, t time.Time) (rewards.CustomerData, error) {
	return atServer(s, ctx, func() (rewards.CustomerData, error) { return s.remote.ExportCard(ctx, number, t) })
}

// RecordPrint implements rewards.Cards at the server, which keeps the
// batches.
func (s *Service) RecordPrint(ctx context.Context, p rewards.CardPrint) ([]rewards.BatchCard, error) {
	return atServer(s, ctx, func() ([]rewards.BatchCard, error) { return s.remote.RecordPrint(ctx, p) })
}

// UnprintedCards implements rewards.Cards at the server.
func (s *Service) UnprintedCards(ctx context.Context, batch string) ([]rewards.BatchCard, error) {
	return atServer(s, ctx, func() ([]rewards.BatchCard, error) { return s.remote.UnprintedCards(ctx, batch) })
}

// PostReceipts implements rewards.Ledger at the server: receipts are a
// till's.
func (s *Service) PostReceipts(ctx context.Context, rs []rewards.Receipt) ([]rewards.BatchReceipt, error) {
	return atServer(s, ctx, func() ([]rewards.BatchReceipt, error) { return s.remote.PostReceipts(ctx, rs) })
}

// PostReceipt implements rewards.Ledger at the server.
func (s *Service) PostReceipt(ctx context.Context, r rewards.Receipt) (rewards.ReceiptResult, error) {
	return atServer(s, ctx, func() (rewards.ReceiptResult, error) { return s.remote.PostReceipt(ctx, r) })
}

// PostReturn implements rewards.Ledger at the server.
func (s *Service) PostReturn(ctx context.Context, r rewards.Return) (rewards.ReturnResult, error) {
	return atServer(s, ctx, func() (rewards.ReturnResult, error) { return s.remote.PostReturn(ctx, r) })
}

// ClaimVoucher implements rewards.Vouchers at the server: a till's.
func (s *Service) ClaimVoucher(ctx context.Context, v rewards.VoucherAction) (rewards.Voucher, error) {
	return atServer(s, ctx, func() (rewards.Voucher, error) { return s.remote.ClaimVoucher(ctx, v) })
}

// CancelVoucher implements rewards.Vouchers at the server.
func (s *Service) CancelVoucher(ctx context.Context, v rewards.VoucherAction) (rewards.Voucher, error) {
	return atServer(s, ctx, func() (rewards.Voucher, error) { return s.remote.CancelVoucher(ctx, v) })
}

// AddReward implements rewards.Board at the server.
func (s *Service) AddReward(ctx context.Context, r rewards.RewardAdd) (rewards.Reward, error) {
	return atServer(s, ctx, func() (rewards.Reward, error) { return s.remote.AddReward(ctx, r) })
}

// RemoveReward implements rewards.Board at the server.
func (s *Service) RemoveReward(ctx context.Context, r rewards.RewardRemove) error {
	_, err := atServer(s, ctx, func() (struct{}, error) { return struct{}{}, s.remote.RemoveReward(ctx, r) })
	return err
}

// AddCoop implements rewards.Places at the server.
func (s *Service) AddCoop(ctx context.Context, c rewards.CoopAdd) (rewards.Coop, error) {
	return atServer(s, ctx, func() (rewards.Coop, error) { return s.remote.AddCoop(ctx, c) })
}

// AddStore implements rewards.Places at the server.
func (s *Service) AddStore(ctx context.Context, c rewards.StoreAdd) (rewards.Store, error) {
	return atServer(s, ctx, func() (rewards.Store, error) { return s.remote.AddStore(ctx, c) })
}

// PutPicture implements rewards.Pictures at the server.
func (s *Service) PutPicture(ctx context.Context, p rewards.Picture) (rewards.Picture, error) {
	return atServer(s, ctx, func() (rewards.Picture, error) { return s.remote.PutPicture(ctx, p) })
}

// Conflicts lists the server's conflicts: a replica keeps none.
func (s *Service) Conflicts(ctx context.Context, all bool) ([]rewards.Conflict, error) {
	return atServer(s, ctx, func() ([]rewards.Conflict, error) { return s.remote.Conflicts(ctx, all) })
}

// ResolveConflict closes a conflict at the server.
func (s *Service) ResolveConflict(ctx context.Context, id int64, note string) (rewards.Conflict, error) {
	return atServer(s, ctx, func() (rewards.Conflict, error) { return s.remote.ResolveConflict(ctx, id, note) })
}
