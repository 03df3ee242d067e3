package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"fyne.io/fyne/v2"

	"github.com/tochka-loyalty/tochka/assets"
	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/picture"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// The demo's places: a cooperative of two stores, the kiosk in the first.
const (
	demoCoop  = "koop-sofia"
	demoStore = "sofia-1"
)

// demoExpiry is how long the demo's points stay spendable: the bundled
// КООП program's never expire, which would leave nothing expiring to see.
const demoExpiry = 60 * 24 * time.Hour

// demoReward is a reward of the demo's board, its picture
// assets/demo/ID.png.
type demoReward struct {
	ID     string
	Names  rewards.Names
	Points int64
}

var demoBoard = []demoReward{
	{"chocolate", rewards.Names{BG: "Шоколад КООП 100 г", RU: "Шоколад КООП 100 г", EN: "KOOP chocolate 100 g"}, 30},
	{"mug", rewards.Names{BG: "Чаша КООП", RU: "Кружка КООП", EN: "KOOP mug"}, 40},
	{"tote-bag", rewards.Names{BG: "Платнена торба", RU: "Холщовая сумка", EN: "Cotton tote bag"}, 60},
	{"sunflower-oil", rewards.Names{BG: "Слънчогледово олио 1 л", RU: "Подсолнечное масло 1 л", EN: "Sunflower oil 1 l"}, 90},
	{"coffee", rewards.Names{BG: "Кафе 250 г", RU: "Кофе 250 г", EN: "Coffee 250 g"}, 120},
	{"honey", rewards.Names{BG: "Пчелен мед 400 г", RU: "Мёд 400 г", EN: "Honey 400 g"}, 150},
	{"white-cheese", rewards.Names{BG: "Бяло саламурено сирене 400 г", RU: "Брынза 400 г", EN: "White brine cheese 400 g"}, 200},
	{"olive-oil", rewards.Names{BG: "Зехтин 500 мл", RU: "Оливковое масло 500 мл", EN: "Olive oil 500 ml"}, 300},
	{"thermos", rewards.Names{BG: "Термос 0,5 л", RU: "Термос 0,5 л", EN: "Thermos flask 0.5 l"}, 500},
	{"pot", rewards.Names{BG: "Тенджера 5 л", RU: "Кастрюля 5 л", EN: "Cooking pot 5 l"}, 900},
}

// demoCard is a card of the demo with its history: receipts (amounts in
// cents, so many days ago) at the kiosk's store, and the balance the
// kiosk shows for it (the README's, and what the end-to-end test
// expects; a family card's points are its holder's).
type demoCard struct {
	Number     string
	Given      string
	Family     string
	Phone      string
	Member     bool
	Holder     string // the card it is a family card of, earning into it
	IssuedDays int
	Receipts   []demoReceipt
	Balance    int64
}

type demoReceipt struct {
	Days   int
	Amount int64 // ordinary goods, cents
	Own    int64 // КООП own-brand goods, cents
}

var demoCards = []demoCard{
	{Number: "2900000000018", Given: "Мария", Family: "Петрова", Phone: "+359888100018", Member: true, IssuedDays: 120,
		Receipts: []demoReceipt{{52, 1240, 300}, {45, 860, 250}, {38, 1520, 0}, {24, 930, 420}, {10, 1410, 180}, {3, 660, 200}},
		Balance:  869},
	{Number: "2900000000025", Given: "Иван", Family: "Димитров", Phone: "+359888100025", IssuedDays: 90,
		Receipts: []demoReceipt{{40, 950, 0}, {26, 620, 0}, {12, 1100, 0}, {5, 740, 0}},
		Balance:  135},
	{Number: "2900000000032", Given: "Елена", Family: "Иванова", Phone: "+359888100032", IssuedDays: 10,
		Receipts: []demoReceipt{{2, 530, 0}},
		Balance:  21},
	{Number: "2900000000049", Given: "Георги", Family: "Петров", Holder: "2900000000018", IssuedDays: 100,
		Receipts: []demoReceipt{{33, 1150, 0}, {17, 820, 0}}},
}

// demoRedemption is what Мария took 20 days ago, and claimed at the till.
const (
	demoRedeemed     = "chocolate"
	demoRedeemedDays = 20
)

// The demo's staff: a cashier of the kiosk's store and a manager of the
// cooperative.
var demoStaff = []struct {
	Number, Name, Role, PIN string
}{
	{"1001", "Стефан Колев", rewards.StaffRoleStaff, "246810"},
	{"1002", "Надежда Маринова", rewards.StaffRoleManager, "135790"},
}

// demo is the demo's world: a central ledger served on 127.0.0.1, and the
// kiosk's replica made from it, in a temporary folder; the printers write
// to its printed/ folder, which outlives the demo.
type demo struct {
	dir     string
	replica string // the kiosk's replica, which the kiosk opens as any
	printed string
	lang    string // of the lines on the terminal
	ledger  *sqlite.Store
	srv     *http.Server
	out     io.Writer
}

// startDemo makes the demo's world in a new temporary folder and serves
// its central ledger, then says on out, in language l (the program's when
// empty), the demo cards, the staff numbers and PINs and the folder the
// printers write to.
func startDemo(l string, out io.Writer) (d *demo, err error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "tochka-demo-")
	if err != nil {
		return nil, err
	}
	d = &demo{dir: dir, replica: filepath.Join(dir, "ledgers", "kiosk.db"), printed: filepath.Join(dir, "printed"), out: out}
	defer func() {
		if err != nil {
			d.close()
			os.RemoveAll(dir)
		}
	}()
	for _, sub := range []string{"ledgers", "printed"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d.ledger = sqlite.NewStore(filepath.Join(dir, "ledgers", "server.db"))
	d.ledger.Create, d.ledger.Device, d.ledger.Logger = true, "demo-server", log
	if err := d.ledger.Open(); err != nil {
		return nil, err
	}
	token, err := d.fill(ctx, time.Now())
	if err != nil {
		return nil, err
	}
	p, err := d.ledger.Program(ctx)
	if err != nil {
		return nil, err
	}
	if d.lang = l; l == "" {
		d.lang = p.Language()
	}

	// The server as tochkad serves it; its one-time codes are written
	// to the terminal instead of sent.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second,
		Handler: api.NewHandler(d.ledger, api.Options{Logger: log, Devices: d.ledger, Staff: d.ledger, Sender: api.LogSender{Logger: log}})}
	go d.srv.Serve(ln)
	url := "http://" + ln.Addr().String()
	// The kiosk's replica, as `tochkactl sync init` makes it.
	if err := replica.Init(ctx, d.replica, url, token, api.NewClient(url, nil, api.WithToken(token))); err != nil {
		return nil, err
	}
	d.say("kioskdemo.started", lang.Args{"url": url, "program": p.Name,
		"expiry": lang.M("kioskdemo.days", lang.Args{"count": int64(demoExpiry / (24 * time.Hour))})})
	d.say("kioskdemo.cards", nil)
	for _, c := range demoCards {
		name := c.Given + " " + c.Family
		if c.Holder != "" {
			d.say("kioskdemo.family_card", lang.Args{"number": c.Number, "name": name, "holder": c.Holder})
			continue
		}
		bal, err := d.ledger.Balance(ctx, c.Number, time.Now())
		if err != nil {
			return nil, err
		}
		d.say("kioskdemo.card", lang.Args{"number": c.Number, "name": name, "phone": c.Phone,
			"points": lang.M("unit.points", lang.Args{"count": lang.Number(bal.Available)})})
	}
	for _, m := range demoStaff {
		d.say("kioskdemo.staff_"+m.Role, lang.Args{"number": m.Number, "pin": m.PIN, "name": m.Name})
	}
	d.say("kioskdemo.sms", nil)
	d.say("kioskdemo.printed", lang.Args{"folder": d.printed})
	return d, nil
}

// say writes a line of the catalog to the terminal.
func (d *demo) say(key string, args lang.Args) { fmt.Fprintln(d.out, lang.Text(d.lang, key, args)) }

// fill writes the demo's world into the central ledger, dated back from
// now: the program, the places, the board with its pictures, the staff,
// the cards with their receipts, and the kiosk, whose token it returns.
func (d *demo) fill(ctx context.Context, now time.Time) (token string, err error) {
	s := d.ledger
	ago := func(days int) rewards.Meta { return rewards.Meta{At: now.Add(-time.Duration(days) * 24 * time.Hour)} }
	src, err := assets.Programs.ReadFile("programs/coop.toml")
	if err != nil {
		return "", err
	}
	p, err := rewards.ParseProgram(src)
	if err != nil {
		return "", err
	}
	p.Expiry.After = rewards.Duration(demoExpiry)
	start := ago(180)
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Meta: start, Program: p}); err != nil {
		return "", err
	}
	if _, err := s.AddCoop(ctx, rewards.CoopAdd{Meta: start, Coop: rewards.Coop{ID: demoCoop,
		Names: rewards.Names{BG: "КООП София", RU: "КООП София", EN: "KOOP Sofia"}}}); err != nil {
		return "", err
	}
	for _, st := range []rewards.Store{
		{ID: demoStore, Coop: demoCoop, Names: rewards.Names{BG: "КООП Център", RU: "КООП Центр", EN: "KOOP Centre"}, Address: "бул. Витоша 1, София"},
		{ID: "sofia-2", Coop: demoCoop, Names: rewards.Names{BG: "КООП Люлин", RU: "КООП Люлин", EN: "KOOP Lyulin"}, Address: "бул. Царица Йоанна 15, София"},
	} {
		if _, err := s.AddStore(ctx, rewards.StoreAdd{Meta: start, Store: st}); err != nil {
			return "", err
		}
	}
	for _, rw := range demoBoard {
		data, err := assets.Demo.ReadFile("demo/" + rw.ID + ".png")
		if err != nil {
			return "", err
		}
		pic, err := picture.Normalize(rw.ID+".png", data)
		if err != nil {
			return "", err
		}
		if pic, err = s.PutPicture(ctx, pic); err != nil {
			return "", err
		}
		stock := int64(25)
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Meta: start, Reward: rewards.Reward{ID: rw.ID, Coop: demoCoop,
			Names: rw.Names, Points: rw.Points, Picture: pic.Hash, Stock: &stock}}); err != nil {
			return "", err
		}
	}
	for _, m := range demoStaff {
		member := rewards.StaffMember{Number: m.Number, Name: m.Name, Role: m.Role, Store: demoStore}
		if m.Role == rewards.StaffRoleManager {
			member.Store, member.Coop = "", demoCoop
		}
		if _, err := s.AddStaff(ctx, rewards.StaffAdd{Meta: start, Staff: member, PIN: m.PIN}); err != nil {
			return "", err
		}
	}
	n := 0
	for _, c := range demoCards {
		if _, err := s.IssueCard(ctx, rewards.CardIssue{Meta: ago(c.IssuedDays), Number: c.Number, Handed: true, Member: c.Member,
			Details: rewards.Details{GivenName: c.Given, FamilyName: c.Family, Phone: c.Phone, Consent: true}}); err != nil {
			return "", err
		}
		if c.Holder != "" {
			if _, err := s.LinkCard(ctx, rewards.CardLink{Meta: ago(c.IssuedDays - 1), Card: c.Number, Holder: c.Holder, Pool: true}); err != nil {
				return "", err
			}
		}
	}
	for _, c := range demoCards {
		for _, r := range c.Receipts {
			n++
			lines := []rewards.Line{{SKU: "groceries", Qty: 1, Amount: r.Amount}}
			if r.Own > 0 {
				lines = append(lines, rewards.Line{SKU: "koop-own-brand", Qty: 1, Amount: r.Own, OwnBrand: true})
			}
			if _, err := s.PostReceipt(ctx, rewards.Receipt{ID: fmt.Sprintf("DEMO-%04d", n), Store: demoStore, Card: c.Number,
				Time: ago(r.Days).At, Lines: lines}); err != nil {
				return "", err
			}
		}
	}
	v, err := s.Redeem(ctx, rewards.Redemption{Meta: ago(demoRedeemedDays), Card: demoCards[0].Number, Reward: demoRedeemed, Store: demoStore})
	if err != nil {
		return "", err
	}
	claim := ago(demoRedeemedDays)
	claim.At = claim.At.Add(10 * time.Minute)
	if _, err := s.ClaimVoucher(ctx, rewards.VoucherAction{Meta: claim, Code: v.Code}); err != nil {
		return "", err
	}
	k, err := s.AddDevice(ctx, rewards.DeviceAdd{Meta: start, Device: rewards.Device{Name: "kiosk-" + demoStore, Role: rewards.RoleKiosk, Store: demoStore}})
	if err != nil {
		return "", err
	}
	return k.Token, nil
}

// equip gives the kiosk the demo's file printers, names their folder on
// attract, and quits the app on SIGINT or SIGTERM, so that the demo
// cleans up after itself; it does nothing without a demo.
func (d *demo) equip(k *kiosk.Kiosk) {
	if d == nil {
		return
	}
	files := kiosk.FilePrinter{Dir: d.printed, Service: k.Service}
	k.Printer, k.CardPrinter, k.PrintsTo = files, files, d.printed
	k.PosterPrinter = printer.NewFile(filepath.Join(d.printed, "poster.pdf"))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		fyne.Do(fyne.CurrentApp().Quit)
	}()
}

// close stops the server and removes the ledgers; the printed files stay,
// and the terminal says where.
func (d *demo) close() {
	if d.srv != nil {
		d.srv.Close()
	}
	if d.ledger != nil {
		d.ledger.Close()
	}
	os.RemoveAll(filepath.Join(d.dir, "ledgers"))
	if d.lang != "" {
		d.say("kioskdemo.kept", lang.Args{"folder": d.printed})
	}
}
