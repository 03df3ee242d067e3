package rewards_test

import (
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

func TestPictureHash(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2), in lowercase hex.
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := rewards.PictureHash([]byte("abc")); got != abc {
		t.Fatalf("PictureHash(abc) = %s", got)
	}
	for _, tc := range []struct {
		s  string
		ok bool
	}{
		{abc, true},
		{strings.ToUpper(abc), false}, // one spelling: the same picture is one name
		{abc[:63], false},
		{abc + "0", false},
		{"oil.png", false},
		{"", false},
		{strings.Repeat("g", 64), false},
	} {
		if got := rewards.IsPictureHash(tc.s); got != tc.ok {
			t.Errorf("IsPictureHash(%q) = %v", tc.s, got)
		}
	}
}

func TestPictureValidate(t *testing.T) {
	data := []byte("\x89PNG\r\n\x1a\n picture bytes")
	good := func() rewards.Picture {
		return rewards.Picture{Hash: rewards.PictureHash(data), MediaType: rewards.MediaPNG, Width: 1200, Height: 1, Data: data}
	}
	p := good()
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(p *rewards.Picture)
		want string
	}{
		{"no bytes", func(p *rewards.Picture) { p.Data = nil }, "The picture is empty"},
		{"over 10 MB", func(p *rewards.Picture) {
			p.Data = make([]byte, rewards.PictureMaxBytes+1)
			p.Hash = rewards.PictureHash(p.Data)
		}, "over 10 MB"},
		{"another's hash", func(p *rewards.Picture) { p.Hash = rewards.PictureHash([]byte("other")) }, "but the SHA-256 of its bytes is " + rewards.PictureHash(data)},
		{"a GIF", func(p *rewards.Picture) { p.MediaType = "image/gif" }, "of type image/gif"},
		{"too wide", func(p *rewards.Picture) { p.Width = 1201 }, "1201 × 1 pixels"},
		{"no height", func(p *rewards.Picture) { p.Height = 0 }, "1200 × 0 pixels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good()
			tc.edit(&p)
			wantError(t, p.Validate(), rewards.EINVALID, tc.want)
		})
	}
}

// A reward names its picture by hash; a path, which prints on one machine
// only, is refused, naming the reward.
func TestRewardPictureIsAHash(t *testing.T) {
	r := reward()
	r.Picture = rewards.PictureHash([]byte("a picture"))
	if err := r.Validate(); err != nil {
		t.Fatalf("a hash: %v", err)
	}
	for _, bad := range []string{"pictures/oil.png", strings.ToUpper(r.Picture), "\xff"} {
		r.Picture = bad
		wantError(t, r.Validate(), rewards.EINVALID, "reward picture: ", "is not the name of a stored picture")
	}
}

// A bonus program keeps no board: its tills take no voucher. A points
// program takes a reward whose picture is stored, or that has none.
func TestAcceptsReward(t *testing.T) {
	coop, bonus := bundled(t, "coop"), bundled(t, "bonus")
	withPicture := reward()
	withPicture.Picture = rewards.PictureHash([]byte("a picture"))
	for _, tc := range []struct {
		name   string
		p      *rewards.Program
		r      rewards.Reward
		stored bool
		code   string
	}{
		{"points, no picture", coop, reward(), false, ""},
		{"points, picture stored", coop, withPicture, true, ""},
		{"points, picture not stored", coop, withPicture, false, rewards.EREFUSED},
		{"bonus, no picture", bonus, reward(), false, rewards.EREFUSED},
		{"bonus, picture stored", bonus, withPicture, true, rewards.EREFUSED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.AcceptsReward(&tc.r, tc.stored)
			if got := rewards.ErrorCode(err); got != tc.code {
				t.Fatalf("AcceptsReward: %v, want code %q", err, tc.code)
			}
		})
	}
	err := bonus.KeepsBoard()
	wantError(t, err, rewards.EREFUSED, bonus.Name, "has no reward board", "take no voucher")
	if coop.KeepsBoard() != nil {
		t.Error("a points program keeps no board")
	}
	// In the reader's language.
	for l, want := range map[string]string{lang.BG: "няма табло с награди", lang.RU: "нет каталога наград"} {
		if got := rewards.ErrorText(err, l); !strings.Contains(got, want) {
			t.Errorf("%s: %q", l, got)
		}
	}
	err = coop.AcceptsReward(&withPicture, false)
	wantError(t, err, rewards.EREFUSED, "Reward oil-1l: picture "+withPicture.Picture+" is not stored")
}
