// Package autocrypt implements Autocrypt Level 1 (autocrypt.org/level1.html): the Autocrypt
// and Autocrypt-Gossip headers, the peer state kept per address and updated from incoming
// mail, the encryption recommendation, and the Autocrypt Setup Message that moves a secret
// key between the user's devices. Keys are handled as binary OpenPGP bytes.
package autocrypt
