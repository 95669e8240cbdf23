// Package webapp embeds the built web app (the UI bundles, the service worker, the manifest,
// the icons and the core's .wasm, each pre-compressed) so that the relay binary alone serves
// the whole product. `make web` fills dist/.
package webapp

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built app, rooted at its top folder.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is always embedded
	}
	return sub
}
