package autocrypt

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

func TestSetupMessage(t *testing.T) {
	code, err := NewSetupCode()
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 44 || strings.Count(code, "-") != 8 {
		t.Fatalf("setup code %q", code)
	}
	key, _ := newKey(t, "alice@example.org")
	armored, _ := key.Armor()
	raw, err := SetupMessage("alice@example.org", []byte(armored), Mutual, code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Autocrypt-Setup-Message: v1", "application/autocrypt-setup", "Passphrase-Format: numeric9x4", "Passphrase-Begin: " + code[:2]} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("setup message lacks %q", want)
		}
	}
	if bytes.Contains(raw, []byte("PRIVATE KEY")) {
		t.Fatal("secret key in the clear")
	}
	if _, _, err := ImportSetupMessage(raw, strings.Replace(code, code[:4], "0000", 1)+""); err == nil && code[:4] != "0000" {
		t.Error("wrong code accepted")
	}
	got, prefer, err := ImportSetupMessage(raw, strings.ReplaceAll(code, "-", " "))
	if err != nil {
		t.Fatal(err)
	}
	if prefer != Mutual {
		t.Errorf("prefer %s", prefer)
	}
	k, err := crypto.NewKeyFromArmored(string(got))
	if err != nil || k.GetFingerprint() != key.GetFingerprint() || !k.IsPrivate() {
		t.Fatalf("imported key: %v", err)
	}
	if _, _, err := ImportSetupMessage([]byte("Subject: hi\r\n\r\nhello"), code); err != ErrNotSetupMessage {
		t.Errorf("plain mail: %v", err)
	}
}

// FuzzImportSetupMessage feeds hostile mail to ImportSetupMessage (a received message the
// user asks to import): it may refuse it, never panic, and never accept a wrong code.
func FuzzImportSetupMessage(f *testing.F) {
	code, err := NewSetupCode()
	if err != nil {
		f.Fatal(err)
	}
	key, _ := newKey(f, "alice@example.org")
	armored, _ := key.Armor()
	raw, err := SetupMessage("alice@example.org", []byte(armored), Mutual, code, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte("Autocrypt-Setup-Message: v1\r\nContent-Type: application/autocrypt-setup\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n-----END PGP MESSAGE-----\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if _, _, err := ImportSetupMessage(raw, "1111-2222-3333-4444-5555-6666-7777-8888-9999"); err == nil && !bytes.Contains(raw, []byte("-----BEGIN PGP MESSAGE-----")) {
			t.Fatalf("opened without an encrypted payload: %q", raw)
		}
		_, _, _ = ImportSetupMessage(raw, code)
	})
}
