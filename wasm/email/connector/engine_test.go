//go:build !js

package connector_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/email/connector"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/engine"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// Mail synced by the connector lands in discussions: the engine observes the repository the
// connector writes to, whatever the connector.
func TestSyncedMailFormsDiscussions(t *testing.T) {
	ca := emailtest.NewCA(t)
	im := emailtest.StartIMAP(t, ca, "alice", "pw")
	for i := 1; i <= 3; i++ {
		msg := fmt.Sprintf("From: Tapioca <tapioca@example.net>\r\nTo: alice@example.test\r\nSubject: purr %d\r\n"+
			"Date: Mon, %d Nov 2026 10:00:00 +0000\r\nMessage-ID: <p%d@example.net>\r\n\r\nmeow %d\r\n", i, i+1, i, i)
		im.Append(t, "alice", "INBOX", []byte(msg))
	}
	im.Append(t, "alice", "INBOX", []byte("From: Bob <bob@example.org>\r\nTo: alice@example.test\r\nSubject: lunch\r\n"+
		"Date: Mon, 9 Nov 2026 10:00:00 +0000\r\nMessage-ID: <b1@example.org>\r\n\r\nnoon?\r\n"))
	base := emailtest.Account(ca, im, nil, "alice", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	db, _ := store.OpenMemory(repo.Schema())
	defer db.Close()
	eng := engine.New(ctx, db, nil)
	if err := eng.SetOwnIdentity(ctx, model.Identity{URI: "email:alice@example.test"}); err != nil {
		t.Fatal(err)
	}
	c := connector.New(&email.Account{ID: "a1", Settings: base.Settings, Password: "pw", Transport: ca.Transport()}, eng.Repo)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var page []engine.Stored
	emailtest.Eventually(t, 10*time.Second, "two discussions", func() bool {
		page, _, _ = eng.DiscussionPage(ctx, "", 10)
		return len(page) == 2
	})
	if page[0].People[0].Name != "Bob" || page[1].People[0].Name != "Tapioca" || page[1].Count != 3 || page[1].Unread != 3 {
		t.Fatalf("discussions: %+v", page)
	}
	cancel()
	<-done
}
