package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/printer"
	"github.com/tochka-loyalty/tochka/printer/printertest"
	"github.com/tochka-loyalty/tochka/rewards"
)

// The print commands are tested through run() to files, and what they
// wrote is read back the way printer/reader_test.go reads it: poppler
// rasterises, zbar decodes the barcodes, pdftotext extracts the words.
// Printing on a CUPS queue or a USB printer is the backends' tests' job.

// readPDF reads a file a command wrote and checks that it is a PDF.
func readPDF(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the command wrote no file: %v", err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("%s does not start with %%PDF-: %q", path, data[:min(len(data), 16)])
	}
	return data
}

// pages checks that a command wrote a PDF and renders its pages.
func pages(t *testing.T, path string) []string {
	t.Helper()
	readPDF(t, path)
	return printertest.Pages(t, path)
}

func wantWords(t *testing.T, path string, want ...string) {
	t.Helper()
	printertest.WantText(t, filepath.Base(path), printertest.Words(t, path), want...)
}

func noFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s was created (%v), want nothing printed", filepath.Base(path), err)
	}
}

// printJSON is a print command's report as --json prints it.
type printJSON struct {
	Document    string   `json:"document"`
	Lang        string   `json:"lang"`
	Format      string   `json:"format"`
	Cards       []string `json:"cards"`
	Voucher     string   `json:"voucher"`
	Items       int      `json:"items"`
	Destination string   `json:"destination"`
	Target      string   `json:"target"`
	Jobs        []string `json:"jobs"`
	Warnings    []string `json:"warnings"`
}

func TestCardPrint(t *testing.T) {
	c := newPrintCLI(t)
	c.ok("init", "--program", "coop")
	named := issue(c, "--name", "Мария Петрова", "--consent", "--at", "2026-11-02T08:00:00Z")
	plain := issue(c, "--at", "2026-11-02T08:00:00Z")
	third := issue(c, "--at", "2026-11-02T08:00:00Z")

	// One card a CR80 page pair, front then back, in the order given; in
	// Bulgarian, the language of a program in euros.
	out := filepath.Join(c.dir, "cards.pdf")
	if got := c.ok("card", "print", named, plain, third, "--out", out); got != "отпечатано: 3 карти → "+out+"\n" {
		t.Errorf("card print printed %q", got)
	}
	pp := pages(t, out)
	if len(pp) != 6 {
		t.Fatalf("3 cards: %d pages, want 6 (front and back of each)", len(pp))
	}
	for i, want := range []string{named, plain, third} {
		if got := printertest.Decode(t, pp[2*i], "ean13"); !slices.Equal(got, []string{want}) {
			t.Errorf("front of card %d reads %q, want %s", i+1, got, want)
		}
	}
	wantWords(t, out, "КООП", "Клиентска карта", "Мария Петрова", "Условия")

	// A sheet in English, flags before the arguments and --out=FILE.
	sheet := filepath.Join(c.dir, "sheet.pdf")
	var r printJSON
	c.jsonOf(&r, "card", "print", "--layout", "sheet", "--lang=en", "--out="+sheet, plain, named)
	want := printJSON{Document: "sheet", Lang: "en", Format: "pdf", Cards: []string{plain, named},
		Destination: "out", Target: sheet, Jobs: r.Jobs, Warnings: []string{}}
	if !equalJSON(r, want) || len(r.Jobs) != 1 {
		t.Errorf("card print --json = %+v, want %+v with one job", r, want)
	}
	pp = pages(t, sheet)
	if len(pp) != 2 {
		t.Fatalf("a sheet of 2 cards: %d pages, want 2 (fronts, backs)", len(pp))
	}
	if got, want := printertest.Decode(t, pp[0], "ean13"), slices.Sorted(slices.Values([]string{plain, named})); !slices.Equal(got, want) {
		t.Errorf("the sheet's fronts read %q, want %q", got, want)
	}
	wantWords(t, sheet, "Customer card", "Мария Петрова")

	// Roubles print in Russian.
	b := newPrintCLI(t)
	b.ok("init", "--program", "bonus")
	card := issue(b, "--at", "2026-11-02T08:00:00Z")
	b.jsonOf(&r, "card", "print", card, "--out", filepath.Join(b.dir, "ru.pdf"))
	if r.Lang != "ru" || r.Document != "card" {
		t.Errorf("a RUB program's card: lang %q, document %q; want ru, card", r.Lang, r.Document)
	}
	wantWords(t, filepath.Join(b.dir, "ru.pdf"), "Бонусная карта")
}

// A name the card's font cannot draw all of prints without what it cannot,
// and the operator is told which card, in the reader's language, before
// it prints; --json carries the same warning.
func TestCardPrintUndrawableName(t *testing.T) {
	c := newPrintCLI(t)
	c.ok("init", "--program", "coop")
	card := issue(c, "--name", "山田 Taro 😀", "--consent", "--at", "2026-11-02T08:00:00Z")
	plain := issue(c, "--name", "Мария Петрова", "--consent", "--at", "2026-11-02T08:00:00Z")
	out := filepath.Join(c.dir, "cards.pdf")
	code, stdout, stderr := c.exec("", "card", "print", card, plain, "--out", out)
	warning := "карта " + card + ": името „山田 Taro 😀“ съдържа знаци, които шрифтът на картата не може да отпечата (山 U+5C71, 田 U+7530, 😀 U+1F600): отпечатано е без тях"
	if code != 0 || stderr != "tochkactl: внимание: "+warning+"\n" || stdout != "отпечатано: 2 карти → "+out+"\n" {
		t.Errorf("card print: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	words := printertest.Words(t, out)
	printertest.WantText(t, "cards.pdf", words, "Taro", "Мария Петрова")
	if strings.ContainsAny(words, "山田😀\uFFFD") {
		t.Errorf("cards.pdf prints what its font cannot draw: %q", words)
	}

	// The reader's language is the operator's, --lang also the cards'.
	var r printJSON
	c.jsonOf(&r, "card", "print", card, "--lang", "en", "--out", out)
	want := []string{"card " + card + ": the name “山田 Taro 😀” has characters the card's font cannot print (山 U+5C71, 田 U+7530, 😀 U+1F600): printed without them"}
	if !slices.Equal(r.Warnings, want) {
		t.Errorf("card print --json warnings %q, want %q", r.Warnings, want)
	}
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestCardPrintRefused(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	good := issue(c, "--at", "2026-11-02T08:00:00Z")
	blocked := issue(c, "--at", "2026-11-02T08:00:00Z")
	c.ok("card", "block", blocked, "--at", "2026-11-03T08:00:00Z")
	old := issue(c, "--at", "2026-11-02T08:00:00Z")
	replacement := strings.TrimSpace(c.ok("card", "replace", old, "--at", "2026-11-03T08:00:00Z"))
	unknown := rewards.WithCheckDigit("290000000042")
	mistyped := unknown[:12] + string('0'+(unknown[12]-'0'+1)%10)

	out := filepath.Join(c.dir, "cards.pdf")
	for _, tc := range []struct {
		cards []string
		code  string         // the refusal's code and key, for an error of the domain
		key   string         //
		args  map[string]any //
		msg   string         // or the start of the CLI's own line
	}{
		{cards: []string{unknown}, code: "not_found", key: "card.unknown", args: map[string]any{"card": unknown}},
		// One unknown card among good ones: none is printed.
		{cards: []string{good, unknown}, code: "not_found", key: "card.unknown", args: map[string]any{"card": unknown}},
		{cards: []string{good, mistyped}, code: "invalid", key: "card.check_digit", args: map[string]any{"number": mistyped, "digit": unknown[12] - '0'}},
		{cards: []string{blocked}, msg: "card " + blocked + " is blocked since 3 Nov 2026 10:00: it is not printed"},
		{cards: []string{old}, msg: "card " + old + " is replaced by card " + replacement + ": it is not printed"},
	} {
		cmdline := append([]string{"card", "print", "--out", out}, tc.cards...)
		if tc.key != "" {
			c.refusedAs(tc.code, tc.key, tc.args, cmdline...)
		} else if msg := c.refused(cmdline...); !strings.HasPrefix(msg, tc.msg) {
			t.Errorf("card print %v: %q, want %q", tc.cards, msg, tc.msg)
		}
		noFile(t, out)
	}
}

func TestCardBatch(t *testing.T) {
	c := newPrintCLI(t)
	c.ok("init", "--program", "coop")
	out := filepath.Join(c.dir, "batch.pdf")
	code, stdout, stderr := c.exec("", "card", "batch", "--count", "12", "--layout", "sheet", "--out", out, "--at", "2026-11-02T08:00:00Z")
	if code != 0 {
		t.Fatalf("card batch: exit %d\n%s", code, stderr)
	}
	numbers := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(numbers) != 12 || len(slices.Compact(slices.Sorted(slices.Values(numbers)))) != 12 {
		t.Fatalf("card batch printed %q, want 12 different numbers, one a line", stdout)
	}
	for _, n := range numbers {
		if !cardNumber.MatchString(n) || n[:2] != "29" {
			t.Errorf("card batch printed %q, want a 13-digit number with the prefix 29", n)
		}
	}
	// Not a terminal: the batch's id, to resume it by, a plain line at
	// every 10 % of the way, then what was printed where.
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 12 || !regexp.MustCompile(`^tochkactl: партида (\w+): .* --request-id (\w+) дава издадените карти и издава останалите$`).MatchString(lines[0]) ||
		lines[1] != "издаване на карти: 2 от 12 (16 %)" || lines[10] != "издаване на карти: 12 от 12 (100 %)" ||
		lines[11] != "отпечатано: 12 карти → "+out {
		t.Errorf("card batch stderr:\n%s", stderr)
	}
	pp := pages(t, out)
	if len(pp) != 4 {
		t.Fatalf("12 cards on sheets: %d pages, want 4", len(pp))
	}
	for i, want := range [][]string{numbers[:10], numbers[10:]} {
		want = slices.Sorted(slices.Values(want))
		if got := printertest.Decode(t, pp[2*i], "ean13"); !slices.Equal(got, want) {
			t.Errorf("sheet %d reads %q, want %q", i+1, got, want)
		}
	}

	// The cards are issued, not handed over: card register hands one over
	// and its activation delay counts from then.
	if b := c.balance(numbers[0], "2026-11-10T08:00:00Z"); b.Status != "issued" || b.ActiveFrom != nil {
		t.Errorf("a batch card = %+v, want issued and not handed over", b)
	}
	c.ok("card", "register", numbers[0], "--at", "2026-11-10T08:00:00Z")
	if b := c.balance(numbers[0], "2026-11-11T08:00:00Z"); b.Status != "active" {
		t.Errorf("a batch card a day after it was handed over: %+v", b)
	}

	var r printJSON
	c.jsonOf(&r, "card", "batch", "--count", "1", "--out", filepath.Join(c.dir, "one.pdf"))
	if r.Document != "card" || len(r.Cards) != 1 || !cardNumber.MatchString(r.Cards[0]) || r.Lang != "bg" {
		t.Errorf("card batch --json = %+v", r)
	}
	if got := printertest.Decode(t, pages(t, filepath.Join(c.dir, "one.pdf"))[0], "ean13"); !slices.Equal(got, r.Cards) {
		t.Errorf("the one batch card reads %q, want %q", got, r.Cards)
	}

	// Refused before any card is issued: a count out of range, a file in
	// a directory that does not exist.
	var before struct{ Accounts int }
	c.jsonOf(&before, "check")
	for _, n := range []string{"0", "10001", "-3"} {
		code, stdout, stderr := c.exec("", "card", "batch", "--count", n, "--out", out+".2")
		if code != 2 || stdout != "" || !strings.Contains(stderr, "flag --count: "+n+" is not between 1 and 10000") {
			t.Errorf("card batch --count %s: exit %d, %q, %q", n, code, stdout, stderr)
		}
	}
	missing := filepath.Join(c.dir, "no", "such", "dir", "cards.pdf")
	if msg := c.refused("card", "batch", "--count", "3", "--out", missing); !strings.Contains(msg, "няма папка") {
		t.Errorf("card batch into a missing directory: %q", msg)
	}
	var after struct{ Accounts int }
	c.jsonOf(&after, "check")
	if after.Accounts != before.Accounts {
		t.Errorf("refused batches issued cards: %d accounts, were %d", after.Accounts, before.Accounts)
	}
	noFile(t, out+".2")
}

// voucherCLI is a co-op database with a card that has points, the board
// and one voucher per state, made at times relative to now: voucher print
// checks a voucher's status as of now.
type voucherCLI struct {
	*cli
	card                              string
	open, claimed, cancelled, expired string
}

func newVoucherCLI(t *testing.T) *voucherCLI {
	c := &voucherCLI{cli: newCLI(t)}
	now := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	const day = 24 * time.Hour
	c.ok("init", "--program", "coop", "--at", at(-800*day))
	c.card = issue(c.cli, "--at", at(-400*day))
	c.ok("receipt", "post", c.file("r.json", fmt.Sprintf(`{"id":"R1","store":"s1","card":%q,"time":%q,
		"lines":[{"sku":"A","qty":1,"amount":100000}]}`, c.card, at(-300*day))))
	c.ok("coop", "add", "--id", "sofia", "--name-bg", "София", "--at", at(-300*day))
	c.ok("board", "add", "--id", "OIL", "--coop", "sofia", "--points", "40", "--name-bg", "Олио 1 л",
		"--name-en", "Sunflower oil 1 l", "--at", at(-300*day))
	redeem := func(d time.Duration) string {
		return strings.TrimSpace(c.ok("redeem", c.card, "OIL", "--store", "sofia-1", "--at", at(d)))
	}
	c.expired = redeem(-200 * day) // valid for 30 days
	c.claimed = redeem(-2 * day)
	c.ok("voucher", "claim", c.claimed, "--at", at(-day))
	c.cancelled = redeem(-2 * day)
	c.ok("voucher", "cancel", c.cancelled, "--at", at(-day))
	c.open = redeem(-time.Hour)
	return c
}

func TestVoucherPrint(t *testing.T) {
	c := newVoucherCLI(t)
	delete(c.env, "TOCHKA_LANG") // the voucher prints in the program's language
	content := strings.ReplaceAll(c.open, "-", "")

	pdf := filepath.Join(c.dir, "voucher.pdf")
	if got := c.ok("voucher", "print", c.open, "--out", pdf); got != "отпечатано: ваучер "+c.open+" → "+pdf+"\n" {
		t.Errorf("voucher print printed %q", got)
	}
	pp := pages(t, pdf)
	if len(pp) != 1 {
		t.Fatalf("voucher: %d pages, want one receipt", len(pp))
	}
	for _, sym := range []string{"code128", "qrcode"} {
		if got := printertest.Decode(t, pp[0], sym); !slices.Equal(got, []string{content}) {
			t.Errorf("voucher pdf: %s reads %q, want %s", sym, got, content)
		}
	}
	wantWords(t, pdf, "ВАУЧЕР", "Олио 1 л", "40 точки", c.open, "••••••••• "+c.card[9:], "sofia-1")

	// The same voucher for a thermal printer, in English, the code typed
	// in lower case without its dashes.
	stream := filepath.Join(c.dir, "voucher.escpos")
	var r printJSON
	c.jsonOf(&r, "voucher", "print", strings.ToLower(content), "--lang", "EN", "--escpos", stream)
	if r.Document != "voucher" || r.Voucher != c.open || r.Lang != "en" || r.Format != "escpos" || r.Destination != "escpos" || r.Target != stream {
		t.Errorf("voucher print --escpos --json = %+v", r)
	}
	data, err := os.ReadFile(stream)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte{0x1B, 0x40}) {
		t.Errorf("the ESC/POS stream starts % X, want ESC @", data[:min(len(data), 8)])
	}
	picture := printertest.ESCPOSPicture(t, data)
	for _, sym := range []string{"code128", "qrcode"} {
		if got := printertest.Decode(t, picture, sym); !slices.Equal(got, []string{content}) {
			t.Errorf("voucher escpos: %s reads %q, want %s", sym, got, content)
		}
	}
	// Printing is not redeeming: the voucher is still open and claimable.
	c.ok("voucher", "claim", c.open)
}

func TestVoucherPrintRefused(t *testing.T) {
	c := newVoucherCLI(t)
	out := filepath.Join(c.dir, "voucher.pdf")
	for _, tc := range []struct {
		code string
		err  string         // the refusal's code and key, for an error of the domain
		key  string         //
		args map[string]any //
		msg  string         // or the start of the CLI's own line
	}{
		{code: "ABCD-EFGH-JKMN", err: "not_found", key: "voucher.unknown", args: map[string]any{"code": "ABCD-EFGH-JKMN"}},
		{code: "ABCD-EFGH-JKM", err: "invalid", key: "voucher.code_length", args: map[string]any{"code": "ABCD-EFGH-JKM", "got": 11}},
		{code: c.claimed, msg: "voucher " + c.claimed + " was claimed on "},
		{code: c.cancelled, msg: "voucher " + c.cancelled + " was cancelled on "},
		{code: c.expired, msg: "voucher " + c.expired + " expired on "},
	} {
		for _, dest := range []string{"--out", "--escpos"} {
			if tc.key != "" {
				c.refusedAs(tc.err, tc.key, tc.args, "voucher", "print", tc.code, dest, out)
			} else if msg := c.refused("voucher", "print", tc.code, dest, out); !strings.HasPrefix(msg, tc.msg) {
				t.Errorf("voucher print %s %s: %q, want %q", tc.code, dest, msg, tc.msg)
			}
			noFile(t, out)
		}
	}
}

func TestBoardPrint(t *testing.T) {
	c := newPrintCLI(t)
	c.ok("init", "--program", "coop")
	pic := filepath.Join(c.dir, "oil.png")
	writePNG(t, pic)
	broken := c.file("cake.jpg", "this is not a JPEG")
	c.ok("coop", "add", "--id", "sofia", "--name-bg", "Кооперация София", "--name-en", "Sofia Co-op")
	c.ok("store", "add", "--id", "s2", "--coop", "sofia", "--name-bg", "Магазин Център")
	c.ok("board", "add", "--id", "OIL", "--coop", "sofia", "--points", "120", "--name-bg", "Олио 1 л",
		"--name-en", "Sunflower oil 1 l", "--picture", pic)
	// A file that is not a picture is refused when it is given, not when
	// the poster is printed (in the program's language).
	if msg := c.refused("board", "add", "--id", "CAKE", "--coop", "sofia", "--points", "1500", "--name-en", "Cake", "--picture", broken); msg != broken+" не е изображение JPEG или PNG: запишете го в един от тези формати." {
		t.Errorf("board add with a text file for a picture: %q", msg)
	}
	c.ok("board", "add", "--id", "CAKE", "--coop", "sofia", "--store", "s2", "--points", "1500", "--name-bg", "Торта",
		"--name-en", "Cake")
	c.ok("board", "add", "--id", "OLD", "--coop", "sofia", "--points", "10", "--name-en", "Calendar 2025",
		"--to", "2026-01-01T00:00:00Z", "--at", "2025-12-01T00:00:00Z")

	out := filepath.Join(c.dir, "board.pdf")
	code, stdout, stderr := c.exec("", "board", "print", "--coop", "sofia", "--store", "s2", "--out", out)
	if code != 0 || stdout != "отпечатано: таблото (2 награди) → "+out+"\n" || stderr != "" {
		t.Fatalf("board print: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	wantWords(t, out, "КООП", "Награди за точки", "Кооперация София", "Магазин Център", "Олио 1 л", "120 точки", "Торта", "1 500 точки")
	if got := printertest.Words(t, out); strings.Contains(got, "Calendar") {
		t.Errorf("the poster shows an item whose offer has ended:\n%s", got)
	}
	// The cooperative's poster shows what all its stores offer, not the
	// cake of store s2.
	if got := c.ok("board", "print", "--coop", "sofia", "--out", out); got != "отпечатано: таблото (1 награда) → "+out+"\n" {
		t.Errorf("board print --coop sofia: %q", got)
	}
	if got := printertest.Words(t, out); strings.Contains(got, "Торта") || !strings.Contains(got, "Олио") {
		t.Errorf("the cooperative's poster:\n%s", got)
	}

	// A3, in English, one store's items.
	a3 := filepath.Join(c.dir, "board-a3.pdf")
	var r printJSON
	c.jsonOf(&r, "board", "print", "--store", "s1", "--size", "a3", "--lang", "en", "--out", a3)
	if r.Items != 1 || r.Document != "poster" || r.Lang != "en" || r.Warnings == nil || len(r.Warnings) != 0 {
		t.Errorf("board print --store s1 --json = %+v", r)
	}
	wantWords(t, a3, "Rewards for points", "Sunflower oil 1 l", "s1")
	if info := pdfinfo(t, a3); !strings.Contains(info, "(A3)") {
		t.Errorf("--size a3: pdfinfo says\n%s", info)
	}

	// An empty board prints nothing.
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--coop", "plovdiv"}, "the board of coop plovdiv has no items: nothing was printed"},
		{[]string{"--coop", "plovdiv", "--store", "p1"}, "the board of coop plovdiv for store p1 has no items"},
	} {
		msg := c.refused(append([]string{"board", "print", "--lang", "en", "--out", out + ".2"}, tc.args...)...)
		if !strings.HasPrefix(msg, tc.msg) {
			t.Errorf("board print %v: %q, want %q", tc.args, msg, tc.msg)
		}
	}
	c.ok("board", "remove", "OIL")
	c.ok("board", "remove", "CAKE")
	if msg := c.refused("board", "print", "--out", out+".2"); msg != "таблото няма награди в предлагане (предлагането на 1 награда е приключило): нищо не е отпечатано" {
		t.Errorf("a board of ended offers: %q", msg)
	}
	noFile(t, out+".2")
}

// writePNG writes a small picture to path.
func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.Set(x, y, color.RGBA{uint8(200 + x), 160, uint8(y * 8), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func pdfinfo(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command(printertest.Tool(t, "pdfinfo", "poppler-utils"), path).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", path, err)
	}
	return string(out)
}

// TestPrintDestinations: every print command takes exactly one of its
// destinations, and bad values are bad usage, found before anything is
// looked up or printed.
func TestPrintDestinations(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	card := issue(c)
	out := filepath.Join(c.dir, "out.pdf")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"card", "print", card}, "missing the destination: --out FILE or --printer QUEUE"},
		{[]string{"card", "print", card, "--out", out, "--printer", "CARDS"}, "give one destination only, not --out and --printer"},
		{[]string{"card", "print", card, "--escpos", out}, "unknown flag --escpos"},
		{[]string{"card", "print", card, "--usb", "0416:5011"}, "unknown flag --usb"},
		{[]string{"card", "print", "--out", out}, "missing CARD... or --unprinted"},
		{[]string{"card", "print", card, "--unprinted", "--out", out}, "give the cards to print or --unprinted, not both"},
		{[]string{"card", "print", card, "--batch", "B1", "--out", out}, "--batch goes with --unprinted"},
		{[]string{"card", "print", "--unprinted", "--batch", "", "--out", out}, "flag --batch: needs a value"},
		{[]string{"card", "list"}, "missing --unprinted"},
		{[]string{"card", "list", "--unprinted", "--out", out}, "unknown flag --out"},
		{[]string{"card", "print", card, "--out", ""}, "flag --out: needs a value"},
		{[]string{"card", "print", card, "--out", out, "--layout", "poster"}, `flag --layout takes card or sheet, not "poster"`},
		{[]string{"card", "print", card, "--out", out, "--lang", "de"}, `flag --lang takes bg, ru or en, not "de"`},
		{[]string{"card", "batch", "--out", out}, "missing --count N"},
		{[]string{"card", "batch", "--count", "2"}, "missing the destination: --out FILE or --printer QUEUE"},
		{[]string{"card", "batch", "--count", "many", "--out", out}, "takes a whole number"},
		{[]string{"voucher", "print", "ABCD-EFGH-JKMN"}, "missing the destination: --out FILE.pdf, --escpos FILE, --printer QUEUE or --usb VID:PID"},
		{[]string{"voucher", "print", "ABCD-EFGH-JKMN", "--out", out, "--escpos", out, "--usb", "0416:5011"}, "give one destination only, not --out, --escpos and --usb"},
		{[]string{"voucher", "print", "ABCD-EFGH-JKMN", "--usb", "epson"}, "flag --usb: "},
		{[]string{"voucher", "print", "--out", out}, "missing CODE"},
		{[]string{"board", "print"}, "missing the destination: --out FILE or --printer QUEUE"},
		{[]string{"board", "print", "--out", out, "--size", "A5"}, `flag --size takes A4 or A3, not "A5"`},
		{[]string{"board", "print", "--out", out, "--usb", "0416:5011"}, "unknown flag --usb"},
		{[]string{"printer", "test"}, "missing the destination: --printer QUEUE or --usb VID:PID"},
		{[]string{"printer", "test", "--printer", "CARDS", "--usb", "0416:5011"}, "give one destination only"},
		{[]string{"printer", "test", "--out", out}, "unknown flag --out"},
		{[]string{"printer", "test", "--usb", "0416"}, "flag --usb: "},
		{[]string{"printer"}, "printer needs a subcommand: test"},
	} {
		code, stdout, stderr := c.exec("", tc.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tc.msg) || !strings.Contains(stderr, "usage: tochkactl") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 with %q and a usage line", tc.args, code, stdout, stderr, tc.msg)
		}
		noFile(t, out)
	}
	// The usage line shows the choice of destinations.
	_, _, stderr := c.exec("", "voucher", "print", "X")
	if !strings.Contains(stderr, "usage: tochkactl voucher print CODE (--out FILE.pdf | --escpos FILE | --printer QUEUE | --usb VID:PID)\n") {
		t.Errorf("voucher print usage:\n%s", stderr)
	}
	if help := c.ok("card", "print", "--help"); !strings.Contains(help, "usage: tochkactl card print [CARD...] [--layout card|sheet] (--out FILE | --printer QUEUE) [--unprinted] [--batch ID]\n") {
		t.Errorf("card print --help:\n%s", help)
	}
}

// TestPrinterTestPage reads the test page back: the sample card's number,
// the vouchers' codes and both pangrams, as a PDF for CUPS and as the
// ESC/POS stream for a USB printer.
func TestPrinterTestPage(t *testing.T) {
	p := testProgram()
	at := time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)
	number := printer.TestCard(p).Number
	if err := rewards.ValidateCardNumber(number); err != nil {
		t.Fatal(err)
	}
	codes := []string{"TESTPAGERU23", "TESTPAGEBG45"}

	jobs, what, err := testPage(p, printer.FormatPDF, at, lang.EN)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 || what.In(lang.EN) != "a test card and 2 test vouchers" {
		t.Fatalf("test page for CUPS: %d jobs, %q", len(jobs), what)
	}
	dir := t.TempDir()
	for i, j := range jobs {
		path := filepath.Join(dir, fmt.Sprintf("job%d.pdf", i))
		if err := os.WriteFile(path, j.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		pp := pages(t, path)
		// Each job goes with the media it was laid out on, as its PDF
		// says (a voucher's page is as long as its content).
		if media, err := printer.PageMedia(j.Data); err != nil || j.Media != media {
			t.Errorf("test job %d goes with media %q; its page is %q (%v)", i, j.Media, media, err)
		}
		if i == 0 {
			if got := printertest.Decode(t, pp[0], "ean13"); !slices.Equal(got, []string{number}) {
				t.Errorf("test card reads %q, want %s", got, number)
			}
			if j.Media != cr80Media || j.Sides != printer.TwoSidedLongEdge {
				t.Errorf("the test card goes with media %q, sides %q; want CR80, two-sided", j.Media, j.Sides)
			}
			continue
		}
		for _, sym := range []string{"code128", "qrcode"} {
			if got := printertest.Decode(t, pp[0], sym); !slices.Equal(got, []string{codes[i-1]}) {
				t.Errorf("test voucher %d: %s reads %q, want %s", i, sym, got, codes[i-1])
			}
		}
		wantWords(t, path, []string{printer.PangramRU, printer.PangramBG}[i-1])
	}

	jobs, what, err = testPage(p, printer.FormatESCPOS, at, lang.EN)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || what.In(lang.EN) != "2 test vouchers" {
		t.Fatalf("test page for USB: %d jobs, %q", len(jobs), what)
	}
	picture := printertest.ESCPOSPicture(t, jobs[0].Data)
	for _, sym := range []string{"code128", "qrcode"} {
		if got := printertest.Decode(t, picture, sym); !slices.Equal(got, slices.Sorted(slices.Values(codes))) {
			t.Errorf("test vouchers for USB: %s reads %q, want %q", sym, got, codes)
		}
	}
}

// TestPrinterTestOpensNoDatabase: printer test works where there is no
// database; with no printer at the other end it fails, exit 1, and leaves
// nothing behind.
func TestPrinterTestOpensNoDatabase(t *testing.T) {
	c := newCLI(t)
	missing := filepath.Join(c.dir, "nowhere", "tochka.db")
	for _, dest := range [][]string{{"--printer", "tochka-test-no-such-queue"}, {"--usb", "ffff:fffe"}} {
		code, stdout, stderr := c.exec("", append([]string{"printer", "test", "--db", missing}, dest...)...)
		if code != 1 || stdout != "" || !strings.HasPrefix(stderr, "tochkactl: ") || strings.Contains(stderr, "no database") {
			t.Errorf("printer test %v with no printer: exit %d, stdout %q, stderr %q; want exit 1 with the printer's error", dest, code, stdout, stderr)
		}
	}
	for _, p := range []string{filepath.Dir(missing), c.db} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("printer test created %s", p)
		}
	}
}

// newPrintCLI is newCLI without a chosen language: documents print in the
// program's language (Bulgarian for the co-op, Russian for the bonus
// program), as they do when neither --lang nor $TOCHKA_LANG is given.
func newPrintCLI(t *testing.T) *cli {
	t.Helper()
	c := newCLI(t)
	delete(c.env, "TOCHKA_LANG")
	return c
}
