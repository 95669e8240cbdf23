//go:build !js

package pgp

import (
	"bytes"
	"strings"
	"testing"

	"caliopen/wasm/model"
)

// TestGnuPGInterop proves PGP/MIME both ways against GnuPG with Curve25519 and RSA peer keys.
func TestGnuPGInterop(t *testing.T) {
	me, err := Generate("Alice", "alice@example.test")
	if err != nil {
		t.Fatal(err)
	}
	for _, algo := range []string{"ed25519", "rsa"} {
		t.Run(algo, func(t *testing.T) {
			peer := newGPGPeer(t, "Bob", "bob@example.test", algo)
			bobKey := peer.publicKey()
			ring := NewRing()
			ring.Add("bob@example.test", bobKey, SourceImport)
			keys := Keys{Own: []*SecretKey{me}, Contacts: ring}
			myPub, _ := me.Public()
			myArmored, _ := myPub.Armored()
			myPubFile := peer.File("alice.asc", []byte(myArmored))

			t.Run("gnupg encrypts and signs, we decrypt and verify", func(t *testing.T) {
				msg, stderr, code := peer.Run("encrypt-sign", myPubFile, "Secret plans")
				if code != 0 {
					t.Fatalf("gpg: %s", stderr)
				}
				o := mustOpen(t, msg, keys)
				wantSecurity(t, o, true, model.SigGoodKnown)
				if !strings.Contains(o.Parsed.Body.Text, "Hello from GnuPG") || !strings.Contains(o.Parsed.Body.Text, "grüße") {
					t.Errorf("body = %q", o.Parsed.Body.Text)
				}
				if o.Parsed.Message.Subject != "Secret plans" {
					t.Errorf("subject = %q", o.Parsed.Message.Subject)
				}
			})

			t.Run("we encrypt and sign, gnupg decrypts and verifies", func(t *testing.T) {
				peer.Run("import", myPubFile)
				raw, err := BuildEncrypted(outgoing("To Bob, encrypted"), me, []*PublicKey{bobKey})
				if err != nil {
					t.Fatal(err)
				}
				plain, stderr, code := peer.Run("decrypt-verify", peer.File("ours.eml", raw))
				if code != 0 {
					t.Fatalf("gpg decrypt-verify exit %d: %s", code, stderr)
				}
				if !strings.Contains(stderr, "SIGNATURE GOOD "+strings.ToUpper(me.Fingerprint())) {
					t.Errorf("gpg status: %s", stderr)
				}
				if !bytes.Contains(plain, []byte("Subject: To Bob, encrypted")) || !bytes.Contains(plain, []byte("protected-headers=v1")) {
					t.Errorf("inner entity lacks protected headers:\n%s", plain)
				}
				// and we read our own message back (we are a recipient too)
				o := mustOpen(t, raw, Keys{Own: []*SecretKey{me}, Contacts: NewRing()})
				if !o.Security.Encrypted || o.Parsed.Message.Subject != "To Bob, encrypted" || !o.Protected {
					t.Errorf("own copy: %+v subject %q", o.Security, o.Parsed.Message.Subject)
				}
			})

			t.Run("gnupg signs, we verify; tampered is bad", func(t *testing.T) {
				msg, stderr, code := peer.Run("sign", "Signed news")
				if code != 0 {
					t.Fatalf("gpg: %s", stderr)
				}
				wantSecurity(t, mustOpen(t, msg, keys), false, model.SigGoodKnown)
				tampered := bytes.Replace(msg, []byte("Second line"), []byte("Sec0nd line"), 1)
				wantSecurity(t, mustOpen(t, tampered, keys), false, model.SigBad)
				o := mustOpen(t, msg, Keys{Contacts: NewRing()})
				wantSecurity(t, o, false, model.SigError)
				if !strings.Contains(o.Security.Note, "do not have") {
					t.Errorf("note = %q", o.Security.Note)
				}
			})

			t.Run("we sign, gnupg verifies", func(t *testing.T) {
				peer.Run("import", myPubFile)
				raw, err := BuildSigned(outgoing("Signed by Alice"), me)
				if err != nil {
					t.Fatal(err)
				}
				if _, stderr, code := peer.Run("verify", peer.File("signed.eml", raw)); code != 0 {
					t.Fatalf("gpg verify exit %d: %s", code, stderr)
				}
				myRing := NewRing()
				myRing.Add("alice@example.test", myPub, SourceImport)
				wantSecurity(t, mustOpen(t, raw, Keys{Contacts: myRing}), false, model.SigGoodKnown)
			})

			t.Run("encrypted to a key we lack", func(t *testing.T) {
				msg, _, code := peer.Run("encrypt", peer.File("bob.asc", mustArmor(t, bobKey)), "Not for us")
				if code != 0 {
					t.Fatal("gpg encrypt failed")
				}
				o := mustOpen(t, msg, keys)
				if o.Security.Encrypted || !strings.Contains(o.Security.Note, "key we do not have") {
					t.Errorf("security = %+v", o.Security)
				}
			})
		})
	}
}
