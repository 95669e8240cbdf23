//go:build !js

package mail

import (
	"encoding/json"
	"flag"
	"testing"

	"caliopen/shared/testkit"
	"caliopen/wasm/model"
)

var updateNoteCodes = flag.Bool("update", false, "rewrite web/src/gen/body-notes.ts")

// TestNoteCodesListed reads every note(code, text, name, value…) call of the package and
// fails when web/src/gen/body-notes.ts does not list exactly their codes and parameter names
// (go test ./wasm/mail -run TestNoteCodesListed -update rewrites it).
func TestNoteCodesListed(t *testing.T) {
	testkit.NoteCodes{Dir: ".", Func: "note", File: "web/src/gen/body-notes.ts", Name: "BodyNote",
		Test: "go test ./wasm/mail -run TestNoteCodesListed", What: "a note on a message's content (wasm/mail)"}.Check(t, *updateNoteCodes, 12)
}

// A body kept before notes had codes reads back with its English notes as texts.
func TestBodyNotesOfOldBodies(t *testing.T) {
	var b model.Body
	if err := json.Unmarshal([]byte(`{"messageId":"m","notes":["This message names no sender."]}`), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Notes) != 1 || b.Notes[0].Code != "" || b.Notes[0].Text != "This message names no sender." {
		t.Fatalf("%+v", b.Notes)
	}
	raw, _ := json.Marshal(model.Body{Notes: []model.BodyNote{NoteNoContent()}})
	var again model.Body
	if err := json.Unmarshal(raw, &again); err != nil || again.Notes[0].Code != "message.no-content" {
		t.Fatalf("%s: %+v %v", raw, again.Notes, err)
	}
}
