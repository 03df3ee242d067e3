package picture_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tochka-loyalty/tochka/picture"
	"github.com/tochka-loyalty/tochka/rewards"
)

// photo is a w×h picture with something in it to scale, opaque unless
// alpha is below 255.
func photo(w, h int, alpha uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 5), uint8((x + y) * 3), alpha})
		}
	}
	return img
}

func encode(t *testing.T, img image.Image, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A picture is scaled to at most 1200 px on its long side, keeping its
// proportions, and never up; a JPEG stays a JPEG and a PNG a PNG, its
// transparency kept; what is stored is named by its SHA-256.
func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name          string
		img           image.Image
		format        string
		media         string
		width, height int
	}{
		{"a large photo", photo(2400, 1600, 255), "jpeg", rewards.MediaJPEG, 1200, 800},
		{"a tall PNG", photo(500, 3000, 255), "png", rewards.MediaPNG, 200, 1200},
		{"a small PNG", photo(40, 30, 255), "png", rewards.MediaPNG, 40, 30},
		{"a transparent logo", photo(1800, 1800, 90), "png", rewards.MediaPNG, 1200, 1200},
		{"exactly 1200", photo(1200, 10, 255), "jpeg", rewards.MediaJPEG, 1200, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := picture.Normalize("in."+tc.format, encode(t, tc.img, tc.format))
			if err != nil {
				t.Fatal(err)
			}
			if p.MediaType != tc.media || p.Width != tc.width || p.Height != tc.height {
				t.Fatalf("%s %d×%d, want %s %d×%d", p.MediaType, p.Width, p.Height, tc.media, tc.width, tc.height)
			}
			if p.Hash != rewards.PictureHash(p.Data) {
				t.Fatal("the hash is not the stored bytes'")
			}
			img, format, err := image.Decode(bytes.NewReader(p.Data))
			if err != nil || "image/"+format != p.MediaType || img.Bounds().Dx() != tc.width || img.Bounds().Dy() != tc.height {
				t.Fatalf("the stored bytes decode as %s %v (%v)", format, img.Bounds(), err)
			}
			if tc.media == rewards.MediaPNG {
				if _, _, _, a := img.At(img.Bounds().Dx()/2, img.Bounds().Dy()/2).RGBA(); a>>8 != uint32(tc.img.(*image.NRGBA).NRGBAAt(0, 0).A) {
					t.Errorf("alpha %d after, %d before", a>>8, tc.img.(*image.NRGBA).NRGBAAt(0, 0).A)
				}
			}
		})
	}
}

// The same file gives the same bytes, and so the same picture, every time;
// another file another picture. (That it does on every machine and with
// every build is TestNormalizeGolden's.)
func TestNormalizeDeterministic(t *testing.T) {
	for _, format := range []string{"jpeg", "png"} {
		data := encode(t, photo(1500, 900, 255), format)
		first, err := picture.Normalize("a", data)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			again, err := picture.Normalize("b", bytes.Clone(data))
			if err != nil || again.Hash != first.Hash || !bytes.Equal(again.Data, first.Data) {
				t.Fatalf("%s: another result for the same file: %s, %s (%v)", format, first.Hash, again.Hash, err)
			}
		}
		other, err := picture.Normalize("c", encode(t, photo(1500, 901, 255), format))
		if err != nil || other.Hash == first.Hash {
			t.Fatalf("%s: another file, the same picture (%v)", format, err)
		}
	}
	// Read from a file as from memory.
	data := encode(t, photo(64, 48, 255), "png")
	fromFile, err := picture.ReadFile(write(t, "oil.png", data))
	if err != nil {
		t.Fatal(err)
	}
	if fromMemory, _ := picture.Normalize("oil.png", data); fromFile.Hash != fromMemory.Hash {
		t.Fatal("a file and its bytes make two pictures")
	}
}

// What is not a picture the board keeps is refused with an error that
// names the file and says what is wrong with it.
func TestReadFileRefused(t *testing.T) {
	dir := t.TempDir()
	png := encode(t, photo(64, 48, 255), "png")
	huge := filepath.Join(dir, "huge.jpg")
	if err := os.WriteFile(huge, []byte("\xff\xd8\xff"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, rewards.PictureMaxBytes+1); err != nil {
		t.Fatal(err)
	}
	// A PNG header claiming 100 000 × 100 000 pixels, and nothing else.
	bomb := append([]byte{}, png[:33]...)
	copy(bomb[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	binary.BigEndian.PutUint32(bomb[29:33], crc32.ChecksumIEEE(bomb[12:29]))
	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "none.jpg"), "Picture " + filepath.Join(dir, "none.jpg") + ": there is no such file."},
		{"a folder", dir, "Picture " + dir + " is a folder, not a picture file."},
		{"over 10 MB", huge, "Picture " + huge + " is over 10 MB: give a smaller file."},
		{"text", write(t, "cake.jpg", []byte("this is not a JPEG")), "is not a JPEG or PNG image"},
		{"a GIF", write(t, "cake.gif", encode(t, photo(8, 8, 255), "gif")), "is not a JPEG or PNG image"},
		{"empty", write(t, "empty.png", nil), "is not a JPEG or PNG image"},
		{"a cut-off PNG", write(t, "cut.png", png[:len(png)/2]), "looks like a PNG, but it cannot be decoded"},
		{"a JPEG header only", write(t, "head.jpg", []byte("\xff\xd8\xff\xe0 nothing")), "looks like a JPEG, but it cannot be decoded"},
		{"a pixel bomb", write(t, "bomb.png", bomb), "says it is 100000 × 100000 pixels, too large to open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := picture.ReadFile(tc.path)
			if rewards.ErrorCode(err) != rewards.EINVALID || !strings.Contains(rewards.ErrorMessage(err), tc.want) {
				t.Fatalf("%v (%s), want invalid: %q", err, rewards.ErrorCode(err), tc.want)
			}
			if !strings.Contains(rewards.ErrorMessage(err), tc.path) {
				t.Errorf("%q does not name the file", rewards.ErrorMessage(err))
			}
		})
	}
}

// Whatever bytes come, Normalize returns a picture that validates or a
// refusal, never a panic or a fault of ours.
func FuzzNormalize(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	for _, img := range []image.Image{photo(3, 2, 255), photo(2, 3, 100)} {
		var buf bytes.Buffer
		png.Encode(&buf, img)
		f.Add(bytes.Clone(buf.Bytes()))
		buf.Reset()
		jpeg.Encode(&buf, img, nil)
		f.Add(bytes.Clone(buf.Bytes()))
		f.Add(withOrientation(buf.Bytes(), 7, binary.LittleEndian))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := picture.Normalize("fuzz", data)
		if err != nil {
			if rewards.ErrorCode(err) != rewards.EINVALID {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// withOrientation returns a JPEG with an Exif segment that gives its
// orientation, as a phone writes it, in the byte order given.
func withOrientation(jpg []byte, orientation uint16, order binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	if order == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)
	order.PutUint16(tiff[8:], 1)       // one entry
	order.PutUint16(tiff[10:], 0x0112) // Orientation
	order.PutUint16(tiff[12:], 3)      // SHORT
	order.PutUint32(tiff[14:], 1)      // one of them
	order.PutUint16(tiff[18:], orientation)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(append(out, app1...), seg...)
	return append(out, jpg[2:]...)
}

// A phone's photo, stored as its sensor saw it with an Exif orientation,
// is stored upright.
func TestNormalizeTurnsUpright(t *testing.T) {
	// 40×20: red on the left half, blue on the right.
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for y := range 20 {
		for x := range 40 {
			c := color.NRGBA{220, 20, 20, 255}
			if x >= 20 {
				c = color.NRGBA{20, 20, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	jpg := encode(t, img, "jpeg")
	red := func(c color.Color) bool { r, _, b, _ := c.RGBA(); return r > 2*b }
	blue := func(c color.Color) bool { r, _, b, _ := c.RGBA(); return b > 2*r }
	for _, tc := range []struct {
		orientation   uint16
		w, h          int
		redAt, blueAt image.Point
	}{
		{1, 40, 20, image.Pt(5, 10), image.Pt(35, 10)},
		{3, 40, 20, image.Pt(35, 10), image.Pt(5, 10)}, // upside down: red comes right
		{6, 20, 40, image.Pt(10, 5), image.Pt(10, 35)}, // turned clockwise: the left side on top
		{8, 20, 40, image.Pt(10, 35), image.Pt(10, 5)}, // turned anticlockwise: the left side below
	} {
		for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
			p, err := picture.Normalize("phone.jpg", withOrientation(jpg, tc.orientation, order))
			if err != nil {
				t.Fatal(err)
			}
			got, err := jpeg.Decode(bytes.NewReader(p.Data))
			if err != nil {
				t.Fatal(err)
			}
			if p.Width != tc.w || p.Height != tc.h || !red(got.At(tc.redAt.X, tc.redAt.Y)) || !blue(got.At(tc.blueAt.X, tc.blueAt.Y)) {
				t.Errorf("orientation %d (%v): %d×%d, red at %v: %v, blue at %v: %v", tc.orientation, order, p.Width, p.Height,
					tc.redAt, got.At(tc.redAt.X, tc.redAt.Y), tc.blueAt, got.At(tc.blueAt.X, tc.blueAt.Y))
			}
		}
	}
}

// The stored bytes of fixed files are pinned by their SHA-256: a picture's
// name is that digest, so a change of Go's or x/image's decoders, scaler
// or encoders that changes these bytes changes the name of every picture
// stored from now on, and the same file added again on an upgraded machine
// would be a second picture. Such a change must be seen, and decided on,
// not found in a ledger. The files (testdata/) are a PNG with transparency
// and an opaque one, both scaled down, and a JPEG a phone turned (Exif
// orientation 6), turned upright and scaled down.
func TestNormalizeGolden(t *testing.T) {
	for _, tc := range []struct {
		file, media   string
		width, height int
		hash          string
	}{
		{"transparent.png", rewards.MediaPNG, 1200, 300, "4e5055a68ee21cc8734b643c0879835f73db3fd2c41766ca97b75408dd614507"},
		{"opaque.png", rewards.MediaPNG, 1200, 69, "a8f148c1d4a627dda25dcb64982d761393a2bdc6fccaa1a862bc49b2ef037e42"},
		{"turned.jpg", rewards.MediaJPEG, 185, 1200, "162196f12c73a3e5e71694c0300c0e1fe61af3468308f095a3d5ad5c60ce78a7"},
	} {
		p, err := picture.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if p.MediaType != tc.media || p.Width != tc.width || p.Height != tc.height || p.Hash != tc.hash {
			t.Errorf("%s: stored as %s %d×%d %s, want %s %d×%d %s", tc.file, p.MediaType, p.Width, p.Height, p.Hash,
				tc.media, tc.width, tc.height, tc.hash)
		}
	}
}
