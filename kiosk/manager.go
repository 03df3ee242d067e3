package kiosk

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
)

// The manager's screens, as the status endpoint names them.
const (
	ScreenManager          = "manager"           // the manager's entries
	ScreenManagerBoard     = "manager-board"     // the board's items, a page at a time
	ScreenManagerItem      = "manager-item"      // an item added or edited
	ScreenManagerNumber    = "manager-number"    // a number typed on the keypad
	ScreenManagerDate      = "manager-date"      // a day chosen
	ScreenManagerPicture   = "manager-picture"   // a picture chosen from a stick or a folder
	ScreenManagerRemove    = "manager-remove"    // removing an item, asked once
	ScreenManagerConflicts = "manager-conflicts" // the open conflicts of offline redemptions
	ScreenManagerStaff     = "manager-staff"     // the staff, for a new PIN
	ScreenManagerDevices   = "manager-devices"   // the devices' and the sync's state
	ScreenManagerType      = "manager-type"      // a line of text typed
)

// ManagerPage is how many lines (items, conflicts, staff members) a page
// of a manager's list shows: no list scrolls.
const ManagerPage = 5

// PicturePage is how many pictures the picture chooser shows at a time.
const PicturePage = 8

// Remote is the server as a staff session reaches it: the API's client
// (api.Client) with the kiosk's token and the session's, which records
// the staff member with each change. What only the server does goes
// there: the board's edits, pictures, staff PINs, the conflicts of
// offline redemptions, batches of cards.
type Remote interface {
	rewards.Service
	rewards.PhoneCards
	Conflicts(ctx context.Context, all bool) ([]rewards.Conflict, error)
	ResolveConflict(ctx context.Context, id int64, note string) (rewards.Conflict, error)
	SetStaffPIN(ctx context.Context, c rewards.StaffPINSet) (rewards.StaffMember, error)
}

// staffLister lists the staff a ledger keeps: a kiosk's replica keeps
// those who may log in at it.
type staffLister interface {
	StaffList(ctx context.Context) ([]rewards.StaffMember, error)
}

// removableMedia are where USB sticks are mounted: a picture for the
// board is looked for in each folder they match.
var removableMedia = []string{"/media/*/*", "/run/media/*/*"}

// What the picture chooser looks through: so many folders down from a
// stick's top, so many pictures at most.
const (
	pictureDepth = 3
	maxPictures  = 200
)

// remote is the server as the staff session reaches it, or the refusal
// of a screen that needs it: the kiosk has no server, or the login was
// checked offline and has no session at the server.
func (k *Kiosk) remote() (Remote, error) {
	if k.Server == nil || k.staff == nil || k.staff.token == "" {
		return nil, rewards.Fail(rewards.EREFUSED, "sync.needs_server", nil)
	}
	return k.Server(k.staff.token), nil
}

// serverText is what err of a call of the server says, in the session's
// language: a call that did not reach it says the screen needs the
// connection.
func (k *Kiosk) serverText(err error) string {
	if api.Unreachable(err) {
		return k.t("sync.needs_server", nil)
	}
	return rewards.ErrorText(err, k.lang)
}

// deskCtx is the context of a staff member's changes: it names the
// member, whom the replica's outbox carries to the server.
func (k *Kiosk) deskCtx() context.Context {
	if k.staff == nil {
		return context.Background()
	}
	return rewards.WithStaff(context.Background(), k.staff.member.Number)
}

// showManager shows the manager's entries: the board, the poster, the
// conflicts of offline redemptions, the staff's PINs, the devices, and
// the staff's back-office work.
func (k *Kiosk) showManager() { k.showManagerSaying("") }

// showManagerSaying shows the manager's entries with a note: what the
// last action did.
func (k *Kiosk) showManagerSaying(note string) {
	k.show(ScreenManager, func() fyne.CanvasObject {
		entry := func(key string, f func()) fyne.CanvasObject { return tall(k.secondary(k.t(key, nil), f), 100) }
		entries := container.NewGridWithColumns(2,
			entry("kioskmanager.staff_work", k.showStaff),
			entry("kioskmanager.board", func() { k.showBoardEdit(0, "") }),
			entry("kioskmanager.poster", k.printPoster),
			entry("kioskmanager.conflicts", func() { k.showConflicts(0, "") }),
			entry("kioskmanager.staff_pins", func() { k.showStaffPINs(0, "") }),
			entry("kioskmanager.devices", k.showDevices),
			entry("kioskmanager.voucher_check", func() { k.showVoucherCheck("") }),
			entry("kioskmanager.test_page", k.printTestPage),
			entry("kioskmanager.batch", k.showBatchPrint))
		body := []fyne.CanvasObject{layout.NewSpacer()} // within reach, low on a portrait screen
		if note != "" {
			body = append(body, wrapped(note))
		}
		body = append(body, entries, k.statusStrip())
		return k.frame(k.t("kioskmanager.title", lang.Args{"name": k.staff.member.Name}), container.NewVBox(body...),
			k.button(k.t("kioskmanager.leave", nil), k.leaveStaff))
	})
}

// leaveStaff ends the staff session and goes back to attract.
func (k *Kiosk) leaveStaff() {
	k.staff = nil
	k.toAttract()
}

// low lays a screen's controls out at its bottom, above its actions:
// within reach, in the lower two thirds of a portrait screen.
func low(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(append([]fyne.CanvasObject{layout.NewSpacer()}, objs...)...)
}

// managerFrame is a manager's screen: its title, its body, a note under
// it when there is one, a Back button and the actions after it.
func (k *Kiosk) managerFrame(title string, body fyne.CanvasObject, note string, back func(), actions ...fyne.CanvasObject) fyne.CanvasObject {
	if note != "" {
		body = container.NewVBox(body, wrapped(note))
	}
	return k.frame(title, body, append([]fyne.CanvasObject{k.secondary(k.t("kiosk.back", nil), back)}, actions...)...)
}

// pageOf is page n of list, ManagerPage lines a page (n kept within the
// pages there are), and the number of pages.
func pageOf[T any](list []T, n, size int) (lines []T, page, pages int) {
	pages = max((len(list)+size-1)/size, 1)
	page = min(max(n, 0), pages-1)
	return list[page*size : min(page*size+size, len(list))], page, pages
}

// pageButtons are a list's paging buttons, none when it has one page.
func (k *Kiosk) pageButtons(page, pages int, show func(int)) []fyne.CanvasObject {
	if pages <= 1 {
		return nil
	}
	prev := k.secondary(k.t("kioskmanager.previous", nil), func() { show(page - 1) })
	next := k.secondary(k.t("kioskmanager.next", nil), func() { show(page + 1) })
	if page == 0 {
		prev.Disable()
	}
	if page == pages-1 {
		next.Disable()
	}
	return []fyne.CanvasObject{prev, next}
}

// showBoardEdit shows a page of the board's items as the server has
// them, each a button that edits it, and the way to add one.
func (k *Kiosk) showBoardEdit(page int, note string) {
	var board []rewards.Reward
	r, err := k.remote()
	if err == nil {
		board, err = r.Rewards(context.Background(), k.Coop, k.Store)
	}
	slices.SortStableFunc(board, func(a, b rewards.Reward) int { return cmp.Compare(a.Points, b.Points) })
	k.show(ScreenManagerBoard, func() fyne.CanvasObject {
		title := k.t("kioskmanager.board", nil)
		if err != nil {
			return k.managerFrame(title, wrapped(k.serverText(err)), note, k.showManager)
		}
		lines, page, pages := pageOf(board, page, ManagerPage)
		var rows []fyne.CanvasObject
		for _, rw := range lines {
			rows = append(rows, k.rewardRow(rw, k.secondary(k.t("kiosk.reward_points", lang.Args{"reward": rw.Names, "points": points(rw.Points)}),
				func() { k.showItem(k.itemFormOf(rw)) }), text(k.itemState(rw), SizeSmall)))
		}
		if len(board) == 0 {
			rows = append(rows, wrapped(k.t("kioskmanager.board_empty", nil)))
		}
		actions := k.pageButtons(page, pages, func(n int) { k.showBoardEdit(n, "") })
		actions = append(actions, k.button(k.t("kioskmanager.add_item", nil), func() { k.showItem(k.newItemForm()) }))
		return k.managerFrame(title, container.NewVBox(rows...), note, k.showManager, actions...)
	})
}

// itemState is what the board list says of an item beside its name: how
// many are left, when it is offered.
func (k *Kiosk) itemState(rw rewards.Reward) string {
	var parts []string
	switch {
	case rw.Stock != nil && *rw.Stock <= 0:
		parts = append(parts, k.t("kioskmanager.out_of_stock", nil))
	case rw.Stock != nil:
		parts = append(parts, k.t("kioskmanager.stock_left", lang.Args{"count": lang.Number(*rw.Stock)}))
	}
	if rw.ValidTo != nil {
		parts = append(parts, k.t("kioskmanager.offered_until", lang.Args{"date": k.dayWords(lastDay(*rw.ValidTo, k.location()))}))
	}
	return strings.Join(parts, " · ")
}

// itemForm is an item of the board as its form edits it: its names, its
// price and stock as typed, the days it is offered and its picture.
type itemForm struct {
	id      string
	known   bool // the item is on the board: it may be removed
	coop    string
	store   string
	names   rewards.Names
	points  string // digits as typed
	stock   string // digits as typed; empty: not counted
	from    *time.Time
	until   *time.Time    // the last day it is offered
	picture string        // the picture's hash; empty: none
	thumb   fyne.Resource // the picture, to show; nil: none
	note    string        // what went wrong with the last save
}

// newItemForm is the form of a new item: of the kiosk's cooperative,
// narrowed to the manager's store when the manager is a store's.
func (k *Kiosk) newItemForm() *itemForm {
	return &itemForm{id: strings.ToLower(rand.Text()[:12]), coop: k.Coop, store: k.staff.member.Store}
}

// itemFormOf is the form of an item of the board.
func (k *Kiosk) itemFormOf(rw rewards.Reward) *itemForm {
	f := &itemForm{id: rw.ID, known: true, coop: rw.Coop, store: rw.Store, names: rw.Names, points: strconv.FormatInt(rw.Points, 10), picture: rw.Picture}
	if rw.Stock != nil {
		f.stock = strconv.FormatInt(*rw.Stock, 10)
	}
	loc := k.location()
	if rw.ValidFrom != nil {
		d := day(*rw.ValidFrom, loc)
		f.from = &d
	}
	if rw.ValidTo != nil {
		d := lastDay(*rw.ValidTo, loc)
		f.until = &d
	}
	if rw.Picture != "" {
		if p, err := k.Service.Picture(context.Background(), rw.Picture); err == nil {
			f.thumb = fyne.NewStaticResource(p.Hash, p.Data)
		}
	}
	return f
}

// reward is the item the form makes; the server checks it.
func (f *itemForm) reward(loc *time.Location) rewards.Reward {
	rw := rewards.Reward{ID: f.id, Coop: f.coop, Store: f.store, Names: f.names, Picture: f.picture}
	rw.Points, _ = strconv.ParseInt(f.points, 10, 64)
	if f.stock != "" {
		n, _ := strconv.ParseInt(f.stock, 10, 64)
		rw.Stock = &n
	}
	if f.from != nil {
		from := day(*f.from, loc)
		rw.ValidFrom = &from
	}
	if f.until != nil {
		end := day(*f.until, loc).AddDate(0, 0, 1)
		rw.ValidTo = &end
	}
	return rw
}

// day is the start of t's day in loc.
func day(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// lastDay is the last day an item offered until end (its first moment
// not offered) is offered on.
func lastDay(end time.Time, loc *time.Location) time.Time { return day(end.Add(-time.Nanosecond), loc) }

// dayWords is a day as a person says it, with its year ("18 ноември 2026
// г."), never an ISO date.
func (k *Kiosk) dayWords(t time.Time) string {
	return k.t("kioskmanager.day", lang.Args{"date": lang.DayMonth(t), "year": t.Year()})
}

// showItem shows the form of an item: a line for each of its names, its
// price, stock, days and picture, each with its way to change it; then
// saving it at the server, and for an item of the board its removal.
func (k *Kiosk) showItem(f *itemForm) {
	again := func() { k.showItem(f) }
	k.show(ScreenManagerItem, func() fyne.CanvasObject {
		none := k.t("kioskmanager.none", nil)
		line := func(label, value string, change func()) fyne.CanvasObject {
			v := widget.NewLabel(cmp.Or(value, none))
			v.Truncation = fyne.TextTruncateEllipsis
			return labelled(label, container.NewBorder(nil, nil, nil, k.secondary(k.t("kioskmanager.change", nil), change), v))
		}
		name := func(l string, at *string) fyne.CanvasObject {
			label := k.t("kioskmanager.name_in", lang.Args{"lang": lang.M("kioskmanager.lang."+l, nil)})
			return line(label, *at, func() {
				k.typeText(label, *at, func(s string) { *at = strings.TrimSpace(s); again() }, again)
			})
		}
		stock := k.t("kioskmanager.not_counted", nil)
		if f.stock != "" {
			stock = f.stock
		}
		dayOr := func(d *time.Time, key string) string {
			if d == nil {
				return k.t(key, nil)
			}
			return k.dayWords(*d)
		}
		var pic fyne.CanvasObject = widget.NewLabel(k.t("kioskmanager.no_picture", nil))
		if f.thumb != nil {
			img := canvas.NewImageFromResource(f.thumb)
			img.FillMode = canvas.ImageFillContain
			pic = container.NewHBox(container.NewGridWrap(fyne.NewSize(120, 90), img))
		}
		rows := container.NewVBox(
			name(lang.BG, &f.names.BG), name(lang.RU, &f.names.RU), name(lang.EN, &f.names.EN),
			line(k.t("kioskmanager.points", nil), f.points, func() {
				k.typeNumber(k.t("kioskmanager.points", nil), f.points, 9, false, func(s string) { f.points = s; again() }, again)
			}),
			line(k.t("kioskmanager.stock", nil), stock, func() {
				k.typeNumber(k.t("kioskmanager.stock", nil), f.stock, 9, true, func(s string) { f.stock = s; again() }, again)
			}),
			line(k.t("kioskmanager.from", nil), dayOr(f.from, "kioskmanager.from_now"), func() {
				k.chooseDay(k.t("kioskmanager.from", nil), f.from, func(d *time.Time) { f.from = d; again() }, again)
			}),
			line(k.t("kioskmanager.until", nil), dayOr(f.until, "kioskmanager.no_end"), func() {
				k.chooseDay(k.t("kioskmanager.until", nil), f.until, func(d *time.Time) { f.until = d; again() }, again)
			}),
			labelled(k.t("kioskmanager.picture", nil), container.NewBorder(nil, nil, nil,
				k.secondary(k.t("kioskmanager.change", nil), func() { k.showPictures(f, 0, "") }), pic)))
		title := k.t("kioskmanager.new_item", nil)
		if f.known {
			title = k.t("kioskmanager.edit_item", lang.Args{"reward": f.names})
		}
		actions := []fyne.CanvasObject{}
		if f.known {
			actions = append(actions, k.secondary(k.t("kioskmanager.remove", nil), func() { k.confirmRemove(f) }))
		}
		actions = append(actions, k.button(k.t("kioskmanager.save", nil), func() { k.saveItem(f) }))
		return k.managerFrame(title, rows, f.note, func() { k.showBoardEdit(0, "") }, actions...)
	})
}

// saveItem adds the item to the board or replaces it, at the server:
// offline, or refused, the form says why and nothing changes.
func (k *Kiosk) saveItem(f *itemForm) {
	r, err := k.remote()
	if err == nil {
		var rw rewards.Reward
		rw, err = r.AddReward(k.deskCtx(), rewards.RewardAdd{Meta: rewards.Meta{At: k.now()}, Reward: f.reward(k.location())})
		if err == nil {
			k.showBoardEdit(0, k.t("kioskmanager.saved", lang.Args{"reward": rw.Names}))
			return
		}
	}
	f.note = k.serverText(err)
	k.showItem(f)
}

// confirmRemove asks once before an item leaves the board, naming it.
func (k *Kiosk) confirmRemove(f *itemForm) {
	k.show(ScreenManagerRemove, func() fyne.CanvasObject {
		return k.managerFrame(k.t("kioskmanager.remove", nil), wrapped(k.t("kioskmanager.remove_ask", lang.Args{"reward": f.names})), "",
			func() { k.showItem(f) },
			k.button(k.t("kioskmanager.remove", nil), func() {
				r, err := k.remote()
				if err == nil {
					err = r.RemoveReward(k.deskCtx(), rewards.RewardRemove{Meta: rewards.Meta{At: k.now()}, Reward: f.id})
				}
				if err != nil {
					f.note = k.serverText(err)
					k.showItem(f)
					return
				}
				k.showBoardEdit(0, k.t("kioskmanager.removed", lang.Args{"reward": f.names}))
			}))
	})
}

// typeText asks for a line of text on the in-app keyboard, titled
// title, starting from value: done gets what was typed, back leaves it
// as it was.
func (k *Kiosk) typeText(title, value string, done func(string), back func()) {
	f := &field{label: "kioskmanager.text", max: 200, value: value}
	fm, kb := newForm(f), newKeyboard(k.lang)
	k.show(ScreenManagerType, func() fyne.CanvasObject {
		return k.managerFrame(title, container.NewVBox(fm.draw(k), kb.draw(k, f)), "", back,
			k.button(k.t("kioskmanager.ok", nil), func() { done(f.value) }))
	})
}

// typeNumber asks for a number of at most digits on the keypad, titled
// title, starting from value: done gets the digits typed (empty, with
// none allowed: no number), back leaves it as it was.
func (k *Kiosk) typeNumber(title, value string, digits int, none bool, done func(string), back func()) {
	shown := bold(value, SizeBalance/2)
	pad := newKeypad(digits, func(v string) { shown.Text = v; shown.Refresh() })
	pad.value = value
	k.show(ScreenManagerNumber, func() fyne.CanvasObject {
		actions := []fyne.CanvasObject{}
		if none {
			actions = append(actions, k.secondary(k.t("kioskmanager.not_counted", nil), func() { done("") }))
		}
		actions = append(actions, k.button(k.t("kioskmanager.ok", nil), func() { done(pad.value) }))
		return k.managerFrame(title, low(container.NewCenter(shown), pad.draw(k)), "", back, actions...)
	})
}

// chooseDay asks for a day, from d (nil: today), a day or a month at a
// time: done gets the day chosen, or nil for none; back leaves it as it
// was.
func (k *Kiosk) chooseDay(title string, d *time.Time, done func(*time.Time), back func()) {
	at := day(k.now(), k.location())
	if d != nil {
		at = *d
	}
	k.show(ScreenManagerDate, func() fyne.CanvasObject {
		shown := bold(k.dayWords(at), SizeHeading)
		move := func(key string, months, days int) fyne.CanvasObject {
			return k.secondary(k.t(key, nil), func() {
				at = at.AddDate(0, months, days)
				shown.Text = k.dayWords(at)
				shown.Refresh()
			})
		}
		steps := container.NewGridWithColumns(2,
			tall(move("kioskmanager.day_back", 0, -1), 100), tall(move("kioskmanager.day_on", 0, 1), 100),
			tall(move("kioskmanager.month_back", -1, 0), 100), tall(move("kioskmanager.month_on", 1, 0), 100))
		return k.managerFrame(title, low(container.NewCenter(shown), steps), "", back,
			k.secondary(k.t("kioskmanager.no_day", nil), func() { done(nil) }),
			k.button(k.t("kioskmanager.ok", nil), func() { done(&at) }))
	})
}

// pictureFiles lists the JPEG and PNG files in the folders of the USB
// sticks mounted and in dir, pictureDepth folders down at most, hidden
// ones left out, by path: maxPictures at most.
func pictureFiles(dir string) []string {
	var roots []string
	for _, glob := range removableMedia {
		m, _ := filepath.Glob(glob)
		roots = append(roots, m...)
	}
	if dir != "" {
		roots = append(roots, dir)
	}
	var out []string
	for _, root := range roots {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil || len(out) >= maxPictures:
				return fs.SkipDir
			case d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || strings.Count(strings.TrimPrefix(path, root), string(filepath.Separator)) > pictureDepth):
				return fs.SkipDir
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".jpg", ".jpeg", ".png":
				if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
					out = append(out, path)
				}
			}
			return nil
		})
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// showPictures shows the pictures of the USB sticks and the configured
// folder as thumbnails, a page at a time: the one tapped goes to the
// server, which checks and scales it, and becomes the item's.
func (k *Kiosk) showPictures(f *itemForm, page int, note string) {
	files := pictureFiles(k.PictureDir)
	k.show(ScreenManagerPicture, func() fyne.CanvasObject {
		lines, page, pages := pageOf(files, page, PicturePage)
		var cells []fyne.CanvasObject
		for _, path := range lines {
			img := canvas.NewImageFromFile(path)
			img.FillMode = canvas.ImageFillContain
			name := widget.NewLabel(filepath.Base(path))
			name.Truncation = fyne.TextTruncateEllipsis
			tap := k.secondary("", func() { k.choosePicture(f, path, page) })
			cells = append(cells, container.NewBorder(nil, name, nil, nil,
				container.NewStack(tap, container.NewPadded(img))))
		}
		var body fyne.CanvasObject = wrapped(k.t("kioskmanager.no_pictures", nil))
		if len(files) > 0 {
			body = container.NewGridWrap(fyne.NewSize(260, 240), cells...)
		}
		actions := k.pageButtons(page, pages, func(n int) { k.showPictures(f, n, "") })
		if f.picture != "" {
			actions = append(actions, k.secondary(k.t("kioskmanager.no_picture", nil), func() {
				f.picture, f.thumb = "", nil
				k.showItem(f)
			}))
		}
		return k.managerFrame(k.t("kioskmanager.choose_picture", nil), body, note, func() { k.showItem(f) }, actions...)
	})
}

// choosePicture sends the picture file to the server and makes it the
// item's; a file that cannot be read, or that the server refuses, is
// said in words on the chooser.
func (k *Kiosk) choosePicture(f *itemForm, path string, page int) {
	data, err := readPicture(path)
	if err != nil {
		k.showPictures(f, page, k.t("kioskmanager.picture_unreadable", lang.Args{"file": filepath.Base(path)}))
		return
	}
	r, err := k.remote()
	var p rewards.Picture
	if err == nil {
		p, err = r.PutPicture(k.deskCtx(), rewards.Picture{Hash: rewards.PictureHash(data), Data: data})
	}
	if err != nil {
		k.showPictures(f, page, k.serverText(err))
		return
	}
	f.picture, f.thumb = p.Hash, fyne.NewStaticResource(p.Hash, data)
	k.showItem(f)
}

// readPicture reads a picture file, one byte past the most the board
// takes at most: the server refuses one that large, in words.
func readPicture(path string) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(io.LimitReader(file, rewards.PictureMaxBytes+1))
}

// printPoster prints the board's poster to the poster printer: the
// kiosk's board as its ledger has it (the server is not needed), what has
// ended left off.
func (k *Kiosk) printPoster() {
	ctx := k.deskCtx()
	if k.PosterPrinter == nil {
		k.showManagerSaying(k.t("kioskmanager.no_poster_printer", nil))
		return
	}
	p, err := k.Service.Program(ctx)
	if err == nil {
		err = p.KeepsBoard()
	}
	var board []rewards.Reward
	if err == nil {
		board, err = k.Service.Rewards(ctx, k.Coop, k.Store)
	}
	if err != nil {
		k.showManagerSaying(rewards.ErrorText(err, k.lang))
		return
	}
	now := k.now()
	board = slices.DeleteFunc(board, func(rw rewards.Reward) bool { return rw.ValidTo != nil && !now.Before(*rw.ValidTo) })
	if len(board) == 0 {
		k.showManagerSaying(k.t("kioskmanager.board_empty", nil))
		return
	}
	poster := printer.Poster{Program: *p, Lang: k.lang, Size: printer.PosterA4, Store: k.storeName(), Items: board, Printed: now,
		ReadPicture: func(hash string) ([]byte, error) {
			pic, err := k.Service.Picture(ctx, hash)
			return pic.Data, err
		}}
	if coops, err := k.Service.Coops(ctx); err == nil {
		if i := slices.IndexFunc(coops, func(c rewards.Coop) bool { return c.ID == k.Coop }); i >= 0 {
			poster.Coop = coops[i].In(k.lang)
		}
	}
	data, _, err := printer.PosterPDF(poster)
	if err == nil {
		_, err = k.PosterPrinter.Print(ctx, printer.Job{Title: p.Name + " · " + k.t("kioskmanager.poster", nil), Format: printer.FormatPDF,
			Data: data, Media: printer.PosterA4})
	}
	if err != nil {
		k.showManagerSaying(rewards.ErrorText(err, k.lang))
		return
	}
	k.showManagerSaying(k.t("kioskmanager.poster_printed", lang.Args{"count": len(board)}))
}

// showConflicts shows a page of the open conflicts of the kiosks'
// offline redemptions as the server has them, each with the way to
// resolve it with a note.
func (k *Kiosk) showConflicts(page int, note string) {
	var list []rewards.Conflict
	r, err := k.remote()
	if err == nil {
		list, err = r.Conflicts(context.Background(), false)
	}
	k.show(ScreenManagerConflicts, func() fyne.CanvasObject {
		title := k.t("kioskmanager.conflicts", nil)
		if err != nil {
			return k.managerFrame(title, wrapped(k.serverText(err)), note, k.showManager)
		}
		lines, page, pages := pageOf(list, page, ManagerPage)
		var rows []fyne.CanvasObject
		for _, cf := range lines {
			head := k.t("kioskmanager.conflict_head", lang.Args{"id": cf.ID, "at": k.when(cf.At), "device": cf.Device,
				"outcome": lang.M("out.conflicts.outcome."+cf.Outcome, nil)})
			if cf.Card != "" {
				head += " · " + cf.Card // the card to look up, which the message may name too
			}
			rows = append(rows, container.NewBorder(nil, nil, nil,
				k.secondary(k.t("kioskmanager.resolve", nil), func() { k.resolveConflict(r, cf, page) }),
				container.NewVBox(bold(head, SizeSmall), wrapped(lang.Text(k.lang, cf.Key, rewards.DomainArgs(cf.Args))))))
		}
		if len(list) == 0 {
			rows = append(rows, wrapped(k.t("kioskmanager.no_conflicts", nil)))
		}
		return k.managerFrame(title, container.NewVBox(rows...), note, k.showManager, k.pageButtons(page, pages, func(n int) { k.showConflicts(n, "") })...)
	})
}

// resolveConflict asks for the note a conflict is closed with and closes
// it at the server.
func (k *Kiosk) resolveConflict(r Remote, cf rewards.Conflict, page int) {
	k.typeText(k.t("kioskmanager.resolve_note", lang.Args{"id": cf.ID}), "", func(note string) {
		_, err := r.ResolveConflict(k.deskCtx(), cf.ID, strings.TrimSpace(note))
		if err != nil {
			k.showConflicts(page, k.serverText(err))
			return
		}
		k.showConflicts(page, k.t("kioskmanager.resolved", lang.Args{"id": cf.ID}))
	}, func() { k.showConflicts(page, "") })
}

// showStaffPINs shows a page of the staff who may log in at this kiosk
// (the replica's), each a button to give a new PIN.
func (k *Kiosk) showStaffPINs(page int, note string) {
	var list []rewards.StaffMember
	var err error
	if sl, ok := k.Service.(staffLister); ok {
		list, err = sl.StaffList(context.Background())
	}
	k.show(ScreenManagerStaff, func() fyne.CanvasObject {
		title := k.t("kioskmanager.staff_pins", nil)
		if err != nil {
			return k.managerFrame(title, wrapped(rewards.ErrorText(err, k.lang)), note, k.showManager)
		}
		lines, page, pages := pageOf(list, page, ManagerPage)
		var rows []fyne.CanvasObject
		for _, m := range lines {
			rows = append(rows, k.secondary(k.t("kioskmanager.member", lang.Args{"name": m.Name, "number": m.Number,
				"role": lang.M("kioskmanager.role."+m.Role, nil)}), func() { k.newPIN(m, page) }))
		}
		if len(list) == 0 {
			rows = append(rows, wrapped(k.t("kioskmanager.no_staff", nil)))
		}
		return k.managerFrame(title, container.NewVBox(rows...), note, k.showManager, k.pageButtons(page, pages, func(n int) { k.showStaffPINs(n, "") })...)
	})
}

// newPIN asks for a staff member's new PIN on the keypad, shown as dots,
// and sets it at the server.
func (k *Kiosk) newPIN(m rewards.StaffMember, page int) {
	var note string
	shown := bold("", SizeBalance/2)
	pad := newKeypad(12, func(v string) { shown.Text = strings.Repeat("●", len(v)); shown.Refresh() })
	var again func()
	again = func() {
		k.show(ScreenManagerNumber, func() fyne.CanvasObject {
			hint := text(k.t("kioskmanager.pin_hint", lang.Args{"count": rewards.PINMinDigits}), SizeSmall)
			return k.managerFrame(k.t("kioskmanager.new_pin", lang.Args{"name": m.Name}),
				low(container.NewCenter(shown), container.NewCenter(hint), pad.draw(k)), note,
				func() { k.showStaffPINs(page, "") },
				k.button(k.t("kioskmanager.ok", nil), func() {
					r, err := k.remote()
					if err == nil {
						_, err = r.SetStaffPIN(k.deskCtx(), rewards.StaffPINSet{Number: m.Number, PIN: pad.value})
					}
					if err != nil {
						note = k.serverText(err)
						again()
						return
					}
					k.showStaffPINs(page, k.t("kioskmanager.pin_set", lang.Args{"name": m.Name}))
				}))
		})
	}
	again()
}

// syncNow reads the kiosk's Sync as a syncState.
func (k *Kiosk) syncNow() (syncState, bool) {
	var st syncState
	if k.Sync == nil {
		return st, false
	}
	data, err := json.Marshal(k.Sync())
	return st, err == nil && json.Unmarshal(data, &st) == nil
}

// showDevices shows the devices' states (the scanner, the printers), the
// sync's (online or not, the last sync, what waits in the outbox) and
// the conflicts open.
func (k *Kiosk) showDevices() {
	k.show(ScreenManagerDevices, func() fyne.CanvasObject {
		var rows []fyne.CanvasObject
		for _, line := range k.deviceLines() {
			rows = append(rows, wrapped(line))
		}
		for _, line := range k.syncLines() {
			rows = append(rows, wrapped(line))
		}
		if st, ok := k.syncNow(); ok && st.Conflicts != nil {
			rows = append(rows, wrapped(k.t("kioskmanager.conflicts_open", lang.Args{"count": lang.Number(*st.Conflicts)})))
		}
		return k.managerFrame(k.t("kioskmanager.devices", nil), container.NewVBox(rows...), "", k.showManager,
			k.button(k.t("kioskmanager.refresh", nil), func() {
				session := k.session
				go func() {
					k.CheckPrinters(context.Background())
					k.ui(func() {
						// Only if the manager still looks at it.
						if k.session == session && k.screen == ScreenManagerDevices {
							k.showDevices()
						}
					})
				}()
			}))
	})
}
