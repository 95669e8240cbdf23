package pgp

import (
	"reflect"
	"testing"

	"caliopen/wasm/model"
	"github.com/emersion/go-message/mail"
)

func outgoing(subject string) Outgoing {
	return Outgoing{
		From:    &mail.Address{Name: "Alice", Address: "alice@example.test"},
		To:      []*mail.Address{{Name: "Bob", Address: "bob@example.test"}},
		Subject: subject,
		Text:    "Hello Bob,\nthis is Caliopen. Grüße.\n",
	}
}

func mustOpen(t *testing.T, raw []byte, keys Keys) *Opened {
	t.Helper()
	o, err := Open(raw, keys)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustArmor(t *testing.T, k *PublicKey) []byte {
	t.Helper()
	a, err := k.Armored()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(a)
}

func wantSecurity(t *testing.T, o *Opened, encrypted bool, sig model.SignatureState) {
	t.Helper()
	if o.Security.Encrypted != encrypted || o.Security.Signature != sig {
		t.Errorf("security = %+v, want encrypted=%v signature=%q", o.Security, encrypted, sig)
	}
	if !reflect.DeepEqual(o.Parsed.Message.Security, o.Security) {
		t.Errorf("parsed security %+v differs", o.Parsed.Message.Security)
	}
}

// multipartEncrypted wraps an armored OpenPGP message in an RFC 3156 multipart/encrypted
// message under the given header fields (each ending in CRLF).
func multipartEncrypted(header, armored string) []byte {
	return []byte(header + "MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\n\r\n" + armored + "\r\n--b--\r\n")
}
