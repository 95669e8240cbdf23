//go:build js && wasm

package peertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"caliopen/shared/testkit"
	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// TestBenchFirstSyncBrowser is the browser side of TestBenchFirstSync10k: the first sync of
// the Dovecot mailbox through the relay, TLS ending in WebAssembly, into IndexedDB. It prints
// a timing line per run (firstSyncLine) for the native test to read.
func TestBenchFirstSyncBrowser(t *testing.T) {
	var env benchEnv
	testkit.BrowserEnv(t, benchEnvVar, &env)
	acct := &email.Account{ID: "bench-" + env.User,
		Settings: email.Settings{Address: env.User + "@example.test", Username: env.User,
			IMAP: email.Server{Host: env.Host, Port: env.Port, Security: email.ImplicitTLS}},
		Password:  env.Password,
		Transport: emailtest.TunnelTransport(env.RelayURL, env.Token, []byte(env.CAPEM)),
	}
	ctx := context.Background()
	for i := 0; i < env.Runs; i++ {
		name := fmt.Sprintf("bench-first-sync-%d-%d", time.Now().UnixNano(), i)
		db, err := store.OpenIndexedDB(ctx, name, repo.Schema())
		if err != nil {
			t.Fatal(err)
		}
		all, first := firstSync(t, acct, db, env.Messages)
		db.Close()
		if err := store.DeleteIndexedDB(ctx, name); err != nil {
			t.Fatal(err)
		}
		fmt.Printf(firstSyncLine+"\n", all.Milliseconds(), first.Milliseconds())
	}
}
