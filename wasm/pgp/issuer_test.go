package pgp

import (
	"encoding/hex"
	"testing"

	"caliopen/wasm/autocrypt"
	"caliopen/wasm/model"
)

// A signature by a key not held names its issuer, by fingerprint and key ID, so that only
// that key is taken when one is found; once the key is held the message no longer awaits it.
func TestIssuerOfASignatureAwaitingItsKey(t *testing.T) {
	alice, bob, carol := newPair(t, "Alice", "alice@example.test"), newPair(t, "Bob", "bob@example.test"), newPair(t, "Carol", "carol@example.test")
	m := outgoing("Signed")
	raw, err := BuildSigned(m, alice.sec)
	if err != nil {
		t.Fatal(err)
	}

	o := mustOpen(t, raw, Keys{Own: []*SecretKey{bob.sec}, Contacts: NewRing()})
	if o.Security.Signature != model.SigError || !AwaitsKey(o.Security) {
		t.Fatalf("without the key: %+v", o.Security)
	}
	if o.Issuer.KeyID != alice.pub.KeyID() || o.Issuer.Fingerprint != alice.pub.Fingerprint() {
		t.Fatalf("issuer %+v, want alice's key %s %s", o.Issuer, alice.pub.KeyID(), alice.pub.Fingerprint())
	}
	if !o.Issuer.Matches(alice.pub) || o.Issuer.Matches(carol.pub) || o.Issuer.Matches(nil) {
		t.Fatal("the issuer matches another key than alice's")
	}
	byID := Issuer{KeyID: alice.pub.KeyID()}
	if !byID.Matches(alice.pub) || byID.Matches(carol.pub) || (Issuer{}).Matches(alice.pub) {
		t.Fatal("an issuer named by key ID alone matches wrongly")
	}
	// A subkey's fingerprint or key ID names its key too.
	sub := alice.pub.key.GetEntity().Subkeys[0].PublicKey
	bySubkey := Issuer{KeyID: sub.KeyIdString(), Fingerprint: hex.EncodeToString(sub.Fingerprint)}
	if !bySubkey.Matches(alice.pub) || bySubkey.Matches(carol.pub) || !(Issuer{KeyID: sub.KeyIdString()}).Matches(alice.pub) {
		t.Fatal("a subkey's fingerprint or key ID does not name its key")
	}

	// The key carried by the message (its Autocrypt header) makes it good from an unknown
	// key: it awaits the key being known for the sender.
	kd, _ := alice.pub.Bytes()
	m.Autocrypt = autocrypt.Header{Addr: "alice@example.test", KeyData: kd}.String()
	withKey, err := BuildSigned(m, alice.sec)
	if err != nil {
		t.Fatal(err)
	}
	o = mustOpen(t, withKey, Keys{Contacts: NewRing()})
	if o.Security.Signature != model.SigGoodUnknown || !AwaitsKey(o.Security) || !o.Issuer.Matches(alice.pub) {
		t.Fatalf("with the key carried: %+v issuer %+v", o.Security, o.Issuer)
	}

	// Held: nothing awaits.
	ring := NewRing()
	ring.Add("alice@example.test", alice.pub, SourceWKD)
	o = mustOpen(t, raw, Keys{Contacts: ring})
	if o.Security.Signature != model.SigGoodKnown || AwaitsKey(o.Security) || !o.Issuer.IsZero() {
		t.Fatalf("with the key held: %+v issuer %+v", o.Security, o.Issuer)
	}
	// A bad signature does not await a key either.
	if AwaitsKey(model.Security{Signature: model.SigBad}) || AwaitsKey(model.Security{Signature: model.SigError, Notes: []model.SecurityNote{{Code: "sig.unreadable"}}}) {
		t.Fatal("a bad or unreadable signature awaits a key")
	}
}
