// Command tochka-kiosk is the kiosk: the Fyne app customers, staff and
// managers use in the store (package kiosk), over a replica of the
// central ledger that it keeps in sync (rewards/replica).
//
// It is wiring only: it reads its flags, opens the replica that `tochkactl
// sync init` made, runs its sync loop, takes scans from a keyboard-wedge
// scanner through the window, and shows the screens.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/replica"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// settings are the kiosk's flags.
type settings struct {
	db, lang, statusAddr string
	fullscreen, demo     bool
	idle                 time.Duration
}

func parse(args []string, stderr io.Writer) (settings, error) {
	var s settings
	fs := flag.NewFlagSet("tochka-kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&s.db, "db", "", "the kiosk's replica (made by tochkactl --db FILE sync init)")
	fs.StringVar(&s.lang, "lang", "", "the language attract speaks: bg, ru or en (default: the program's)")
	fs.StringVar(&s.statusAddr, "status-addr", "", "serve GET /status at this address (127.0.0.1:PORT)")
	fs.BoolVar(&s.fullscreen, "fullscreen", false, "fill the screen")
	fs.BoolVar(&s.demo, "demo", false, "run on a demo: a central server in this process, demo cards, files for printers")
	fs.DurationVar(&s.idle, "idle", kiosk.DefaultIdle, "clear a customer's screen after this long without a touch")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if s.db == "" && !s.demo {
		return s, errors.New("--db is required: the kiosk's replica, made by tochkactl --db FILE sync init")
	}
	if s.lang != "" && !lang.Valid(s.lang) {
		return s, fmt.Errorf("--lang %q is not one of bg, ru, en", s.lang)
	}
	return s, nil
}

// run runs the kiosk until its window closes and returns the exit status.
func run(args []string, stderr io.Writer) int {
	s, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "tochka-kiosk:", err)
		}
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	var d *demo
	if s.demo {
		if d, err = startDemo(s.lang, stderr); err != nil {
			fmt.Fprintln(stderr, "tochka-kiosk: demo:", err)
			return 1
		}
		defer d.close()
		s.db = d.replica
	}
	ledger := sqlite.NewStore(s.db)
	if err := ledger.Open(); err != nil {
		fmt.Fprintln(stderr, "tochka-kiosk:", err)
		return 1
	}
	defer ledger.Close()
	ctx := context.Background()
	info, err := ledger.ReplicaInfo(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "tochka-kiosk:", err)
		return 1
	}
	p, err := ledger.Program(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "tochka-kiosk:", err)
		return 1
	}
	client := api.NewClient(info.Upstream, &http.Client{Timeout: 30 * time.Second}, api.WithToken(info.Token))
	sync := replica.New(ledger, client)
	sync.Logger = log
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go sync.Run(ctx)

	a := app.NewWithID("bg.tochka.kiosk")
	a.Settings().SetTheme(kiosk.Theme{})
	w := a.NewWindow("Tochka")
	w.SetFullScreen(s.fullscreen)
	w.Resize(fyne.NewSize(1280, 1024))
	k := &kiosk.Kiosk{Service: replica.NewService(sync, client), Coop: info.Coop, Store: info.Store, Window: w,
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
		Devices: func() map[string]string { return map[string]string{"scanner": "wedge"} },
		Idle:    s.idle,
	}
	d.equip(k)
	l := s.lang
	if l == "" {
		l = p.Language()
	}
	if s.statusAddr != "" {
		ln, err := net.Listen("tcp", s.statusAddr)
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
	return 0
}
