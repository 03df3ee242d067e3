// Package picture makes the pictures the reward board keeps: it reads a
// JPEG or PNG file, refuses anything else, and scales and re-encodes it the
// same way every time, so that the same file is the same stored bytes, and
// so the same picture (rewards.Picture, named by the SHA-256 of those
// bytes), on every machine.
//
// It is where the image codecs live: the domain, rewards, only names
// pictures by their hash, and the stores only keep the bytes.
package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"

	xdraw "golang.org/x/image/draw"

	"github.com/tochka-loyalty/tochka/lang"
	"github.com/tochka-loyalty/tochka/rewards"
)

// maxPixels bounds the pixels of a picture that is decoded at all: a PNG
// of a few kilobytes can claim a size that would take gigabytes to decode,
// and no honest picture within rewards.PictureMaxBytes has more.
const maxPixels = 64 << 20

// jpegQuality is the quality stored JPEGs are encoded at: a photo on a
// poster shows no loss at it. It is fixed: another quality would make
// other bytes, and so another picture, of the same file.
const jpegQuality = 90

// ReadFile reads the picture file at path and returns it as the board
// keeps it (Normalize). A file that is missing, unreadable, over
// rewards.PictureMaxBytes or not a decodable JPEG or PNG is refused with an
// error that names the file and says which.
func ReadFile(path string) (rewards.Picture, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return rewards.Picture{}, rewards.Fail(rewards.EINVALID, "picture.no_file", lang.Args{"file": path})
	} else if err != nil {
		return rewards.Picture{}, unreadable(path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return rewards.Picture{}, unreadable(path, err)
	} else if fi.IsDir() {
		return rewards.Picture{}, rewards.Fail(rewards.EINVALID, "picture.folder", lang.Args{"file": path})
	}
	// Read one byte past the limit rather than trust the size Stat gave:
	// a pipe or a growing file has none.
	data, err := io.ReadAll(io.LimitReader(f, rewards.PictureMaxBytes+1))
	if err != nil {
		return rewards.Picture{}, unreadable(path, err)
	}
	if len(data) > rewards.PictureMaxBytes {
		return rewards.Picture{}, rewards.Fail(rewards.EINVALID, "picture.file_too_large",
			lang.Args{"file": path, "max": rewards.PictureMaxBytes >> 20})
	}
	return Normalize(path, data)
}

func unreadable(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is in the message already
	}
	return rewards.Fail(rewards.EINVALID, "picture.unreadable", lang.Args{"file": path, "reason": err.Error()})
}

// Normalize decodes data, the picture file called name (for its errors),
// and returns the picture as the board keeps it: at most
// rewards.PictureMaxSide pixels on its long side (scaled down with
// Catmull-Rom, never up), turned upright as a JPEG's Exif orientation
// says (a phone's photo), and re-encoded without the file's metadata. A JPEG
// stays a JPEG (quality 90); a PNG stays a PNG, since drawings and logos
// come as PNG, whose flat colours and sharp edges JPEG would smear, and
// whose transparency it would lose. Go's encoders write the same bytes for
// the same image, so the same file always gives the same picture.
func Normalize(name string, data []byte) (rewards.Picture, error) {
	if len(data) > rewards.PictureMaxBytes {
		return rewards.Picture{}, rewards.Fail(rewards.EINVALID, "picture.file_too_large",
			lang.Args{"file": name, "max": rewards.PictureMaxBytes >> 20})
	}
	var format string
	var decode func(io.Reader) (image.Image, error)
	var config func(io.Reader) (image.Config, error)
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		format, decode, config = "JPEG", jpeg.Decode, jpeg.DecodeConfig
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		format, decode, config = "PNG", png.Decode, png.DecodeConfig
	default:
		return rewards.Picture{}, rewards.Fail(rewards.EINVALID, "picture.not_jpeg_png", lang.Args{"file": name})
	}
	undecodable := func(err error) error {
		return rewards.Fail(rewards.EINVALID, "picture.undecodable", lang.Args{"file": name, "format": format, "reason": err.Error()})
	}
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return rewards.Picture{}, undecodable(err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return rewards.Picture{}, rewards.Fail(rewards.EINVALID, "picture.pixels",
			lang.Args{"file": name, "width": cfg.Width, "height": cfg.Height})
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return rewards.Picture{}, undecodable(err)
	}
	img = scaled(img)
	if format == "JPEG" {
		// Turned after scaling, the smaller picture: the long side is
		// the same either way.
		img = oriented(img, exifOrientation(data))
	}
	var buf bytes.Buffer
	p := rewards.Picture{MediaType: rewards.MediaPNG, Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
	if format == "JPEG" {
		p.MediaType = rewards.MediaJPEG
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	} else {
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, img)
	}
	if err != nil {
		return rewards.Picture{}, fmt.Errorf("encode picture %s: %w", name, err)
	}
	p.Data = buf.Bytes()
	p.Hash = rewards.PictureHash(p.Data)
	return p, p.Validate()
}

// scaled returns img with at most rewards.PictureMaxSide pixels on its long
// side, its proportions kept; a picture that fits is returned as it is.
func scaled(img image.Image) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	long := max(w, h)
	if long <= rewards.PictureMaxSide {
		return img
	}
	w = max(1, (w*rewards.PictureMaxSide+long/2)/long)
	h = max(1, (h*rewards.PictureMaxSide+long/2)/long)
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	return dst
}
