// Command tochka-kiosk is the kiosk: the Fyne app customers, staff and
// managers use in the store (package kiosk), over a replica of the
// central ledger that it keeps in sync (rewards/replica).
//
//	tochka-kiosk [--config FILE] [--server URL --token TOKEN] [--db FILE] [--store S]
//	    [--scanner auto|usb:VID:PID|hidpos:VID:PID|serial:/dev/ttyACM0|wedge]
//	    [--layout us|de|fr] [--tab] [--suffix cr|lf|crlf]
//	    [--card-printer QUEUE] [--voucher-printer QUEUE|usb:VID:PID]
//	    [--fullscreen] [--lang bg|ru|en] [--status-addr 127.0.0.1:PORT]
//
// A TOML config file (--config) holds the same settings under the flags'
// names (db = "...", voucher-printer = "usb:0416:5011", tab = true, ...);
// a flag given overrides the file's key. With --server and --token and no
// replica at --db yet, the kiosk makes it first, as `tochkactl sync init`
// does. A setting that is refused is named, in the reader's language
// (--lang, else $TOCHKA_LANG, else English), with exit status 2.
//
// It is wiring only: it reads its settings, opens (or makes) its replica,
// runs its sync loop, its scanner and the printers' watch, and shows the
// screens.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/BurntSushi/toml"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
	"github.com/tochka-loyalty/tochka/scanner"
)

func main() {
	if os.Getenv("FYNE_CACHE") == "" {
		// Fyne keeps a screen's widgets, and their textures, a minute
		// after they leave the window, so that a kiosk's memory grows
		// with every customer of a busy minute (30 MB over 500 scans in
		// BenchmarkKioskMemory); a kiosk draws whole screens anew and
		// needs them no longer than ScreenCache. Fyne reads FYNE_CACHE
		// as it starts, before main: the kiosk starts itself again with
		// it set (or, failing that, goes on with Fyne's minute).
		os.Setenv("FYNE_CACHE", ScreenCache.String())
		if exe, err := os.Executable(); err == nil {
			syscall.Exec(exe, os.Args, os.Environ())
		}
	}
	os.Exit(run(os.Args[1:], os.Stderr))
}

// KioskGC is the kiosk's garbage-collection target (GOGC), unless its
// environment sets one.
const KioskGC = 50

// ScreenWait is how long a screen waits for the server before it says
// the server cannot be reached.
const ScreenWait = 10 * time.Second

// ScreenCache is how long Fyne keeps the widgets of a screen no longer
// shown.
const ScreenCache = 5 * time.Second

// settings are the kiosk's flags, and the keys of its config file, which
// have the flags' names.
type settings struct {
	Config         string `toml:"-"`
	Server         string `toml:"server"`
	Token          string `toml:"token"`
	DB             string `toml:"db"`
	Store          string `toml:"store"`
	Scanner        string `toml:"scanner"`
	Layout         string `toml:"layout"`
	Tab            bool   `toml:"tab"`
	Suffix         string `toml:"suffix"`
	CardPrinter    string `toml:"card-printer"`
	VoucherPrinter string `toml:"voucher-printer"`
	OfficePrinter  string `toml:"office-printer"`
	PictureDir     string `toml:"picture-dir"`
	Fullscreen     bool   `toml:"fullscreen"`
	Theme          string `toml:"theme"`
	Lang           string `toml:"lang"`
	StatusAddr     string `toml:"status-addr"`
	Idle           string `toml:"idle"`
	Demo           bool   `toml:"demo"`

	inFile map[string]bool // the settings that came from the config file

	// What check made of the settings.
	scanner kiosk.ScannerSetting
	idle    time.Duration
	voucher *kiosk.ReceiptPrinter // nil: none
	cards   *kiosk.CardQueue      // nil: none
	poster  printer.Printer       // nil: none
}

// usageError is a setting refused: exit status 2, its message in the
// reader's language.
type usageError struct{ msg lang.Msg }

func (e *usageError) Error() string { return e.msg.In(lang.EN) }

func refuse(key string, args lang.Args) error { return &usageError{lang.M(key, args)} }

// name is how a refusal names a setting: "--db", or "db in the file
// kiosk.toml" when it came from there.
func (s *settings) name(key string) any {
	if s.inFile[key] {
		return lang.M("kioskdevices.cli.in_file", lang.Args{"key": key, "file": s.Config})
	}
	return "--" + key
}

// parse reads the flags and the config file they name (a flag given
// overrides the file's key), and checks them.
func parse(args []string, stderr io.Writer) (settings, error) {
	var s settings
	fs := flag.NewFlagSet("tochka-kiosk", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&s.Config, "config", "", "a TOML file of these settings under the flags' names; flags override it")
	fs.StringVar(&s.Server, "server", "", "the server the replica syncs with, to make the replica at --db when there is none")
	fs.StringVar(&s.Token, "token", "", "this kiosk's device token (tochkactl device add), with --server")
	fs.StringVar(&s.DB, "db", "", "the kiosk's replica (made by tochkactl --db FILE sync init, or with --server and --token)")
	fs.StringVar(&s.Store, "store", "", "the store the kiosk is in (default: its device's)")
	fs.StringVar(&s.Scanner, "scanner", "", "auto, wedge, usb:VID:PID, hidpos:VID:PID or serial:PORT (default auto: a USB scanner connected, else the keyboard wedge)")
	fs.StringVar(&s.Layout, "layout", "", "the keyboard layout a USB scanner in keyboard mode is set up for: us, de or fr (default us)")
	fs.BoolVar(&s.Tab, "tab", false, "a USB scanner in keyboard mode ends its scans with Tab (or Enter)")
	fs.StringVar(&s.Suffix, "suffix", "", "the line ending a serial scanner sends: cr, lf or crlf (default cr)")
	fs.StringVar(&s.CardPrinter, "card-printer", "", "the CUPS queue of the card printer")
	fs.StringVar(&s.VoucherPrinter, "voucher-printer", "", "the voucher printer: a CUPS queue, or usb:VID:PID for a USB ESC/POS printer")
	fs.StringVar(&s.OfficePrinter, "office-printer", "", "the CUPS queue of the office printer the manager prints the board's poster on")
	fs.StringVar(&s.PictureDir, "picture-dir", "", "a folder of pictures for the board, listed beside those of USB sticks")
	fs.BoolVar(&s.Fullscreen, "fullscreen", false, "fill the screen")
	fs.StringVar(&s.Theme, "theme", "", "light or dark (default light)")
	fs.StringVar(&s.Lang, "lang", "", "the language attract speaks: bg, ru or en (default: the program's)")
	fs.StringVar(&s.StatusAddr, "status-addr", "", "serve GET /status at this address (127.0.0.1:PORT)")
	fs.StringVar(&s.Idle, "idle", "", "clear a customer's screen after this long without a touch (default 30s)")
	fs.BoolVar(&s.Demo, "demo", false, "run on a demo: a central server in this process, demo cards, files for printers")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
			return s, err
		}
		return s, flagError(err)
	}
	if fs.NArg() > 0 {
		return s, refuse("kioskdevices.cli.unknown_flag", lang.Args{"flag": fs.Arg(0)})
	}
	if s.Config != "" {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		if err := s.readFile(given); err != nil {
			return s, err
		}
	}
	return s, s.check()
}

// flagError says what the flag package found wrong in the reader's
// words.
func flagError(err error) error {
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return refuse("kioskdevices.cli.unknown_flag", lang.Args{"flag": "--" + strings.TrimLeft(f, "-")})
	}
	if f, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return refuse("kioskdevices.cli.flag_value", lang.Args{"flag": "--" + strings.TrimLeft(f, "-")})
	}
	return refuse("problem.text", lang.Args{"text": msg}) // a value the flag package cannot read
}

// readFile takes from the config file each setting that no flag gave.
func (s *settings) readFile(given map[string]bool) error {
	var file settings
	md, err := toml.DecodeFile(s.Config, &file)
	if err != nil {
		var problem any = err.Error() // the TOML parser's words: the line and what is wrong there
		if errors.Is(err, fs.ErrNotExist) {
			problem = lang.M("kioskdevices.cli.no_file", nil)
		}
		return refuse("kioskdevices.cli.config_unreadable", lang.Args{"file": s.Config, "problem": problem})
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		var names []string
		for _, k := range keys {
			names = append(names, k.String())
		}
		return refuse("kioskdevices.cli.config_unknown", lang.Args{"file": s.Config, "keys": strings.Join(names, ", ")})
	}
	s.inFile = map[string]bool{}
	v, f := reflect.ValueOf(s).Elem(), reflect.ValueOf(file)
	for i := range v.NumField() {
		key := v.Type().Field(i).Tag.Get("toml")
		if key != "" && key != "-" && !given[key] && md.IsDefined(key) {
			v.Field(i).Set(f.Field(i))
			s.inFile[key] = true
		}
	}
	return nil
}

// check refuses the settings that cannot be right, naming each, and
// keeps what it made of the scanner and the printers.
func (s *settings) check() error {
	problem := func(key, value string, err error) error {
		return refuse("kioskdevices.cli.problem", lang.Args{"flag": s.name(key), "value": value, "problem": rewards.Detail(err)})
	}
	choice := func(key, value string, choices []string) error {
		return refuse("kioskdevices.cli.choice", lang.Args{"flag": s.name(key), "value": value, "choices": strings.Join(choices, ", ")})
	}
	if s.Lang != "" && !lang.Valid(s.Lang) {
		return choice("lang", s.Lang, lang.All)
	}
	if s.Theme != "" && s.Theme != "light" && s.Theme != "dark" {
		return choice("theme", s.Theme, []string{"light", "dark"})
	}
	var err error
	if s.scanner, err = kiosk.ParseScanner(s.Scanner); err != nil {
		return problem("scanner", s.Scanner, err)
	}
	layouts := scanner.LayoutNames()
	slices.Sort(layouts)
	if s.Layout != "" && !slices.Contains(layouts, s.Layout) {
		return choice("layout", s.Layout, layouts)
	}
	suffix, ok := scanner.ParseSuffix(s.Suffix)
	if !ok {
		return choice("suffix", s.Suffix, scanner.SuffixNames)
	}
	s.scanner.Boot = scanner.BootConfig{Layout: s.Layout}
	if s.Tab {
		s.scanner.Boot.Terminator = scanner.TermTab
	}
	s.scanner.Line = scanner.LineConfig{Suffix: suffix}
	if s.VoucherPrinter != "" {
		if s.voucher, err = kiosk.NewReceiptPrinter(s.VoucherPrinter, nil); err != nil {
			return problem("voucher-printer", s.VoucherPrinter, err)
		}
	}
	if s.CardPrinter != "" {
		if s.cards, err = kiosk.NewCardQueue(s.CardPrinter); err != nil {
			return problem("card-printer", s.CardPrinter, err)
		}
	}
	if s.OfficePrinter != "" {
		if err := printer.CheckQueueName(s.OfficePrinter); err != nil {
			return problem("office-printer", s.OfficePrinter, err)
		}
		s.poster = printer.NewCUPS(s.OfficePrinter)
	}
	if s.Server != "" {
		if u, err := url.Parse(s.Server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return refuse("kioskdevices.cli.server_bad", lang.Args{"flag": s.name("server"), "value": s.Server})
		}
	}
	if (s.Server == "") != (s.Token == "") {
		return refuse("kioskdevices.cli.server_token", nil)
	}
	if s.StatusAddr != "" {
		host, port, err := net.SplitHostPort(s.StatusAddr)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
			return refuse("kioskdevices.cli.addr_bad", lang.Args{"flag": s.name("status-addr"), "value": s.StatusAddr})
		}
		// The screen's picture and what it shows (a customer's name,
		// a form being typed) are for this machine only.
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return refuse("kioskdevices.cli.addr_loopback", lang.Args{"flag": s.name("status-addr"), "value": s.StatusAddr})
		}
	}
	s.idle = kiosk.DefaultIdle
	if s.Idle != "" {
		d, err := time.ParseDuration(s.Idle)
		if err != nil || d <= 0 {
			return problem("idle", s.Idle, rewards.Fail(rewards.EINVALID, "kioskdemo.idle", nil))
		}
		s.idle = d
	}
	if s.DB == "" && !s.Demo {
		return refuse("kioskdevices.cli.db_required", nil)
	}
	if s.Demo && (s.DB != "" || s.Server != "") {
		return refuse("kioskdemo.own_ledger", nil)
	}
	return nil
}

// readerLang is the language of what the kiosk writes on stderr: --lang,
// else $TOCHKA_LANG, else English.
func (s *settings) readerLang() string {
	if lang.Valid(s.Lang) {
		return s.Lang
	}
	if l := strings.ToLower(os.Getenv("TOCHKA_LANG")); lang.Valid(l) {
		return l
	}
	return lang.EN
}

// openReplica opens the replica at --db. With --server and --token and no
// file there yet it makes the replica first, as tochkactl sync init does,
// and says so; with a replica there, they must be the replica's own.
func (s *settings) openReplica(ctx context.Context, stderr io.Writer) (*sqlite.Store, sqlite.ReplicaInfo, error) {
	rl := s.readerLang()
	if s.Server != "" {
		if _, err := os.Stat(s.DB); errors.Is(err, fs.ErrNotExist) {
			client := api.NewClient(s.Server, &http.Client{Timeout: 5 * time.Minute}, api.WithToken(s.Token), api.WithLanguage(rl))
			if err := os.MkdirAll(filepath.Dir(s.DB), 0o700); err != nil { // its folder, the first time
				return nil, sqlite.ReplicaInfo{}, err
			}
			if err := replica.Init(ctx, s.DB, s.Server, s.Token, client); err != nil {
				return nil, sqlite.ReplicaInfo{}, err
			}
			fmt.Fprintln(stderr, "tochka-kiosk:", lang.Text(rl, "kioskdevices.cli.replica_made", lang.Args{"path": s.DB, "server": s.Server}))
		}
	}
	ledger := sqlite.NewStore(s.DB)
	if err := ledger.Open(); err != nil {
		return nil, sqlite.ReplicaInfo{}, err
	}
	info, err := ledger.ReplicaInfo(ctx)
	switch {
	case err != nil:
	case s.Server != "" && strings.TrimRight(info.Upstream, "/") != strings.TrimRight(s.Server, "/"):
		err = refuse("kioskdevices.cli.other_server", lang.Args{"path": s.DB, "upstream": info.Upstream, "server": s.Server})
	case s.Token != "" && info.Token != s.Token:
		err = refuse("kioskdevices.cli.other_token", lang.Args{"path": s.DB})
	}
	if err != nil {
		ledger.Close()
		return nil, sqlite.ReplicaInfo{}, err
	}
	return ledger, info, nil
}

// place is the cooperative and the store of the kiosk: its device's
// store, or the one --store names, which must be that one or, for a
// device of a cooperative, one of its stores.
func (s *settings) place(ctx context.Context, ledger *sqlite.Store, info sqlite.ReplicaInfo) (coop, store string, err error) {
	coop, store = info.Coop, info.Store
	if s.Store != "" {
		if info.Store != "" && s.Store != info.Store {
			return "", "", refuse("kioskdevices.cli.store_other", lang.Args{"flag": s.name("store"), "value": s.Store, "device": info.Device, "store": info.Store})
		}
		store = s.Store
	}
	if store == "" {
		return "", "", refuse("kioskdevices.cli.store_needed", lang.Args{"device": info.Device, "coop": info.Coop})
	}
	stores, err := ledger.Stores(ctx)
	if err != nil {
		return "", "", err
	}
	for _, st := range stores {
		if st.ID == store && (coop == "" || st.Coop == coop) {
			return st.Coop, store, nil
		}
	}
	if s.Store != "" && info.Store == "" {
		return "", "", refuse("kioskdevices.cli.store_unknown", lang.Args{"flag": s.name("store"), "value": s.Store, "coop": info.Coop})
	}
	return coop, store, nil
}

// say writes an error on stderr in the reader's language and returns the
// exit status: 2 for a setting refused, 1 for anything else.
func (s *settings) say(stderr io.Writer, err error) int {
	var u *usageError
	if errors.As(err, &u) {
		fmt.Fprintln(stderr, "tochka-kiosk:", u.msg.In(s.readerLang()))
		return 2
	}
	msg := err.Error()
	if rewards.ErrorCode(err) != rewards.EINTERNAL {
		msg = rewards.ErrorText(err, s.readerLang())
	}
	fmt.Fprintln(stderr, "tochka-kiosk:", msg)
	return 1
}

// PrinterWatch is how often the kiosk asks its printers how they are, for
// the status endpoint and the manager's device screen.
const PrinterWatch = 30 * time.Second

// run runs the kiosk until its window closes and returns the exit status.
func run(args []string, stderr io.Writer) int {
	s, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return s.say(stderr, err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if os.Getenv("GOGC") == "" {
		// A kiosk waits most of the time, and a heap collected at half
		// its live size more keeps it 12 MB smaller (BenchmarkKioskMemory,
		// medians of 3: 183 MB against 195).
		debug.SetGCPercent(KioskGC)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var d *demo
	if s.Demo {
		if d, err = startDemo(s.Lang, stderr); err != nil {
			return s.say(stderr, err)
		}
		defer d.close()
		s.DB = d.replica
	}
	ledger, info, err := s.openReplica(ctx, stderr)
	if err != nil {
		return s.say(stderr, err)
	}
	defer ledger.Close()
	coop, store, err := s.place(ctx, ledger, info)
	if err != nil {
		return s.say(stderr, err)
	}
	p, err := ledger.Program(ctx)
	if err != nil {
		return s.say(stderr, err)
	}
	// The sync's calls may carry a thousand changes; a screen's wait
	// for the server (a phone's code, a staff login, a board edit) is
	// cut shorter, for the person at the screen.
	client := api.NewClient(info.Upstream, &http.Client{Timeout: 30 * time.Second}, api.WithToken(info.Token))
	hc := &http.Client{Timeout: ScreenWait}
	screen := api.NewClient(info.Upstream, hc, api.WithToken(info.Token))
	rep := replica.New(ledger, client)
	rep.Logger = log
	// What runs beside the window (the sync, the printers' checks, the
	// scanner) stops before the replica closes.
	var background sync.WaitGroup
	background.Go(func() { rep.Run(ctx) })

	a := app.NewWithID("bg.tochka.kiosk")
	a.Settings().SetTheme(kiosk.Theme{Primary: kiosk.ProgramColour(p), Dark: s.Theme == "dark"})
	w := a.NewWindow("Tochka")
	w.SetFullScreen(s.Fullscreen)
	w.Resize(fyne.NewSize(1280, 1024))
	svc := replica.NewService(rep, screen)
	k := &kiosk.Kiosk{Service: svc, Coop: coop, Store: store, Window: w,
		Phone: screen, Staff: ledger, StaffServer: screen,
		Device: rewards.Device{Name: info.Device, Role: rewards.RoleKiosk, Store: info.Store, Coop: info.Coop},
		Server: func(session string) kiosk.Remote {
			// A manager's board picture may take a minute up a slow link.
			return api.NewClient(info.Upstream, &http.Client{Timeout: time.Minute}, api.WithToken(info.Token), api.WithStaffSession(session))
		},
		PosterPrinter: s.poster, PictureDir: s.PictureDir,
		Online: func() (bool, time.Time) {
			st, err := ledger.ReplicaInfo(context.Background())
			if err != nil || st.Online {
				return true, time.Time{}
			}
			var since time.Time
			if st.PulledAt != nil {
				since = *st.PulledAt
			}
			return false, since
		},
		Sync: func() any {
			st, err := replica.StatusOf(context.Background(), ledger)
			if err != nil {
				return map[string]string{"error": err.Error()}
			}
			return st
		},
	}
	k.Idle = s.idle
	if s.voucher != nil {
		s.voucher.Service = svc
		k.Printer = s.voucher
	}
	if s.cards != nil {
		k.CardPrinter = s.cards
	}
	d.equip(k) // a demo's printers are files
	background.Go(func() { k.WatchPrinters(ctx, PrinterWatch) })
	sc, err := s.scanner.Open()
	switch {
	case err != nil:
		log.Error("the scanner cannot be read: the keyboard wedge only", "scanner", s.Scanner, "err", err)
	case sc == nil:
		log.Info("no USB or serial scanner: the keyboard wedge only", "scanner", s.scanner.Kind)
	default:
		log.Info("scanner", "scanner", sc.ID)
		background.Go(func() {
			if err := k.RunScanner(ctx, sc); err != nil {
				log.Error("the scanner stopped: the keyboard wedge only", "scanner", sc.ID, "err", err)
			}
		})
	}
	l := s.Lang
	if l == "" {
		l = p.Language()
	}
	if s.StatusAddr != "" {
		ln, err := net.Listen("tcp", s.StatusAddr)
		if err != nil {
			fmt.Fprintln(stderr, "tochka-kiosk: status endpoint:", err)
			return 1
		}
		srv := &http.Server{Handler: k.StatusHandler(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
	}
	k.Start(l)
	w.ShowAndRun()
	stop()
	background.Wait()
	return 0
}
