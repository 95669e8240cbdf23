//go:build !js

package pgp

import (
	"flag"
	"testing"

	"caliopen/shared/testkit"
)

var updateNoteCodes = flag.Bool("update", false, "rewrite web/src/gen/security-notes.ts")

// TestNoteCodesListed reads every note(code, text, name, value…) call of the package and
// fails when web/src/gen/security-notes.ts does not list exactly their codes and parameter
// names (go test ./wasm/pgp -run TestNoteCodesListed -update rewrites it).
func TestNoteCodesListed(t *testing.T) {
	testkit.NoteCodes{Dir: ".", Func: "note", File: "web/src/gen/security-notes.ts", Name: "SecurityNote",
		Test: "go test ./wasm/pgp -run TestNoteCodesListed", What: "a note on a message's protection (wasm/pgp)"}.Check(t, *updateNoteCodes, 20)
}
