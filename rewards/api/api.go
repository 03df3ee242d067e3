// Package api is Tochka's HTTP JSON API: the handlers that serve the
// rewards service interfaces to tills, kiosks and managers, and a Go client
// that implements the same interfaces over HTTP, so that whatever is
// written against the interfaces (the CLI, the kiosk) works on a local
// ledger or a remote one unchanged.
//
// Every route but GET /v1/openapi.json (the API's OpenAPI 3.1 document,
// docs/openapi.json) needs a device's bearer token, and answers what the rights
// table of package rewards lets the device do for the places the request
// concerns (auth.go): unauthenticated (401) or forbidden (403) otherwise.
// A change is recorded as the device's, and, made in a staff session
// (X-Staff-Session, staff.go), as the staff member's too.
//
// Request bodies are the JSON of the rewards command types; answers are
// the JSON that `tochkactl --json` prints for the same command. An error is
// answered as {"error":{"code":...,"key":...,"args":{...},"message":...}},
// its message in the language Accept-Language prefers, with the HTTP
// status its code maps to in one table (Status). Idempotency is the
// store's: the same id and body again answers the first result, another
// body under the same id a conflict.
//
// A path's card number, voucher code or id fills the body's field, and a
// body that names another is refused; "-" in a path stands for an empty
// card number, voucher code or picture hash, which the store refuses as
// it refuses one in a body. Each route has its body limit and takes the
// query parameters it names, and no others.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/tochka-loyalty/tochka/docs"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/picture"
	"github.com/tochka-loyalty/tochka/rewards"
)

// Service is what the API serves: the union of the rewards service
// interfaces its routes call.
type Service = rewards.Service

// Options are a handler's settings.
type Options struct {
	// Logger gets the internal errors, whose words the answers leave out;
	// nil: discarded.
	Logger *slog.Logger
	// Now is the time a read that names none (?at=) is answered at; nil:
	// time.Now.
	Now func() time.Time
	// Devices finds the device of each request's bearer token, at each
	// request (auth.go); nil: every request is refused as unauthenticated.
	Devices rewards.DeviceFinder
	// KioskCardLookups and KioskCardBurst limit how fast each kiosk's token
	// looks cards up (GET /v1/cards/{number} and below), per process; zero:
	// DefaultKioskCardLookups and DefaultKioskCardBurst; rate.Inf: no limit.
	KioskCardLookups rate.Limit
	KioskCardBurst   int
	// Staff checks staff logins and finds the staff sessions that
	// requests carry (X-Staff-Session, staff.go); nil: no staff session is
	// accepted, and the staff routes answer so.
	Staff rewards.Staff
	// OTP keeps the one-time codes; nil: the Service, when it does.
	// Sender sends them; nil: POST /v1/otp/start answers internal.
	// OTPStarts and OTPStartBurst limit each device's starts, per process;
	// zero: DefaultOTPStarts and DefaultOTPStartBurst (otp.go).
	OTP rewards.OTPs
	// Phones finds a phone's cards for staff sessions; nil: the Service,
	// when it does.
	Phones        rewards.PhoneCards
	Sender        CodeSender
	OTPStarts     rate.Limit
	OTPStartBurst int
	// Sync serves kiosks' sync: the change feed, snapshots, uploads and
	// their conflicts (sync.go, upload.go); nil: the Service, when it
	// does.
	Sync rewards.SyncSource
	// Metrics, when set, is served at GET /metrics to the devices the
	// rights table lets read it (a server's Prometheus metrics).
	Metrics http.Handler
}

// Body limits by route: over its limit a request is refused as too large.
const (
	CommandLimit = 1 << 20  // a command's JSON
	BatchLimit   = 16 << 20 // a batch of receipts
	PictureLimit = 12 << 20 // a picture's bytes
	// BatchMax is the most receipts one batch may hold: a till catching up
	// after an outage sends several.
	BatchMax = 500
)

// RouteOpenAPI serves the OpenAPI 3.1 document of the API (docs/openapi.json)
// to every caller, without a token: it is no row of the rights table.
const RouteOpenAPI = "GET /v1/openapi.json"

// handler serves the routes over one Service.
type handler struct {
	s       Service
	log     *slog.Logger
	now     func() time.Time
	devices rewards.DeviceFinder
	staff   rewards.Staff
	cards   *limiter // kiosks' card look-ups
	phones  rewards.PhoneCards
	sync    rewards.SyncSource

	otp       rewards.OTPs
	sender    CodeSender
	otpStarts *limiter // every device's code starts
}

// NewHandler returns the API's routes over s.
func NewHandler(s Service, opts Options) http.Handler {
	h := &handler{s: s, log: opts.Logger, now: opts.Now, devices: opts.Devices, staff: opts.Staff,
		cards: newLimiter(opts.KioskCardLookups, opts.KioskCardBurst, DefaultKioskCardLookups, DefaultKioskCardBurst, "api.rate_limited")}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	mux := http.NewServeMux()
	// route serves pattern by fn, to the devices the rights table lets
	// use it, and takes the query parameters named by params and no
	// others.
	// rawRoute does the same for a handler that writes its own answer.
	rawRoute := func(pattern string, fn http.HandlerFunc, params ...string) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			r, err := h.authorize(r, pattern)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			if err := knownParams(r, params); err != nil {
				h.fail(w, r, err)
				return
			}
			fn(w, r)
		})
	}
	route := func(pattern string, fn func(*http.Request) (any, error), params ...string) {
		rawRoute(pattern, func(w http.ResponseWriter, r *http.Request) {
			v, err := fn(r)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			h.answer(w, r, v)
		}, params...)
	}

	// Tills.
	if opts.Metrics != nil {
		// Prometheus's scrape is answered whatever its query says.
		mux.HandleFunc(rewards.RouteMetrics, func(w http.ResponseWriter, r *http.Request) {
			r, err := h.authorize(r, rewards.RouteMetrics)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			opts.Metrics.ServeHTTP(w, r)
		})
	}
	route(rewards.RouteReceiptPost, h.postReceipt)
	route(rewards.RouteReceiptBatch, h.postBatch)
	route(rewards.RouteReceiptQuote, h.quote)
	route(rewards.RouteReturnPost, h.postReturn)
	route(rewards.RouteVoucherClaim, h.voucherAction(h.s.ClaimVoucher))
	route(rewards.RouteVoucherCancel, h.voucherAction(h.s.CancelVoucher))
	route(rewards.RouteVoucherRead, h.voucher)

	// Cards.
	route(rewards.RouteCardIssue, h.issueCard)
	route(rewards.RouteCardRead, h.card, "at")
	route(rewards.RouteCardBalance, h.balance, "at")
	route(rewards.RouteCardHistory, func(r *http.Request) (any, error) {
		return h.s.History(r.Context(), pathKey(r, "number"))
	})
	route(rewards.RouteCardExport, h.export, "at")
	route(rewards.RouteCardRegister, h.registerCard)
	route(rewards.RouteCardBlock, cardAction(h.s.BlockCard))
	route(rewards.RouteCardMember, cardAction(h.s.MakeMember))
	route(rewards.RouteCardForget, cardAction(h.s.ForgetCard))
	route(rewards.RouteCardReplace, h.replaceCard)
	route(rewards.RouteCardLink, h.linkCard)
	route(rewards.RouteCardPrinted, h.recordPrint)
	route(rewards.RouteCardsUnprinted, func(r *http.Request) (any, error) {
		return nonNil(h.s.UnprintedCards(r.Context(), r.URL.Query().Get("batch")))
	}, "batch")

	// Redemption.
	route(rewards.RouteRedeem, h.redeem)

	// Phone and SMS code.
	h.otpRoutes(route, opts)
	h.phones = opts.Phones
	if h.phones == nil {
		h.phones, _ = h.s.(rewards.PhoneCards)
	}
	route(rewards.RouteCardsByPhone, h.cardsByPhone, "phone")

	// Kiosks' sync: pulls, uploads and their conflicts.
	h.sync = opts.Sync
	if h.sync == nil {
		h.sync, _ = h.s.(rewards.SyncSource)
	}
	h.uploadRoutes(route)

	// Board, stores, cooperatives and pictures.
	route(rewards.RouteBoardRead, h.board, "coop", "store")
	route(rewards.RouteRewardRead, h.rewardItem)
	route(rewards.RouteRewardPut, h.putReward)
	route(rewards.RouteRewardDelete, h.removeReward)
	route(rewards.RouteStoresRead, func(r *http.Request) (any, error) { return nonNil(h.s.Stores(r.Context())) })
	route(rewards.RouteCoopsRead, func(r *http.Request) (any, error) { return nonNil(h.s.Coops(r.Context())) })
	route(rewards.RouteStorePut, h.putStore)
	route(rewards.RouteCoopPut, h.putCoop)
	route(rewards.RoutePicturePut, h.putPicture, "sha256")
	rawRoute(rewards.RoutePictureRead, h.picture)

	// Program and operations.
	route(rewards.RouteProgramRead, func(r *http.Request) (any, error) { return h.s.Program(r.Context()) })
	route(rewards.RouteProgramPut, h.installProgram)
	route(rewards.RouteCheck, func(r *http.Request) (any, error) { return h.s.Check(r.Context()) })
	h.staffRoutes(route)
	h.syncRoutes(route, rawRoute)
	route(rewards.RouteLiability, func(r *http.Request) (any, error) {
		// Without at, the ledger's own now (zero): a moment read here,
		// before the ledger reads its clock, would be a moment past.
		var at time.Time
		if r.URL.Query().Get("at") != "" {
			var err error
			if at, err = h.at(r); err != nil {
				return nil, err
			}
		}
		by := r.URL.Query().Get("by")
		if by == "" {
			by = rewards.ByStore // as tochkactl report liability does
		}
		return h.s.Liability(r.Context(), at, by)
	}, "at", "by")

	// The API's own description, to anyone: no token, no rights.
	mux.HandleFunc(RouteOpenAPI, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(docs.OpenAPI)
	})

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, rewards.Fail(rewards.ENOTFOUND, "api.route_unknown", lang.Args{"method": r.Method, "path": r.URL.Path}))
	})
	return mux
}

// nonNil is a list as an answer: [] rather than null when it is empty.
func nonNil[T any](list []T, err error) ([]T, error) {
	if list == nil {
		list = []T{}
	}
	return list, err
}

// answer writes v as the request's JSON answer.
func (h *handler) answer(w http.ResponseWriter, r *http.Request, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(buf.Bytes())
}

// fail answers err in the envelope, with the status of its code, in the
// language the request prefers. An internal error's own words go to the
// log, not to the caller.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	body := wireError(err, Language(r.Header.Get("Accept-Language")))
	if body.Code == rewards.EINTERNAL {
		level := slog.LevelError
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			level = slog.LevelInfo // the caller went away
		}
		h.log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	data, _ := json.Marshal(envelope{Error: body})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	retryAfter(w, body)
	w.WriteHeader(Status(body.Code))
	w.Write(append(data, '\n'))
}

// readBody reads a request's body, at most limit bytes: more is refused
// as too large.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, rewards.Fail(rewards.EINVALID, "api.body_unreadable", lang.Args{"reason": err.Error()})
	}
	if int64(len(data)) > limit {
		return nil, rewards.Fail(rewards.ETOOLARGE, "api.body_too_large", lang.Args{"limit": limitText(limit)})
	}
	return data, nil
}

// limitText writes a body limit as a person reads it: "1 MiB".
func limitText(limit int64) string {
	if limit >= 1<<20 && limit%(1<<20) == 0 {
		return strconv.FormatInt(limit>>20, 10) + " MiB"
	}
	return strconv.FormatInt(limit, 10) + " B"
}

// decode reads the request's body, at most limit bytes, into v: one JSON
// value of what (the catalog's subject), unknown fields refused, each
// error naming what is wrong.
func decode(r *http.Request, limit int64, what string, v any) error {
	data, err := readBody(r, limit)
	if err != nil {
		return err
	}
	return rewards.DecodeJSON(data, what, v)
}

// decodeAction is decode for a command whose path names what it acts on:
// an empty body is the command with nothing but that.
func decodeAction(r *http.Request, what string, v any) error {
	data, err := readBody(r, CommandLimit)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	return rewards.DecodeJSON(data, what, v)
}

// knownParams refuses a query parameter the route does not take, naming
// it: a misspelt ?at= would otherwise answer for now, silently.
func knownParams(r *http.Request, params []string) error {
	for name := range r.URL.Query() {
		if !slices.Contains(params, name) {
			return rewards.Fail(rewards.EINVALID, "api.param_unknown", lang.Args{"param": name})
		}
	}
	return nil
}

// pathKey is the path's card number, voucher code or picture hash: "-",
// which none of them is, stands for an empty one, for the store to refuse
// as it refuses an empty value.
func pathKey(r *http.Request, name string) string {
	if v := r.PathValue(name); v != "-" {
		return v
	}
	return ""
}

// fromPath fills a command's field from the path's value, or refuses a
// body whose field names something else, naming the field.
func fromPath(field *string, name, path string) error {
	if *field == "" {
		*field = path
		return nil
	}
	if *field != path {
		return rewards.Fail(rewards.EINVALID, "api.path_mismatch", lang.Args{"field": name, "body": *field, "path": path})
	}
	return nil
}

// at is the time a read asks about: ?at= in RFC 3339, or now.
func (h *handler) at(r *http.Request) (time.Time, error) {
	s := r.URL.Query().Get("at")
	if s == "" {
		return h.now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, rewards.Fail(rewards.EINVALID, "api.at_bad", lang.Args{"got": s})
	}
	return t, nil
}

func (h *handler) postReceipt(r *http.Request) (any, error) {
	var rc rewards.Receipt
	if err := decode(r, CommandLimit, "receipt", &rc); err != nil {
		return nil, err
	}
	if err := h.mayStores(r, rc.Store); err != nil {
		return nil, err
	}
	return h.s.PostReceipt(r.Context(), rc)
}

func (h *handler) quote(r *http.Request) (any, error) {
	var rc rewards.Receipt
	if err := decode(r, CommandLimit, "receipt", &rc); err != nil {
		return nil, err
	}
	if err := h.mayStores(r, rc.Store); err != nil {
		return nil, err
	}
	return h.s.QuoteReceipt(r.Context(), rc)
}

// mayStores checks that the request's device may act in each of the
// stores.
func (h *handler) mayStores(r *http.Request, stores ...string) error {
	var ids []string
	for _, id := range stores {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	places, err := h.storePlaces(r.Context(), ids)
	if err != nil {
		return err
	}
	return may(r, places...)
}

func (h *handler) postReturn(r *http.Request) (any, error) {
	var rt rewards.Return
	if err := decode(r, CommandLimit, "return", &rt); err != nil {
		return nil, err
	}
	return h.s.PostReturn(r.Context(), rt)
}

// batchItem is one receipt's answer in a batch: what it did, or, when it
// was refused, its error in the envelope's shape.
type batchItem struct {
	*rewards.ReceiptResult
	Error *errorBody `json:"error,omitempty"`
}

func (h *handler) postBatch(r *http.Request) (any, error) {
	var rs []rewards.Receipt
	if err := decode(r, BatchLimit, "receipt batch", &rs); err != nil {
		return nil, err
	}
	if len(rs) > BatchMax {
		return nil, rewards.Fail(rewards.ETOOLARGE, "api.batch_too_many", lang.Args{"count": len(rs), "max": BatchMax})
	}
	stores := make([]string, len(rs))
	for i := range rs {
		stores[i] = rs[i].Store
	}
	// One receipt of a store the till may not post for refuses the
	// batch: a till that sends another store's receipts is misconfigured.
	if err := h.mayStores(r, stores...); err != nil {
		return nil, err
	}
	res, err := h.s.PostReceipts(r.Context(), rs)
	if err != nil {
		return nil, err
	}
	l := Language(r.Header.Get("Accept-Language"))
	out := make([]batchItem, len(res))
	for i := range res {
		if res[i].Err != nil {
			out[i].Error = wireError(res[i].Err, l)
			if out[i].Error.Code == rewards.EINTERNAL {
				h.log.Error("batch receipt failed", "path", r.URL.Path, "index", i, "err", res[i].Err)
			}
			continue
		}
		out[i].ReceiptResult = &res[i].ReceiptResult
	}
	return out, nil
}

// voucherAction serves a claim or a cancellation of the path's voucher.
func (h *handler) voucherAction(do func(context.Context, rewards.VoucherAction) (rewards.Voucher, error)) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		var c rewards.VoucherAction
		if err := decodeAction(r, "voucher action", &c); err != nil {
			return nil, err
		}
		if err := fromPath(&c.Code, "code", pathKey(r, "code")); err != nil {
			return nil, err
		}
		if err := h.mayVoucherCode(r, c.Code); err != nil {
			return nil, err
		}
		return do(r.Context(), c)
	}
}

// mayVoucherCode checks that the request's device may act on the voucher
// of the code (mayVoucher). An unknown or malformed code passes, for the
// route's call to answer so.
func (h *handler) mayVoucherCode(r *http.Request, code string) error {
	v, err := h.s.Voucher(r.Context(), code)
	if c := rewards.ErrorCode(err); c == rewards.EINTERNAL {
		return err
	} else if c != "" {
		return nil
	}
	return h.mayVoucher(r, v)
}

// mayVoucher checks that the request's device may act on the voucher: in
// the store it was made in.
func (h *handler) mayVoucher(r *http.Request, v rewards.Voucher) error {
	p, err := h.voucherPlace(r.Context(), v)
	if err != nil {
		return err
	}
	return may(r, p)
}

// voucher answers the path's voucher, read once for the answer and for
// the rights.
func (h *handler) voucher(r *http.Request) (any, error) {
	v, err := h.s.Voucher(r.Context(), pathKey(r, "code"))
	if err != nil {
		return nil, err
	}
	if err := h.mayVoucher(r, v); err != nil {
		return nil, err
	}
	return v, nil
}

// redeem makes a voucher. A store's device that names no store makes it
// in its own store. The redemption concerns that store and the reward's
// place: its store, or its cooperative as offered in the redemption's
// store.
func (h *handler) redeem(r *http.Request) (any, error) {
	var c rewards.Redemption
	if err := decode(r, CommandLimit, "redemption", &c); err != nil {
		return nil, err
	}
	if d := callerOf(r).device; c.Store == "" && d.Store != "" {
		c.Store = d.Store
	}
	places, err := h.redemptionPlaces(r.Context(), c)
	if err != nil {
		return nil, err
	}
	if err := may(r, places...); err != nil {
		return nil, err
	}
	return h.s.Redeem(r.Context(), c)
}

// redemptionPlaces are the places a redemption concerns: its store, and
// its reward's place (a shared reward as offered in that store).
func (h *handler) redemptionPlaces(ctx context.Context, c rewards.Redemption) ([]rewards.Place, error) {
	at, err := h.storePlace(ctx, c.Store)
	if err != nil {
		return nil, err
	}
	places := []rewards.Place{at}
	rw, err := h.reward(ctx, c.Reward)
	if err != nil {
		return nil, err
	}
	if rw != nil {
		p, err := h.rewardPlace(ctx, *rw)
		if err != nil {
			return nil, err
		}
		if rw.Store == "" && c.Store != "" {
			p.Store = c.Store // a shared reward, offered in the redemption's store
		}
		places = append(places, p)
	}
	return places, nil
}

// board lists the board of the store or cooperative the query names; the
// boards of every cooperative at once concern every place.
func (h *handler) board(r *http.Request) (any, error) {
	q := r.URL.Query()
	coop, store := q.Get("coop"), q.Get("store")
	var places []rewards.Place
	if store != "" {
		p, err := h.storePlace(r.Context(), store)
		if err != nil {
			return nil, err
		}
		places = append(places, p)
	}
	if coop != "" {
		places = append(places, rewards.Place{Coop: coop, Store: store})
	}
	if len(places) == 0 {
		places = append(places, rewards.Place{All: true})
	}
	// A board read reaches the device's cooperative: a store's device
	// reads its cooperative's board, whose shared rewards it offers.
	if err := may(r, places...); err != nil {
		return nil, err
	}
	return nonNil(h.s.Rewards(r.Context(), coop, store))
}

// rewardItem answers the board's item with the path's id, which
// concerns the place it is offered in (rewardPlace), as a board read of
// that place does.
func (h *handler) rewardItem(r *http.Request) (any, error) {
	rw, err := h.s.Reward(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := h.mayReward(r, rw); err != nil {
		return nil, err
	}
	return rw, nil
}

// mayReward checks that the request may touch the reward, where it is
// offered (rewardPlace).
func (h *handler) mayReward(r *http.Request, rw rewards.Reward) error {
	p, err := h.rewardPlace(r.Context(), rw)
	if err != nil {
		return err
	}
	return may(r, p)
}

// cardAction serves a block, a membership or a forgetting of the path's
// card.
func cardAction(do func(context.Context, rewards.CardAction) (rewards.Card, error)) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		var c rewards.CardAction
		if err := decodeAction(r, "card action", &c); err != nil {
			return nil, err
		}
		if err := fromPath(&c.Card, "card", pathKey(r, "number")); err != nil {
			return nil, err
		}
		return do(r.Context(), c)
	}
}

func (h *handler) issueCard(r *http.Request) (any, error) {
	var c rewards.CardIssue
	if err := decode(r, CommandLimit, "card issue", &c); err != nil {
		return nil, err
	}
	return h.s.IssueCard(r.Context(), c)
}

func (h *handler) recordPrint(r *http.Request) (any, error) {
	var p rewards.CardPrint
	if err := decode(r, CommandLimit, "card print", &p); err != nil {
		return nil, err
	}
	return nonNil(h.s.RecordPrint(r.Context(), p))
}

func (h *handler) registerCard(r *http.Request) (any, error) {
	var c rewards.CardRegister
	if err := decodeAction(r, "card register", &c); err != nil {
		return nil, err
	}
	if err := fromPath(&c.Card, "card", pathKey(r, "number")); err != nil {
		return nil, err
	}
	return h.s.RegisterCard(r.Context(), c)
}

func (h *handler) replaceCard(r *http.Request) (any, error) {
	var c rewards.CardReplace
	if err := decodeAction(r, "card replace", &c); err != nil {
		return nil, err
	}
	if err := fromPath(&c.Card, "card", pathKey(r, "number")); err != nil {
		return nil, err
	}
	return h.s.ReplaceCard(r.Context(), c)
}

func (h *handler) linkCard(r *http.Request) (any, error) {
	var c rewards.CardLink
	if err := decode(r, CommandLimit, "card link", &c); err != nil {
		return nil, err
	}
	if err := fromPath(&c.Card, "card", pathKey(r, "number")); err != nil {
		return nil, err
	}
	return h.s.LinkCard(r.Context(), c)
}

func (h *handler) card(r *http.Request) (any, error) {
	at, err := h.at(r)
	if err != nil {
		return nil, err
	}
	return h.s.Card(r.Context(), pathKey(r, "number"), at)
}

func (h *handler) balance(r *http.Request) (any, error) {
	at, err := h.at(r)
	if err != nil {
		return nil, err
	}
	return h.s.Balance(r.Context(), pathKey(r, "number"), at)
}

func (h *handler) export(r *http.Request) (any, error) {
	at, err := h.at(r)
	if err != nil {
		return nil, err
	}
	return h.s.ExportCard(r.Context(), pathKey(r, "number"), at)
}

func (h *handler) putReward(r *http.Request) (any, error) {
	var c rewards.RewardAdd
	if err := decode(r, CommandLimit, "reward add", &c); err != nil {
		return nil, err
	}
	if err := fromPath(&c.Reward.ID, "reward.id", r.PathValue("id")); err != nil {
		return nil, err
	}
	// The reward's place, and the place of the reward it replaces.
	p, err := h.rewardPlace(r.Context(), c.Reward)
	if err != nil {
		return nil, err
	}
	places := []rewards.Place{p}
	if old, err := h.reward(r.Context(), c.Reward.ID); err != nil {
		return nil, err
	} else if old != nil {
		if p, err = h.rewardPlace(r.Context(), *old); err != nil {
			return nil, err
		}
		places = append(places, p)
	}
	if err := may(r, places...); err != nil {
		return nil, err
	}
	return h.s.AddReward(r.Context(), c)
}

// removed is the answer to a removal from the board, as `tochkactl board
// remove --json` prints it.
type removed struct {
	ID      string `json:"id"`
	Removed bool   `json:"removed"`
}

func (h *handler) removeReward(r *http.Request) (any, error) {
	var c rewards.RewardRemove
	if err := decodeAction(r, "reward remove", &c); err != nil {
		return nil, err
	}
	if err := fromPath(&c.Reward, "reward", r.PathValue("id")); err != nil {
		return nil, err
	}
	if old, err := h.reward(r.Context(), c.Reward); err != nil {
		return nil, err
	} else if old != nil {
		if err := h.mayReward(r, *old); err != nil {
			return nil, err
		}
	}
	if err := h.s.RemoveReward(r.Context(), c); err != nil {
		return nil, err
	}
	return removed{ID: c.Reward, Removed: true}, nil
}

func (h *handler) putStore(r *http.Request) (any, error) {
	var c rewards.StoreAdd
	if err := decode(r, CommandLimit, "store add", &c); err != nil {
		return nil, err
	}
	if err := fromPath(&c.Store.ID, "store.id", r.PathValue("id")); err != nil {
		return nil, err
	}
	// The store in the cooperative it is put in, and, when it is
	// recorded, in the one it was in.
	places := []rewards.Place{{Store: c.Store.ID, Coop: c.Store.Coop}}
	if was, err := h.storePlace(r.Context(), c.Store.ID); err != nil {
		return nil, err
	} else if was.Coop != "" {
		places = append(places, was)
	}
	if err := may(r, places...); err != nil {
		return nil, err
	}
	return h.s.AddStore(r.Context(), c)
}

func (h *handler) putCoop(r *http.Request) (any, error) {
	var c rewards.CoopAdd
	if err := decode(r, CommandLimit, "coop add", &c); err != nil {
		return nil, err
	}
	if err := fromPath(&c.Coop.ID, "coop.id", r.PathValue("id")); err != nil {
		return nil, err
	}
	if err := may(r, rewards.Place{Coop: c.Coop.ID}); err != nil {
		return nil, err
	}
	return h.s.AddCoop(r.Context(), c)
}

// plainProgram is a program without its UnmarshalJSON, which decodes a
// stored program leniently: one that arrives has its unknown keys refused.
type plainProgram rewards.Program

func (h *handler) installProgram(r *http.Request) (any, error) {
	var body struct {
		rewards.Meta
		Program json.RawMessage `json:"program"`
	}
	if err := decode(r, CommandLimit, "program install", &body); err != nil {
		return nil, err
	}
	c := rewards.ProgramInstall{Meta: body.Meta}
	if len(body.Program) > 0 && string(body.Program) != "null" {
		p := plainProgram(rewards.DefaultProgram()) // keys left out have their defaults, as in a program file
		if err := rewards.DecodeJSON(body.Program, "program install", &p); err != nil {
			return nil, err
		}
		c.Program = (*rewards.Program)(&p)
		// A program that arrives is a new one, held to today's rules.
		if err := c.Program.ValidateNew(); err != nil {
			return nil, err
		}
	}
	return h.s.InstallProgram(r.Context(), c)
}

// putPicture stores the image bytes of the body as the board keeps them
// (validated, scaled and re-encoded by package picture) and answers the
// picture stored. With ?sha256= the body must be the bytes of that hash:
// a client that names what it sends is told when it sent something else.
func (h *handler) putPicture(r *http.Request) (any, error) {
	data, err := readBody(r, PictureLimit)
	if err != nil {
		return nil, err
	}
	if want := r.URL.Query().Get("sha256"); want != "" {
		if got := rewards.PictureHash(data); got != want {
			return nil, rewards.Fail(rewards.EINVALID, "picture.hash_mismatch", lang.Args{"hash": want, "sum": got})
		}
	}
	if len(data) > rewards.PictureMaxBytes {
		// The board's own limit, under the route's: too large as well.
		return nil, rewards.Fail(rewards.ETOOLARGE, "picture.file_too_large", lang.Args{"file": uploadName, "max": rewards.PictureMaxBytes >> 20})
	}
	p, err := picture.Normalize(uploadName, data)
	if err != nil {
		return nil, err
	}
	return h.s.PutPicture(r.Context(), p)
}

// uploadName is what a picture's errors call a picture sent to the API,
// which has no file name.
const uploadName = "(PUT /v1/pictures)"

// picture answers a stored picture's bytes. A picture is named by its
// content, so its answer never changes: cached for a year, immutable.
func (h *handler) picture(w http.ResponseWriter, r *http.Request) {
	p, err := h.s.Picture(r.Context(), pathKey(r, "sha256"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	etag := `"` + p.Hash + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", p.MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(p.Data)))
	w.Write(p.Data)
}
