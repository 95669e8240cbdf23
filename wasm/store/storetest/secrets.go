package storetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"caliopen/wasm/store"
)

// RawRecords returns every record of the named stores, as stored.
func RawRecords(t testing.TB, db store.DB, names []string) []store.Record {
	t.Helper()
	var all []store.Record
	err := db.View(context.Background(), names, func(tx store.Tx) error {
		for _, n := range names {
			recs, err := store.ScanAll(tx, n, store.Query{})
			if err != nil {
				return err
			}
			all = append(all, recs...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// SecretForms are the usual encodings a secret could be stored in: raw, base64 (four
// alphabets), hex (both cases).
func SecretForms(secret []byte) [][]byte {
	out := [][]byte{secret}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, []byte(enc.EncodeToString(secret)))
	}
	out = append(out, []byte(hex.EncodeToString(secret)), []byte(strings.ToUpper(hex.EncodeToString(secret))))
	return out
}

// NoSecretIn fails the test when any of the secrets, in any of its SecretForms, appears in a
// record's key, value or index entries. It returns how many records it read.
func NoSecretIn(t testing.TB, recs []store.Record, secrets ...[]byte) int {
	t.Helper()
	for _, rec := range recs {
		parts := [][]byte{[]byte(rec.Key), rec.Value}
		for _, ix := range rec.Index {
			parts = append(parts, []byte(ix))
		}
		for _, secret := range secrets {
			for _, f := range SecretForms(secret) {
				for _, part := range parts {
					if bytes.Contains(part, f) {
						t.Fatalf("secret %q found in record %q", f, rec.Key)
					}
				}
			}
		}
	}
	return len(recs)
}
