package pgp

import (
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
	if o.Parsed.Message.Security != o.Security {
		t.Errorf("parsed security %+v differs", o.Parsed.Message.Security)
	}
}
