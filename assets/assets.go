// Package assets holds what Tochka embeds in its binaries: the bundled
// program definitions now, and fonts, icons and translations as the kiosk and
// the printer need them.
package assets

import "embed"

// Programs holds the bundled program definitions, programs/NAME.toml.
//
//go:embed programs/*.toml
var Programs embed.FS
