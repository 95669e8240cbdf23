//go:build js && !synthetic

package app

import "caliopen/wasm/core"

// registerSynthetic adds nothing: the product's core cannot make up messages (see synthetic.go).
func (a *app) registerSynthetic(*core.Core) {}
