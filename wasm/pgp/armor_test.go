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

// unarmorMessage reads what the library's armor writer, GnuPG-style headers and CRLF line
// ends produce, and declines (leaving the input to the library) anything else.
func TestUnarmorMessage(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 47, 48, 49, 100, 1000, 10240} {
		bin := make([]byte, n)
		rand.Read(bin)
		armored, _ := armor.ArmorPGPMessageBytes(bin)
		withHeaders := bytes.Replace(armored, []byte("-----\n\n"), []byte("-----\nVersion: GnuPG v2\nComment: https://gnupg.org\n\n"), 1)
		crlf := bytes.ReplaceAll(withHeaders, []byte("\n"), []byte("\r\n"))
		noSum := armored
		if i := bytes.LastIndex(armored, []byte("\n=")); i >= 0 {
			noSum = append(append([]byte{}, armored[:i]...), armored[i+6:]...)
		}
		for name, in := range map[string][]byte{"library": armored, "headers": withHeaders, "crlf": crlf, "no checksum": noSum, "spaced": append(append([]byte("\n  "), armored...), "\n\n"...)} {
			got, ok := unarmorMessage(in)
			if !ok || !bytes.Equal(got, bin) {
				t.Errorf("%d bytes, %s: ok=%v, equal=%v\n%s", n, name, ok, bytes.Equal(got, bin), in)
			}
		}
	}
	good, _ := armor.ArmorPGPMessageBytes([]byte("some message bytes here"))
	for name, in := range map[string][]byte{
		"signature":     bytes.ReplaceAll(good, []byte("PGP MESSAGE"), []byte("PGP SIGNATURE")),
		"text before":   append([]byte("Hello\n"), good...),
		"text after":    append(append([]byte{}, good...), "\nbye"...),
		"bad checksum":  bytes.Replace(good, []byte("\n="), []byte("\n=AAAA\n="), 1),
		"broken base64": bytes.Replace(good, []byte("\n\n"), []byte("\n\n*"), 1),
		"no blank line": bytes.Replace(good, []byte("-----\n\n"), []byte("-----\n"), 1),
		"bad header":    bytes.Replace(good, []byte("-----\n\n"), []byte("-----\nnot a header\n\n"), 1),
		"truncated":     good[:len(good)-5],
	} {
		if _, ok := unarmorMessage(in); ok {
			t.Errorf("%s: accepted\n%s", name, in)
		}
	}
}
