//go:build synthetic

package webapp

import "embed"

// The app of `make relay-synthetic`: its core is built with `-tags synthetic` and can store a
// synthetic mailbox (dev.seedSynthetic) for web/bench and the e2e tests that need thousands
// of messages. The product's relay never embeds it. `make web-synthetic` fills synthetic/.
//
//go:embed all:synthetic
var app embed.FS

const root = "synthetic"
