//go:build !js

package pgp

import (
	"mime"
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
// encrypted to and signed with the notmuch test suite's key (RSA subkey C44D36DEAD54AB16,
// signing key 6D92612D94E46381). Its secret half (test/gnupg-secret-key.asc in notmuch's
// sources) is not in ../shared/corpora/notmuch, so nothing here can be decrypted or
// verified: every encrypted message must say that the key is missing (not look unencrypted)
// and keep its outer Subject, every signed one that the signer's key is missing, S/MIME is
// left alone, and the outer structure and headers must still be read. Decryption, protected
// subjects and tampering are proven with GnuPG-made mail (interop_test.go) and our own
// (receive_test.go, protected_test.go).
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
			if p.Message.From() == "" || o.Sender == "" {
				t.Errorf("%s: sender not read", name)
			}
			if o.Protected || sec.ClaimedFrom != "" {
				t.Errorf("%s: headers applied from a part nothing verified: protected %v, claimed from %q", name, o.Protected, sec.ClaimedFrom)
			}
			if outer := outerSubject(t, raw); p.Message.Subject != outer {
				t.Errorf("%s: subject %q, want the outer %q", name, p.Message.Subject, outer)
			}
			outer, _ := readEntity(raw)
			mediaType, _ := outer.mediaType()
			switch {
			case strings.HasPrefix(filepath.Base(f), "smime"):
				if sec.Encrypted || sec.Signature != model.SigNone {
					t.Errorf("%s: S/MIME is not OpenPGP: %+v", name, sec)
				}
			case mediaType == "multipart/encrypted" || p.PGPEncrypted:
				if sec.Encrypted || !sec.Undecrypted || len(sec.Notes) != 1 || sec.Notes[0].Code != "decrypt.missing-key" {
					t.Errorf("%s: want a missing-key note, got %+v", name, sec)
				}
			case mediaType == "multipart/signed":
				if sec.Signature != model.SigError || len(sec.Notes) != 1 || sec.Notes[0].Code != "sig.no-key" {
					t.Errorf("%s: want a missing-signer note, got %+v", name, sec)
				}
			default:
				t.Errorf("%s: neither S/MIME nor OpenPGP encrypted or signed", name)
			}
		}
	}
}

// outerSubject is the raw message's own Subject, decoded.
func outerSubject(t *testing.T, raw []byte) string {
	t.Helper()
	e, err := readEntity(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(e.header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestNotmuchSignedProtectedHeader checks that the protected headers of a signed-only
// message whose signature cannot be checked are not believed: with the outer Subject
// changed (the signature does not cover the outer header), the outer one is shown, and the
// signed part's text still is.
func TestNotmuchSignedProtectedHeader(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir(t, "protected-headers"), "signed-protected-header.eml"))
	if err != nil {
		t.Fatal(err)
	}
	raw = []byte(strings.Replace(string(raw), "Subject: This is a signed message", "Subject: Changed on the way", 1))
	o := mustOpen(t, raw, Keys{})
	if o.Protected || o.Parsed.Message.Subject != "Changed on the way" || o.Security.Signature != model.SigError ||
		!strings.Contains(o.Parsed.Body.Text, "signed message body") {
		t.Errorf("protected %v subject %q security %+v text %q", o.Protected, o.Parsed.Message.Subject, o.Security, o.Parsed.Body.Text)
	}
}
