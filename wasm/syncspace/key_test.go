package syncspace

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestPhraseAndCodeRoundTrip(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	phrase := k.Phrase()
	if n := len(strings.Fields(phrase)); n != 24 {
		t.Fatalf("phrase of %d words", n)
	}
	for _, s := range []string{phrase, "  " + strings.ToUpper(strings.ReplaceAll(phrase, " ", "\n  ")) + " ", k.PairingCode()} {
		got, err := ParseSecret(s)
		if err != nil {
			t.Fatalf("ParseSecret(%q): %v", s, err)
		}
		if !bytes.Equal(got.Bytes(), k.Bytes()) || got.SpaceID() != k.SpaceID() {
			t.Fatal("a different key came back")
		}
	}
	// Two words swapped are refused when the checksum (8 bits, as BIP 39's for 24 words)
	// changes, as it does for 255 swaps in 256: a fixed key, not a random one, so that the
	// test is never the 256th.
	fixed, err := KeyFromBytes(bytes.Repeat([]byte{0x5a, 0x13}, KeySize/2))
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(fixed.Phrase())
	words[3], words[4] = words[4], words[3]
	if words[3] == words[4] {
		t.Fatal("the fixed key's words 4 and 5 are the same: choose other bytes")
	}
	if _, err := ParseSecret(strings.Join(words, " ")); !errors.Is(err, ErrBadSecret) {
		t.Fatalf("swapped words accepted: %v", err)
	}
	for _, bad := range []string{"", "abandon", "caliopen-sync:1:AAAA", strings.Repeat("zzzz ", 24)} {
		if _, err := ParseSecret(bad); !errors.Is(err, ErrBadSecret) {
			t.Errorf("ParseSecret(%q) = %v", bad, err)
		}
	}
}

func TestSecretErrorsNameTheProblem(t *testing.T) {
	words := strings.Fields(strings.Repeat("abandon ", 24)) // all in the list, a wrong checksum
	for _, c := range []struct {
		in   string
		want SecretError
	}{
		{"caliopen-sync:1:AAAA", SecretError{Problem: "code"}},
		{"abandon ability", SecretError{Problem: "length", Words: 2}},
		{strings.Join(append([]string{"notaword"}, words[1:]...), " "), SecretError{Problem: "word", Position: 1, Word: "notaword"}},
		{strings.Join(words, " "), SecretError{Problem: "checksum"}},
	} {
		_, err := ParseSecret(c.in)
		var se *SecretError
		if !errors.As(err, &se) || *se != c.want || !errors.Is(err, ErrBadSecret) {
			t.Errorf("ParseSecret(%q) = %#v, want %#v", c.in, err, c.want)
		}
	}
}

func TestDerivedKeysAreIndependent(t *testing.T) {
	k, _ := NewKey()
	if bytes.Equal(k.aead[:], k.root[:]) || bytes.Contains(k.PublicKey(), k.aead[:8]) {
		t.Fatal("derived keys repeat the root")
	}
	k2, _ := KeyFromBytes(k.Bytes())
	if k2.SpaceID() != k.SpaceID() || !bytes.Equal(k2.PublicKey(), k.PublicKey()) {
		t.Fatal("derivation is not deterministic")
	}
}

func TestSealPadsAndAuthenticates(t *testing.T) {
	k, _ := NewKey()
	other, _ := NewKey()
	small := []Op{{At: at(1, 0, "a"), Kind: Add, Coll: "links", Key: "c", Elem: "email:secret-marker@example.org"}}
	sealed, err := k.Seal(small)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret-marker")) {
		t.Fatal("plaintext in the sealed batch")
	}
	overhead := 1 + 24 + 16
	if len(sealed)-overhead != minBucket {
		t.Fatalf("a small batch is %d bytes, not padded to %d", len(sealed)-overhead, minBucket)
	}
	got, err := k.Open(sealed)
	if err != nil || len(got) != 1 || got[0].Elem != small[0].Elem {
		t.Fatalf("open: %v %v", got, err)
	}
	if _, err := other.Open(sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("another space's key opened it: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := k.Open(sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("a damaged batch opened: %v", err)
	}
	for n, want := range map[int]int{1: 1024, 1025: 2048, 40000: 65536, 65537: 131072, 200000: 262144} {
		if b := bucket(n); b != want {
			t.Errorf("bucket(%d) = %d, want %d", n, b, want)
		}
	}
}

func FuzzOpen(f *testing.F) {
	k, _ := KeyFromBytes(make([]byte, KeySize))
	sealed, _ := k.Seal([]Op{{At: at(1, 0, "a"), Kind: Delete, Coll: "c", Key: "k"}})
	f.Add(sealed)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := k.Open(b)
		if err != nil {
			return
		}
		for _, op := range ops {
			if op.Validate() != nil {
				t.Fatal("an invalid operation came out")
			}
		}
	})
}
