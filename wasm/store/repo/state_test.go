package repo_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/store/storetest"
)

// The user's state of a direct message survives its connector writing it again, the user's
// changes and their operation are one transaction, and the outbox's backed-off items become
// due at once when the network comes back.
func testMessageState(t *testing.T, b storetest.Backend) {
	r, c := open(t, b, "state")
	dm := &model.Message{AccountID: "m1", Network: model.Mastodon, RemoteID: "101", Date: t0, Participants: []model.Participant{}}
	mail, _ := testMessage("e1", 1)
	for _, m := range []*model.Message{dm, mail} {
		if err := r.SaveMessage(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	op := repo.MessageStateOp{Messages: []repo.MessageRef{repo.RefOf(*dm), repo.RefOf(*mail)}, Flagged: &yes, Move: repo.MoveArchive}
	err := r.ChangeMessages(ctx, []string{dm.ID, mail.ID}, func(m *model.Message) bool {
		m.Flags.Flagged, m.Box = true, model.BoxArchive
		return true
	}, op)
	if err != nil {
		t.Fatal(err)
	}
	ops, _ := r.Ops(ctx, 0, 10)
	var logged repo.MessageStateOp
	if len(ops) != 1 || ops[0].Kind != repo.OpMessageState || json.Unmarshal(ops[0].Data, &logged) != nil ||
		len(logged.Messages) != 2 || logged.Messages[1].MessageID == "" || logged.Move != repo.MoveArchive {
		t.Fatalf("logged %+v", ops)
	}
	// The connectors write both again, as they see them on their networks.
	again := *dm
	again.Snippet = "edited"
	mailAgain := *mail
	for _, m := range []*model.Message{&again, &mailAgain} {
		m.Box, m.Flags = model.BoxInbox, model.Flags{}
		if err := r.SaveMessage(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := r.Message(ctx, dm.ID); got.Box != model.BoxArchive || !got.Flags.Flagged || got.Snippet != "edited" {
		t.Fatalf("the direct message lost the user's state: %+v", got)
	}
	if got, _ := r.Message(ctx, mail.ID); got.Box != model.BoxInbox || got.Flags.Flagged {
		t.Fatalf("an email's state is its server's: %+v", got)
	}
	// The user takes it back out of the archive: their word, not a connector's.
	if err := r.ChangeMessages(ctx, []string{dm.ID}, func(m *model.Message) bool { m.Box = model.BoxInbox; return true }, repo.MessageStateOp{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Message(ctx, dm.ID); got.Box != model.BoxInbox {
		t.Fatalf("unarchived: %+v", got)
	}
	if ops, _ := r.Ops(ctx, 0, 10); len(ops) != 1 {
		t.Fatalf("an operation naming no message was logged: %+v", ops)
	}
	if err := r.ChangeMessages(ctx, []string{"gone", dm.ID}, func(m *model.Message) bool { m.Flags.Seen = true; return true }, repo.MessageStateOp{}); err != nil {
		t.Fatalf("a message gone meanwhile: %v", err)
	}
	if got, _ := r.Message(ctx, dm.ID); !got.Flags.Seen {
		t.Fatal("a message gone meanwhile stopped the change of the others")
	}

	// Network back: backed-off items are due now, attempts kept.
	r.Enqueue(ctx, &repo.OutboxItem{AccountID: "e1", IdempotencyKey: "k1"})
	it, _ := r.Claim(ctx, time.Minute)
	r.Fail(ctx, it.ID, errors.New("offline"), t0.Add(30*time.Minute))
	if got, _ := r.Claim(ctx, time.Minute); got != nil {
		t.Fatal("claimed during its backoff")
	}
	c.now = t0.Add(time.Minute)
	if err := r.RetryNow(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := r.Claim(ctx, time.Minute)
	if got == nil || got.ID != it.ID || got.Attempts != 2 {
		t.Fatalf("after the network came back: %+v", got)
	}
	snap, err := r.OutboxSnapshot(ctx, map[repo.OutboxState]int{repo.Queued: 10, repo.Sending: 10})
	if err != nil || len(snap[repo.Queued]) != 0 || len(snap[repo.Sending]) != 1 || snap[repo.Sending][0].ID != it.ID {
		t.Fatalf("snapshot %+v, %v", snap, err)
	}
}
