//go:build !js

package pgp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"caliopen/wasm/model"
)

// corpusDir is ../shared/corpora/notmuch/<name> next to the repository root.
func corpusDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(filepath.Dir(peersDir(t)), "corpora", "notmuch", name)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("corpus %s: %v", name, err)
	}
	return dir
}

// TestNotmuchCryptoCorpus reads notmuch's encrypted and protected-header messages. They are
// encrypted and signed with the notmuch test suite's key, whose secret half is not in the
// corpus: every encrypted message must say that the key is missing (not look unencrypted),
// every signed one that the signer's key is missing, and the outer structure and headers
// must still be read.
func TestNotmuchCryptoCorpus(t *testing.T) {
	for _, sub := range []string{"crypto", "protected-headers"} {
		files, _ := filepath.Glob(filepath.Join(corpusDir(t, sub), "*"))
		for _, f := range files {
			name := sub + "/" + filepath.Base(f)
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			o, err := Open(raw, Keys{Contacts: NewRing()})
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			p, sec := o.Parsed, o.Security
			t.Logf("%s: subject %q security %+v", name, p.Message.Subject, sec)
			if p.Message.From() == "" {
				t.Errorf("%s: sender not read", name)
			}
			switch {
			case strings.HasPrefix(filepath.Base(f), "smime"):
				if sec.Encrypted || sec.Signature != model.SigNone {
					t.Errorf("%s: S/MIME is not OpenPGP: %+v", name, sec)
				}
			case p.PGPEncrypted:
				if sec.Encrypted || !strings.Contains(sec.Note, "key we do not have") {
					t.Errorf("%s: want a missing-key note, got %+v", name, sec)
				}
			case p.PGPSigned:
				if sec.Signature != model.SigError || !strings.Contains(sec.Note, "do not have") {
					t.Errorf("%s: want a missing-signer note, got %+v", name, sec)
				}
			}
		}
	}
}

// TestNotmuchSignedProtectedHeader checks that protected headers of a signed-only message
// are applied (the signed part's Subject wins) even when the signature cannot be checked.
func TestNotmuchSignedProtectedHeader(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir(t, "protected-headers"), "signed-protected-header.eml"))
	if err != nil {
		t.Fatal(err)
	}
	o := mustOpen(t, raw, Keys{})
	if !o.Protected || o.Parsed.Message.Subject != "This is a signed message" || !strings.Contains(o.Parsed.Body.Text, "signed message body") {
		t.Errorf("protected %v subject %q text %q", o.Protected, o.Parsed.Message.Subject, o.Parsed.Body.Text)
	}
}
