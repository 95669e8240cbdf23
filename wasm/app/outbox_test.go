//go:build !js

package app

import (
	"context"
	"errors"
	"testing"

	"caliopen/wasm/email"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// failingSender fails every send with err.
type failingSender struct{ err error }

func (f failingSender) Send(context.Context, *repo.OutboxItem) (string, error) { return "", f.err }
func (f failingSender) Check(context.Context, *repo.OutboxItem) (bool, error)  { return false, nil }

// An item that was not sent keeps why with a code the outbox translates, and the values its
// sentence names: the server's refusal, a password to fix, the connection.
func TestOutboxFailureCodes(t *testing.T) {
	for _, c := range []struct {
		name, code, detail string
		err                error
	}{
		{"refused", "send_refused", "550 5.7.1 relaying denied", &smtpsend.PermanentError{Err: errors.New("550 5.7.1 relaying denied")}},
		{"password", "auth", "", email.ErrAuth},
		{"connection", "send_failed", "dial tcp: connection refused", errors.New("dial tcp: connection refused")},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.OpenMemory(repo.Schema())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			r := repo.New(db)
			it, err := r.Enqueue(ctx, &repo.OutboxItem{AccountID: "a", Network: model.Email, IdempotencyKey: c.name})
			if err != nil {
				t.Fatal(err)
			}
			d := &outbox.Dispatcher{Repo: r, Handlers: map[string]outbox.Handler{"a": failingSender{c.err}}, MaxAttempts: 1, Describe: outboxFailure}
			d.RunOnce(ctx)
			got, err := r.OutboxItem(ctx, it.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.LastErrorCode != c.code || got.LastErrorParams["detail"] != c.detail || got.LastError == "" {
				t.Fatalf("%s: code %q params %v text %q", c.name, got.LastErrorCode, got.LastErrorParams, got.LastError)
			}
			if e := outboxEntry(got); e.LastErrorCode != c.code {
				t.Fatalf("the outbox shows code %q", e.LastErrorCode)
			}
		})
	}
}
