package vault_test

import (
	"context"
	"fmt"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/vault"
)

func Example() {
	ctx := context.Background()
	db, _ := store.OpenMemory(repo.Schema())
	v := vault.New(db)
	if ok, _ := v.Exists(ctx); !ok {
		v.Create(ctx, []byte("passphrase"), vault.DefaultParams) // first run: unlocked
	}
	v.Put(ctx, "acct1/password", []byte("imap password"))
	v.Lock() // at the end of the session

	if err := v.Unlock(ctx, []byte("not it")); err == vault.ErrWrongPassphrase {
		fmt.Println("wrong passphrase")
	}
	v.Unlock(ctx, []byte("passphrase"))
	secret, _ := v.Get(ctx, "acct1/password")
	fmt.Println(string(secret))
	// Output:
	// wrong passphrase
	// imap password
}
