// Package pgp is Caliopen's OpenPGP layer for mail: the user's own keys, a ring of contacts'
// keys, PGP/MIME (RFC 3156) and inline PGP reading, and PGP/MIME writing.
//
// It uses gopenpgp v3 with a profile GnuPG 2.2 reads: v4 Curve25519 keys (Ed25519 + Cv25519)
// and SEIPDv1 packets, never v6 keys or AEAD packets. RSA keys of others are accepted.
// Private key material leaves this package only as bytes for the vault to seal.
package pgp
