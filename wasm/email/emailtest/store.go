package emailtest

import (
	"context"
	"testing"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// FolderMessages returns every stored message of an account's folder, newest first.
func FolderMessages(t testing.TB, r *repo.Repo, acct, folder string) []model.Message {
	t.Helper()
	var out []model.Message
	p := repo.Page{Limit: 500}
	for {
		ms, next, err := r.FolderMessages(context.Background(), acct, folder, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ms...)
		if next == "" {
			return out
		}
		p.After = next
	}
}
