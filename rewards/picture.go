package rewards

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/tochka-loyalty/tochka/lang"
)

// Picture is a picture of the reward board, kept by its content: Hash is
// the hex SHA-256 of Data, the bytes as stored, and what a reward's Picture
// names. The same bytes are the same picture wherever they are kept, so a
// picture is stored once however many rewards show it, and fetched by its
// hash like any immutable blob; it is no event's body.
type Picture struct {
	Hash      string `json:"hash"`
	MediaType string `json:"media_type"` // MediaJPEG or MediaPNG
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Data      []byte `json:"-"`
}

// What a picture of the board may be.
const (
	// PictureMaxBytes is the most a picture file given for the board may
	// hold: a photo from a phone fits, a scan of a poster does not.
	PictureMaxBytes = 10 << 20
	// PictureMaxSide is the most pixels a stored picture has on its long
	// side: a poster's cell on A3 needs less, and the kiosk's screen too.
	PictureMaxSide = 1200

	MediaJPEG = "image/jpeg"
	MediaPNG  = "image/png"
)

// PictureHash is the name of a picture whose stored bytes are data: their
// SHA-256, in lowercase hex.
func PictureHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// IsPictureHash reports whether s is a name PictureHash gives, rather than
// the file path a reward named its picture by in v0.1.0.
func IsPictureHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Validate checks a picture to be stored: its hash is its bytes', and it
// is a JPEG or PNG of a size the board keeps.
func (p *Picture) Validate() error {
	if len(p.Data) == 0 {
		return Fail(EINVALID, "picture.empty", nil)
	}
	if len(p.Data) > PictureMaxBytes {
		return Fail(EINVALID, "picture.too_large", lang.Args{"megabytes": PictureMaxBytes >> 20})
	}
	if got := PictureHash(p.Data); p.Hash != got {
		return Fail(EINVALID, "picture.hash_mismatch", lang.Args{"hash": p.Hash, "sum": got})
	}
	if p.MediaType != MediaJPEG && p.MediaType != MediaPNG {
		return Fail(EINVALID, "picture.media_type", lang.Args{"type": p.MediaType})
	}
	if p.Width < 1 || p.Height < 1 || p.Width > PictureMaxSide || p.Height > PictureMaxSide {
		return Fail(EINVALID, "picture.dimensions", lang.Args{"width": p.Width, "height": p.Height, "max": PictureMaxSide})
	}
	return nil
}

// KeepsBoard says why program p has no reward board, or nil: a bonus
// program pays bonuses off the price at the till, and its tills take no
// voucher, so a board or a poster of one would offer what cannot be had.
func (p *Program) KeepsBoard() error {
	if p.Kind != KindPoints {
		return Fail(EREFUSED, "board.bonus_program", lang.Args{"program": p.Name})
	}
	return nil
}

// AcceptsReward says why reward r may not be put on program p's board, or
// nil. pictureStored says whether the ledger holds the picture r names: a
// reward names its picture by hash, and a hash of nothing stored would
// print an empty cell.
func (p *Program) AcceptsReward(r *Reward, pictureStored bool) error {
	if err := p.KeepsBoard(); err != nil {
		return err
	}
	if r.Picture != "" && !pictureStored {
		return Fail(EREFUSED, "picture.not_stored", lang.Args{"reward": r.ID, "hash": r.Picture})
	}
	return nil
}
