package imapsync_test

import (
	"testing"

	"caliopen/wasm/email/emailtest"
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
	return emailtest.FolderMessages(t, r, acct, folder)
}
