package vault_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/store/storetest"
	"caliopen/wasm/vault"
)

var ctx = context.Background()

// fast parameters keep the tests quick; the unlock time is measured apart.
var fast = vault.Params{Time: 1, MemoryKiB: 1024, Threads: 1}

const _ = uint(len(repo.Vault) - len(vault.Store)) // the core schema names the vault's store

// RunVault is the vault's contract over a store backend.
func RunVault(t *testing.T, b storetest.Backend) {
	t.Run("LockUnlock", func(t *testing.T) { testLockUnlock(t, b) })
	t.Run("ChangePassphrase", func(t *testing.T) { testChangePassphrase(t, b) })
	t.Run("Tamper", func(t *testing.T) { testTamper(t, b) })
	t.Run("NoPlaintextAtRest", func(t *testing.T) { testNoPlaintext(t, b) })
}

func newVault(t *testing.T, b storetest.Backend, name string) (*vault.Vault, store.DB) {
	db := b.MustOpen(t, name, repo.Schema())
	v := vault.New(db)
	if ok, err := v.Exists(ctx); ok || err != nil {
		t.Fatalf("exists before create: %v %v", ok, err)
	}
	if err := v.Unlock(ctx, []byte("x")); !errors.Is(err, vault.ErrNoVault) {
		t.Fatalf("unlock before create: %v", err)
	}
	if err := v.Create(ctx, []byte("correct passphrase"), fast); err != nil {
		t.Fatal(err)
	}
	return v, db
}

func testLockUnlock(t *testing.T, b storetest.Backend) {
	v, db := newVault(t, b, "lock")
	if err := v.Create(ctx, []byte("again"), fast); !errors.Is(err, vault.ErrExists) {
		t.Fatalf("second create: %v", err)
	}
	if err := v.Put(ctx, "acct1/password", []byte("hunter2")); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if !v.Locked() {
		t.Fatal("not locked")
	}
	if _, err := v.Get(ctx, "acct1/password"); !errors.Is(err, vault.ErrLocked) {
		t.Fatalf("get locked: %v", err)
	}
	if err := v.Put(ctx, "x", []byte("y")); !errors.Is(err, vault.ErrLocked) {
		t.Fatalf("put locked: %v", err)
	}
	if err := v.Unlock(ctx, []byte("wrong passphrase")); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if !v.Locked() {
		t.Fatal("unlocked by a wrong passphrase")
	}
	if b.Persistent {
		db.Close()
		db = b.MustOpen(t, "lock", repo.Schema())
		v = vault.New(db)
	}
	if err := v.Unlock(ctx, []byte("correct passphrase")); err != nil {
		t.Fatal(err)
	}
	if s, err := v.Get(ctx, "acct1/password"); err != nil || string(s) != "hunter2" {
		t.Fatalf("get = %q, %v", s, err)
	}
	if _, err := v.Get(ctx, "none"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("missing secret: %v", err)
	}
	if ids, _ := v.IDs(ctx); len(ids) != 1 || ids[0] != "acct1/password" {
		t.Fatalf("ids = %v", ids)
	}
	v.Delete(ctx, "acct1/password")
	if _, err := v.Get(ctx, "acct1/password"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("deleted secret: %v", err)
	}
}

// rawRecords returns every record of every store of the core schema, as stored.
func rawRecords(t *testing.T, db store.DB) []store.Record {
	return storetest.RawRecords(t, db, repo.Schema().StoreNames())
}

func testChangePassphrase(t *testing.T, b storetest.Backend) {
	v, db := newVault(t, b, "change")
	v.Put(ctx, "k", []byte("private key bytes"))
	before := rawRecords(t, db)
	if err := v.ChangePassphrase(ctx, []byte("not it"), []byte("new"), nil); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("change with wrong passphrase: %v", err)
	}
	if err := v.ChangePassphrase(ctx, []byte("correct passphrase"), []byte("new passphrase"), &vault.Params{Time: 2, MemoryKiB: 2048, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	// The secret's sealed bytes did not change: only the data key was re-wrapped.
	after := rawRecords(t, db)
	for _, r := range before {
		if strings.Contains(r.Key, "secret") {
			for _, a := range after {
				if a.Key == r.Key && !bytes.Equal(a.Value, r.Value) {
					t.Fatal("secret re-encrypted")
				}
			}
		}
	}
	// Check answers for the current passphrase only, and leaves the vault as it was.
	if err := v.Check(ctx, []byte("correct passphrase")); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("check of the old passphrase: %v", err)
	}
	if err := v.Check(ctx, []byte("new passphrase")); err != nil || v.Locked() {
		t.Fatalf("check of the new passphrase: %v (locked %v)", err, v.Locked())
	}
	v.Lock()
	if err := v.Check(ctx, []byte("new passphrase")); err != nil || !v.Locked() {
		t.Fatalf("check while locked: %v (locked %v)", err, v.Locked())
	}
	if err := v.Unlock(ctx, []byte("correct passphrase")); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("old passphrase after change: %v", err)
	}
	if err := v.Unlock(ctx, []byte("new passphrase")); err != nil {
		t.Fatal(err)
	}
	if s, err := v.Get(ctx, "k"); err != nil || string(s) != "private key bytes" {
		t.Fatalf("after change: %q %v", s, err)
	}
}

// testTamper moves a sealed secret under another id: the id is bound to it, so it fails.
func testTamper(t *testing.T, b storetest.Backend) {
	v, db := newVault(t, b, "tamper")
	v.Put(ctx, "a", []byte("secret a"))
	v.Put(ctx, "b", []byte("secret b"))
	err := db.Update(ctx, []string{vault.Store}, func(tx store.Tx) error {
		ra, _ := tx.Get(vault.Store, store.Tuple("secret", "a"))
		return tx.Put(vault.Store, store.Record{Key: store.Tuple("secret", "b"), Value: ra.Value})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Get(ctx, "b"); !errors.Is(err, vault.ErrDamaged) {
		t.Fatalf("swapped secret: %v", err)
	}
}

// forms returns a secret and its encodings an accidental leak could take.
// testNoPlaintext stores an account with its password and a private key, then reads every record
// of every store: neither secret, in any usual encoding, is anywhere.
func testNoPlaintext(t *testing.T, b storetest.Backend) {
	v, db := newVault(t, b, "plaintext")
	r := repo.New(db)
	password := []byte("Tr0ub4dor&3-correct-horse-battery-staple")
	privKey := make([]byte, 64)
	rand.Read(privKey)
	acct := &model.Account{ID: "acct1", Network: model.Email, Identity: "email:me@example.org", SecretRef: "acct1/password",
		Settings: map[string]string{"imap": "imap.example.org:993"}, CreatedAt: time.Now()}
	err := r.Update(ctx, []string{repo.Accounts, repo.Vault}, func(tx *repo.Tx) error {
		if err := tx.Put(repo.Accounts, store.Record{Key: acct.ID, Value: []byte(fmt.Sprintf(`{"id":%q,"secretRef":%q}`, acct.ID, acct.SecretRef))}); err != nil {
			return err
		}
		if err := v.PutTx(tx, acct.SecretRef, password); err != nil {
			return err
		}
		return v.PutTx(tx, "key/me", privKey)
	})
	if err != nil {
		t.Fatal(err)
	}
	recs := rawRecords(t, db)
	if len(recs) < 4 {
		t.Fatalf("only %d records", len(recs))
	}
	storetest.NoSecretIn(t, recs, password, privKey, []byte("correct passphrase"))
	if got, err := v.Get(ctx, "key/me"); err != nil || !bytes.Equal(got, privKey) {
		t.Fatalf("private key = %x, %v", got, err)
	}
}

// TestUnlockTime measures Unlock with DefaultParams (and alternatives in benchmark mode); it
// prints BENCH vault_unlock_ms in benchmark mode.
func TestUnlockTime(t *testing.T) {
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	params := []vault.Params{vault.DefaultParams}
	if os.Getenv("CALIOPEN_BENCH") == "1" {
		params = append(params, vault.Params{Time: 2, MemoryKiB: 32 << 10, Threads: 1}, vault.Params{Time: 2, MemoryKiB: 64 << 10, Threads: 1})
	}
	for _, p := range params {
		v := vault.New(db)
		db.Update(ctx, []string{vault.Store}, func(tx store.Tx) error { return tx.Delete(vault.Store, "header") })
		if err := v.Create(ctx, []byte("pass"), p); err != nil {
			t.Fatal(err)
		}
		// The median of three unlocks (the first also grows the WebAssembly memory).
		var times []int64
		for range 3 {
			v.Lock()
			start := time.Now()
			if err := v.Unlock(ctx, []byte("pass")); err != nil {
				t.Fatal(err)
			}
			times = append(times, time.Since(start).Milliseconds())
		}
		slices.Sort(times)
		ms := times[1]
		t.Logf("unlock with %+v: %d ms (median of %v)", p, ms, times)
		if p == vault.DefaultParams && os.Getenv("CALIOPEN_BENCH") == "1" && strings.HasPrefix("vault_unlock_ms", os.Getenv("BENCH")) {
			fmt.Printf("BENCH vault_unlock_ms%s %d ms\n", platform, ms)
		}
	}
}
