package kiosk

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme is the kiosk's look: Fyne's own colours, icons and fonts, with
// type and touch targets sized for a customer standing at a screen
// (nothing under 28 px; buttons well over 48 px).
type Theme struct{}

var _ fyne.Theme = Theme{}

// Sizes the kiosk enlarges; the rest are Fyne's.
var themeSizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:         28,
	theme.SizeNameHeadingText:  48,
	theme.SizeNamePadding:      8,
	theme.SizeNameInnerPadding: 16,
	theme.SizeNameInlineIcon:   32,
}

// Color implements fyne.Theme: Fyne's.
func (Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
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
