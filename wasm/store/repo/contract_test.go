package repo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/store/storetest"
)

var ctx = context.Background()

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// clock is a settable time for the repository.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func open(t *testing.T, b storetest.Backend, name string) (*repo.Repo, *clock) {
	db := b.MustOpen(t, name, repo.Schema())
	r := repo.New(db)
	c := &clock{now: t0}
	r.Now = c.Now
	return r, c
}

// testMessage builds message i of an account: folder, conversation and Message-ID repeat so
// that every index has several entries per key; dates repeat by pairs.
func testMessage(account string, i int) (*model.Message, *model.Body) {
	m := &model.Message{
		AccountID:      account,
		Network:        model.Email,
		RemoteID:       fmt.Sprintf("INBOX/1/%d", i),
		Folder:         []string{"INBOX", "Archive"}[i%2],
		ConversationID: fmt.Sprint("conv", i%3),
		Subject:        fmt.Sprint("subject ", i),
		Date:           t0.Add(time.Duration(i/2) * time.Minute),
		MessageID:      fmt.Sprintf("<m%d@example.org>", i),
		Participants:   []model.Participant{{URI: "email:alice@example.org", Role: model.RoleFrom}},
	}
	body := &model.Body{Text: fmt.Sprint("body of ", i), Attachments: []model.Attachment{{ID: "1", Name: "a.txt", Size: 3}}}
	return m, body
}

func saveMessages(t *testing.T, r *repo.Repo, account string, n int) {
	var ws []repo.MessageWrite
	for i := 0; i < n; i++ {
		m, b := testMessage(account, i)
		ws = append(ws, repo.MessageWrite{Message: m, Body: b})
	}
	if err := r.SaveMessages(ctx, ws); err != nil {
		t.Fatal(err)
	}
}

// allPages reads a list page by page and returns the subjects.
func allPages(t *testing.T, size int, list func(repo.Page) ([]model.Message, string, error), oldest bool) []string {
	var out []string
	p := repo.Page{Limit: size, Oldest: oldest}
	for i := 0; ; i++ {
		ms, next, err := list(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) > size || (next != "" && len(ms) != size) {
			t.Fatalf("page of %d with next %q", len(ms), next)
		}
		for _, m := range ms {
			out = append(out, m.Subject)
		}
		if next == "" {
			return out
		}
		p.After = next
		if i > 1000 {
			t.Fatal("pagination does not end")
		}
	}
}

func subjects(idx ...int) []string {
	var s []string
	for _, i := range idx {
		s = append(s, fmt.Sprint("subject ", i))
	}
	return s
}

// RunRepo is the repository's contract over a store backend.
func RunRepo(t *testing.T, b storetest.Backend) {
	t.Run("Messages", func(t *testing.T) { testMessages(t, b) })
	t.Run("MessageAtomic", func(t *testing.T) { testMessageAtomic(t, b) })
	t.Run("Contacts", func(t *testing.T) { testContacts(t, b) })
	t.Run("Drafts", func(t *testing.T) { testDrafts(t, b) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, b) })
	t.Run("OpLog", func(t *testing.T) { testOpLog(t, b) })
	t.Run("MessageState", func(t *testing.T) { testMessageState(t, b) })
	t.Run("PurgeAccount", func(t *testing.T) { testPurgeAccount(t, b) })
	if b.Persistent {
		t.Run("ExtendSchema", func(t *testing.T) { testExtend(t, b) })
	}
}

func testMessages(t *testing.T, b storetest.Backend) {
	r, _ := open(t, b, "messages")
	saveMessages(t, r, "a1", 40)
	saveMessages(t, r, "a2", 10)
	// Newest first, by account; equal dates come in reverse id order, every message once.
	var want []int
	for i := 39; i >= 0; i-- {
		want = append(want, i)
	}
	got := allPages(t, 7, func(p repo.Page) ([]model.Message, string, error) { return r.AccountMessages(ctx, "a1", p) }, false)
	if len(got) != 40 || len(slices.Compact(slices.Sorted(slices.Values(got)))) != 40 {
		t.Fatalf("account pages = %v", got)
	}
	for i := 1; i < len(got); i++ {
		// Dates never increase.
		if gi, gp := indexOf(got[i]), indexOf(got[i-1]); gi/2 > gp/2 {
			t.Fatalf("not newest first: %v", got)
		}
	}
	if got := allPages(t, 100, func(p repo.Page) ([]model.Message, string, error) { return r.AllMessages(ctx, p) }, true); len(got) != 50 {
		t.Fatalf("all = %d", len(got))
	}
	got = allPages(t, 3, func(p repo.Page) ([]model.Message, string, error) {
		return r.FolderMessages(ctx, "a1", "Archive", p)
	}, true)
	if !slices.Equal(got, subjects(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39)) {
		t.Fatalf("folder = %v", got)
	}
	got = allPages(t, 4, func(p repo.Page) ([]model.Message, string, error) {
		return r.ConversationMessages(ctx, "a2", "conv1", p)
	}, false)
	if !slices.Equal(got, subjects(7, 4, 1)) {
		t.Fatalf("conversation = %v", got)
	}
	byID, err := r.MessagesByMessageID(ctx, "m5@example.org")
	if err != nil || len(byID) != 2 {
		t.Fatalf("by Message-ID = %v, %v", byID, err)
	}
	if n, _ := r.CountMessages(ctx, "a2"); n != 10 {
		t.Fatalf("count a2 = %d", n)
	}
	id := model.MessageID("a1", "INBOX/1/4")
	m, err := r.Message(ctx, id)
	if err != nil || m.Subject != "subject 4" || !m.Date.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("message = %+v, %v", m, err)
	}
	body, err := r.Body(ctx, id)
	if err != nil || body.Text != "body of 4" || body.MessageID != id {
		t.Fatalf("body = %+v, %v", body, err)
	}
	// Moving a message moves it in the folder index.
	if err := r.UpdateMessage(ctx, id, func(m *model.Message) error { m.Folder = "Trash"; m.Flags.Seen = true; return nil }); err != nil {
		t.Fatal(err)
	}
	trash, _, _ := r.FolderMessages(ctx, "a1", "Trash", repo.Page{})
	inbox, _, _ := r.FolderMessages(ctx, "a1", "INBOX", repo.Page{})
	if len(trash) != 1 || !trash[0].Flags.Seen || len(inbox) != 19 {
		t.Fatalf("after move: trash %d inbox %d", len(trash), len(inbox))
	}
	// Attachments are fetched lazily and go with their message.
	if _, err := r.Attachment(ctx, id, "1"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("attachment before fetch: %v", err)
	}
	if err := r.PutAttachment(ctx, id, "1", []byte("abc")); err != nil {
		t.Fatal(err)
	}
	if data, err := r.Attachment(ctx, id, "1"); err != nil || string(data) != "abc" {
		t.Fatalf("attachment = %q, %v", data, err)
	}
	if body, _ := r.Body(ctx, id); !body.Attachments[0].Fetched {
		t.Fatal("attachment not marked fetched")
	}
	if err := r.DeleteMessage(ctx, id); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		func() error { _, err := r.Message(ctx, id); return err }(),
		func() error { _, err := r.Body(ctx, id); return err }(),
		func() error { _, err := r.Attachment(ctx, id, "1"); return err }(),
	} {
		if !errors.Is(err, repo.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	}
	if b.Persistent {
		r.DB().Close()
		r, _ = open(t, b, "messages")
		if n, _ := r.CountMessages(ctx, ""); n != 49 {
			t.Fatalf("after reopen: %d messages", n)
		}
	}
}

func indexOf(subject string) int {
	var i int
	fmt.Sscanf(subject, "subject %d", &i)
	return i
}

// testMessageAtomic fails a batch midway, and a message write with its cursor: nothing stays.
func testMessageAtomic(t *testing.T, b storetest.Backend) {
	r, _ := open(t, b, "atomic")
	var ws []repo.MessageWrite
	for i := 0; i < 20; i++ {
		m, body := testMessage("a1", i)
		ws = append(ws, repo.MessageWrite{Message: m, Body: body})
	}
	ws = append(ws, repo.MessageWrite{Message: &model.Message{AccountID: "a1"}}) // no remote id
	if err := r.SaveMessages(ctx, ws); err == nil {
		t.Fatal("invalid batch saved")
	}
	err := r.Update(ctx, []string{repo.Messages, repo.Bodies, repo.Cursors}, func(tx *repo.Tx) error {
		m, body := testMessage("a1", 100)
		if err := tx.PutMessage(m, body); err != nil {
			return err
		}
		if err := tx.SetCursor("a1", "INBOX", []byte("uid:101")); err != nil {
			return err
		}
		return errors.New("connection lost")
	})
	if err == nil {
		t.Fatal("failed sync committed")
	}
	if n, _ := r.CountMessages(ctx, ""); n != 0 {
		t.Fatalf("%d messages of failed transactions", n)
	}
	err = r.View(ctx, []string{repo.Bodies}, func(tx *repo.Tx) error {
		n, err := tx.Count(repo.Bodies, store.Query{})
		if err == nil && n != 0 {
			err = fmt.Errorf("%d bodies of failed transactions", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := r.Cursor(ctx, "a1", "INBOX"); c != nil || err != nil {
		t.Fatalf("cursor of failed transaction: %q %v", c, err)
	}
	if err := r.SetCursor(ctx, "a1", "INBOX", []byte("uid:7")); err != nil {
		t.Fatal(err)
	}
	if c, _ := r.Cursor(ctx, "a1", "INBOX"); string(c) != "uid:7" {
		t.Fatalf("cursor = %q", c)
	}
}

func testContacts(t *testing.T, b storetest.Backend) {
	r, _ := open(t, b, "contacts")
	acct := &model.Account{ID: "a1", Network: model.Email, Identity: "email:me@example.org", CreatedAt: t0}
	if err := r.PutAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if as, err := r.AccountList(ctx); err != nil || len(as) != 1 || as[0].Identity != acct.Identity {
		t.Fatalf("accounts = %v, %v", as, err)
	}
	for _, id := range []model.Identity{
		{URI: "email:me@example.org", Own: true},
		{URI: "email:alice@example.org", DisplayName: "Alice"},
		{URI: "mastodon:alice@mamot.fr"},
	} {
		if err := r.PutIdentity(ctx, &id); err != nil {
			t.Fatal(err)
		}
	}
	if own, _ := r.OwnIdentities(ctx); len(own) != 1 || own[0].URI != "email:me@example.org" {
		t.Fatalf("own = %v", own)
	}
	alice := &model.Contact{ID: "c1", Name: "Alice", Identities: []model.IdentityURI{"email:alice@example.org", "mastodon:alice@mamot.fr"}}
	if err := r.PutContact(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if c, err := r.ContactOf(ctx, "mastodon:alice@mamot.fr"); err != nil || c.ID != "c1" {
		t.Fatalf("contact of = %v, %v", c, err)
	}
	other := &model.Contact{ID: "c2", Name: "bob", Identities: []model.IdentityURI{"email:alice@example.org"}}
	if err := r.PutContact(ctx, other); !errors.Is(err, repo.ErrIdentityTaken) {
		t.Fatalf("taking another contact's identity: %v", err)
	}
	// Split: the Mastodon identity leaves Alice and becomes its own contact, logged, at once.
	err := r.Update(ctx, append(repo.ContactStores, repo.OpLogStores...), func(tx *repo.Tx) error {
		alice.Identities = alice.Identities[:1]
		if err := tx.PutContact(alice); err != nil {
			return err
		}
		if err := tx.PutContact(&model.Contact{ID: "c3", Name: "Alice (Mastodon)", Identities: []model.IdentityURI{"mastodon:alice@mamot.fr"}}); err != nil {
			return err
		}
		_, err := tx.AppendOp(repo.OpContactSplit, map[string]any{"from": "c1", "to": "c3"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := r.ContactOf(ctx, "mastodon:alice@mamot.fr"); c.ID != "c3" {
		t.Fatalf("after split: %v", c)
	}
	r.PutContact(ctx, &model.Contact{ID: "c4", Name: "bob"})
	cs, next, err := r.ContactsByName(ctx, repo.Page{Limit: 2})
	if err != nil || len(cs) != 2 || cs[0].Name != "Alice" || cs[1].Name != "Alice (Mastodon)" || next == "" {
		t.Fatalf("contacts by name = %v %q %v", cs, next, err)
	}
	cs, next, _ = r.ContactsByName(ctx, repo.Page{Limit: 2, After: next})
	if len(cs) != 1 || cs[0].Name != "bob" || next != "" {
		t.Fatalf("contacts page 2 = %v %q", cs, next)
	}
	// Deleting an account deletes its cursors, not another account's.
	r.SetCursor(ctx, "a1", "INBOX", []byte("1"))
	r.SetCursor(ctx, "a10", "INBOX", []byte("2"))
	if err := r.DeleteAccount(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Account(ctx, "a1"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("deleted account: %v", err)
	}
	c1, _ := r.Cursor(ctx, "a1", "INBOX")
	c10, _ := r.Cursor(ctx, "a10", "INBOX")
	if c1 != nil || string(c10) != "2" {
		t.Fatalf("cursors after delete: %q %q", c1, c10)
	}
}

func testDrafts(t *testing.T, b storetest.Backend) {
	r, c := open(t, b, "drafts")
	for i := 0; i < 3; i++ {
		c.now = t0.Add(time.Duration(i) * time.Second)
		if err := r.SaveDraft(ctx, &repo.Draft{ID: fmt.Sprint("d", i), Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	c.now = t0.Add(time.Hour)
	d, _ := r.Draft(ctx, "d0")
	d.Text = "edited"
	r.SaveDraft(ctx, &d)
	ds, _, err := r.DraftList(ctx, repo.Page{})
	if err != nil || len(ds) != 3 || ds[0].ID != "d0" || ds[0].Text != "edited" || ds[1].ID != "d2" {
		t.Fatalf("drafts = %v, %v", ds, err)
	}
	r.DeleteDraft(ctx, "d1")
	if _, err := r.Draft(ctx, "d1"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("deleted draft: %v", err)
	}
}

func testOutbox(t *testing.T, b storetest.Backend) {
	r, c := open(t, b, "outbox")
	// A draft becomes an outbox item in one transaction.
	r.SaveDraft(ctx, &repo.Draft{ID: "d1", Text: "hello"})
	var item *repo.OutboxItem
	err := r.Update(ctx, []string{repo.Outbox, repo.Drafts}, func(tx *repo.Tx) error {
		var err error
		item, err = tx.Enqueue(&repo.OutboxItem{AccountID: "a1", Network: model.Email, IdempotencyKey: "<x1@example.org>", Payload: []byte("mime")})
		if err != nil {
			return err
		}
		return tx.Delete(repo.Drafts, "d1")
	})
	if err != nil || item.State != repo.Queued {
		t.Fatalf("enqueue = %+v, %v", item, err)
	}
	again, err := r.Enqueue(ctx, &repo.OutboxItem{AccountID: "a1", IdempotencyKey: "<x1@example.org>"})
	if err != nil || again.ID != item.ID {
		t.Fatalf("second enqueue of the same key = %+v, %v", again, err)
	}
	later, _ := r.Enqueue(ctx, &repo.OutboxItem{AccountID: "a1", IdempotencyKey: "k2", NextAttempt: t0.Add(time.Hour)})

	got, err := r.Claim(ctx, time.Minute)
	if err != nil || got == nil || got.ID != item.ID || got.State != repo.Sending || got.Attempts != 1 {
		t.Fatalf("claim = %+v, %v", got, err)
	}
	if got, _ := r.Claim(ctx, time.Minute); got != nil {
		t.Fatalf("claimed twice or not yet due: %+v", got)
	}
	// The sender "crashes" after sending: the lease runs out and the item is in doubt.
	if doubt, _ := r.InDoubt(ctx); len(doubt) != 0 {
		t.Fatalf("in doubt during lease: %v", doubt)
	}
	c.now = t0.Add(2 * time.Minute)
	doubt, err := r.InDoubt(ctx)
	if err != nil || len(doubt) != 1 || doubt[0].ID != item.ID {
		t.Fatalf("in doubt = %v, %v", doubt, err)
	}
	if err := r.Requeue(ctx, item.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = r.Claim(ctx, time.Minute)
	if got == nil || got.ID != item.ID || got.Attempts != 2 {
		t.Fatalf("claim after requeue = %+v", got)
	}
	if err := r.Fail(ctx, item.ID, errors.New("451 try later"), c.now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Claim(ctx, time.Minute); got != nil {
		t.Fatalf("claimed before retry time: %+v", got)
	}
	c.now = t0.Add(61 * time.Minute)
	first, _ := r.Claim(ctx, time.Minute)
	second, _ := r.Claim(ctx, time.Minute)
	if first == nil || second == nil || first.ID != item.ID || second.ID != later.ID || first.LastError != "451 try later" {
		t.Fatalf("claims by due time = %+v, %+v", first, second)
	}
	if err := r.Ack(ctx, first.ID, "remote-1"); err != nil {
		t.Fatal(err)
	}
	if err := r.Ack(ctx, first.ID, "remote-1"); !errors.Is(err, repo.ErrNotClaimed) {
		t.Fatalf("second ack: %v", err)
	}
	if err := r.Fail(ctx, second.ID, errors.New("550 no such user"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if b.Persistent {
		r.DB().Close()
		r, _ = open(t, b, "outbox")
	}
	sent, _, _ := r.OutboxList(ctx, repo.Sent, repo.Page{})
	failed, _, _ := r.OutboxList(ctx, repo.Failed, repo.Page{})
	if len(sent) != 1 || sent[0].RemoteID != "remote-1" || len(failed) != 1 || failed[0].LastError != "550 no such user" {
		t.Fatalf("sent %v failed %v", sent, failed)
	}
	// What went out stays; what did not can be cancelled.
	if err := r.CancelOutbox(ctx, sent[0].ID); !errors.Is(err, repo.ErrOutboxBusy) {
		t.Fatalf("cancelling a sent item: %v", err)
	}
	if err := r.CancelOutbox(ctx, failed[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.OutboxItem(ctx, failed[0].ID); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("cancelled item: %v", err)
	}
}

func testOpLog(t *testing.T, b storetest.Backend) {
	r, _ := open(t, b, "oplog")
	if err := r.SetSetting(ctx, "theme", "dark"); err != nil {
		t.Fatal(err)
	}
	// A failed change logs nothing and leaves no gap.
	r.Update(ctx, repo.OpLogStores, func(tx *repo.Tx) error {
		tx.AppendOp(repo.OpTagSet, "x")
		return errors.New("abort")
	})
	r.SetSetting(ctx, "theme", "light")
	r.Update(ctx, repo.OpLogStores, func(tx *repo.Tx) error {
		_, err := tx.AppendOp(repo.OpContactMerge, map[string]string{"into": "c1", "from": "c2"})
		return err
	})
	var theme string
	if err := r.Setting(ctx, "theme", &theme); err != nil || theme != "light" {
		t.Fatalf("setting = %q, %v", theme, err)
	}
	ops, err := r.Ops(ctx, 0, 10)
	if err != nil || len(ops) != 3 {
		t.Fatalf("ops = %v, %v", ops, err)
	}
	for i, op := range ops {
		if op.Seq != uint64(i+1) {
			t.Fatalf("op %d has seq %d", i, op.Seq)
		}
	}
	if ops[2].Kind != repo.OpContactMerge || string(ops[1].Data) != `{"name":"theme","value":"light"}` {
		t.Fatalf("ops = %+v", ops)
	}
	if ops, _ := r.Ops(ctx, 2, 10); len(ops) != 1 || ops[0].Seq != 3 {
		t.Fatalf("ops after 2 = %v", ops)
	}
	if seq, _ := r.LastSeq(ctx); seq != 3 {
		t.Fatalf("last seq = %d", seq)
	}
}

// Removing an account: forgotten at once (the account gone, a mark left), then purged of its
// messages, cursors and outbox items, the one being sent included; another account keeps all.
func testPurgeAccount(t *testing.T, b storetest.Backend) {
	r, _ := open(t, b, "purge")
	for _, id := range []string{"gone", "kept"} {
		if err := r.PutAccount(ctx, &model.Account{ID: id, Network: model.Email, Identity: model.IdentityURI("email:" + id + "@example.org")}); err != nil {
			t.Fatal(err)
		}
		if err := r.SetCursor(ctx, id, "INBOX", []byte("cursor")); err != nil {
			t.Fatal(err)
		}
	}
	saveMessages(t, r, "gone", 450) // three batches
	saveMessages(t, r, "kept", 3)
	queued, _ := r.Enqueue(ctx, &repo.OutboxItem{AccountID: "gone", Network: model.Email, IdempotencyKey: "<q@x>"})
	sending, _ := r.Enqueue(ctx, &repo.OutboxItem{AccountID: "gone", Network: model.Email, IdempotencyKey: "<s@x>"})
	other, _ := r.Enqueue(ctx, &repo.OutboxItem{AccountID: "kept", Network: model.Email, IdempotencyKey: "<o@x>"})
	if claimed, err := r.Claim(ctx, time.Minute); err != nil || claimed == nil {
		t.Fatal(claimed, err)
	}
	if err := r.ForgetAccount(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Account(ctx, "gone"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("forgotten account: %v", err)
	}
	if ids, _ := r.PendingPurges(ctx); len(ids) != 1 || ids[0] != "gone" {
		t.Fatalf("pending purges %v", ids)
	}
	if err := r.SetCursor(ctx, "gone", "INBOX", []byte("written after")); err != nil { // a sync stopping late
		t.Fatal(err)
	}
	n, err := r.PurgeAccount(ctx, "gone")
	if err != nil || n != 450 {
		t.Fatalf("purged %d: %v", n, err)
	}
	if left, _ := r.CountMessages(ctx, "gone"); left != 0 {
		t.Fatalf("%d messages left", left)
	}
	if kept, _ := r.CountMessages(ctx, "kept"); kept != 3 {
		t.Fatalf("the other account has %d messages", kept)
	}
	if c, _ := r.Cursor(ctx, "gone", "INBOX"); len(c) != 0 {
		t.Fatalf("cursor left: %q", c)
	}
	if c, _ := r.Cursor(ctx, "kept", "INBOX"); string(c) != "cursor" {
		t.Fatalf("the other account's cursor: %q", c)
	}
	for _, it := range []*repo.OutboxItem{queued, sending} {
		if _, err := r.OutboxItem(ctx, it.ID); !errors.Is(err, repo.ErrNotFound) {
			t.Fatalf("an item of the account is left: %v", err)
		}
	}
	if _, err := r.OutboxItem(ctx, other.ID); err != nil {
		t.Fatalf("the other account's item: %v", err)
	}
	if ids, _ := r.PendingPurges(ctx); len(ids) != 0 {
		t.Fatalf("pending purges after the purge: %v", ids)
	}
}
