//go:build !js

package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/model"
	"caliopen/wasm/platform"
)

const (
	sandboxTapiocaEmail = model.IdentityURI("email:tapioca@tapioca.example")
	sandboxTapiocaMasto = model.IdentityURI("mastodon:tapioca@mamot.fr")
)

// tapiocaItems returns the discussions with Tapioca.
func tapiocaItems(p api.DiscussionsPage) []api.DiscussionItem {
	var out []api.DiscussionItem
	for _, d := range p.Items {
		if slices.ContainsFunc(d.People, func(p api.Person) bool { return strings.HasPrefix(p.Name, "Tapioca") }) {
			out = append(out, d)
		}
	}
	return out
}

// The contacts screen's story on the demo sandbox, natively: the three demo accounts; the
// verified profile link merges Tapioca's Mastodon and X identities on its own; her email
// signature naming both handles is one suggestion, with its evidence; accepting it gives one
// discussion over three networks whose contact says why, with its identities and profile
// facts; splitting the email out gives two discussions again.
func TestContactsOnTheDemoSandbox(t *testing.T) {
	_, relayURL, token := startDemoRelay(t)
	u, ids, must := startSession(t, 150*time.Second, relayURL, token)
	var plan api.DemoPlan
	must("demo.start", api.Empty{}, &plan)
	var started api.SignInStarted
	must("accounts.mastodonSignIn", api.MastodonSignInParams{Instance: plan.Mastodon.Instance, RedirectURI: callback}, &started)
	must("accounts.finishSignIn", api.FinishSignInParams{CallbackURL: visit(t, started.AuthorizeURL, nil)}, nil)
	must("accounts.xSignIn", api.XSignInParams{ClientID: plan.X.ClientID, RedirectURI: callback, APIBase: plan.X.APIBase,
		CAPEM: plan.X.CAPEM, AuthorizeURL: plan.X.AuthorizeURL}, &started)
	must("accounts.finishSignIn", api.FinishSignInParams{CallbackURL: visit(t, started.AuthorizeURL, nil)}, nil)

	// The suggestion: Tapioca by email may be Tapioca on Mastodon and X, because her
	// signature names both handles.
	sugg := follow(u, ids, "contacts.suggestions", api.Empty{}, "the suggestion about Tapioca's email", func(v api.SuggestionsView) bool {
		return slices.ContainsFunc(v.Items, func(s api.SuggestionView) bool {
			return len(s.Evidence) == 2 && strings.HasPrefix(s.Contacts[0].Name, "Tapioca")
		})
	})
	var s api.SuggestionView
	for _, it := range sugg.Items {
		if strings.HasPrefix(it.Contacts[0].Name, "Tapioca") {
			s = it
		}
	}
	var networks []string
	for _, c := range s.Contacts {
		networks = append(networks, fmt.Sprint(c.Networks))
	}
	slices.Sort(networks)
	if fmt.Sprint(networks) != "[[email] [mastodon x]]" || s.Strength != "weak" {
		t.Fatalf("suggestion %+v", s)
	}
	for _, ev := range s.Evidence {
		if ev.Kind != "signature-handle" || !slices.Contains(ev.Identities, sandboxTapiocaEmail) ||
			len(ev.Facts) == 0 || !strings.Contains(ev.Facts[0].Value, "@Tapioca42") {
			t.Fatalf("evidence %+v", ev)
		}
	}
	follow(u, ids, "discussions.page", api.DiscussionsArgs{Limit: 200}, "two Tapioca discussions", func(p api.DiscussionsPage) bool {
		items := tapiocaItems(p)
		return len(items) == 2 && slices.ContainsFunc(items, func(d api.DiscussionItem) bool { return hasNetworks(d, model.Mastodon, model.X) })
	})
	list := follow(u, ids, "contacts.list", api.ContactsArgs{Text: "tapioca"}, "Tapioca's two contacts", func(p api.ContactsPage) bool {
		return p.Total == 2
	})
	for _, c := range list.Items {
		if !strings.HasPrefix(c.Name, "Tapioca") || len(c.Identities) == 0 || c.Identities[0].Profile != nil {
			t.Fatalf("list item %+v", c)
		}
	}

	var merged api.ContactRef
	must("contacts.accept", api.SuggestionRef{ID: s.ID}, &merged)
	*ids++
	if e := u.call(*ids, "contacts.accept", api.SuggestionRef{ID: s.ID}, nil); e == nil || e.Code != "no_suggestion" {
		t.Fatalf("accepted twice: %v", e)
	}
	follow(u, ids, "discussions.page", api.DiscussionsArgs{Limit: 200}, "one Tapioca discussion", func(p api.DiscussionsPage) bool {
		items := tapiocaItems(p)
		return len(items) == 1 && hasNetworks(items[0], model.Email, model.Mastodon, model.X)
	})
	c := follow(u, ids, "contacts.get", api.ContactArgs{Identity: sandboxTapiocaEmail}, "the merged contact", func(v api.ContactView) bool {
		return len(v.Identities) == 3
	})
	kinds := map[string]bool{}
	for _, ev := range c.Evidence {
		kinds[ev.Kind] = true
	}
	if c.ID != merged.ID || !kinds["mastodon-verified-link"] || !kinds["signature-handle"] || !kinds["user"] {
		t.Fatalf("contact %s (accept said %s), evidence %v", c.ID, merged.ID, kinds)
	}
	masto := c.Identities[slices.IndexFunc(c.Identities, func(i api.IdentityView) bool { return i.URI == sandboxTapiocaMasto })]
	if masto.Address != "@tapioca@mamot.fr" || masto.Profile == nil || len(masto.Profile.Fields) == 0 || masto.Profile.Fields[0].VerifiedAt.IsZero() {
		t.Fatalf("Mastodon identity %+v", masto)
	}

	// Camille's key, learnt from her Autocrypt header, shows on her contact.
	camille := follow(u, ids, "contacts.get", api.ContactArgs{Identity: "email:camille@caliopen.test"}, "Camille's key", func(v api.ContactView) bool {
		return len(v.Keys) > 0
	})
	if k := camille.Keys[0]; k.Address != "camille@caliopen.test" || len(k.Fingerprint) != 40 || k.Display == "" {
		t.Fatalf("Camille's key %+v", k)
	}

	must("contacts.split", api.SplitParams{Contact: c.ID, Identities: []model.IdentityURI{sandboxTapiocaEmail}}, nil)
	follow(u, ids, "discussions.page", api.DiscussionsArgs{Limit: 200}, "two Tapioca discussions again", func(p api.DiscussionsPage) bool {
		return len(tapiocaItems(p)) == 2
	})
	follow(u, ids, "contacts.suggestions", api.Empty{}, "no suggestion about Tapioca", func(v api.SuggestionsView) bool {
		return !slices.ContainsFunc(v.Items, func(s api.SuggestionView) bool { return strings.HasPrefix(s.Contacts[0].Name, "Tapioca") })
	})
	// Merged again by hand, from the two contacts.
	alone := follow(u, ids, "contacts.get", api.ContactArgs{Identity: sandboxTapiocaEmail}, "the email alone", func(v api.ContactView) bool {
		return len(v.Identities) == 1
	})
	*ids++
	if e := u.call(*ids, "contacts.merge", api.MergeParams{Contacts: []string{alone.ID, alone.ID}}, nil); e == nil || e.Code != api.CodeBadRequest {
		t.Fatalf("a contact merged with itself: %v", e)
	}
	social := follow(u, ids, "contacts.get", api.ContactArgs{Identity: sandboxTapiocaMasto}, "Mastodon and X", func(v api.ContactView) bool {
		return len(v.Identities) == 2
	})
	var byHand api.ContactRef
	must("contacts.merge", api.MergeParams{Contacts: []string{social.ID, alone.ID}}, &byHand)
	if byHand.Identity == "" || byHand.ID != alone.ID { // the id of its smallest identity, the email
		t.Fatalf("merged into %+v", byHand)
	}
	follow(u, ids, "discussions.page", api.DiscussionsArgs{Limit: 200}, "one Tapioca discussion again", func(p api.DiscussionsPage) bool {
		items := tapiocaItems(p)
		return len(items) == 1 && hasNetworks(items[0], model.Email, model.Mastodon, model.X)
	})
	gone := follow(u, ids, "contacts.get", api.ContactArgs{ID: c.ID + "-gone"}, "a contact that is gone", func(v api.ContactView) bool { return true })
	if gone.ID != "" {
		t.Fatalf("a contact that does not exist: %+v", gone)
	}
}

// startSession starts a core for a test lasting at most d, as the leader tab, with a vault and
// the relay given. It returns the UI's end, the id of the last call made, and must, which
// makes the next call and fails the test on an error.
func startSession(t *testing.T, d time.Duration, relayURL, token string) (*ui, *int, func(method string, params, result any)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	uiEnd, coreEnd := platform.Pipe()
	t.Cleanup(func() { uiEnd.Close() })
	go Start(ctx, Options{Port: coreEnd})
	u := &ui{t: t, port: uiEnd, ctx: ctx}
	u.recv() // ready
	ids := new(int)
	must := func(method string, params, result any) {
		t.Helper()
		*ids++
		if e := u.call(*ids, method, params, result); e != nil {
			t.Fatalf("%s: %v", method, e)
		}
	}
	must("core.setRole", api.SetRoleParams{Leader: true}, nil)
	must("vault.create", api.PassphraseParams{Passphrase: "correct horse battery"}, nil)
	must("relay.set", api.RelayParams{URL: relayURL, Token: token}, nil)
	return u, ids, must
}
