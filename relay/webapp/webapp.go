// Package webapp embeds the built web app (the UI bundles, the service worker, the manifest,
// the icons and the core's .wasm, each pre-compressed) so that the relay binary alone serves
// the whole product. `make web` fills dist/. A relay built with `-tags synthetic` embeds
// synthetic/ instead (see synthetic.go).
package webapp

import "io/fs"

// FS returns the built app, rooted at its top folder.
func FS() fs.FS {
	sub, err := fs.Sub(app, root)
	if err != nil {
		panic(err) // root is always embedded
	}
	return sub
}
