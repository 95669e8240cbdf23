package repo_test

import (
	"context"
	"fmt"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

func Example() {
	ctx := context.Background()
	// In the browser: store.OpenIndexedDB(ctx, "caliopen", repo.Schema()).
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		panic(err)
	}
	defer db.Close()
	r := repo.New(db)

	// A sync batch: messages with their bodies and the account's cursor, all or nothing.
	err = r.Update(ctx, []string{repo.Messages, repo.Bodies, repo.Cursors}, func(tx *repo.Tx) error {
		for i := 1; i <= 3; i++ {
			m := &model.Message{AccountID: "acct1", Network: model.Email, RemoteID: fmt.Sprint("INBOX/7/", i),
				Folder: "INBOX", Subject: fmt.Sprint("hello ", i), Date: time.Date(2026, 11, i, 0, 0, 0, 0, time.UTC)}
			if err := tx.PutMessage(m, &model.Body{Text: "..."}); err != nil {
				return err
			}
		}
		return tx.SetCursor("acct1", "INBOX", []byte("uidvalidity=7 uid=3"))
	})
	if err != nil {
		panic(err)
	}

	// The UI pages newest first; Next is "" on the last page.
	p := repo.Page{Limit: 2}
	for {
		msgs, next, err := r.FolderMessages(ctx, "acct1", "INBOX", p)
		if err != nil {
			panic(err)
		}
		for _, m := range msgs {
			fmt.Println(m.Subject)
		}
		if next == "" {
			break
		}
		p.After = next
	}

	// The outbox: enqueue once per idempotency key, claim, send, acknowledge.
	r.Enqueue(ctx, &repo.OutboxItem{AccountID: "acct1", Network: model.Email, IdempotencyKey: "<id1@example.org>", Payload: []byte("MIME...")})
	item, _ := r.Claim(ctx, time.Minute)
	// ... send item.Payload; after a crash, r.InDoubt lists items claimed but never settled.
	r.Ack(ctx, item.ID, "sent-uid-42")
	sent, _ := r.OutboxItem(ctx, item.ID)
	fmt.Println(sent.State, sent.Attempts)
	// Output:
	// hello 3
	// hello 2
	// hello 1
	// sent 1
}
