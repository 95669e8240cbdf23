//go:build !js

// Tests against real peers (GnuPG, Dovecot, Postfix) and files: native only.

package pgp

import (
	"testing"

	"caliopen/shared/testkit"
)

func peersDir(t *testing.T, tools ...string) string { return testkit.PeersDir(t, tools...) }

// gpgPeer is GnuPG in a throw-away home (testkit.GPG) with the peer's key read here.
type gpgPeer struct {
	*testkit.GPG
	t *testing.T
}

func newGPGPeer(t *testing.T, name, email, algo string) gpgPeer {
	return gpgPeer{testkit.NewGPG(t, name, email, algo), t}
}

func (p gpgPeer) publicKey() *PublicKey {
	k, err := ParsePublic(p.PublicKey())
	if err != nil {
		p.t.Fatal(err)
	}
	return k
}
