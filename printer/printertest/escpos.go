package printertest

import (
	"fmt"
	"image"
	"image/color"
)

// DecodeESCPOS turns a stream of the commands printer.VoucherESCPOS writes
// back into the picture a printer would print: the GS v 0 rasters one under
// the other, black on white. ESC @, ESC a, ESC d, LF and the cuts are
// accepted and skipped; anything else is an error naming its offset, so a
// test sees exactly where a stream goes wrong.
func DecodeESCPOS(stream []byte) (image.Image, error) {
	var rows [][]byte
	width := 0
	for i := 0; i < len(stream); {
		rest := stream[i:]
		need := func(n int) error {
			if len(rest) < n {
				return fmt.Errorf("escpos: offset %d: command % X cut short", i, rest)
			}
			return nil
		}
		switch {
		case rest[0] == 0x0A: // LF
			i++
		case rest[0] == 0x1B:
			if err := need(2); err != nil {
				return nil, err
			}
			switch rest[1] {
			case 0x40: // ESC @ init
				i += 2
			case 0x61, 0x64: // ESC a n align, ESC d n feed lines
				if err := need(3); err != nil {
					return nil, err
				}
				i += 3
			default:
				return nil, fmt.Errorf("escpos: offset %d: unknown command ESC 0x%02X", i, rest[1])
			}
		case rest[0] == 0x1D:
			if err := need(2); err != nil {
				return nil, err
			}
			switch rest[1] {
			case 0x56: // GS V m [n] cut
				if err := need(3); err != nil {
					return nil, err
				}
				switch rest[2] {
				case 0x00, 0x01, 0x30, 0x31:
					i += 3
				case 0x41, 0x42:
					if err := need(4); err != nil {
						return nil, err
					}
					i += 4
				default:
					return nil, fmt.Errorf("escpos: offset %d: unknown cut mode 0x%02X", i, rest[2])
				}
			case 0x76: // GS v 0 m xL xH yL yH data
				if err := need(8); err != nil {
					return nil, err
				}
				if rest[2] != 0x30 {
					return nil, fmt.Errorf("escpos: offset %d: GS v 0x%02X is not a raster image", i, rest[2])
				}
				if rest[3] != 0x00 && rest[3] != 0x30 {
					return nil, fmt.Errorf("escpos: offset %d: raster mode %d is scaled, only mode 0 is read", i, rest[3])
				}
				xb := int(rest[4]) | int(rest[5])<<8
				h := int(rest[6]) | int(rest[7])<<8
				if xb == 0 || h == 0 {
					return nil, fmt.Errorf("escpos: offset %d: empty raster %d×%d", i, xb, h)
				}
				if width != 0 && xb*8 != width {
					return nil, fmt.Errorf("escpos: offset %d: raster %d dots wide after rasters %d wide", i, xb*8, width)
				}
				width = xb * 8
				if err := need(8 + xb*h); err != nil {
					return nil, err
				}
				for y := 0; y < h; y++ {
					rows = append(rows, rest[8+y*xb:8+(y+1)*xb])
				}
				i += 8 + xb*h
			default:
				return nil, fmt.Errorf("escpos: offset %d: unknown command GS 0x%02X", i, rest[1])
			}
		default:
			return nil, fmt.Errorf("escpos: offset %d: unexpected byte 0x%02X", i, rest[0])
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("escpos: the stream holds no raster image")
	}
	img := image.NewGray(image.Rect(0, 0, width, len(rows)))
	for y, row := range rows {
		for x := 0; x < width; x++ {
			c := color.Gray{Y: 0xFF}
			if row[x/8]&(0x80>>(x%8)) != 0 {
				c.Y = 0
			}
			img.Pix[y*img.Stride+x] = c.Y
		}
	}
	return img, nil
}
