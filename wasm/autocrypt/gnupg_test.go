//go:build !js

package autocrypt

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gnupg returns a function running gpg in a throw-away home. A missing gpg fails the test
// unless CALIOPEN_SKIP_PEERS=1.
func gnupg(t *testing.T) func(stdin []byte, args ...string) ([]byte, error) {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		if os.Getenv("CALIOPEN_SKIP_PEERS") == "1" {
			t.Skip("gpg is not installed")
		}
		t.Fatal("gpg is not installed (set CALIOPEN_SKIP_PEERS=1 to skip)")
	}
	home, err := os.MkdirTemp("/tmp", "cac")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run()
		os.RemoveAll(home)
	})
	return func(stdin []byte, args ...string) ([]byte, error) {
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback"}, args...)...)
		cmd.Stdin = bytes.NewReader(stdin)
		return cmd.CombinedOutput()
	}
}

// TestGnuPGReadsSetupMessageAndKeydata: GnuPG opens our Setup Message's payload with the
// Setup Code, and imports our Autocrypt keydata.
func TestGnuPGReadsSetupMessageAndKeydata(t *testing.T) {
	gpg := gnupg(t)
	key, pub := newKey(t, "alice@example.org")
	armored, _ := key.Armor()
	code, _ := NewSetupCode()
	raw, err := SetupMessage("alice@example.org", []byte(armored), Mutual, code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	payload, err := setupPayload(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := gpg(payload, "--passphrase", code, "--decrypt")
	if err != nil || !bytes.Contains(out, []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----")) {
		t.Fatalf("gpg cannot open the setup message: %v\n%s", err, out)
	}
	if _, err := gpg(payload, "--passphrase", "1111-2222-3333-4444-5555-6666-7777-8888-9999", "--decrypt"); err == nil {
		t.Error("gpg opened it with a wrong code")
	}

	h := Header{Addr: "alice@example.org", PreferEncrypt: Mutual, KeyData: pub}
	parsed, err := ParseHeader(h.String())
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "keydata.gpg")
	os.WriteFile(keyFile, parsed.KeyData, 0o600)
	out, err = gpg(nil, "--import", keyFile)
	if err != nil || !strings.Contains(string(out), "imported: 1") {
		t.Fatalf("gpg import of keydata: %v\n%s", err, out)
	}
}
