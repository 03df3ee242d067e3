package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // the board's pictures are JPEG
	_ "image/png"  // or PNG
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Client is the API's Go client: the rewards service interfaces over
// HTTP. A refusal comes back as the *rewards.Error the server answered
// (its code, key, arguments and message), so rewards.ErrorCode and
// (*rewards.Error).In work on it as on a local store's; a request that
// got no answer is an internal error wrapping why.
//
// A change, once sent, is waited for until its answer (the http.Client's
// Timeout bounds the wait): cancelling the context then would leave its
// outcome unknown to the caller, though the server may have done it. A
// context cancelled before the change is sent stops it with the context's
// error. Reads are cancelled at any moment.
type Client struct {
	base    string
	hc      *http.Client
	lang    string
	token   string
	session string
}

// ClientOption sets something of a Client.
type ClientOption func(*Client)

// WithLanguage makes the client ask for messages in language l (bg, ru,
// en; English when not given).
func WithLanguage(l string) ClientOption { return func(c *Client) { c.lang = l } }

// WithToken makes the client send a device's bearer token with every
// request (`tochkactl device add` makes one).
func WithToken(token string) ClientOption { return func(c *Client) { c.token = token } }

// WithStaffSession makes the client send a staff session's token
// (X-Staff-Session) beside the device's with every request: what it asks
// is asked in the session, with its member's role and place, and its
// changes record the member (LoginStaff opens a session).
func WithStaffSession(token string) ClientOption { return func(c *Client) { c.session = token } }

// NewClient returns a client of the API at baseURL (as
// "https://tochka.example:8443"), through hc (nil: http.DefaultClient).
func NewClient(baseURL string, hc *http.Client, opts ...ClientOption) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := &Client{base: strings.TrimRight(baseURL, "/"), hc: hc, lang: lang.EN}
	for _, o := range opts {
		o(c)
	}
	return c
}

var _ Service = (*Client)(nil)

// request is one call of the API.
type request struct {
	method string
	path   string
	query  url.Values
	body   any    // encoded as JSON when not nil
	raw    []byte // sent as it is when not nil
	change bool   // a change, waited for once sent
}

// stream makes the request and returns the answer, its body still to be
// read and closed, when its status is a success, else the error it
// carries.
func (c *Client) stream(ctx context.Context, rq request) (*http.Response, error) {
	var body io.Reader
	switch {
	case rq.raw != nil:
		body = bytes.NewReader(rq.raw)
	case rq.body != nil:
		data, err := json.Marshal(rq.body)
		if err != nil {
			return nil, fmt.Errorf("api: encode %s %s: %w", rq.method, rq.path, err)
		}
		body = bytes.NewReader(data)
	}
	if rq.change {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		default:
		}
		ctx = context.WithoutCancel(ctx)
	}
	u := c.base + rq.path
	if len(rq.query) > 0 {
		u += "?" + rq.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("api: %s %s: %w", rq.method, rq.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", c.lang)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.session != "" {
		req.Header.Set(StaffSessionHeader, c.session)
	}
	switch {
	case rq.body != nil:
		req.Header.Set("Content-Type", "application/json")
	case rq.raw != nil:
		req.Header.Set("Content-Type", http.DetectContentType(rq.raw))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("api: %s %s: %w", rq.method, rq.path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("api: %s %s: read the answer: %w", rq.method, rq.path, err)
	}
	if e := decodeError(data); e != nil {
		return nil, e
	}
	return nil, fmt.Errorf("api: %s %s: %s: %w", rq.method, rq.path, resp.Status, ErrNotServer)
}

// Unreachable reports whether err is a call to the server that got no
// answer: the connection failed or broke, or what answered was not the
// server (a proxy in front of it); a refusal or a fault the server
// answered is a *rewards.Error, and a fault of the caller's own (a replica's
// file) is neither.
func Unreachable(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrNotServer)
}

// ErrNotServer is wrapped by the error of an answer that is not the
// server's: a status without its error envelope, as a proxy in front of a
// server that is down answers (502, 503, 504).
var ErrNotServer = errors.New("the answer is not the server's")

// send makes the request and returns the answer's body when its status is
// a success, else the error it carries.
func (c *Client) send(ctx context.Context, rq request) ([]byte, error) {
	resp, err := c.stream(ctx, rq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("api: %s %s: read the answer: %w", rq.method, rq.path, err)
	}
	return data, nil
}

// decodeError reads an error envelope, or nil when data is none.
func decodeError(data []byte) *rewards.Error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var env envelope
	if dec.Decode(&env) != nil || env.Error == nil || env.Error.Code == "" {
		return nil
	}
	return env.Error.domainError()
}

// call makes the request and decodes its JSON answer into out.
func call[T any](c *Client, ctx context.Context, rq request) (T, error) {
	var out T
	data, err := c.send(ctx, rq)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return out, fmt.Errorf("api: %s %s: decode the answer: %w", rq.method, rq.path, err)
	}
	return out, nil
}

// change is a request that changes something.
func change(method, path string, body any) request {
	return request{method: method, path: path, body: body, change: true}
}

// read is a GET of path, with ?at= when at is not zero.
func read(path string, at time.Time) request {
	rq := request{method: http.MethodGet, path: path}
	if !at.IsZero() {
		rq.query = url.Values{"at": {at.Format(time.RFC3339Nano)}}
	}
	return rq
}

// seg is a path segment with the value v. An empty value, which no route
// would match, is sent as "-", which no card number, voucher code or
// picture hash is, and which the server reads back as empty.
func seg(v string) string {
	if v == "" {
		return "-"
	}
	return url.PathEscape(v)
}

// localized is err, when it is a domain error, with its message in the
// client's language, as the server would have answered it.
func (c *Client) localized(err error) error {
	var e *rewards.Error
	if errors.As(err, &e) {
		local := *e
		local.Message = e.In(c.lang)
		return &local
	}
	return err
}

// keyed is the request of a change whose path names key, the command's
// card, code or id. A command with an empty key, which no path names, is
// refused here as a store refuses it first, by its own Validate, in the
// client's language.
func (c *Client) keyed(method, path, key, action string, cmd interface{ Validate() error }) (request, error) {
	if key == "" {
		if err := cmd.Validate(); err != nil {
			return request{}, c.localized(err)
		}
	}
	return change(method, path+seg(key)+action, cmd), nil
}

// callKeyed is call of the change keyed makes.
func callKeyed[T any](c *Client, ctx context.Context, method, path, key, action string, cmd interface{ Validate() error }) (T, error) {
	rq, err := c.keyed(method, path, key, action, cmd)
	if err != nil {
		var zero T
		return zero, err
	}
	return call[T](c, ctx, rq)
}

// InstallProgram implements rewards.Programs.
func (c *Client) InstallProgram(ctx context.Context, cmd rewards.ProgramInstall) (*rewards.Program, error) {
	return call[*rewards.Program](c, ctx, change(http.MethodPut, "/v1/program", cmd))
}

// Program implements rewards.Programs.
func (c *Client) Program(ctx context.Context) (*rewards.Program, error) {
	return call[*rewards.Program](c, ctx, read("/v1/program", time.Time{}))
}

// IssueCard implements rewards.Cards.
func (c *Client) IssueCard(ctx context.Context, cmd rewards.CardIssue) (rewards.Card, error) {
	return call[rewards.Card](c, ctx, change(http.MethodPost, "/v1/cards", cmd))
}

// RegisterCard implements rewards.Cards.
func (c *Client) RegisterCard(ctx context.Context, cmd rewards.CardRegister) (rewards.Card, error) {
	return callKeyed[rewards.Card](c, ctx, http.MethodPost, "/v1/cards/", cmd.Card, "/register", &cmd)
}

// BlockCard implements rewards.Cards.
func (c *Client) BlockCard(ctx context.Context, cmd rewards.CardAction) (rewards.Card, error) {
	return callKeyed[rewards.Card](c, ctx, http.MethodPost, "/v1/cards/", cmd.Card, "/block", &cmd)
}

// ReplaceCard implements rewards.Cards.
func (c *Client) ReplaceCard(ctx context.Context, cmd rewards.CardReplace) (rewards.Card, error) {
	return callKeyed[rewards.Card](c, ctx, http.MethodPost, "/v1/cards/", cmd.Card, "/replace", &cmd)
}

// LinkCard implements rewards.Cards.
func (c *Client) LinkCard(ctx context.Context, cmd rewards.CardLink) (rewards.Card, error) {
	return callKeyed[rewards.Card](c, ctx, http.MethodPost, "/v1/cards/", cmd.Card, "/link", &cmd)
}

// MakeMember implements rewards.Cards.
func (c *Client) MakeMember(ctx context.Context, cmd rewards.CardAction) (rewards.Card, error) {
	return callKeyed[rewards.Card](c, ctx, http.MethodPost, "/v1/cards/", cmd.Card, "/member", &cmd)
}

// ForgetCard implements rewards.Cards.
func (c *Client) ForgetCard(ctx context.Context, cmd rewards.CardAction) (rewards.Card, error) {
	return callKeyed[rewards.Card](c, ctx, http.MethodPost, "/v1/cards/", cmd.Card, "/forget", &cmd)
}

// ExportCard implements rewards.Cards.
func (c *Client) ExportCard(ctx context.Context, number string, t time.Time) (rewards.CustomerData, error) {
	return call[rewards.CustomerData](c, ctx, read("/v1/cards/"+seg(number)+"/export", t))
}

// Card implements rewards.Cards.
func (c *Client) Card(ctx context.Context, number string, t time.Time) (rewards.Card, error) {
	return call[rewards.Card](c, ctx, read("/v1/cards/"+seg(number), t))
}

// RecordPrint implements rewards.Cards.
func (c *Client) RecordPrint(ctx context.Context, p rewards.CardPrint) ([]rewards.BatchCard, error) {
	return call[[]rewards.BatchCard](c, ctx, change(http.MethodPost, "/v1/cards/printed", p))
}

// UnprintedCards implements rewards.Cards.
func (c *Client) UnprintedCards(ctx context.Context, batch string) ([]rewards.BatchCard, error) {
	rq := read("/v1/cards/unprinted", time.Time{})
	if batch != "" {
		rq.query = url.Values{"batch": {batch}}
	}
	return call[[]rewards.BatchCard](c, ctx, rq)
}

// PostReceipts implements rewards.Ledger: one batch (at most BatchMax
// receipts), each receipt's refusal in its slot.
func (c *Client) PostReceipts(ctx context.Context, rs []rewards.Receipt) ([]rewards.BatchReceipt, error) {
	if rs == nil {
		rs = []rewards.Receipt{}
	}
	items, err := call[[]json.RawMessage](c, ctx, change(http.MethodPost, "/v1/receipts/batch", rs))
	if err != nil {
		return nil, err
	}
	if len(items) != len(rs) {
		return nil, fmt.Errorf("api: a batch of %d receipts answered with %d answers", len(rs), len(items))
	}
	out := make([]rewards.BatchReceipt, len(items))
	for i, raw := range items {
		if e := decodeError(raw); e != nil {
			out[i].Err = e
			continue
		}
		if err := json.Unmarshal(raw, &out[i].ReceiptResult); err != nil {
			return nil, fmt.Errorf("api: decode the answer to receipt %d of a batch: %w", i, err)
		}
	}
	return out, nil
}

// PostReceipt implements rewards.Ledger.
func (c *Client) PostReceipt(ctx context.Context, r rewards.Receipt) (rewards.ReceiptResult, error) {
	return call[rewards.ReceiptResult](c, ctx, change(http.MethodPost, "/v1/receipts", r))
}

// QuoteReceipt implements rewards.Ledger.
func (c *Client) QuoteReceipt(ctx context.Context, r rewards.Receipt) (rewards.Quote, error) {
	rq := change(http.MethodPost, "/v1/receipts/quote", r)
	rq.change = false // a quote changes nothing
	return call[rewards.Quote](c, ctx, rq)
}

// PostReturn implements rewards.Ledger.
func (c *Client) PostReturn(ctx context.Context, r rewards.Return) (rewards.ReturnResult, error) {
	return call[rewards.ReturnResult](c, ctx, change(http.MethodPost, "/v1/returns", r))
}

// Balance implements rewards.Ledger.
func (c *Client) Balance(ctx context.Context, card string, t time.Time) (rewards.Balance, error) {
	return call[rewards.Balance](c, ctx, read("/v1/cards/"+seg(card)+"/balance", t))
}

// History implements rewards.Ledger.
func (c *Client) History(ctx context.Context, card string) ([]rewards.HistoryEntry, error) {
	return call[[]rewards.HistoryEntry](c, ctx, read("/v1/cards/"+seg(card)+"/history", time.Time{}))
}

// Check implements rewards.Ledger.
func (c *Client) Check(ctx context.Context) (rewards.CheckReport, error) {
	return call[rewards.CheckReport](c, ctx, read("/v1/check", time.Time{}))
}

// Redeem implements rewards.Vouchers.
func (c *Client) Redeem(ctx context.Context, r rewards.Redemption) (rewards.Voucher, error) {
	return call[rewards.Voucher](c, ctx, change(http.MethodPost, "/v1/redemptions", r))
}

// ClaimVoucher implements rewards.Vouchers.
func (c *Client) ClaimVoucher(ctx context.Context, v rewards.VoucherAction) (rewards.Voucher, error) {
	return callKeyed[rewards.Voucher](c, ctx, http.MethodPost, "/v1/vouchers/", v.Code, "/claim", &v)
}

// CancelVoucher implements rewards.Vouchers.
func (c *Client) CancelVoucher(ctx context.Context, v rewards.VoucherAction) (rewards.Voucher, error) {
	return callKeyed[rewards.Voucher](c, ctx, http.MethodPost, "/v1/vouchers/", v.Code, "/cancel", &v)
}

// Voucher implements rewards.Vouchers.
func (c *Client) Voucher(ctx context.Context, code string) (rewards.Voucher, error) {
	return call[rewards.Voucher](c, ctx, read("/v1/vouchers/"+seg(code), time.Time{}))
}

// AddReward implements rewards.Board.
func (c *Client) AddReward(ctx context.Context, r rewards.RewardAdd) (rewards.Reward, error) {
	return callKeyed[rewards.Reward](c, ctx, http.MethodPut, "/v1/board/items/", r.Reward.ID, "", &r)
}

// RemoveReward implements rewards.Board.
func (c *Client) RemoveReward(ctx context.Context, r rewards.RewardRemove) error {
	rq, err := c.keyed(http.MethodDelete, "/v1/board/items/", r.Reward, "", &r)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, rq)
	return err
}

// Rewards implements rewards.Board.
func (c *Client) Rewards(ctx context.Context, coop, store string) ([]rewards.Reward, error) {
	rq := read("/v1/board", time.Time{})
	rq.query = url.Values{}
	if coop != "" {
		rq.query.Set("coop", coop)
	}
	if store != "" {
		rq.query.Set("store", store)
	}
	return call[[]rewards.Reward](c, ctx, rq)
}

// Reward implements rewards.Board (GET /v1/board/items/{id}): a device
// reads an item of its cooperative's board.
func (c *Client) Reward(ctx context.Context, id string) (rewards.Reward, error) {
	return call[rewards.Reward](c, ctx, read("/v1/board/items/"+seg(id), time.Time{}))
}

// AddCoop implements rewards.Places.
func (c *Client) AddCoop(ctx context.Context, cmd rewards.CoopAdd) (rewards.Coop, error) {
	return callKeyed[rewards.Coop](c, ctx, http.MethodPut, "/v1/coops/", cmd.Coop.ID, "", &cmd)
}

// Coops implements rewards.Places.
func (c *Client) Coops(ctx context.Context) ([]rewards.Coop, error) {
	return call[[]rewards.Coop](c, ctx, read("/v1/coops", time.Time{}))
}

// AddStore implements rewards.Places.
func (c *Client) AddStore(ctx context.Context, cmd rewards.StoreAdd) (rewards.Store, error) {
	return callKeyed[rewards.Store](c, ctx, http.MethodPut, "/v1/stores/", cmd.Store.ID, "", &cmd)
}

// Stores implements rewards.Places.
func (c *Client) Stores(ctx context.Context) ([]rewards.Store, error) {
	return call[[]rewards.Store](c, ctx, read("/v1/stores", time.Time{}))
}

// Liability implements rewards.Reports.
func (c *Client) Liability(ctx context.Context, t time.Time, by string) (rewards.Liability, error) {
	rq := read("/v1/reports/liability", t)
	if by != "" {
		if rq.query == nil {
			rq.query = url.Values{}
		}
		rq.query.Set("by", by)
	}
	return call[rewards.Liability](c, ctx, rq)
}

// PutPicture implements rewards.Pictures: it sends the picture's bytes
// with the hash it names, which the server holds them to.
func (c *Client) PutPicture(ctx context.Context, p rewards.Picture) (rewards.Picture, error) {
	rq := request{method: http.MethodPut, path: "/v1/pictures", raw: p.Data, change: true}
	if rq.raw == nil {
		rq.raw = []byte{}
	}
	if p.Hash != "" {
		rq.query = url.Values{"sha256": {p.Hash}}
	}
	return call[rewards.Picture](c, ctx, rq)
}

// Picture implements rewards.Pictures: the bytes as stored, their type
// and size read from them.
func (c *Client) Picture(ctx context.Context, hash string) (rewards.Picture, error) {
	data, err := c.send(ctx, read("/v1/pictures/"+seg(hash), time.Time{}))
	if err != nil {
		return rewards.Picture{}, err
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return rewards.Picture{}, fmt.Errorf("api: picture %s: %w", hash, err)
	}
	return rewards.Picture{Hash: rewards.PictureHash(data), MediaType: "image/" + format, Width: cfg.Width, Height: cfg.Height, Data: data}, nil
}

// LoginStaff opens a staff session at the client's device (POST
// /v1/staff/login) for the member the login names by number or by staff
// card; WithStaffSession makes a client that acts in it. Wrong PINs count
// toward the member's lock-out whichever way it is named.
func (c *Client) LoginStaff(ctx context.Context, cmd rewards.StaffLogin) (rewards.NewStaffSession, error) {
	return call[rewards.NewStaffSession](c, ctx, change(http.MethodPost, "/v1/staff/login", cmd))
}

// SetStaffPIN gives a staff member a new PIN (POST
// /v1/staff/{number}/pin), in a manager's session or by a manager's
// machine of the member's place; the answer is the member, never the PIN.
func (c *Client) SetStaffPIN(ctx context.Context, cmd rewards.StaffPINSet) (rewards.StaffMember, error) {
	body := map[string]string{"pin": cmd.PIN}
	return call[rewards.StaffMember](c, ctx, change(http.MethodPost, "/v1/staff/"+seg(cmd.Number)+"/pin", body))
}
