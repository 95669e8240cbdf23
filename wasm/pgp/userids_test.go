//go:build !js

package pgp

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"caliopen/shared/testkit"
)

// A GnuPG key with two user ids (two addresses of one person) reads as such: the contact
// book takes it as strong link evidence.
func TestUserIDsOfAGnuPGKey(t *testing.T) {
	peer := testkit.NewGPG(t, "Tapioca", "tapioca@example.org", "ed25519")
	out, stderr, code := peer.Run("fingerprint")
	if code != 0 {
		t.Fatal(stderr)
	}
	fpr := strings.TrimSpace(string(out))
	home := filepath.Join(peer.State, "gnupg")
	if b, err := exec.Command("gpg", "--homedir", home, "--batch", "--quick-add-uid", fpr, "Tapioca <tapioca@tapioca.example>").CombinedOutput(); err != nil {
		t.Fatalf("gpg --quick-add-uid: %v %s", err, b)
	}
	armored, err := exec.Command("gpg", "--homedir", home, "--armor", "--export", fpr).Output()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ParsePublicKeys(armored)
	if err != nil || len(keys) != 1 {
		t.Fatalf("%d keys, %v", len(keys), err)
	}
	want := []string{"Tapioca <tapioca@example.org>", "Tapioca <tapioca@tapioca.example>"}
	if got := keys[0].UserIDs(); !slices.Equal(got, want) {
		t.Fatalf("user ids %q, want %q", got, want)
	}
	mine, err := Generate("Alex", "alex@example.org")
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := mine.Public()
	if got := pub.UserIDs(); !slices.Equal(got, []string{"Alex <alex@example.org>"}) {
		t.Fatalf("generated key's user ids %q", got)
	}
}
