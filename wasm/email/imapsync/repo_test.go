package imapsync_test

import (
	"context"
	"testing"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

func newRepo(t testing.TB) *repo.Repo {
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return repo.New(db)
}

func folderMsgs(t testing.TB, r *repo.Repo, acct, folder string) []model.Message {
	t.Helper()
	var out []model.Message
	p := repo.Page{Limit: 1000}
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
