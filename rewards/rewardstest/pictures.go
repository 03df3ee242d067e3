package rewardstest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"slices"
	"testing"

	"github.com/tochka-loyalty/tochka/rewards"
)

// testPicture is a small PNG as a store keeps it.
func testPicture(t *testing.T, shade uint8) rewards.Picture {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 8, 6))
	for y := range 6 {
		for x := range 8 {
			img.Set(x, y, color.NRGBA{shade, uint8(x * 30), uint8(y * 40), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return rewards.Picture{Hash: rewards.PictureHash(buf.Bytes()), MediaType: rewards.MediaPNG, Width: 8, Height: 6, Data: buf.Bytes()}
}

// The board's pictures are kept by content: a reward names its picture by
// the hash of the stored bytes, and a hash of nothing stored is refused;
// the same picture stored again is the same picture, shown by as many
// rewards as name it; storing a picture records no event.
func boardPictures(t *testing.T, su suite) {
	s, _ := su.store(t, "coop")
	MustPlaces(t, s, "c")
	pic := testPicture(t, 200)
	oil := rewards.Reward{ID: "oil", Coop: "c", Names: rewards.Names{EN: "Oil"}, Points: 40, Picture: pic.Hash}
	_, err := s.AddReward(ctx, rewards.RewardAdd{Reward: oil})
	wantCode(t, err, rewards.EREFUSED, "a reward whose picture is not stored")
	if board, err := s.Rewards(ctx, "", ""); err != nil || len(board) != 0 {
		t.Fatalf("board after the refusal: %+v %v", board, err)
	}
	_, err = s.Picture(ctx, pic.Hash)
	wantCode(t, err, rewards.ENOTFOUND, "a picture not stored")

	events, logged := eventCount(t, s)
	for range 2 {
		got, err := s.PutPicture(ctx, pic)
		if err != nil || got.Hash != pic.Hash {
			t.Fatalf("store the picture: %+v %v", got, err)
		}
	}
	if n, _ := eventCount(t, s); logged && n != events {
		t.Fatalf("storing a picture recorded %d events", n-events)
	}
	got, err := s.Picture(ctx, pic.Hash)
	if err != nil || !bytes.Equal(got.Data, pic.Data) || got.MediaType != rewards.MediaPNG || got.Width != 8 || got.Height != 6 {
		t.Fatalf("the stored picture: %s %d×%d %d bytes, %v", got.MediaType, got.Width, got.Height, len(got.Data), err)
	}

	// Stored and shown by no reward: a notice of check's, not a problem.
	wantUnusedPictures(t, s, pic.Hash)

	tea := oil
	tea.ID, tea.Names = "tea", rewards.Names{EN: "Tea"}
	for _, r := range []rewards.Reward{oil, tea} {
		if _, err := s.AddReward(ctx, rewards.RewardAdd{Reward: r}); err != nil {
			t.Fatalf("add %s: %v", r.ID, err)
		}
	}
	board, err := s.Rewards(ctx, "c", "")
	if err != nil || len(board) != 2 || board[0].Picture != pic.Hash || board[1].Picture != pic.Hash {
		t.Fatalf("two rewards with one picture: %+v %v", board, err)
	}

	// A picture whose hash is not its bytes', or that names a file.
	bad := testPicture(t, 100)
	bad.Hash = pic.Hash
	_, err = s.PutPicture(ctx, bad)
	wantCode(t, err, rewards.EINVALID, "a picture under another's hash")
	if got, _ := s.Picture(ctx, pic.Hash); !bytes.Equal(got.Data, pic.Data) {
		t.Fatal("a picture under another's hash replaced it")
	}
	path := oil
	path.Picture = "pictures/oil.png"
	_, err = s.AddReward(ctx, rewards.RewardAdd{Reward: path})
	wantCode(t, err, rewards.EINVALID, "a reward naming a picture file")
	wantUnusedPictures(t, s)
	checkLedger(t, s)
}

// wantUnusedPictures fails unless check passes and names as unused the
// stored pictures with the hashes given, in order, and no others.
func wantUnusedPictures(t *testing.T, s Store, hashes ...string) {
	t.Helper()
	rep, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || !slices.Equal(rep.UnusedPictures, hashes) {
		t.Fatalf("check: problems %q, unused pictures %q, want %q", rep.Problems, rep.UnusedPictures, hashes)
	}
}

// A bonus program pays at the till and keeps no reward board: adding an
// item is refused, before the places it names are looked up, and records
// nothing.
func bonusHasNoBoard(t *testing.T, su suite) {
	s, _ := su.store(t, "bonus")
	events, logged := eventCount(t, s)
	_, err := s.AddReward(ctx, rewards.RewardAdd{Reward: rewards.Reward{ID: "kettle", Coop: "c", Names: rewards.Names{RU: "Чайник"}, Points: 500}})
	wantCode(t, err, rewards.EREFUSED, "a reward on a bonus program's board")
	if board, err := s.Rewards(ctx, "", ""); err != nil || len(board) != 0 {
		t.Fatalf("the bonus program's board: %+v %v", board, err)
	}
	if n, _ := eventCount(t, s); logged && n != events {
		t.Fatalf("the refusal recorded %d events", n-events)
	}
	checkLedger(t, s)
}
