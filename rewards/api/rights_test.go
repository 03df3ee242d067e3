package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// rightsWorld is a ledger with two cooperatives, c1 (stores a1, a2, a3)
// and c2 (store b1), devices of every role in store a1 and in cooperative
// c1, an admin, and the API over it through real HTTP.
type rightsWorld struct {
	t      *testing.T
	s      *sqlite.Store
	srv    *httptest.Server
	tokens map[string]string // device name → token
	n      int               // makes every request's ids fresh
}

// The devices of the walk, each named role@place.
var walkDevices = []rewards.Device{
	{Name: "pos@a1", Role: rewards.RolePOS, Store: "a1"},
	{Name: "pos@c1", Role: rewards.RolePOS, Coop: "c1"},
	{Name: "kiosk@a1", Role: rewards.RoleKiosk, Store: "a1"},
	{Name: "kiosk@c1", Role: rewards.RoleKiosk, Coop: "c1"},
	{Name: "manager@a1", Role: rewards.RoleManager, Store: "a1"},
	{Name: "manager@c1", Role: rewards.RoleManager, Coop: "c1"},
	{Name: "admin", Role: rewards.RoleAdmin, Coop: "c2"},
}

var walkNow = time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC)

func newRightsWorld(t *testing.T) *rightsWorld { return newRightsWorldOver(t, nil) }

// newRightsWorldOver is newRightsWorld with the API serving over(s), a
// service in front of the ledger, when over is not nil.
func newRightsWorldOver(t *testing.T, over func(s *sqlite.Store) api.Service) *rightsWorld {
	now := func() time.Time { return walkNow }
	s := openStore(t, now)
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: rewards.Meta{At: walkNow.Add(-10 * 24 * time.Hour)}, Program: rewardstest.Program(t, "coop")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"c1", "c2"} {
		if _, err := s.AddCoop(ctx, rewards.CoopAdd{Coop: rewards.Coop{ID: c, Names: rewards.Names{EN: c}}}); err != nil {
			t.Fatal(err)
		}
	}
	for st, c := range map[string]string{"a1": "c1", "a2": "c1", "a3": "c1", "b1": "c2"} {
		if _, err := s.AddStore(ctx, rewards.StoreAdd{Store: rewards.Store{ID: st, Coop: c, Names: rewards.Names{EN: st}}}); err != nil {
			t.Fatal(err)
		}
	}
	w := &rightsWorld{t: t, s: s, tokens: map[string]string{}}
	for _, d := range walkDevices {
		nd, err := s.AddDevice(ctx, rewards.DeviceAdd{Device: d})
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[d.Name] = nd.Token
	}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tochka_up 1\n") })
	var served api.Service = s
	if over != nil {
		served = over(s)
	}
	w.srv = httptest.NewServer(newHandler(t, served, api.Options{Now: now, Devices: s, Staff: s, Metrics: metrics, KioskCardLookups: rate.Inf, Sender: discardSender{}}))
	t.Cleanup(w.srv.Close)
	return w
}

// fresh is a new id with the prefix.
func (w *rightsWorld) fresh(prefix string) string {
	w.n++
	return fmt.Sprintf("%s%d", prefix, w.n)
}

// card issues a handed card with points to spend.
func (w *rightsWorld) card() string {
	w.t.Helper()
	c, err := w.s.IssueCard(ctx, rewards.CardIssue{Meta: rewards.Meta{At: walkNow.Add(-5 * 24 * time.Hour)}, Handed: true})
	if err != nil {
		w.t.Fatal(err)
	}
	w.receipt(c.Number, "a1")
	return c.Number
}

// receipt posts a receipt of the store on the card, worth 200 points.
func (w *rightsWorld) receipt(card, store string) string {
	w.t.Helper()
	id := w.fresh("R")
	if _, err := w.s.PostReceipt(ctx, w.receiptOf(id, card, store)); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *rightsWorld) receiptOf(id, card, store string) rewards.Receipt {
	return rewards.Receipt{ID: id, Store: store, Card: card, Time: walkNow.Add(-24 * time.Hour),
		Lines: []rewards.Line{{SKU: "bread", Qty: 1, Amount: 10000}}}
}

// reward puts a reward of the cooperative, narrowed to the store when one
// is named, on the board.
func (w *rightsWorld) reward(coop, store string) string {
	w.t.Helper()
	rw := w.rewardOf(w.fresh("rw"), coop, store)
	if _, err := w.s.AddReward(ctx, rewards.RewardAdd{Reward: rw}); err != nil {
		w.t.Fatal(err)
	}
	return rw.ID
}

func (w *rightsWorld) rewardOf(id, coop, store string) rewards.Reward {
	return rewards.Reward{ID: id, Names: rewards.Names{EN: "Cup " + id}, Points: 10, Coop: coop, Store: store}
}

// voucher makes an open voucher in the store.
func (w *rightsWorld) voucher(store string) string {
	w.t.Helper()
	coop := "c1"
	if store == "b1" {
		coop = "c2"
	}
	v, err := w.s.Redeem(ctx, rewards.Redemption{Card: w.card(), Reward: w.reward(coop, ""), Store: store})
	if err != nil {
		w.t.Fatal(err)
	}
	return v.Code
}

// conflict records a conflict: kiosk@a1's upload of an event of a kind no
// kiosk uploads.
func (w *rightsWorld) conflict() int64 {
	w.t.Helper()
	id := w.fresh("k")
	e := rewards.SyncEvent{Event: rewards.Event{ID: rewards.EventID(rewards.EventReceipt, id), Kind: rewards.EventReceipt, At: walkNow, Body: []byte(`{"id":"` + id + `"}`)}}
	res, err := w.s.Upload(ctx, walkDevices[2], []rewards.SyncEvent{e}, nil)
	if err != nil || len(res) != 1 || res[0].Conflict == 0 {
		w.t.Fatalf("upload: %+v %v", res, err)
	}
	return res[0].Conflict
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// call makes a request as the device (a token, "" for none) and returns
// the status and the answer.
func (w *rightsWorld) call(token, method, path string, body []byte) (int, []byte) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// request is one request of a walk's case, made fresh for each device so
// that each one that is allowed succeeds.
type request struct {
	method, path string
	body         string
	raw          []byte
}

// walkCase is a route used for a place: the request each device makes,
// and the devices that the rights table lets make it.
type walkCase struct {
	route   string
	place   string // what the request concerns, for the failure's words
	make    func(w *rightsWorld) request
	allowed []string
}

var (
	all        = []string{"pos@a1", "pos@c1", "kiosk@a1", "kiosk@c1", "manager@a1", "manager@c1", "admin"}
	onlyAdmin  = []string{"admin"}
	managers   = []string{"manager@a1", "manager@c1", "admin"}
	notTills   = []string{"kiosk@a1", "kiosk@c1", "manager@a1", "manager@c1", "admin"}
	coopTill   = []string{"pos@c1", "admin"}
	coopMgr    = []string{"manager@c1", "admin"}
	coopKiosks = []string{"kiosk@c1", "manager@c1", "admin"}
	kiosks     = []string{"kiosk@a1", "kiosk@c1", "admin"}
)

func walkCases(t *testing.T) []walkCase {
	receiptIn := func(store string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			return request{method: "POST", path: "/v1/receipts", body: jsonOf(t, w.receiptOf(w.fresh("R"), w.card(), store))}
		}
	}
	batchIn := func(store string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			return request{method: "POST", path: "/v1/receipts/batch", body: jsonOf(t, []rewards.Receipt{w.receiptOf(w.fresh("R"), w.card(), store)})}
		}
	}
	quoteIn := func(store string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			return request{method: "POST", path: "/v1/receipts/quote", body: jsonOf(t, w.receiptOf(w.fresh("Q"), w.card(), store))}
		}
	}
	voucherIn := func(store, action string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			code := w.voucher(store)
			if action == "" {
				return request{method: "GET", path: "/v1/vouchers/" + code}
			}
			return request{method: "POST", path: "/v1/vouchers/" + code + "/" + action}
		}
	}
	cardRoute := func(method, action, body string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			return request{method: method, path: "/v1/cards/" + w.card() + action, body: body}
		}
	}
	redeemIn := func(store, rewardCoop, rewardStore string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			return request{method: "POST", path: "/v1/redemptions", body: jsonOf(t, rewards.Redemption{
				Meta: rewards.Meta{ID: w.fresh("red")}, Card: w.card(), Reward: w.reward(rewardCoop, rewardStore), Store: store})}
		}
	}
	putReward := func(coop, store string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			id := w.fresh("rw")
			return request{method: "PUT", path: "/v1/board/items/" + id, body: jsonOf(t, rewards.RewardAdd{Reward: w.rewardOf(id, coop, store)})}
		}
	}
	moveReward := func(fromStore, toStore string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			id := w.reward("c1", fromStore)
			return request{method: "PUT", path: "/v1/board/items/" + id, body: jsonOf(t, rewards.RewardAdd{Reward: w.rewardOf(id, "c1", toStore)})}
		}
	}
	readReward := func(coop, store string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			return request{method: "GET", path: "/v1/board/items/" + w.reward(coop, store)}
		}
	}
	deleteReward := func(coop, store string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			return request{method: "DELETE", path: "/v1/board/items/" + w.reward(coop, store)}
		}
	}
	get := func(path string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request { return request{method: "GET", path: path} }
	}
	putStore := func(id, coop string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			if id == "" {
				id := w.fresh("new")
				return request{method: "PUT", path: "/v1/stores/" + id, body: jsonOf(t, rewards.StoreAdd{Store: rewards.Store{ID: id, Coop: coop, Names: rewards.Names{EN: id}}})}
			}
			return request{method: "PUT", path: "/v1/stores/" + id, body: jsonOf(t, rewards.StoreAdd{Store: rewards.Store{ID: id, Coop: coop, Names: rewards.Names{EN: w.fresh("name")}}})}
		}
	}
	putCoop := func(id string) func(w *rightsWorld) request {
		return func(w *rightsWorld) request {
			if id == "" {
				id = w.fresh("coop")
			}
			return request{method: "PUT", path: "/v1/coops/" + id, body: jsonOf(t, rewards.CoopAdd{Coop: rewards.Coop{ID: id, Names: rewards.Names{EN: w.fresh("name")}}})}
		}
	}
	picture := func() []byte {
		img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
		img.Set(1, 1, color.NRGBA{200, 10, 10, 255})
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}()
	program := jsonOf(t, rewards.ProgramInstall{Program: rewardstest.Program(t, "coop")})

	return []walkCase{
		{rewards.RouteReceiptPost, "own store", receiptIn("a1"), []string{"pos@a1", "pos@c1", "admin"}},
		{rewards.RouteReceiptPost, "another store of the cooperative", receiptIn("a2"), coopTill},
		{rewards.RouteReceiptPost, "a store of another cooperative", receiptIn("b1"), onlyAdmin},
		{rewards.RouteReceiptPost, "an unrecorded store", receiptIn("x9"), onlyAdmin},
		{rewards.RouteReceiptBatch, "own store", batchIn("a1"), []string{"pos@a1", "pos@c1", "admin"}},
		{rewards.RouteReceiptBatch, "another store of the cooperative", batchIn("a2"), coopTill},
		{rewards.RouteReceiptBatch, "a store of another cooperative", batchIn("b1"), onlyAdmin},
		{rewards.RouteReceiptQuote, "own store", quoteIn("a1"), []string{"pos@a1", "pos@c1", "manager@a1", "manager@c1", "admin"}},
		{rewards.RouteReceiptQuote, "another store of the cooperative", quoteIn("a2"), []string{"pos@c1", "manager@c1", "admin"}},
		{rewards.RouteReceiptQuote, "a store of another cooperative", quoteIn("b1"), onlyAdmin},
		{rewards.RouteReturnPost, "no place", func(w *rightsWorld) request {
			id := w.receipt(w.card(), "b1")
			return request{method: "POST", path: "/v1/returns", body: jsonOf(t, rewards.Return{ID: w.fresh("ret"), Receipt: id, Time: walkNow,
				Lines: []rewards.ReturnLine{{SKU: "bread", Qty: 1}}})}
		}, []string{"pos@a1", "pos@c1", "admin"}},
		{rewards.RouteVoucherClaim, "own store", voucherIn("a1", "claim"), []string{"pos@a1", "pos@c1", "admin"}},
		{rewards.RouteVoucherClaim, "another store of the cooperative", voucherIn("a2", "claim"), coopTill},
		{rewards.RouteVoucherClaim, "a store of another cooperative", voucherIn("b1", "claim"), onlyAdmin},
		{rewards.RouteVoucherCancel, "own store", voucherIn("a1", "cancel"), notTills},
		{rewards.RouteVoucherCancel, "another store of the cooperative", voucherIn("a2", "cancel"), coopKiosks},
		{rewards.RouteVoucherCancel, "a store of another cooperative", voucherIn("b1", "cancel"), onlyAdmin},
		{rewards.RouteVoucherRead, "own store", voucherIn("a1", ""), all},
		{rewards.RouteVoucherRead, "another store of the cooperative", voucherIn("a2", ""), all},
		{rewards.RouteVoucherRead, "a store of another cooperative", voucherIn("b1", ""), onlyAdmin},

		{rewards.RouteCardIssue, "no place", func(w *rightsWorld) request {
			return request{method: "POST", path: "/v1/cards", body: `{"handed":true}`}
		}, notTills},
		{rewards.RouteCardRead, "no place", cardRoute("GET", "", ""), all},
		{rewards.RouteCardBalance, "no place", cardRoute("GET", "/balance", ""), all},
		{rewards.RouteCardHistory, "no place", cardRoute("GET", "/history", ""), notTills},
		{rewards.RouteCardExport, "no place", cardRoute("GET", "/export", ""), managers},
		{rewards.RouteCardRegister, "no place", func(w *rightsWorld) request {
			c, err := w.s.IssueCard(ctx, rewards.CardIssue{})
			if err != nil {
				t.Fatal(err)
			}
			return request{method: "POST", path: "/v1/cards/" + c.Number + "/register", body: `{}`}
		}, notTills},
		{rewards.RouteCardBlock, "no place", cardRoute("POST", "/block", ""), managers},
		{rewards.RouteCardMember, "no place", cardRoute("POST", "/member", ""), managers},
		{rewards.RouteCardForget, "no place", cardRoute("POST", "/forget", ""), managers},
		{rewards.RouteCardReplace, "no place", cardRoute("POST", "/replace", ""), managers},
		{rewards.RouteCardLink, "no place", func(w *rightsWorld) request {
			return request{method: "POST", path: "/v1/cards/" + w.card() + "/link", body: `{"holder":"` + w.card() + `"}`}
		}, managers},
		{rewards.RouteCardPrinted, "no place", func(w *rightsWorld) request {
			return request{method: "POST", path: "/v1/cards/printed", body: `{"job":"CARDS-12","cards":["` + w.card() + `"]}`}
		}, notTills},
		{rewards.RouteCardsUnprinted, "no place", get("/v1/cards/unprinted"), managers},

		{rewards.RouteRedeem, "own store, a shared reward of the cooperative", redeemIn("a1", "c1", ""), []string{"kiosk@a1", "kiosk@c1", "admin"}},
		{rewards.RouteRedeem, "own store, its own reward", redeemIn("a1", "c1", "a1"), []string{"kiosk@a1", "kiosk@c1", "admin"}},
		{rewards.RouteRedeem, "another store of the cooperative", redeemIn("a2", "c1", ""), []string{"kiosk@c1", "admin"}},
		{rewards.RouteRedeem, "another store's reward, in no store", redeemIn("", "c1", "a2"), []string{"kiosk@c1", "admin"}},
		{rewards.RouteRedeem, "a store of another cooperative", redeemIn("b1", "c2", ""), onlyAdmin},

		{rewards.RouteBoardRead, "own store", get("/v1/board?store=a1"), all},
		{rewards.RouteBoardRead, "another store of the cooperative", get("/v1/board?store=a2"), all},
		{rewards.RouteBoardRead, "own cooperative", get("/v1/board?coop=c1"), all},
		{rewards.RouteBoardRead, "a store of another cooperative", get("/v1/board?store=b1"), onlyAdmin},
		{rewards.RouteBoardRead, "another cooperative", get("/v1/board?coop=c2"), onlyAdmin},
		{rewards.RouteBoardRead, "every place", get("/v1/board"), onlyAdmin},
		{rewards.RouteRewardRead, "own store", readReward("c1", "a1"), all},
		{rewards.RouteRewardRead, "another store of the cooperative", readReward("c1", "a2"), all},
		{rewards.RouteRewardRead, "the cooperative's shared rewards", readReward("c1", ""), all},
		{rewards.RouteRewardRead, "another cooperative", readReward("c2", ""), onlyAdmin},
		{rewards.RouteRewardRead, "a store of another cooperative", readReward("c2", "b1"), onlyAdmin},
		{rewards.RouteRewardPut, "own store", putReward("c1", "a1"), managers},
		{rewards.RouteRewardPut, "another store of the cooperative", putReward("c1", "a2"), coopMgr},
		{rewards.RouteRewardPut, "the cooperative's shared rewards", putReward("c1", ""), coopMgr},
		{rewards.RouteRewardPut, "another cooperative", putReward("c2", ""), onlyAdmin},
		{rewards.RouteRewardPut, "a store of another cooperative", putReward("c2", "b1"), onlyAdmin},
		{rewards.RouteRewardPut, "another store's reward moved to own store", moveReward("a2", "a1"), coopMgr},
		{rewards.RouteRewardDelete, "own store", deleteReward("c1", "a1"), managers},
		{rewards.RouteRewardDelete, "another store of the cooperative", deleteReward("c1", "a2"), coopMgr},
		{rewards.RouteRewardDelete, "the cooperative's shared rewards", deleteReward("c1", ""), coopMgr},
		{rewards.RouteRewardDelete, "another cooperative", deleteReward("c2", ""), onlyAdmin},
		{rewards.RouteStoresRead, "no place", get("/v1/stores"), all},
		{rewards.RouteCoopsRead, "no place", get("/v1/coops"), all},
		{rewards.RouteStorePut, "own store", putStore("a1", "c1"), managers},
		{rewards.RouteStorePut, "another store of the cooperative", putStore("a2", "c1"), coopMgr},
		{rewards.RouteStorePut, "a new store of the cooperative", putStore("", "c1"), coopMgr},
		{rewards.RouteStorePut, "a store of another cooperative", putStore("b1", "c2"), onlyAdmin},
		{rewards.RouteStorePut, "a store of the cooperative moved to another", putStore("a3", "c2"), onlyAdmin},
		{rewards.RouteCoopPut, "own cooperative", putCoop("c1"), coopMgr},
		{rewards.RouteCoopPut, "another cooperative", putCoop("c2"), onlyAdmin},
		{rewards.RouteCoopPut, "a new cooperative", putCoop(""), onlyAdmin},
		{rewards.RoutePicturePut, "no place", func(w *rightsWorld) request {
			return request{method: "PUT", path: "/v1/pictures", raw: picture}
		}, managers},
		{rewards.RoutePictureRead, "no place", func(w *rightsWorld) request {
			p, err := w.s.PutPicture(ctx, rewards.Picture{Hash: rewards.PictureHash(picture), Data: picture, MediaType: rewards.MediaPNG, Width: 4, Height: 3})
			if err != nil {
				t.Fatal(err)
			}
			return request{method: "GET", path: "/v1/pictures/" + p.Hash}
		}, all},
		{rewards.RouteProgramRead, "no place", get("/v1/program"), all},
		{rewards.RouteProgramPut, "no place", func(w *rightsWorld) request {
			return request{method: "PUT", path: "/v1/program", body: program}
		}, onlyAdmin},
		{rewards.RouteCheck, "no place", get("/v1/check"), managers},
		{rewards.RouteLiability, "no place", get("/v1/reports/liability?by=store"), managers},
		{rewards.RouteMetrics, "no place", get("/metrics"), managers},
		{rewards.RouteOTPStart, "no place", otpStartRequest, all},
		{rewards.RouteOTPVerify, "no place", otpVerifyRequest(t), all},
		{rewards.RouteStaffLogin, "no place", staffLogin, []string{"kiosk@a1", "kiosk@c1", "manager@a1", "manager@c1", "admin"}},
		{rewards.RouteStaffAdd, "own store", staffAdd("a1", ""), managers},
		{rewards.RouteStaffAdd, "another store of the cooperative", staffAdd("a2", ""), coopMgr},
		{rewards.RouteStaffAdd, "own cooperative", staffAdd("", "c1"), coopMgr},
		{rewards.RouteStaffAdd, "a store of another cooperative", staffAdd("b1", ""), onlyAdmin},
		{rewards.RouteStaffPIN, "own store", staffPIN("a1", ""), managers},
		{rewards.RouteStaffPIN, "another store of the cooperative", staffPIN("a2", ""), coopMgr},
		{rewards.RouteStaffPIN, "own cooperative", staffPIN("", "c1"), coopMgr},
		{rewards.RouteStaffPIN, "a store of another cooperative", staffPIN("b1", ""), onlyAdmin},
		{rewards.RouteAudit, "no place", get("/v1/audit"), managers},
		{rewards.RouteCardsByPhone, "no place", get("/v1/cards?phone=0888123456"), onlyAdmin},
		{rewards.RouteSyncChanges, "own place", get("/v1/sync/changes?limit=5"), []string{"kiosk@a1", "kiosk@c1", "admin"}},
		{rewards.RouteSyncSnapshot, "own place", get("/v1/sync/snapshot"), []string{"kiosk@a1", "kiosk@c1", "admin"}},
		{rewards.RouteSyncAccounts, "no place", func(w *rightsWorld) request {
			return request{method: "GET", path: "/v1/sync/accounts?card=" + w.card()}
		}, []string{"kiosk@a1", "kiosk@c1", "admin"}},
		{rewards.RouteSyncEvents, "no place", func(w *rightsWorld) request {
			return request{method: "POST", path: "/v1/sync/events", body: `{"events":[]}`}
		}, kiosks},
		{rewards.RouteSyncNumbers, "no place", func(w *rightsWorld) request {
			return request{method: "POST", path: "/v1/sync/numbers", body: `{"count":2}`}
		}, kiosks},
		{rewards.RouteConflicts, "no place", get("/v1/conflicts?all=1"), managers},
		{rewards.RouteConflictResolve, "no place", func(w *rightsWorld) request {
			return request{method: "POST", path: fmt.Sprintf("/v1/conflicts/%d/resolve", w.conflict()), body: `{"note":"checked"}`}
		}, managers},
	}
}

// Every cell of the rights table, through real HTTP over a SQLite ledger:
// each route, for each place it can concern (the device's own store, another
// store of its cooperative, its cooperative, another cooperative, no place,
// every place), made by a device of each role in a store and in a
// cooperative, answers 2xx where the table allows it and 403 forbidden,
// naming what is not allowed, where it does not.
func TestRightsWalk(t *testing.T) {
	w := newRightsWorld(t)
	walked := map[string]bool{}
	for _, c := range walkCases(t) {
		walked[c.route] = true
		for _, d := range walkDevices {
			rq := c.make(w)
			body := rq.raw
			if body == nil && rq.body != "" {
				body = []byte(rq.body)
			}
			code, answer := w.call(w.tokens[d.Name], rq.method, rq.path, body)
			want := slices.Contains(c.allowed, d.Name)
			switch {
			case want && code/100 != 2:
				t.Errorf("%s (%s) by %s: %d %s, want 2xx", c.route, c.place, d.Name, code, answer)
			case !want && code != http.StatusForbidden:
				t.Errorf("%s (%s) by %s: %d %s, want 403", c.route, c.place, d.Name, code, answer)
			case !want:
				var env struct{ Error struct{ Code, Key string } }
				if json.Unmarshal(answer, &env) != nil || env.Error.Code != rewards.EFORBIDDEN || !strings.HasPrefix(env.Error.Key, "rights.") {
					t.Errorf("%s (%s) by %s: refused with %s", c.route, c.place, d.Name, answer)
				}
			}
		}
	}
	for route, cells := range rewards.Rights {
		if !walked[route] {
			t.Errorf("route %s of the rights table is not walked", route)
		}
		if cells[rewards.RoleAdmin] != rewards.Anywhere {
			t.Errorf("route %s: the admin does not reach everywhere", route)
		}
		for role := range cells {
			if !slices.Contains(rewards.DeviceRoles, role) && role != rewards.SessionStaff && role != rewards.SessionManager {
				t.Errorf("route %s: a cell for the unknown role %q", route, role)
			}
		}
	}
	for route := range walked {
		if _, ok := rewards.Rights[route]; !ok {
			t.Errorf("route %s is walked but not in the rights table", route)
		}
	}
}

// A request without a token, with a malformed header, with a token no
// device has, or with a revoked device's token (revoked in the same ledger,
// refused on the very next request) is unauthenticated, in the reader's
// language.
func TestUnauthenticated(t *testing.T) {
	w := newRightsWorld(t)
	till := w.tokens["pos@a1"]
	if code, body := w.call(till, "GET", "/v1/program", nil); code != 200 {
		t.Fatalf("the till's token: %d %s", code, body)
	}
	for _, tc := range []struct{ name, header, key string }{
		{"no token", "", "auth.missing"},
		{"not bearer", "Basic " + till, "auth.malformed"},
		{"bearer without a token", "Bearer ", "auth.malformed"},
		{"a wrong token", "Bearer " + rewards.NewToken(), "auth.unknown"},
		{"the hash of a token", "Bearer " + rewards.TokenHash(till), "auth.unknown"},
	} {
		req, _ := http.NewRequest("GET", w.srv.URL+"/v1/program", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		req.Header.Set("Accept-Language", "bg")
		resp, err := w.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Error struct{ Code, Key, Message string }
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 401 || env.Error.Code != rewards.EUNAUTHENTICATED || env.Error.Key != tc.key ||
			!strings.ContainsAny(env.Error.Message, "абвгдежзийклмнопрстуфхцчшщъьюя") {
			t.Errorf("%s: %d %+v %v", tc.name, resp.StatusCode, env, err)
		}
	}
	if _, err := w.s.RevokeDevice(ctx, rewards.DeviceRevoke{Name: "pos@a1"}); err != nil {
		t.Fatal(err)
	}
	code, body := w.call(till, "GET", "/v1/program", nil)
	if code != 401 || !strings.Contains(string(body), `"auth.revoked"`) {
		t.Fatalf("the revoked till's next request: %d %s", code, body)
	}
	// Through the client, the domain's code.
	c := api.NewClient(w.srv.URL, w.srv.Client(), api.WithToken(till))
	if _, err := c.Program(ctx); rewards.ErrorCode(err) != rewards.EUNAUTHENTICATED {
		t.Fatalf("the revoked till through the client: %v", err)
	}
	if _, err := api.NewClient(w.srv.URL, w.srv.Client(), api.WithToken(w.tokens["kiosk@a1"])).PostReceipt(ctx, w.receiptOf("K1", w.card(), "a1")); rewards.ErrorCode(err) != rewards.EFORBIDDEN {
		t.Fatalf("a kiosk posts a receipt through the client: %v", err)
	}
	// A handler with no devices to find tokens in serves nobody.
	srv := httptest.NewServer(newHandler(w.t, w.s, api.Options{}))
	defer srv.Close()
	if _, err := api.NewClient(srv.URL, srv.Client(), api.WithToken(w.tokens["admin"])).Program(ctx); rewards.ErrorCode(err) != rewards.EUNAUTHENTICATED {
		t.Fatalf("a handler without devices: %v", err)
	}
}

// No token and no token's hash is in any event's body, after devices were
// added and used; a change made through the API is recorded as its
// device's.
func TestTokensNotInTheLog(t *testing.T) {
	w := newRightsWorld(t)
	for _, c := range walkCases(t)[:3] {
		rq := c.make(w)
		w.call(w.tokens["admin"], rq.method, rq.path, []byte(rq.body))
	}
	events, err := w.s.Events(ctx, 0, 100000)
	if err != nil || len(events) == 0 {
		t.Fatalf("events: %d %v", len(events), err)
	}
	// What the admin posted through the API is recorded as the admin's.
	if last := events[len(events)-1]; last.Kind != rewards.EventReceipt || last.Device != "admin" {
		t.Errorf("the last event, a receipt posted by the admin: %s by %s", last.Kind, last.Device)
	}
	for _, e := range events {
		for name, token := range w.tokens {
			for _, secret := range []string{token, rewards.TokenHash(token), strings.TrimPrefix(token, rewards.TokenPrefix)} {
				if bytes.Contains(e.Body, []byte(secret)) {
					t.Fatalf("event %s %s holds the token of %s: %s", e.Kind, e.ID, name, e.Body)
				}
			}
		}
	}
}
