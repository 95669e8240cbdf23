//go:build !js

package pgp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"caliopen/wasm/model"
)

// TestGnuPGKeys: GnuPG's secret keys (Ed25519 and RSA, unprotected and passphrase-protected)
// import and decrypt; GnuPG imports our protected export and our revocation certificate.
func TestGnuPGKeys(t *testing.T) {
	for _, algo := range []string{"ed25519", "rsa"} {
		t.Run(algo, func(t *testing.T) {
			peer := newGPGPeer(t, "Bob", "bob@example.test", algo)
			sec, err := os.ReadFile(filepath.Join(peer.State, "sec.asc"))
			if err != nil {
				t.Fatal(err)
			}
			bob, err := ImportSecret(sec, nil)
			if err != nil {
				t.Fatal(err)
			}
			// GnuPG encrypts to itself (and to its own key file): we read it with its key
			msg, stderr, code := peer.Run("encrypt-sign", filepath.Join(peer.State, "pub.asc"), "Note to self")
			if code != 0 {
				t.Fatal(stderr)
			}
			ring := NewRing()
			ring.Add("bob@example.test", peer.publicKey(), SourceImport)
			wantSecurity(t, mustOpen(t, msg, Keys{Own: []*SecretKey{bob}, Contacts: ring}), true, model.SigGoodKnown)
		})
	}

	t.Run("protected export and revocation", func(t *testing.T) {
		peer := newGPGPeer(t, "Bob", "bob@example.test", "ed25519")
		home := filepath.Join(peer.State, "gnupg")
		gpg := func(args ...string) (string, error) {
			cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback"}, args...)...)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		me, _ := Generate("Alice", "alice@example.test")
		exported, err := me.ExportSecret([]byte("s3cret words"))
		if err != nil {
			t.Fatal(err)
		}
		if out, err := gpg("--passphrase", "s3cret words", "--import", peer.File("alice-sec.asc", []byte(exported))); err != nil {
			t.Fatalf("gpg refused our protected key: %v\n%s", err, out)
		}
		if out, err := gpg("--passphrase", "s3cret words", "--local-user", me.Fingerprint(), "--clearsign", "-o", filepath.Join(peer.State, "x.asc"), peer.File("x", []byte("x"))); err != nil {
			t.Fatalf("gpg cannot use our key with its passphrase: %v\n%s", err, out)
		}
		cert, err := me.RevocationCertificate("superseded")
		if err != nil {
			t.Fatal(err)
		}
		if out, err := gpg("--import", peer.File("rev.asc", []byte(cert))); err != nil {
			t.Fatalf("gpg refused our revocation: %v\n%s", err, out)
		}
		out, _ := gpg("--with-colons", "--list-keys", me.Fingerprint())
		if !strings.HasPrefix(out, "pub:r:") && !strings.Contains(out, "\npub:r:") {
			t.Errorf("key not revoked in GnuPG:\n%s", out)
		}

		// a key GnuPG made with a passphrase, exported protected
		if out, err := gpg("--passphrase", "carol pw", "--quick-gen-key", "Carol <carol@example.test>", "ed25519", "sign,cert", "never"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		protected, err := exec.Command("gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "carol pw", "--armor", "--export-secret-keys", "carol@example.test").Output()
		if err != nil || len(protected) == 0 {
			t.Fatalf("export: %v", err)
		}
		if _, err := ImportSecret(protected, []byte("wrong")); err == nil {
			t.Error("wrong passphrase unlocked GnuPG's key")
		}
		carol, err := ImportSecret(protected, []byte("carol pw"))
		if err != nil || carol.Address() != "carol@example.test" {
			t.Fatalf("import GnuPG's protected key: %v", err)
		}
	})
}
