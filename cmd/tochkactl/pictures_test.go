package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// rewardJSON is a reward as board add --json prints it.
type rewardJSON struct {
	ID      string `json:"id"`
	Picture string `json:"picture"`
}

// pictureCount counts the pictures a ledger stores.
func pictureCount(t *testing.T, db string) int {
	t.Helper()
	conn, err := sql.Open("sqlite3", db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM pictures`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// board add --picture stores the file in the ledger, once for every
// reward that shows it, named by the SHA-256 of the stored bytes; the
// poster prints it from the ledger, with the file gone and from a copy
// of the ledger elsewhere.
func TestBoardPicture(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	c.ok("coop", "add", "--id", "sofia", "--name-en", "Sofia")
	pic := filepath.Join(c.dir, "oil.png")
	writePNG(t, pic)
	var oil, tea rewardJSON
	c.jsonOf(&oil, "board", "add", "--id", "OIL", "--coop", "sofia", "--points", "120", "--name-en", "Oil", "--picture", pic)
	c.jsonOf(&tea, "board", "add", "--id", "TEA", "--coop", "sofia", "--points", "30", "--name-en", "Tea", "--picture", pic)
	if !rewards.IsPictureHash(oil.Picture) || tea.Picture != oil.Picture {
		t.Fatalf("pictures %q and %q, want one SHA-256", oil.Picture, tea.Picture)
	}
	if n := pictureCount(t, c.db); n != 1 {
		t.Fatalf("%d pictures stored for two rewards with one file", n)
	}
	// The same request again stores nothing more and answers the same.
	var again rewardJSON
	c.jsonOf(&again, "board", "add", "--id", "OIL", "--coop", "sofia", "--points", "120", "--name-en", "Oil", "--picture", pic)
	if again != oil || pictureCount(t, c.db) != 1 {
		t.Fatalf("added again: %+v, %d pictures", again, pictureCount(t, c.db))
	}

	// The file gone, the ledger copied to another folder: the poster
	// prints the picture, once for both items.
	if err := os.Remove(pic); err != nil {
		t.Fatal(err)
	}
	other := newCLI(t)
	data, err := os.ReadFile(c.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other.db, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(other.dir, "board.pdf")
	code, stdout, stderr := other.exec("", "board", "print", "--out", out)
	if code != 0 || stderr != "" {
		t.Fatalf("board print from a copy: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(pdf, []byte("/Subtype /Image")); n != 1 {
		t.Errorf("%d pictures in the poster, want the one both items show", n)
	}
	wantWords(t, out, "Oil", "Tea")
}

// A picture that is no JPEG or PNG, or is over 10 MB, or is not there, is
// refused when it is given, saying why, and nothing is stored.
func TestBoardPictureRefused(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	huge := filepath.Join(c.dir, "huge.jpg")
	if err := os.WriteFile(huge, []byte("\xff\xd8\xff"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 10<<20+1); err != nil {
		t.Fatal(err)
	}
	gif := c.file("cake.gif", "GIF89a\x01\x00\x01\x00")
	cut := filepath.Join(c.dir, "cut.png")
	writePNG(t, cut)
	whole, _ := os.ReadFile(cut)
	os.WriteFile(cut, whole[:len(whole)/2], 0o644)
	missing := filepath.Join(c.dir, "none.png")
	for _, tc := range []struct{ file, want string }{
		{huge, "Picture " + huge + " is over 10 MB: give a smaller file."},
		{gif, "Picture " + gif + " is not a JPEG or PNG image: save it as one of those."},
		{cut, "Picture " + cut + " looks like a PNG, but it cannot be decoded: "},
		{missing, "Picture " + missing + ": there is no such file."},
	} {
		msg := c.refused("board", "add", "--id", "CAKE", "--coop", "sofia", "--points", "10", "--name-en", "Cake", "--picture", tc.file)
		if !strings.HasPrefix(msg, tc.want) {
			t.Errorf("--picture %s: %q, want %q", filepath.Base(tc.file), msg, tc.want)
		}
	}
	if n := pictureCount(t, c.db); n != 0 {
		t.Errorf("%d pictures stored", n)
	}
	if out := c.ok("board", "list"); out != "the board is empty\n" {
		t.Errorf("board after the refusals:\n%s", out)
	}
}

// A bonus program has no reward board: board add and board print refuse,
// saying why, and nothing is printed.
func TestBonusProgramHasNoBoard(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "bonus")
	pic := filepath.Join(c.dir, "kettle.png")
	writePNG(t, pic)
	const why = "pays bonuses off the price at the till: it has no reward board, and its tills take no voucher."
	if msg := c.refused("board", "add", "--id", "KETTLE", "--coop", "msk", "--points", "500", "--name-ru", "Чайник", "--picture", pic); !strings.HasSuffix(msg, why) {
		t.Errorf("board add: %q", msg)
	}
	out := filepath.Join(c.dir, "board.pdf")
	if msg := c.refused("board", "print", "--out", out); !strings.HasSuffix(msg, why) {
		t.Errorf("board print: %q", msg)
	}
	noFile(t, out)
	if n := pictureCount(t, c.db); n != 0 {
		t.Errorf("%d pictures stored", n)
	}
}

// Upgrading a v0.1.0 ledger imports the picture files it names that can
// still be read, and the command that upgraded it warns, naming the
// reward, of each that cannot; the poster prints the imported picture.
func TestUpgradeImportsBoardPictures(t *testing.T) {
	c := newCLI(t)
	ledgers := filepath.Join("..", "..", "rewards", "sqlite", "testdata", "ledgers")
	for _, name := range []string{"v0.1.0-pictures.db", "oil.png"} {
		data, err := os.ReadFile(filepath.Join(ledgers, name))
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(c.dir, name)
		if name != "oil.png" {
			to = c.db
		}
		if err := os.WriteFile(to, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.env["TOCHKA_NOW"] = "2026-11-10T10:00:00Z"
	code, stdout, stderr := c.exec("", "board", "list", "--json")
	if code != 0 {
		t.Fatalf("board list: exit %d\n%s", code, stderr)
	}
	if stderr != "tochkactl: warning: Reward mug: picture gone.jpg was not imported, and the reward stays on the board without one: Picture gone.jpg: there is no such file.\n" {
		t.Errorf("the upgrade warned:\n%s", stderr)
	}
	var board []rewardJSON
	if err := json.Unmarshal([]byte(stdout), &board); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range board {
		got[r.ID] = r.Picture
	}
	if !rewards.IsPictureHash(got["oil-1l"]) || got["tea"] != got["oil-1l"] || got["mug"] != "" {
		t.Fatalf("pictures after the upgrade: %v", got)
	}
	// Once: the next command says nothing.
	if code, _, stderr := c.exec("", "check"); code != 0 || stderr != "" {
		t.Fatalf("check after the upgrade: exit %d\n%s", code, stderr)
	}
	out := filepath.Join(c.dir, "board.pdf")
	c.ok("board", "print", "--out", out)
	if pdf, _ := os.ReadFile(out); bytes.Count(pdf, []byte("/Subtype /Image")) != 1 {
		t.Error("the imported picture is not on the poster")
	}

	// The warning is in the reader's language: the program's, unless told.
	bg := newCLI(t)
	delete(bg.env, "TOCHKA_LANG")
	data, err := os.ReadFile(filepath.Join(ledgers, "v0.1.0-pictures.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bg.db, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := bg.exec("", "check"); code != 0 || strings.Count(stderr, "\n") != 3 ||
		!strings.HasPrefix(stderr, "tochkactl: внимание: Награда mug: снимка gone.jpg не беше внесена и наградата остава на таблото без снимка: ") {
		t.Errorf("check of a v0.1.0 ledger in Bulgarian: exit %d\n%s", code, stderr)
	}
}

// board add stores the picture before the reward is accepted: when the
// reward is then refused, the picture stays, shown by no reward. check
// tells of it as a notice, not a problem, and names it; once a reward
// shows it, check says nothing of it.
func TestUnusedPictureNotice(t *testing.T) {
	c := newCLI(t)
	c.ok("init", "--program", "coop")
	pic := filepath.Join(c.dir, "oil.png")
	writePNG(t, pic)
	c.refused("board", "add", "--id", "OIL", "--coop", "nowhere", "--points", "120", "--name-en", "Oil", "--picture", pic)
	if n := pictureCount(t, c.db); n != 1 {
		t.Fatalf("%d pictures stored", n)
	}
	var r rewards.CheckReport
	c.jsonOf(&r, "check")
	if len(r.Problems) != 0 || len(r.UnusedPictures) != 1 || !rewards.IsPictureHash(r.UnusedPictures[0]) {
		t.Fatalf("check --json: %+v", r)
	}
	if out := c.ok("check"); !strings.HasPrefix(out, "notice: 1 stored picture is shown by no reward: "+r.UnusedPictures[0]+"\nledger ok: ") {
		t.Errorf("check:\n%s", out)
	}
	if out := c.ok("--lang", "ru", "check"); !strings.HasPrefix(out, "примечание: 1 сохранённая картинка не показана ни в одной награде: ") {
		t.Errorf("check in Russian:\n%s", out)
	}
	c.ok("coop", "add", "--id", "sofia", "--name-en", "Sofia")
	c.ok("board", "add", "--id", "OIL", "--coop", "sofia", "--points", "120", "--name-en", "Oil", "--picture", pic)
	if out := c.ok("check"); strings.Contains(out, "notice") {
		t.Errorf("check with the picture shown:\n%s", out)
	}
}
