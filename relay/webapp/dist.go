//go:build !synthetic

package webapp

import "embed"

// The product's app, built by `make web`.
//
//go:embed all:dist
var app embed.FS

const root = "dist"
