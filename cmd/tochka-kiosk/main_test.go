package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/api"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
	"github.com/tochka-loyalty/tochka/scanner"
)

var ctx = context.Background()

// writeFile writes a config file in dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Bad usage is exit status 2, naming the flag or the config file's key
// that is wrong, in the reader's language (--lang, else $TOCHKA_LANG); a
// ledger that is no kiosk's replica is refused (exit 1), saying how to
// make one; none opens a window.
func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	ledger := filepath.Join(dir, "server.db")
	s := sqlite.NewStore(ledger)
	s.Create = true
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InstallProgram(ctx, rewards.ProgramInstall{Program: rewardstest.Program(t, "coop")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	badLayout := writeFile(t, dir, "layout.toml", "db = \"kiosk.db\"\nlayout = \"dvorak\"\n")
	unknown := writeFile(t, dir, "unknown.toml", "db = \"kiosk.db\"\nprinter = \"CARDS\"\nconfig = \"other.toml\"\n")
	broken := writeFile(t, dir, "broken.toml", "db = \"kiosk.db\n")
	russian := writeFile(t, dir, "russian.toml", "lang = \"ru\"\nscanner = \"usb:0c2e\"\n")
	for _, c := range []struct {
		args []string
		env  string // TOCHKA_LANG
		code int
		says string
	}{
		{nil, "", 2, "--db is required"},
		{[]string{"--db", ledger, "--lang", "de"}, "", 2, `--lang "de" is not one of bg, ru, en`},
		{[]string{"--db", ledger, "--theme", "blue"}, "", 2, `--theme "blue" is not one of light, dark`},
		{[]string{"--bogus"}, "", 2, "there is no flag --bogus: tochka-kiosk --help lists them"},
		{[]string{"--db"}, "", 2, "--db needs a value"},
		{[]string{"--db", "x", "extra"}, "", 2, "there is no flag extra"},
		{[]string{"--db", "x", "--fullscreen=maybe"}, "", 2, `invalid boolean value "maybe" for -fullscreen`},
		{[]string{"--db", "x", "--scanner", "laser"}, "", 2, `--scanner "laser": not a scanner: give auto, wedge, usb:VID:PID, hidpos:VID:PID or serial:PORT`},
		{[]string{"--db", "x", "--scanner", "usb:zz"}, "", 2, `--scanner "usb:zz": "zz" is not a USB vendor and product id`},
		{[]string{"--db", "x", "--layout", "dvorak"}, "", 2, `--layout "dvorak" is not one of de, fr, us`},
		{[]string{"--db", "x", "--suffix", "nl"}, "", 2, `--suffix "nl" is not one of cr, lf, crlf`},
		{[]string{"--db", "x", "--voucher-printer", "two words"}, "", 2, `--voucher-printer "two words": `},
		{[]string{"--db", "x", "--voucher-printer", "usb:0416"}, "", 2, `--voucher-printer "usb:0416": "0416" is not a USB vendor and product id`},
		{[]string{"--db", "x", "--card-printer", "a/b"}, "", 2, `--card-printer "a/b": `},
		{[]string{"--db", "x", "--server", "https://tochka.example.org"}, "", 2, "--server and --token go together"},
		{[]string{"--db", "x", "--token", "t"}, "", 2, "--server and --token go together"},
		{[]string{"--db", "x", "--server", "tochka.example.org", "--token", "t"}, "", 2, `--server "tochka.example.org" is not a server's address`},
		{[]string{"--db", "x", "--status-addr", "8090"}, "", 2, `--status-addr "8090" is not an address such as 127.0.0.1:8090`},
		{[]string{"--db", "x", "--status-addr", "0.0.0.0:8090"}, "", 2, `--status-addr "0.0.0.0:8090": the status endpoint shows the screen and what it holds, so it listens on this machine only (127.0.0.1:PORT)`},
		{[]string{"--demo", "--db", "x"}, "", 2, `--demo runs on a ledger of its own: leave out --db, --server and --token`},
		{[]string{"--config", badLayout}, "", 2, `layout in the file ` + badLayout + ` "dvorak" is not one of de, fr, us`},
		{[]string{"--config", badLayout, "--layout", "fr"}, "", 0, ""}, // the flag wins: stops later, at the replica
		{[]string{"--config", unknown}, "", 2, "the config file " + unknown + " has keys the kiosk does not know: printer, config"},
		{[]string{"--config", broken}, "", 2, "the config file " + broken + " cannot be read: toml: line 1"},
		{[]string{"--config", filepath.Join(dir, "none.toml")}, "", 2, "cannot be read: there is no such file"},
		{[]string{"--config", russian, "--db", "x"}, "", 2, `scanner в файле ` + russian + ` "usb:0c2e": «0c2e» — не идентификатор производителя и продукта USB`},
		{[]string{"--db", "x", "--scanner", "laser"}, "bg", 2, `--scanner "laser": не е скенер: дайте auto`},
		{[]string{"--db", ledger}, "", 1, "sync init"},
		{[]string{"--db", filepath.Join(dir, "none.db")}, "", 1, "none.db"},
	} {
		t.Setenv("TOCHKA_LANG", c.env)
		var stderr strings.Builder
		code := run(c.args, &stderr)
		if c.code == 0 {
			// Refused later: no setting was.
			if code == 2 {
				t.Errorf("tochka-kiosk %s: refused: %s", strings.Join(c.args, " "), stderr.String())
			}
			continue
		}
		if code != c.code || !strings.Contains(stderr.String(), c.says) {
			t.Errorf("tochka-kiosk %s: exit %d, %q; want exit %d saying %q", strings.Join(c.args, " "), code, stderr.String(), c.code, c.says)
		}
	}
}

// The config file holds every setting under the flag's name; a flag
// given overrides the file's key, the file's others stay.
func TestConfigAndFlags(t *testing.T) {
	dir := t.TempDir()
	config := writeFile(t, dir, "kiosk.toml", `# the kiosk in Lyulin
db = "/var/lib/tochka/kiosk.db"
server = "https://tochka.example.org"
token = "secret"
store = "lyulin"
scanner = "usb:05e0:1200"
layout = "fr"
tab = true
suffix = "crlf"
voucher-printer = "usb:0416:5011"
card-printer = "CARDS"
fullscreen = true
lang = "ru"
status-addr = "127.0.0.1:8090"
`)
	s, err := parse([]string{"--config", config}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := settings{Config: config, DB: "/var/lib/tochka/kiosk.db", Server: "https://tochka.example.org", Token: "secret", Store: "lyulin",
		Scanner: "usb:05e0:1200", Layout: "fr", Tab: true, Suffix: "crlf", VoucherPrinter: "usb:0416:5011", CardPrinter: "CARDS",
		Fullscreen: true, Lang: "ru", StatusAddr: "127.0.0.1:8090"}
	if !sameSettings(s, want) {
		t.Errorf("from the file:\n%+v\nwant\n%+v", s, want)
	}
	if s.scanner.Kind != kiosk.ScannerUSB || s.scanner.VID != 0x05e0 || s.scanner.Boot.Layout != "fr" || s.scanner.Boot.Terminator != scanner.TermTab ||
		s.scanner.Line.Suffix != scanner.SuffixCRLF || s.voucher == nil || s.voucher.USB == nil || s.voucher.USB.PID != 0x5011 ||
		s.cards == nil || s.cards.CUPS.Queue != "CARDS" {
		t.Errorf("made of the file: scanner %+v, voucher %+v, cards %+v", s.scanner, s.voucher, s.cards)
	}

	s, err = parse([]string{"--scanner", "serial:/dev/ttyACM1", "--config", config, "--lang", "bg", "--db", "other.db",
		"--voucher-printer", "RECEIPTS", "--tab=false"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want.Scanner, want.Lang, want.DB, want.VoucherPrinter, want.Tab = "serial:/dev/ttyACM1", "bg", "other.db", "RECEIPTS", false
	if !sameSettings(s, want) {
		t.Errorf("with flags:\n%+v\nwant\n%+v", s, want)
	}
	if s.scanner.Kind != kiosk.ScannerSerial || s.scanner.Port != "/dev/ttyACM1" || s.scanner.Line.Suffix != scanner.SuffixCRLF ||
		s.voucher.CUPS == nil || s.voucher.CUPS.Queue != "RECEIPTS" {
		t.Errorf("made of the flags: scanner %+v, voucher %+v", s.scanner, s.voucher)
	}
	// Without a file, the defaults: a USB scanner if one is connected,
	// no printers.
	s, err = parse([]string{"--db", "kiosk.db"}, nil)
	if err != nil || s.scanner.Kind != kiosk.ScannerAuto || s.voucher != nil || s.cards != nil {
		t.Errorf("the defaults: %+v, %v", s, err)
	}
}

// sameSettings compares the settings as given.
func sameSettings(a, b settings) bool {
	a.inFile, a.scanner, a.voucher, a.cards, a.idle = nil, kiosk.ScannerSetting{}, nil, nil, 0
	b.inFile, b.scanner, b.voucher, b.cards, b.idle = nil, kiosk.ScannerSetting{}, nil, nil, 0
	return reflect.DeepEqual(a, b)
}

// With --server and --token and no replica at --db, the kiosk makes its
// replica from the server (as tochkactl sync init does) and says so; then
// they must be the replica's own, and --store the device's store, or for
// a device of a cooperative one of its stores.
func TestReplicaFromServer(t *testing.T) {
	dir := t.TempDir()
	srv := sqlite.NewStore(filepath.Join(dir, "server.db"))
	srv.Create, srv.Device = true, "server"
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.InstallProgram(ctx, rewards.ProgramInstall{Program: rewardstest.Program(t, "coop")}); err != nil {
		t.Fatal(err)
	}
	rewardstest.MustPlaces(t, srv, "c1", "s1", "s2")
	tokens := map[string]string{}
	for _, d := range []rewards.Device{{Name: "kiosk-s1", Role: rewards.RoleKiosk, Store: "s1"}, {Name: "kiosk-c1", Role: rewards.RoleKiosk, Coop: "c1"}} {
		nd, err := srv.AddDevice(ctx, rewards.DeviceAdd{Device: d})
		if err != nil {
			t.Fatal(err)
		}
		tokens[d.Name] = nd.Token
	}
	server := httptest.NewServer(api.NewHandler(srv, api.Options{Devices: srv, Staff: srv, KioskCardLookups: rate.Inf}))
	defer server.Close()

	path := filepath.Join(dir, "kiosk", "data", "kiosk.db") // its folder not made yet
	args := []string{"--db", path, "--server", server.URL, "--token", tokens["kiosk-s1"]}
	s, err := parse(args, nil)
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	ledger, info, err := s.openReplica(ctx, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if stderr.String() != "tochka-kiosk: made the replica "+path+" from "+server.URL+"\n" {
		t.Errorf("making the replica said %q", stderr.String())
	}
	coop, store, err := s.place(ctx, ledger, info)
	ledger.Close()
	if err != nil || coop != "c1" || store != "s1" {
		t.Errorf("the kiosk's place: %q, %q, %v", coop, store, err)
	}
	// Again: the replica is there, and opened as it is.
	stderr.Reset()
	ledger, _, err = s.openReplica(ctx, &stderr)
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("the replica made: %v %q", err, stderr.String())
	}
	ledger.Close()

	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--db", path, "--server", "http://127.0.0.1:1", "--token", tokens["kiosk-s1"]},
			"the replica " + path + " syncs with " + server.URL + ", not http://127.0.0.1:1: leave --server and --token out, or give another --db for a new replica"},
		{[]string{"--db", path, "--server", server.URL, "--token", "not-its-token"},
			"the replica " + path + " syncs with another device token than --token"},
		{[]string{"--db", path, "--store", "s2"}, `--store "s2": this kiosk's device kiosk-s1 is for the store s1`},
		{[]string{"--db", path, "--store", "s2", "--lang", "ru"}, `--store "s2": устройство этого киоска kiosk-s1 относится к магазину s1`},
	} {
		var stderr strings.Builder
		if code := run(c.args, &stderr); code != 2 || !strings.Contains(stderr.String(), c.says) {
			t.Errorf("tochka-kiosk %s: exit %d, %q; want exit 2 saying %q", strings.Join(c.args, " "), code, stderr.String(), c.says)
		}
	}

	// A device of a cooperative: the kiosk is told its store.
	path = filepath.Join(dir, "coop.db")
	s, err = parse([]string{"--db", path, "--server", server.URL, "--token", tokens["kiosk-c1"], "--store", "s2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ledger, info, err = s.openReplica(ctx, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	coop, store, err = s.place(ctx, ledger, info)
	ledger.Close()
	if err != nil || coop != "c1" || store != "s2" {
		t.Errorf("a cooperative's kiosk in s2: %q, %q, %v", coop, store, err)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--db", path}, "--store is needed: this kiosk's device kiosk-c1 is for the cooperative c1, not for one store"},
		{[]string{"--db", path, "--store", "s9"}, `--store "s9" is no store of c1`},
	} {
		var stderr strings.Builder
		if code := run(c.args, &stderr); code != 2 || !strings.Contains(stderr.String(), c.says) {
			t.Errorf("tochka-kiosk %s: exit %d, %q; want exit 2 saying %q", strings.Join(c.args, " "), code, stderr.String(), c.says)
		}
	}
}
