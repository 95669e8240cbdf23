// Package pgp is Caliopen's OpenPGP layer for mail: the user's own keys, a ring of contacts'
// keys, PGP/MIME (RFC 3156) and inline PGP reading, and PGP/MIME writing.
//
// It uses gopenpgp v3 with a profile GnuPG 2.2 reads: v4 Curve25519 keys (Ed25519 + Cv25519)
// and SEIPDv1 packets, never v6 keys or AEAD packets. RSA keys of others are accepted.
// Private key material leaves this package only as bytes for the vault to seal
// (SecretKey.Bytes, SecretKeyFromBytes).
//
// Reading: the email connector passes every raw message to Open with the user's secret keys
// and the contacts' Ring. The result's Parsed is the readable message (for an encrypted
// message, the decrypted MIME under the outer header, protected headers applied) and
// Security the verified facts; a failure is a readable Security.Note, not an error.
// Opened.Gossip and Parsed.Autocrypt feed autocrypt.Store.Update; with Keys.Autocrypt set,
// the sender's Autocrypt key also verifies signatures.
//
// Writing: the composer asks Plan whether a message will be encrypted (and why not), then
// calls BuildEncrypted with SendPlan.Recipients(), or BuildSigned, or BuildDraft for the
// Drafts folder. AutocryptHeader gives the outer Autocrypt header value.
package pgp
