//go:build !js

package app

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"testing"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/model"
	"caliopen/wasm/x"
)

// What the user does with a direct message on one device — read, star, archive — shows on
// their other device: X keeps none of it, so only device sync can carry it.
func TestDirectMessageStateAcrossDevices(t *testing.T) {
	w := newSocialWorld(t)
	tuning.x = func(c *x.Connector) { c.Poller.Min, c.Poller.Max = 300*time.Millisecond, 300*time.Millisecond }
	t.Cleanup(func() { tuning.x = nil })
	base, _ := url.Parse(w.xBase)
	_, portText, _ := net.SplitHostPort(base.Host)
	xPort, _ := strconv.Atoi(portText)
	relayURL, token := startFullRelay(t, xPort)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, aRepo := bareDevice(t, ctx, relayURL, token)
	b, bRepo := bareDevice(t, ctx, relayURL, token)

	var started api.SignInStarted
	if e := a.call(1, "accounts.xSignIn", api.XSignInParams{ClientID: "my-dev-app", RedirectURI: callback, APIBase: w.xBase, CAPEM: string(w.xCA)}, &started); e != nil {
		t.Fatal(e)
	}
	if e := a.call(2, "accounts.finishSignIn", api.FinishSignInParams{CallbackURL: visit(t, started.AuthorizeURL, w.xCA)}, nil); e != nil {
		t.Fatal(e)
	}
	pair(t, a, b, false)

	// Both devices fetch Bob's X message from X; A reads, stars and archives it.
	page := watch(a, 10, "discussions.page", "", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
	watch(b, 20, "discussions.page", "", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 && p.Items[0].Unread == 1 })
	view := watch(a, 30, "discussion.messages", `{"key":"`+page.Items[0].Key+`"}`, func(v api.DiscussionView) bool { return len(v.Messages) == 1 })
	id := view.Messages[0].Message.ID
	yes := true
	if e := a.call(40, "messages.setState", api.MessageStateParams{IDs: []string{id}, Seen: &yes, Flagged: &yes}, nil); e != nil {
		t.Fatal(e)
	}
	if e := a.call(41, "messages.setState", api.MessageStateParams{IDs: []string{id}, Move: "archive"}, nil); e != nil {
		t.Fatal(e)
	}
	emailtest.Eventually(t, 20*time.Second, "B shows the message read, starred and archived", func() bool {
		m, err := bRepo.Message(ctx, id)
		return err == nil && m.Flags.Seen && m.Flags.Flagged && m.Box == model.BoxArchive
	})
	// X polled again meanwhile: the state stays (X keeps none, the connector's new look at the
	// message does not undo it); and it goes back to the inbox on B, then on A.
	time.Sleep(time.Second)
	if m, _ := bRepo.Message(ctx, id); !m.Flags.Seen || m.Box != model.BoxArchive {
		t.Fatalf("after a poll, B's copy is %+v", m.Flags)
	}
	if e := b.call(50, "messages.setState", api.MessageStateParams{IDs: []string{id}, Move: "inbox"}, nil); e != nil {
		t.Fatal(e)
	}
	emailtest.Eventually(t, 20*time.Second, "A shows it back in the inbox, still read and starred", func() bool {
		m, err := aRepo.Message(ctx, id)
		return err == nil && m.Flags.Seen && m.Flags.Flagged && m.Box == model.BoxInbox
	})
}
