// Package assets holds what Tochka embeds in its binaries: the bundled
// program definitions and the fonts the printer draws with, and icons and
// translations as the kiosk needs them.
package assets

import "embed"

// Programs holds the bundled program definitions, programs/NAME.toml.
//
//go:embed programs/*.toml
var Programs embed.FS

// Fonts holds DejaVu Sans, fonts/DejaVuSans.ttf and fonts/DejaVuSans-Bold.ttf
// (from Debian's fonts-dejavu-core, licence in fonts/LICENSE-DejaVu.txt): full
// Latin and Cyrillic coverage, so cards, vouchers and posters print in
// Bulgarian, Russian and English from the same font, and a thermal printer
// needs no code page.
//
//go:embed fonts/*.ttf
var Fonts embed.FS

// Demo holds the pictures of the demo's reward board (tochka-kiosk --demo),
// demo/NAME.png: flat drawings made for Tochka (demo/README.md).
//
//go:embed demo/*.png
var Demo embed.FS

// Messages holds the translation catalog, i18n/AREA.LANG.toml, in the format
// of go-i18n: a table per key with the text ("other") and, where a count
// picks the form, its plural forms ("one", "few", "many").
//
//go:embed i18n/*.toml
var Messages embed.FS
