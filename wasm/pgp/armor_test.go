package pgp

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/ProtonMail/gopenpgp/v3/armor"
)

// The armor with the table-driven checksum is byte for byte gopenpgp's own.
func TestArmorMessageMatchesTheLibrary(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 47, 48, 49, 100, 1000, 10240, 65537} {
		bin := make([]byte, n)
		rand.Read(bin)
		want, err := armor.ArmorPGPMessageBytes(bin)
		if err != nil {
			t.Fatal(err)
		}
		got, err := armorMessage(bin)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%d bytes:\n%s\nwant\n%s", n, got, want)
		}
	}
}
