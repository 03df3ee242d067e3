package kiosk_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tochka-loyalty/tochka/kiosk"
	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// A kiosk printing to files: attract names the folder; an exchange writes
// the voucher as a PDF and an ESC/POS stream, both of whose Code 128 and
// QR codes read back as the voucher's code, in the customer's language
// with the store's name; a card prints to a PDF whose EAN-13 reads back as
// its number; with the folder gone the printer is not ready, says so in
// words, and no points are spent.
func TestFilePrinter(t *testing.T) {
	s, now, c := customerOf100(t)
	dir := filepath.Join(t.TempDir(), "printed")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := kiosk.FilePrinter{Dir: dir, Service: s}
	w := newWindow(t)
	w.Resize(fyne.NewSize(1920, 1080))
	k := &kiosk.Kiosk{Work: atOnce, Service: s, Coop: "c1", Store: "s1", Now: func() time.Time { return now }, Window: w, After: (&timers{}).after,
		Printer: p, CardPrinter: p, PrintsTo: dir}
	k.Start(lang.EN)
	if !shows(w, "cards and vouchers are printed to files in") || !shows(w, dir) {
		t.Fatalf("attract does not name the folder: %q", texts(w.Content()))
	}
	k.Scan(c.Number)
	test.Tap(button(t, w.Content(), "Take for 40 points"))
	test.Tap(button(t, w.Content(), "Take it"))
	pdfs, _ := filepath.Glob(filepath.Join(dir, "voucher-*.pdf"))
	if k.Screen() != kiosk.ScreenVoucher || len(pdfs) != 1 {
		t.Fatalf("after taking the mug: %s, %q printed", k.Screen(), pdfs)
	}
	code := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(pdfs[0]), "voucher-"), ".pdf")
	if v, err := s.Voucher(ctx, code); err != nil || v.Card != c.Number || v.Reward != "mug" {
		t.Fatalf("the ledger's voucher %s: %+v %v", code, v, err)
	}
	stream, err := os.ReadFile(filepath.Join(dir, "voucher-"+code+".escpos"))
	if err != nil {
		t.Fatal(err)
	}
	bare := strings.ReplaceAll(code, "-", "")
	for _, picture := range []string{printertest.Pages(t, pdfs[0])[0], printertest.ESCPOSPicture(t, stream)} {
		for _, symbology := range []string{"code128", "qrcode"} {
			if got := printertest.Decode(t, picture, symbology); !slices.Equal(got, []string{bare}) {
				t.Errorf("%s: the %s reads %q, want %q", filepath.Base(picture), symbology, got, bare)
			}
		}
	}
	printertest.WantText(t, "the voucher", printertest.Words(t, pdfs[0]), "Mug", "Store s1", "VOUCHER")

	prog, err := s.Program(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.PrintCards(ctx, printer.Cards{Program: *prog, Lang: lang.EN, Cards: []rewards.Card{{Number: c.Number}}, Date: now}); err != nil {
		t.Fatal(err)
	}
	card := filepath.Join(dir, "card-"+c.Number+".pdf")
	if got := printertest.Decode(t, printertest.Pages(t, card)[0], "ean13"); !slices.Equal(got, []string{c.Number}) {
		t.Errorf("the card's EAN-13 reads %q, want %s", got, c.Number)
	}

	os.RemoveAll(dir)
	if err := p.Ready(ctx); rewards.ErrorText(err, lang.EN) != "cannot write "+dir+": the directory "+dir+" does not exist" {
		t.Fatalf("Ready with the folder gone: %v", err)
	}
	k.Scan(c.Number)
	test.Tap(button(t, w.Content(), "Take for 40 points"))
	test.Tap(button(t, w.Content(), "Take it"))
	if b, _ := s.Balance(ctx, c.Number, now); k.Screen() != kiosk.ScreenCustomer || b.Available != 60 || !shows(w, "The voucher printer is not ready") {
		t.Fatalf("an exchange with the folder gone: %s, %d points left, %q", k.Screen(), b.Available, texts(w.Content()))
	}
}
