//go:build !js

package imapsync_test

import (
	"strconv"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"

	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
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
