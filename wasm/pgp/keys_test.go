package pgp

import (
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

func TestKeysRoundTrip(t *testing.T) {
	k, err := Generate("Alice Example", "Alice@Example.test")
	if err != nil {
		t.Fatal(err)
	}
	if k.key.GetVersion() != 4 || k.key.GetEntity().PrimaryKey.PubKeyAlgo != packet.PubKeyAlgoEdDSA {
		t.Errorf("want a v4 Ed25519 key, got v%d algo %d", k.key.GetVersion(), k.key.GetEntity().PrimaryKey.PubKeyAlgo)
	}
	if k.Address() != "alice@example.test" {
		t.Errorf("address %q", k.Address())
	}
	sealed, err := k.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	back, err := SecretKeyFromBytes(sealed)
	if err != nil || back.Fingerprint() != k.Fingerprint() {
		t.Fatalf("from bytes: %v", err)
	}
	armored, err := k.ExportSecret([]byte("correct horse"))
	if err != nil || !strings.Contains(armored, "PRIVATE KEY BLOCK") {
		t.Fatalf("export: %v", err)
	}
	if _, err := k.ExportSecret(nil); err == nil {
		t.Error("export without passphrase accepted")
	}
	if _, err := ImportSecret([]byte(armored), []byte("wrong")); err == nil {
		t.Error("wrong passphrase accepted")
	}
	imported, err := ImportSecret([]byte(armored), []byte("correct horse"))
	if err != nil || imported.Fingerprint() != k.Fingerprint() {
		t.Fatalf("import: %v", err)
	}
	pub, _ := k.Public()
	pubArmored, _ := pub.Armored()
	if _, err := ImportSecret([]byte(pubArmored), nil); err != ErrNotSecret {
		t.Errorf("public key as secret: %v", err)
	}
	if reason := pub.Usable(timeNow().Unix()); reason != "" {
		t.Errorf("fresh key unusable: %s", reason)
	}
}

func TestRevocationCertificate(t *testing.T) {
	k, _ := Generate("Alice", "alice@example.test")
	cert, err := k.RevocationCertificate("lost laptop")
	if err != nil || !strings.HasPrefix(cert, "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		t.Fatalf("certificate: %v\n%s", err, cert)
	}
	if k.key.IsRevoked(timeNow().Unix()) {
		t.Error("making a certificate revoked the key itself")
	}
}

func TestFormatFingerprint(t *testing.T) {
	got := FormatFingerprint("5aeab11f5e33dce875ddb75b6d92612d94e46381")
	want := "5AEA B11F 5E33 DCE8 75DD  B75B 6D92 612D 94E4 6381"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRing(t *testing.T) {
	r := NewRing()
	a, _ := Generate("Bob", "bob@example.test")
	b, _ := Generate("Bob", "bob@example.test")
	pa, _ := a.Public()
	pb, _ := b.Public()
	r.Add("Bob@Example.test", pa, SourceAutocrypt)
	r.Add("bob@example.test", pb, SourceWKD)
	if got := r.EncryptionKey("bob@example.test"); got.Key.Fingerprint() != pb.Fingerprint() {
		t.Error("newest key should come first")
	}
	r.SetVerified("bob@example.test", pa.Fingerprint(), true)
	if got := r.EncryptionKey("BOB@example.test"); got.Key.Fingerprint() != pa.Fingerprint() || !got.Verified {
		t.Error("verified key should come first")
	}
	r.Add("bob@example.test", pa, SourceImport)
	if ks := r.ForAddress("bob@example.test"); len(ks) != 2 || !ks[0].Verified || ks[0].Source != SourceImport {
		t.Errorf("re-adding a key: %+v", ks)
	}
	recs, err := r.Records()
	if err != nil {
		t.Fatal(err)
	}
	restored := NewRing()
	if err := restored.RestoreRecords(append(recs, Record{Address: "x@example.test", Key: []byte("junk")})); err == nil {
		t.Error("junk record accepted silently")
	}
	if ks := restored.ForAddress("bob@example.test"); len(ks) != 2 || !ks[0].Verified || ks[0].Key.Fingerprint() != pa.Fingerprint() {
		t.Errorf("restored: %+v", ks)
	}
	r.Remove("bob@example.test", pa.Fingerprint())
	if len(r.ForAddress("bob@example.test")) != 1 {
		t.Error("remove")
	}
}

func TestParsePublicKeys(t *testing.T) {
	a, _ := Generate("A", "a@example.test")
	b, _ := Generate("B", "b@example.test")
	pa, _ := a.Public()
	pb, _ := b.Public()
	ba, _ := pa.Bytes()
	bb, _ := pb.Bytes()
	keys, err := ParsePublicKeys(append(ba, bb...))
	if err != nil || len(keys) != 2 || keys[1].Address() != "b@example.test" {
		t.Fatalf("binary: %v %d", err, len(keys))
	}
	armored, _ := pa.Armored()
	if keys, err := ParsePublicKeys([]byte(armored)); err != nil || len(keys) != 1 || keys[0].Fingerprint() != pa.Fingerprint() {
		t.Fatalf("armored: %v", err)
	}
	if _, err := ParsePublicKeys([]byte("junk")); err == nil {
		t.Error("junk accepted")
	}
}
