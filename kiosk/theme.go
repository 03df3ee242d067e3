package kiosk

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/tochka-loyalty/tochka/rewards"
)

// Theme is the kiosk's look: high-contrast colours, light or dark as the
// shop picks, the program's colour on buttons and the header band, and
// type and touch targets sized for a customer standing at a screen
// (nothing under 28 px; buttons well over 48 px).
type Theme struct {
	// Primary is the program's colour (ProgramColour); Fyne's blue when
	// nil.
	Primary color.Color
	// Dark picks the dark variant.
	Dark bool
}

var _ fyne.Theme = Theme{}

// ProgramColour is a program's colour: its file's [kiosk] colour, or by
// default a deep green for points exchanged for goods, a deep red for
// bonuses paid as a discount. Each holds white text at 4.5:1 or more.
func ProgramColour(p *rewards.Program) color.Color {
	if p != nil {
		if r, g, b, ok := p.Kiosk.RGB(); ok {
			return color.NRGBA{R: r, G: g, B: b, A: 0xff}
		}
	}
	if p != nil && p.KeepsBoard() != nil {
		return color.NRGBA{R: 0xa3, G: 0x12, B: 0x1f, A: 0xff}
	}
	return color.NRGBA{R: 0x00, G: 0x5c, B: 0x35, A: 0xff}
}

// Sizes the kiosk enlarges; the rest are Fyne's.
var themeSizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:           28,
	theme.SizeNameHeadingText:    48,
	theme.SizeNameSubHeadingText: 36,
	theme.SizeNamePadding:        8,
	theme.SizeNameInnerPadding:   16,
	theme.SizeNameInlineIcon:     32,
}

// Color implements fyne.Theme: black on white (or white on near black),
// the program's colour for primary buttons and the header band.
func (t Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	v := theme.VariantLight
	if t.Dark {
		v = theme.VariantDark
	}
	white, black := color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}, color.NRGBA{R: 0x10, G: 0x10, B: 0x10, A: 0xff}
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameFocus:
		if t.Primary != nil {
			return t.Primary
		}
	case theme.ColorNameForegroundOnPrimary:
		return white
	case theme.ColorNameSuccess:
		// The language spoken, on the header band: white, its code in
		// the program's colour.
		return white
	case theme.ColorNameForegroundOnSuccess:
		if t.Primary != nil {
			return t.Primary
		}
		return black
	case theme.ColorNameForeground:
		if t.Dark {
			return white
		}
		return black
	case theme.ColorNameBackground:
		if t.Dark {
			return black
		}
		return white
	case theme.ColorNameButton:
		if t.Dark {
			return color.NRGBA{R: 0x3a, G: 0x3a, B: 0x3a, A: 0xff}
		}
		return color.NRGBA{R: 0xe4, G: 0xe4, B: 0xe4, A: 0xff}
	}
	return theme.DefaultTheme().Color(n, v)
}

// Font implements fyne.Theme: Fyne's.
func (Theme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon implements fyne.Theme: Fyne's.
func (Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme: larger type and padding.
func (Theme) Size(n fyne.ThemeSizeName) float32 {
	if s, ok := themeSizes[n]; ok {
		return s
	}
	return theme.DefaultTheme().Size(n)
}
