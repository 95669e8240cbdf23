//go:build !js

package privacy

import (
	"flag"
	"testing"

	"caliopen/shared/testkit"
)

var updateNoteCodes = flag.Bool("update", false, "rewrite web/src/gen/privacy-notes.ts")

// TestNoteCodesListed reads every note(code, text, name, value…) call of the package and
// fails when web/src/gen/privacy-notes.ts does not list exactly their codes and parameter
// names (go test ./wasm/privacy -run TestNoteCodesListed -update rewrites it).
func TestNoteCodesListed(t *testing.T) {
	testkit.NoteCodes{Dir: ".", Func: "note", File: "web/src/gen/privacy-notes.ts", Name: "PrivacyNote",
		Test: "go test ./wasm/privacy -run TestNoteCodesListed", What: "a privacy note (wasm/privacy)"}.Check(t, *updateNoteCodes, 50)
}
