package outbox_test

import (
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// Compose, queue, submit over TLS, file in Sent, and recover an in-doubt item: natively and in
// the browser (make test-wasm), the servers reached over in-memory connections.
func TestOutboxOverPipe(t *testing.T) {
	ca := emailtest.NewCA(t)
	im := emailtest.StartIMAPPipe(t, ca, "alice", "pw")
	sm := emailtest.StartSMTPPipe(t, ca, "alice", "pw")
	acct := emailtest.PipeAccount(ca, im, sm, "alice", "pw")
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := repo.New(db)
	ctx := emailtest.Context(t, 60*time.Second)
	h := &outbox.Email{Account: acct, Repo: r, SentWait: []time.Duration{}}
	d := &outbox.Dispatcher{Repo: r, Handlers: map[string]outbox.Handler{acct.ID: h}, Lease: 100 * time.Millisecond}
	for _, subj := range []string{"one", "two"} {
		env, err := smtpsend.Compose(&smtpsend.Draft{From: &gomail.Address{Address: "alice@example.test"}, To: []*gomail.Address{{Address: "bob@example.test"}}, Subject: subj, Text: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := outbox.Enqueue(ctx, r, acct.ID, env); err != nil {
			t.Fatal(err)
		}
	}
	// "one" is sent, then the process dies before recording it.
	it, _ := r.Claim(ctx, 100*time.Millisecond)
	if _, err := h.Send(ctx, it); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if got := len(sm.Messages()); got != 2 {
		t.Fatalf("%d messages submitted, want 2", got)
	}
	sent, _, _ := r.OutboxList(ctx, repo.Sent, repo.Page{})
	if len(sent) != 2 {
		t.Fatalf("%d items sent", len(sent))
	}
}
