package sqlite_test

import (
	"bytes"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/picture"
	"github.com/tochka-loyalty/tochka/rewards"
	"github.com/tochka-loyalty/tochka/rewards/rewardstest"
	"github.com/tochka-loyalty/tochka/rewards/sqlite"
)

// pictureRows counts the rows of the pictures table.
func pictureRows(t *testing.T, s *sqlite.Store) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM pictures`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A v0.1.0 ledger named its pictures by file path. The upgrade imports
// each file that can still be read (a relative path from the ledger's
// folder too), once for the two rewards that show it, as `board add
// --picture` would store it; the reward whose file is gone stays on the
// board without a picture, and the warning names it, in the log and in
// the store's Warnings. The log makes the board it leaves: a check
// replays it clean. Opened again, nothing is imported twice.
func TestUpgradeImportsPictures(t *testing.T) {
	path := copyLedger(t, "v0.1.0-pictures.db")
	src := filepath.Join("testdata", "ledgers", "oil.png")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "oil.png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := picture.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}

	var logged bytes.Buffer
	s := sqlite.NewStore(path)
	s.Now = (&clock{t: ts("2026-11-10T10:00:00Z")}).Now
	s.ImportPicture = picture.ReadFile
	s.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const warned = "Reward mug: picture gone.jpg was not imported, and the reward stays on the board without one: Picture gone.jpg: there is no such file."
	if len(s.Warnings) != 1 || s.Warnings[0].In(lang.EN) != warned {
		t.Fatalf("warnings %v, want %q", s.Warnings, warned)
	}
	if bg := s.Warnings[0].In(lang.BG); !strings.HasPrefix(bg, "Награда mug: снимка gone.jpg не беше внесена") || !strings.HasSuffix(bg, "няма такъв файл.") {
		t.Errorf("in Bulgarian: %q", bg)
	}
	if !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), warned) {
		t.Errorf("the store's log: %s", logged.String())
	}
	board, err := s.Rewards(ctx, "koop-sofia", "")
	if err != nil {
		t.Fatal(err)
	}
	pics := map[string]string{}
	for _, r := range board {
		pics[r.ID] = r.Picture
	}
	if pics["oil-1l"] != want.Hash || pics["tea"] != want.Hash || pics["mug"] != "" || pics["pan"] != "" || len(pics) != 4 {
		t.Fatalf("pictures after the upgrade: %v, want oil-1l and tea %s", pics, want.Hash)
	}
	got, err := s.Picture(ctx, want.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, want.Data) || got.MediaType != rewards.MediaPNG || got.Width != 64 || got.Height != 48 {
		t.Fatalf("stored picture: %s %d×%d, %d bytes", got.MediaType, got.Width, got.Height, len(got.Data))
	}
	if n := pictureRows(t, s); n != 1 {
		t.Fatalf("%d pictures stored, want one for both rewards", n)
	}
	checkLedger(t, s)
	events := eventCount(t, s)
	s.Close()

	again, err := openPath(t, path, "2026-11-10T10:05:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Warnings) != 0 || eventCount(t, again) != events {
		t.Fatalf("opened again: warnings %q, %d events (%d before)", again.Warnings, eventCount(t, again), events)
	}
	checkLedger(t, again)
}

// Where no picture file can be read any more, every reward that named one
// stays on the board without it, each with its warning.
func TestUpgradeWithoutPictureFiles(t *testing.T) {
	s, err := openPath(t, copyLedger(t, "v0.1.0-pictures.db"), "2026-11-10T10:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 3 {
		t.Fatalf("warnings %q, want one for each of mug, oil-1l and tea", s.Warnings)
	}
	for i, id := range []string{"mug", "oil-1l", "tea"} {
		if w := s.Warnings[i].In(lang.EN); !strings.HasPrefix(w, "Reward "+id+": ") {
			t.Errorf("warning %d: %q, want reward %s", i, w, id)
		}
	}
	board, err := s.Rewards(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range board {
		if r.Picture != "" {
			t.Errorf("reward %s keeps picture %q", r.ID, r.Picture)
		}
	}
	if n := pictureRows(t, s); n != 0 {
		t.Errorf("%d pictures stored", n)
	}
	checkLedger(t, s)
}

// The store reads no image: a program that opens a v0.1.0 ledger without
// giving it ImportPicture has it upgraded all the same, each reward's
// picture path dropped with a warning that names the reward and says why.
func TestUpgradeWithoutPictureReader(t *testing.T) {
	path := copyLedger(t, "v0.1.0-pictures.db")
	data, err := os.ReadFile(filepath.Join("testdata", "ledgers", "oil.png"))
	if err != nil {
		t.Fatal(err)
	}
	// The file is there to be read, by whoever could.
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "oil.png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	s := sqlite.NewStore(path)
	s.Now = (&clock{t: ts("2026-11-10T10:00:00Z")}).Now
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.Warnings) != 3 {
		t.Fatalf("warnings %q, want one for each of mug, oil-1l and tea", s.Warnings)
	}
	for i, id := range []string{"mug", "oil-1l", "tea"} {
		if w := s.Warnings[i].In(lang.EN); !strings.HasPrefix(w, "Reward "+id+": ") ||
			!strings.HasSuffix(w, "the reward stays on the board without one: the ledger was opened by a program that reads no picture files.") {
			t.Errorf("warning %d: %q, want reward %s", i, w, id)
		}
	}
	if n := pictureRows(t, s); n != 0 {
		t.Errorf("%d pictures stored", n)
	}
	checkLedger(t, s)
}

// A check finds a reward whose picture the ledger lost: pictures are no
// events, and a replay alone would not see it.
func TestCheckFindsMissingPicture(t *testing.T) {
	s, clk := openStore(t, "coop")
	clk.set("2026-11-02T10:00:00Z")
	p, err := picture.ReadFile(filepath.Join("testdata", "ledgers", "oil.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutPicture(ctx, p); err != nil {
		t.Fatal(err)
	}
	rewardstest.MustPlaces(t, s, "c")
	if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "oil", Coop: "c", Names: rewards.Names{EN: "Oil"}, Points: 10, Picture: p.Hash}}); err != nil {
		t.Fatal(err)
	}
	checkLedger(t, s)
	db, err := sql.Open("sqlite3", s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM pictures`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "reward oil: its picture " + p.Hash + " is not stored"; len(r.Problems) != 1 || r.Problems[0].Message != want || r.Problems[0].Key != "check.picture_missing" {
		t.Fatalf("check found %q, want %q", r.Problems, want)
	}
}

// A reward applied from elsewhere may name a picture that has not arrived
// yet: pictures are blobs fetched by hash, after the events that name
// them, as records of places may be. Apply takes it; check names the
// picture missing until it is stored, and then passes.
func TestApplyRewardBeforeItsPicture(t *testing.T) {
	there, clk := openStore(t, "coop")
	clk.set("2026-11-02T10:00:00Z")
	p, err := picture.ReadFile(filepath.Join("testdata", "ledgers", "oil.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := there.PutPicture(ctx, p); err != nil {
		t.Fatal(err)
	}
	rewardstest.MustPlaces(t, there, "c")
	if _, err := there.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "oil", Coop: "c", Names: rewards.Names{EN: "Oil"}, Points: 10, Picture: p.Hash}}); err != nil {
		t.Fatal(err)
	}
	events, err := there.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}

	here, hereClk := openStore(t, "coop")
	hereClk.set("2026-11-02T10:00:00Z")
	for _, e := range events {
		if e.Kind == rewards.EventProgram {
			continue
		}
		if _, err := here.Apply(ctx, e); err != nil {
			t.Fatalf("apply %s: %v", e.Kind, err)
		}
	}
	board, err := here.Rewards(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(board) != 1 || board[0].Picture != p.Hash {
		t.Fatalf("board after the events: %+v", board)
	}
	r, err := here.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 1 || r.Problems[0].Key != "check.picture_missing" {
		t.Fatalf("check before the picture came: %q", r.Problems)
	}
	if _, err := here.PutPicture(ctx, p); err != nil {
		t.Fatal(err)
	}
	checkLedger(t, here)
	// A reward added here still needs its picture stored first.
	_, err = here.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "tea", Coop: "c", Names: rewards.Names{EN: "Tea"}, Points: 10, Picture: strings.Repeat("ab", 32)}})
	if e := (*rewards.Error)(nil); !errors.As(err, &e) || e.Key != "picture.not_stored" {
		t.Errorf("a reward here naming a picture not stored: %v", err)
	}
}
