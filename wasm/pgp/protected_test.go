package pgp

import (
	"bytes"
	"regexp"
	"testing"

	"caliopen/wasm/autocrypt"
	"caliopen/wasm/model"
	"github.com/emersion/go-message/mail"
)

// withOuterFrom replaces the From field of raw's outer header, which no signature covers.
func withOuterFrom(t *testing.T, raw []byte, from string) []byte {
	t.Helper()
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	fromField := regexp.MustCompile(`(?m)^From: [^\r\n]*\r\n`)
	if end < 0 || !fromField.Match(raw[:end]) {
		t.Fatalf("no outer From in\n%s", raw)
	}
	replaced := false
	header := fromField.ReplaceAllFunc(raw[:end+2], func(f []byte) []byte {
		if replaced {
			return f
		}
		replaced = true
		return []byte("From: " + from + "\r\n")
	})
	return append(header, raw[end+2:]...)
}

// Protected headers are believed only as far as the envelope proves them (RFC 9788, and
// Autocrypt's rule that its state follows the outer From): a From claimed inside counts only
// under a valid signature by a key held for that address; else the message is shown as from
// its outer From, with the claim named. Autocrypt gossip counts only under a valid signature.
func TestProtectedFromNeedsASignatureByItsKey(t *testing.T) {
	alice := newPair(t, "Alice", "alice@example.test") // the reader
	mallory := newPair(t, "Mallory", "mallory@example.test")
	boss := newPair(t, "Boss", "boss@example.test")
	fakeBoss := newPair(t, "Boss", "boss@example.test") // a fresh key naming boss's address
	ring := NewRing()
	ring.Add("mallory@example.test", mallory.pub, SourceImport)
	ring.Add("boss@example.test", boss.pub, SourceImport)
	keys := Keys{Own: []*SecretKey{alice.sec}, Contacts: ring}
	aliceKey, _ := alice.pub.Bytes()
	claim := func() Outgoing {
		return Outgoing{From: &mail.Address{Name: "The Boss", Address: "boss@example.test"}, To: []*mail.Address{{Address: "alice@example.test"}},
			Subject: "Wire the money today", Text: "Use the new account number.",
			Gossip: []string{autocrypt.Header{Addr: "alice@example.test", KeyData: aliceKey}.GossipString()}}
	}
	build := map[string]func() []byte{
		"signed": func() []byte {
			raw, err := BuildSigned(claim(), mallory.sec)
			must(t, err)
			return raw
		},
		"encrypted and signed": func() []byte {
			raw, err := BuildEncrypted(claim(), mallory.sec, []*PublicKey{alice.pub})
			must(t, err)
			return raw
		},
		"encrypted, signed by a fresh key naming boss": func() []byte {
			m := claim()
			kd, _ := fakeBoss.pub.Bytes() // announced as mallory's: the signature checks out
			m.Autocrypt = autocrypt.Header{Addr: "mallory@example.test", KeyData: kd}.String()
			raw, err := BuildEncrypted(m, fakeBoss.sec, []*PublicKey{alice.pub})
			must(t, err)
			return raw
		},
		"encrypted only": func() []byte {
			m := claim()
			must(t, m.fillDefaults())
			inner, err := m.protectedContent("cipher", true)
			must(t, err)
			armored, err := EncryptTo(inner, alice.pub)
			must(t, err)
			return multipartEncrypted("From: mallory@example.test\r\nTo: alice@example.test\r\nSubject: [...]\r\nMessage-ID: <x@example.test>\r\n", string(armored))
		},
	}
	want := map[string]model.SignatureState{
		"signed": model.SigGoodKnown, "encrypted and signed": model.SigGoodKnown,
		"encrypted, signed by a fresh key naming boss": model.SigGoodUnknown, "encrypted only": model.SigNone,
	}
	for name, b := range build {
		t.Run(name, func(t *testing.T) {
			o := mustOpen(t, withOuterFrom(t, b(), "mallory@example.test"), keys)
			sec := o.Security
			if from := o.Parsed.Message.From().Address(); from != "mallory@example.test" || o.Sender != "mallory@example.test" {
				t.Errorf("shown as from %q (sender %q), want the outer mallory@example.test", from, o.Sender)
			}
			if sec.Signature != want[name] || sec.ClaimedFrom != "boss@example.test" || !hasNote(sec, "from.not-covered") {
				t.Errorf("security %+v", sec)
			}
			if o.Parsed.Message.Subject != "Wire the money today" {
				t.Errorf("subject %q: the protected one is shown under a valid signature or inside the encryption", o.Parsed.Message.Subject)
			}
			if gossip := len(o.Gossip) > 0; gossip != (sec.Encrypted && sec.Signature != model.SigNone) {
				t.Errorf("gossip %q with security %+v", o.Gossip, sec)
			}
		})
	}

	// Boss's own key, the mail relayed by a list that rewrote the outer From: boss is shown,
	// signed by a key known for them.
	raw, err := BuildEncrypted(claim(), boss.sec, []*PublicKey{alice.pub})
	must(t, err)
	o := mustOpen(t, withOuterFrom(t, raw, "Boss via the list <list@example.test>"), keys)
	if from := o.Parsed.Message.From().Address(); from != "boss@example.test" || o.Sender != "list@example.test" {
		t.Errorf("from %q sender %q", from, o.Sender)
	}
	if o.Security.Signature != model.SigGoodKnown || o.Security.ClaimedFrom != "" || len(o.Security.Notes) != 0 || len(o.Gossip) != 1 {
		t.Errorf("security %+v gossip %q", o.Security, o.Gossip)
	}
}

func hasNote(sec model.Security, code string) bool {
	for _, n := range sec.Notes {
		if n.Code == code {
			return true
		}
	}
	return false
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
