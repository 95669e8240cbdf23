// Package autocrypt implements Autocrypt Level 1 (autocrypt.org/level1.html): the Autocrypt
// and Autocrypt-Gossip headers, the peer state kept per address and updated from incoming
// mail, the encryption recommendation, and the Autocrypt Setup Message that moves a secret
// key between the user's devices. Keys are handled as binary OpenPGP bytes.
//
// There is no maintained Autocrypt library for Go (the reference implementations are in Rust
// and Python), so the header grammar and the state rules are written here after the spec;
// the OpenPGP work is gopenpgp's.
package autocrypt
