package rewards

import (
	"github.com/tochka-loyalty/tochka/lang"
)

// Place is where a request is made or what it concerns: a store of a
// cooperative (Coop is the store's cooperative when the store records know
// it), a cooperative as a whole (Store empty), nowhere in particular (both
// empty: a card, the program), or, with All, every place at once (the
// whole board, unfiltered).
type Place struct {
	Store string `json:"store,omitempty"`
	Coop  string `json:"coop,omitempty"`
	All   bool   `json:"all,omitempty"`
}

// Reach is how far from its own place a role may act on a route: a cell
// of the rights table.
type Reach int

const (
	// Nowhere: the role may not use the route at all.
	Nowhere Reach = iota
	// OwnPlace: in the device's own place: a store's device in its store
	// only; a cooperative's device in the cooperative as a whole and in
	// each of its stores.
	OwnPlace
	// OwnCoop: anywhere in the device's cooperative, in any of its stores.
	OwnCoop
	// Anywhere: in every store and cooperative, and in all at once.
	Anywhere
)

// Routes of the central API, as its handlers are registered: the rows of
// the rights table.
const (
	RouteReceiptPost   = "POST /v1/receipts"
	RouteReceiptBatch  = "POST /v1/receipts/batch"
	RouteReceiptQuote  = "POST /v1/receipts/quote"
	RouteReturnPost    = "POST /v1/returns"
	RouteVoucherClaim  = "POST /v1/vouchers/{code}/claim"
	RouteVoucherCancel = "POST /v1/vouchers/{code}/cancel"
	RouteVoucherRead   = "GET /v1/vouchers/{code}"

	RouteCardIssue    = "POST /v1/cards"
	RouteCardRead     = "GET /v1/cards/{number}"
	RouteCardBalance  = "GET /v1/cards/{number}/balance"
	RouteCardHistory  = "GET /v1/cards/{number}/history"
	RouteCardExport   = "GET /v1/cards/{number}/export"
	RouteCardRegister = "POST /v1/cards/{number}/register"
	RouteCardBlock    = "POST /v1/cards/{number}/block"
	RouteCardMember   = "POST /v1/cards/{number}/member"
	RouteCardForget   = "POST /v1/cards/{number}/forget"
	RouteCardReplace  = "POST /v1/cards/{number}/replace"
	RouteCardLink     = "POST /v1/cards/{number}/link"
	// RouteCardPrinted records a print job's cards (rewards.CardPrint);
	// RouteCardsUnprinted lists the batch cards no print job has printed.
	RouteCardPrinted    = "POST /v1/cards/printed"
	RouteCardsUnprinted = "GET /v1/cards/unprinted"

	RouteRedeem = "POST /v1/redemptions"

	RouteOTPStart  = "POST /v1/otp/start"
	RouteOTPVerify = "POST /v1/otp/verify"

	RouteBoardRead    = "GET /v1/board"
	RouteRewardRead   = "GET /v1/board/items/{id}"
	RouteRewardPut    = "PUT /v1/board/items/{id}"
	RouteRewardDelete = "DELETE /v1/board/items/{id}"
	RouteStoresRead   = "GET /v1/stores"
	RouteCoopsRead    = "GET /v1/coops"
	RouteStorePut     = "PUT /v1/stores/{id}"
	RouteCoopPut      = "PUT /v1/coops/{id}"
	RoutePicturePut   = "PUT /v1/pictures"
	RoutePictureRead  = "GET /v1/pictures/{sha256}"
	RouteProgramRead  = "GET /v1/program"
	RouteProgramPut   = "PUT /v1/program"
	RouteCheck        = "GET /v1/check"
	RouteLiability    = "GET /v1/reports/liability"
	RouteMetrics      = "GET /metrics"

	RouteStaffLogin = "POST /v1/staff/login"
	RouteStaffAdd   = "POST /v1/staff"
	RouteStaffPIN   = "POST /v1/staff/{number}/pin"
	RouteAudit      = "GET /v1/audit"
	// RouteCardsByPhone finds a customer's cards by phone, for staff who
	// stand with the customer: no code is asked, so a staff session only.
	RouteCardsByPhone = "GET /v1/cards"

	// RouteSyncChanges and RouteSyncSnapshot are a kiosk's pull: the
	// change feed after its cursor and its replica whole (rewards/replica).
	RouteSyncChanges  = "GET /v1/sync/changes"
	RouteSyncSnapshot = "GET /v1/sync/snapshot"
	// RouteSyncAccounts gives a kiosk the accounts of cards whole, after
	// the server refused an event of its about them.
	RouteSyncAccounts = "GET /v1/sync/accounts"
	// RouteSyncEvents takes a kiosk's uploaded events (SyncEvent);
	// RouteSyncNumbers leases it card numbers to issue offline.
	RouteSyncEvents  = "POST /v1/sync/events"
	RouteSyncNumbers = "POST /v1/sync/numbers"
	// RouteConflicts lists what the ledger could not honour of kiosks'
	// uploads; RouteConflictResolve closes one with a note.
	RouteConflicts       = "GET /v1/conflicts"
	RouteConflictResolve = "POST /v1/conflicts/{id}/resolve"
)

// Rights is the rights table: for each route of the API, how far each
// role reaches (a role it does not name reaches Nowhere). What a request
// concerns is the API's to say, from its body or path, before the ledger
// is called; Allowed decides.
//
// The issue's cells: a till (pos) posts receipts of its own store only
// (of any store of its cooperative when it is a cooperative's till),
// quotes, posts returns, claims and reads vouchers, reads cards and
// balances, and neither edits the board nor reads history; a kiosk posts
// no receipt, reads cards, balances, history and the board, issues and
// registers cards, redeems and cancels its store's vouchers; a device of
// store A touches nothing of store B's; a cooperative's shared rewards (no
// store) need a manager of that cooperative (a store's manager edits its
// store's rewards only); managers edit the board, stores and their
// cooperative, and read check and reports; admin reaches everything.
//
// Where the issue is silent, these are the choices:
//   - A return names its receipt, not a store, and the ledger's interfaces
//     cannot look a receipt's store up before the return is posted: a till
//     posts a return anywhere (chains take goods back in any of their
//     stores), a kiosk none.
//   - A voucher concerns the store it was made in (its reward's
//     cooperative when it names none): it is claimed by a till of that
//     store, cancelled by a kiosk or a manager of that store; it is read
//     anywhere in its cooperative (a till told "made in another store" is
//     told more than "forbidden").
//   - A redemption concerns its store and its reward's place: a kiosk of
//     store A neither redeems for store B nor gives store B's own reward.
//   - Quoting is a till's (and a manager's, to answer a customer); a kiosk
//     has no basket.
//   - Blocking, replacing, linking, making a member and forgetting are
//     staff work: a manager's device or, later, a staff session at a
//     kiosk; a kiosk's device alone does none of them, so that a customer
//     at a kiosk cannot block another's card. Exporting a customer's data
//     is a manager's.
//   - The board, the lists of stores and cooperatives, pictures and the
//     program are read by every device: a kiosk and a till name stores and
//     count in the program's units. A board read names its store or
//     cooperative (?store= or ?coop=) within the device's cooperative; the
//     whole board of every cooperative is the admin's. One item of the
//     board is read as its board is: within the device's cooperative.
//   - A picture belongs to no place (it is kept by content): a manager
//     uploads one; the reward that shows it is what the rights look at.
//   - A store's record concerns the store and the cooperative it is put
//     in (and the one it was in): a store's manager renames its store, a
//     cooperative's manager records stores of its cooperative; a new
//     cooperative is the admin's, and so is installing a program.
//   - A phone and its SMS code concern no place (a customer's phone is
//     the chain's, not a store's): a till and a kiosk of any store start
//     and verify codes (the issue's "for tills and kiosks"), and so does a
//     manager, to help a customer; each device's starts are rate-limited.
//   - Printing cards is where cards are issued and handed out: a kiosk, a
//     staff session and a manager record what their print jobs printed.
//     Listing the batch cards that no job printed is back-office work (a
//     batch whose printing failed): a manager's and a staff session's, not
//     a kiosk's, whose customers would read numbers waiting to be handed
//     out. Batches belong to no place.
//   - Check and the liability report read the whole ledger: any manager
//     reads them (the issue's "managers read check and reports").
//   - A staff session (session:staff, session:manager) acts in its
//     member's own store or cooperative, through a kiosk or a manager's
//     machine of that place: a staff member does at a kiosk what the
//     kiosk does and the staff work besides (block, replace, link, member,
//     forget, export, the unprinted batch cards); a manager also edits the board and pictures, adds
//     staff members of its place, gives them new PINs and reads the audit trail. Logging in is at a kiosk or a manager's
//     machine of the member's place (or the admin's, anywhere); reading the audit trail is a manager's or the admin's.
//   - Uploading events and leasing card numbers are a kiosk's, for its
//     own place: the kiosk's device alone, never a staff session, since
//     each uploaded event is checked on its own against the cell of its
//     route (SyncRoute) for the staff member it names. Conflicts concern
//     the whole ledger, as check does: any manager, a manager's session
//     and the admin list and close them.
var Rights = map[string]map[string]Reach{
	RouteReceiptPost:   {RolePOS: OwnPlace, RoleAdmin: Anywhere},
	RouteReceiptBatch:  {RolePOS: OwnPlace, RoleAdmin: Anywhere},
	RouteReceiptQuote:  {RolePOS: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteReturnPost:    {RolePOS: Anywhere, RoleAdmin: Anywhere},
	RouteVoucherClaim:  {RolePOS: OwnPlace, RoleAdmin: Anywhere},
	RouteVoucherCancel: {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteVoucherRead:   {SessionStaff: OwnCoop, SessionManager: OwnCoop, RolePOS: OwnCoop, RoleKiosk: OwnCoop, RoleManager: OwnCoop, RoleAdmin: Anywhere},

	RouteCardIssue:    {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardRead:     {SessionStaff: OwnPlace, SessionManager: OwnPlace, RolePOS: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardBalance:  {SessionStaff: OwnPlace, SessionManager: OwnPlace, RolePOS: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardHistory:  {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardExport:   {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardRegister: {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardBlock:    {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardMember:   {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardForget:   {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardReplace:  {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardLink:     {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},

	RouteCardPrinted:    {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCardsUnprinted: {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},

	RouteRedeem: {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleKiosk: OwnPlace, RoleAdmin: Anywhere},

	RouteOTPStart:  {SessionStaff: OwnPlace, SessionManager: OwnPlace, RolePOS: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteOTPVerify: {SessionStaff: OwnPlace, SessionManager: OwnPlace, RolePOS: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},

	RouteBoardRead:    {SessionStaff: OwnCoop, SessionManager: OwnCoop, RolePOS: OwnCoop, RoleKiosk: OwnCoop, RoleManager: OwnCoop, RoleAdmin: Anywhere},
	RouteRewardRead:   {SessionStaff: OwnCoop, SessionManager: OwnCoop, RolePOS: OwnCoop, RoleKiosk: OwnCoop, RoleManager: OwnCoop, RoleAdmin: Anywhere},
	RouteRewardPut:    {SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteRewardDelete: {SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteStoresRead:   {SessionStaff: OwnPlace, SessionManager: OwnPlace, RolePOS: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCoopsRead:    {SessionStaff: OwnPlace, SessionManager: OwnPlace, RolePOS: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteStorePut:     {RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteCoopPut:      {RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RoutePicturePut:   {SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RoutePictureRead:  {SessionStaff: OwnPlace, SessionManager: OwnPlace, RolePOS: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteProgramRead:  {SessionStaff: OwnPlace, SessionManager: OwnPlace, RolePOS: OwnPlace, RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteProgramPut:   {RoleAdmin: Anywhere},
	RouteCheck:        {RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteLiability:    {RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteMetrics:      {RoleManager: OwnPlace, RoleAdmin: Anywhere},

	RouteStaffLogin:   {RoleKiosk: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteStaffAdd:     {RoleManager: OwnPlace, RoleAdmin: Anywhere, SessionManager: OwnPlace},
	RouteStaffPIN:     {RoleManager: OwnPlace, RoleAdmin: Anywhere, SessionManager: OwnPlace},
	RouteAudit:        {RoleManager: OwnPlace, RoleAdmin: Anywhere, SessionManager: OwnPlace},
	RouteCardsByPhone: {SessionStaff: OwnPlace, SessionManager: OwnPlace, RoleAdmin: Anywhere},

	// A kiosk syncs with its device's token alone, never in a session.
	RouteSyncChanges:     {RoleKiosk: OwnPlace, RoleAdmin: Anywhere},
	RouteSyncSnapshot:    {RoleKiosk: OwnPlace, RoleAdmin: Anywhere},
	RouteSyncAccounts:    {RoleKiosk: OwnPlace, RoleAdmin: Anywhere},
	RouteSyncEvents:      {RoleKiosk: OwnPlace, RoleAdmin: Anywhere},
	RouteSyncNumbers:     {RoleKiosk: OwnPlace, RoleAdmin: Anywhere},
	RouteConflicts:       {SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
	RouteConflictResolve: {SessionManager: OwnPlace, RoleManager: OwnPlace, RoleAdmin: Anywhere},
}

// Allowed decides whether device d (its Coop filled for a store's device)
// may use route for a request that concerns each of the places: nil, or a
// forbidden refusal that names the route or the place it may not touch. A
// route the table lacks is refused to everyone.
func Allowed(route string, d Device, concerns ...Place) error {
	reach := Rights[route][d.Role]
	if reach == Nowhere {
		return Fail(EFORBIDDEN, "rights.route", lang.Args{"device": d.Name, "role": lang.M("role."+d.Role, nil), "route": route})
	}
	for _, p := range concerns {
		if !reaches(reach, d, p) {
			return placeRefusal(route, d, p)
		}
	}
	return nil
}

// reaches reports whether a device of reach may act in place p.
func reaches(reach Reach, d Device, p Place) bool {
	switch {
	case reach == Anywhere:
		return true
	case p.All:
		return false
	case p.Store == "" && p.Coop == "":
		return true // the request concerns no place: a card, the program
	case d.Coop == "" || p.Coop != d.Coop:
		// Another cooperative, or a store whose cooperative is not known:
		// not known to be the device's.
		return false
	case reach == OwnCoop || d.Store == "":
		return true // a cooperative's device owns its cooperative's stores
	}
	return p.Store == d.Store
}

// placeRefusal names the place a device may not touch.
func placeRefusal(route string, d Device, p Place) error {
	args := lang.Args{"device": d.Name, "route": route}
	switch {
	case p.All:
		return Fail(EFORBIDDEN, "rights.all_places", args)
	case p.Store != "":
		args["store"] = p.Store
		return Fail(EFORBIDDEN, "rights.store", args)
	}
	args["coop"] = p.Coop
	return Fail(EFORBIDDEN, "rights.coop", args)
}
