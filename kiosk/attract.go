package kiosk

import (
	"cmp"
	"context"
	"image/color"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// What attract shows of the board: BoardPage rewards at a time, the next
// ones every BoardEvery.
const (
	BoardPage  = 4
	BoardEvery = 8 * time.Second
)

// showAttract shows the screen of nobody there: the store, the clock, a
// page of the board (or what a bonus is worth), the prompt to scan, the
// way in by phone and for staff, and a badge while offline.
func (k *Kiosk) showAttract() {
	if k.screen != ScreenAttract {
		k.page = 0
		k.loadBoard()
	}
	k.show(ScreenAttract, k.drawAttract)
	if k.stopPage != nil {
		k.stopPage()
	}
	k.stopPage = k.after(BoardEvery, func() {
		if k.screen == ScreenAttract {
			// A refused card's message stays for a page; a language
			// chosen and left stays for the idle time, then attract
			// speaks its own again.
			k.page++
			k.message = ""
			if k.langPages++; k.lang != k.home && time.Duration(k.langPages)*BoardEvery >= k.idle() {
				k.lang = k.home
			}
			k.showAttract()
		}
	})
}

func (k *Kiosk) drawAttract() fyne.CanvasObject {
	body := []fyne.CanvasObject{container.NewVBox(k.attractBoard()...), layout.NewSpacer()}
	prompt := bold(k.t("kiosk.scan_card", nil), 64)
	prompt.Alignment = fyne.TextAlignCenter
	body = append(body, prompt)
	if k.message != "" {
		m := wrapped(k.message)
		m.Alignment = fyne.TextAlignCenter
		body = append(body, m)
	}
	body = append(body, layout.NewSpacer())
	var foot []fyne.CanvasObject
	if b := k.phoneButton(); b != nil {
		foot = append(foot, b)
	}
	if b := k.scannerBanner(); b != nil {
		foot = append(foot, b)
	}
	var badge fyne.CanvasObject = layout.NewSpacer()
	if k.Online != nil {
		if online, since := k.Online(); !online {
			badge = bold(k.t("kiosk.offline_since", lang.Args{"time": since.In(k.location()).Format("15:04")}), SizeSmall)
		}
	}
	foot = append(foot, container.NewBorder(nil, nil, k.staffButton(), badge))
	if k.PrintsTo != "" {
		foot = append(foot, wrapped(k.t("kioskdemo.prints_to", lang.Args{"folder": k.PrintsTo})))
	}
	clock := onPrimary(k.now().In(k.location()).Format("15:04"), SizeHeading)
	return container.NewBorder(k.header(k.storeName(), clock), container.NewPadded(container.NewVBox(foot...)), nil, nil,
		container.NewPadded(container.NewVBox(body...)))
}

// storeName is the kiosk's store as its customers know it, in the
// session's language.
func (k *Kiosk) storeName() string {
	return storeIn(context.Background(), k.Service, k.Store, k.lang)
}

// loadBoard reads the rewards attract shows: the store's board, in stock
// and offered now, by points.
func (k *Kiosk) loadBoard() {
	k.board = nil
	ctx := context.Background()
	p, err := k.Service.Program(ctx)
	if err != nil || p.KeepsBoard() != nil {
		return
	}
	board, err := k.Service.Rewards(ctx, k.Coop, k.Store)
	if err != nil {
		return
	}
	for _, rw := range board {
		if rw.InStock() && rw.OfferedAt(k.now(), k.Store, p.Location()) == nil {
			k.board = append(k.board, rw)
		}
	}
	slices.SortStableFunc(k.board, func(a, b rewards.Reward) int { return cmp.Compare(a.Points, b.Points) })
}

// attractBoard is what attract shows above its prompt: a page of the
// board, with pictures, names and prices; for a program with no board,
// what a bonus is worth.
func (k *Kiosk) attractBoard() []fyne.CanvasObject {
	ctx := context.Background()
	if len(k.board) == 0 {
		p, err := k.Service.Program(ctx)
		if err != nil || p.KeepsBoard() == nil {
			return nil
		}
		return []fyne.CanvasObject{wrapped(k.t("kiosk.bonus_worth", lang.Args{"currency": p.Currency, "percent": p.Spend.MaxPercent}))}
	}
	pages := (len(k.board) + BoardPage - 1) / BoardPage
	first := (k.page % pages) * BoardPage
	var rows []fyne.CanvasObject
	for _, rw := range k.board[first:min(first+BoardPage, len(k.board))] {
		rows = append(rows, k.rewardRow(rw, para(rw.Names.In(k.lang), theme.SizeNameHeadingText, false), text(k.t("unit.points", lang.Args{"count": lang.Number(rw.Points)}), SizeHeading)))
	}
	return rows
}

// The room a reward's picture takes on a screen, 4:3.
const (
	PictureWidth  = 128
	PictureHeight = 96
)

// rewardRow is a reward of the board on a line: its picture (or room
// for one), then middle (its name, or a button naming it), and right at
// the right (nil: nothing).
func (k *Kiosk) rewardRow(rw rewards.Reward, middle, right fyne.CanvasObject) fyne.CanvasObject {
	var pic fyne.CanvasObject = canvas.NewRectangle(color.Transparent)
	if rw.Picture != "" {
		if p, err := k.Service.Picture(context.Background(), rw.Picture); err == nil {
			img := canvas.NewImageFromResource(fyne.NewStaticResource(p.Hash, p.Data))
			img.FillMode = canvas.ImageFillContain
			pic = img
		}
	}
	box := container.NewGridWrap(fyne.NewSize(PictureWidth, PictureHeight), pic)
	return container.NewBorder(nil, nil, box, right, container.NewVBox(layout.NewSpacer(), middle, layout.NewSpacer()))
}
