package syncspace

import (
	"bytes"
	"errors"
	"testing"
)

func TestAtRestSealsBoundToNameAndSpace(t *testing.T) {
	k, _ := NewKey()
	other, _ := NewKey()
	plain := []byte(`{"secret":"hunter2"}`)
	sealed, err := k.SealAtRest("sync/queue/1", plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("hunter2")) {
		t.Fatal("sealed value holds the plaintext")
	}
	if got, err := k.OpenAtRest("sync/queue/1", sealed); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	for name, try := range map[string]func() ([]byte, error){
		"another record": func() ([]byte, error) { return k.OpenAtRest("sync/queue/2", sealed) },
		"another space":  func() ([]byte, error) { return other.OpenAtRest("sync/queue/1", sealed) },
		"tampered": func() ([]byte, error) {
			bad := bytes.Clone(sealed)
			bad[len(bad)-1] ^= 1
			return k.OpenAtRest("sync/queue/1", bad)
		},
		"cut short":  func() ([]byte, error) { return k.OpenAtRest("sync/queue/1", sealed[:10]) },
		"plain JSON": func() ([]byte, error) { return k.OpenAtRest("sync/queue/1", plain) },
	} {
		if _, err := try(); !errors.Is(err, ErrOpenAtRest) {
			t.Errorf("%s: %v, want ErrOpenAtRest", name, err)
		}
	}
	// The at-rest key is not the key batches travel under.
	if k.atRest == k.aead {
		t.Fatal("at-rest key equals the batch key")
	}
}

func TestDigestIsKeyed(t *testing.T) {
	k, _ := NewKey()
	other, _ := NewKey()
	v := []byte(`{"secret":"hunter2"}`)
	if k.Digest(v) != k.Digest(v) {
		t.Fatal("digest is not stable")
	}
	if k.Digest(v) == other.Digest(v) {
		t.Fatal("two spaces give the same digest: it is not keyed")
	}
	if k.Digest(v) == k.Digest([]byte(`{"secret":"hunter3"}`)) {
		t.Fatal("different values, same digest")
	}
}
