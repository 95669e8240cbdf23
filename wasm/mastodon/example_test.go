package mastodon_test

import (
	"context"

	"caliopen/wasm/email/outbox"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/store/repo"
)

// Example shows how the app wires an account: sign in, keep the token in the vault, then sync,
// follow live and send through the shared outbox dispatcher.
func Example() {
	ctx := context.Background()
	var r *repo.Repo                  // the core's repository
	var callback func() string        // returns the URL the browser came back to
	var vaultPut func(any) error      // stores a secret in the vault
	var ui func(mastodon.Status)      // shows the connection state
	var dispatcher *outbox.Dispatcher // the one outbox dispatcher of all networks
	if r == nil {
		return // (this example only compiles)
	}

	s := &mastodon.SignIn{AppName: "Caliopen", RedirectURI: "https://app.example/oauth/mastodon"}
	p, err := s.Start(ctx, "@alice@mamot.fr") // or "mamot.fr"
	if err != nil {
		return
	}
	_ = p.AuthorizeURL // open it; keep p (in memory or the vault) until the redirect
	creds, err := s.Finish(ctx, p, callback())
	if err != nil {
		return
	}
	vaultPut(creds) // the token goes to the vault, never to plain storage

	c, err := mastodon.Open(ctx, mastodon.Config{AccountID: "mastodon-1", Instance: creds.Instance,
		Token: creds.AccessToken, Self: creds.Account.URI, Repo: r})
	if err != nil {
		return
	}
	go c.Run(ctx, ui) // SSE live, REST catch-up and polling, reconnect with backoff
	dispatcher.Handlers["mastodon-1"] = &mastodon.Handler{Connector: c}
	mastodon.Enqueue(ctx, r, "mastodon-1", &mastodon.Reply{ConversationID: "42", InReplyToID: "110000000000000001",
		To: []string{"bob@remote.example"}, Text: "hello"})
}
