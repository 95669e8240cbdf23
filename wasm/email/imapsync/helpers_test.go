//go:build !js

package imapsync_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/store/repo"
)

func dial(t testing.TB, acct *email.Account) *imapclient.Client {
	t.Helper()
	c, err := acct.DialIMAP(emailtest.Context(t, 10e9), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func itoa(n int) string { return strconv.Itoa(n) }

// syncOnce syncs alice's mailbox on srv once into a new store, and returns her account, the
// store, the syncer and the test's context.
func syncOnce(t *testing.T, ca *emailtest.CA, srv *emailtest.IMAP) (*email.Account, *repo.Repo, *imapsync.Syncer, context.Context) {
	t.Helper()
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	r := newRepo(t)
	ctx := emailtest.Context(t, 20*time.Second)
	s := &imapsync.Syncer{Account: acct, Repo: r}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	return acct, r, s, ctx
}
