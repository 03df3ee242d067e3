package picture

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
)

// exifOrientation is the orientation (1 to 8, as Exif numbers them) that a
// JPEG's Exif says its pixels are stored in: a phone keeps a photo taken
// upright as the sensor saw it, and says how to turn it. 1 (upright) when
// the file says nothing, or nothing that can be read.
func exifOrientation(data []byte) int {
	i := 2 // after the start of image
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return 1
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd8: // no length
			i += 2
			continue
		case marker == 0xda || marker == 0xd9: // the pixels, or the end: no Exif comes after
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		if seg := data[i+4 : i+2+n]; marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads the Orientation tag (0x0112) of the first image
// directory of Exif's TIFF structure.
func tiffOrientation(b []byte) int {
	if len(b) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(b[2:]) != 42 {
		return 1
	}
	off := int64(order.Uint32(b[4:]))
	if off < 8 || off+2 > int64(len(b)) {
		return 1
	}
	entries := int(order.Uint16(b[off:]))
	for k := range entries {
		e := int(off) + 2 + 12*k
		if e+12 > len(b) {
			return 1
		}
		if order.Uint16(b[e:]) != 0x0112 {
			continue
		}
		// A SHORT, its value in the entry's first two bytes of value.
		if order.Uint16(b[e+2:]) != 3 {
			return 1
		}
		if v := int(order.Uint16(b[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// oriented turns img, stored in the given Exif orientation, upright.
func oriented(img image.Image, orientation int) image.Image {
	if orientation <= 1 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	src := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if orientation >= 5 { // a quarter turn: the sides swap
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	// from maps a pixel of the upright picture to the stored one, by how
	// the stored one lies.
	from := map[int]func(x, y int) (int, int){
		2: func(x, y int) (int, int) { return w - 1 - x, y },         // mirrored
		3: func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }, // upside down
		4: func(x, y int) (int, int) { return x, h - 1 - y },         // mirrored, upside down
		5: func(x, y int) (int, int) { return y, x },                 // mirrored, on its side
		6: func(x, y int) (int, int) { return y, h - 1 - x },         // a quarter turn anticlockwise
		7: func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }, // mirrored, on its other side
		8: func(x, y int) (int, int) { return w - 1 - y, x },         // a quarter turn clockwise
	}[orientation]
	for y := range dh {
		for x := range dw {
			sx, sy := from(x, y)
			copy(dst.Pix[dst.PixOffset(x, y):][:4], src.Pix[src.PixOffset(sx, sy):][:4])
		}
	}
	return dst
}
