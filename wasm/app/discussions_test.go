//go:build !js

package app

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"caliopen/wasm/api"
	"caliopen/wasm/model"
)

// firstPush subscribes to the discussion list with args and returns the query's first push.
func (u *ui) firstPush(id int, args api.DiscussionsArgs) json.RawMessage {
	u.t.Helper()
	var sub api.SubscribeResult
	if err := u.call(id, "subscribe", map[string]any{"query": "discussions.page", "args": args}, &sub); err != nil {
		u.t.Fatalf("subscribe %+v: %v", args, err)
	}
	for {
		if m := u.recv(); string(m["sub"]) == fmt.Sprint(sub.Sub) {
			return m["data"]
		}
	}
}

// page returns the first result of a page of the discussion list.
func (u *ui) page(id int, args api.DiscussionsArgs) api.DiscussionsPage {
	u.t.Helper()
	var p api.DiscussionsPage
	if data := u.firstPush(id, args); json.Unmarshal(data, &p) != nil || p.Items == nil {
		u.t.Fatalf("%+v: %s", args, data)
	}
	return p
}

// The list filters by unread state, network and account, page after page, with the total of
// what the filters keep.
func TestDiscussionFilters(t *testing.T) {
	u := startCore(t)
	u.recv() // ready
	if err := u.call(1, "dev.seedSynthetic", api.SeedParams{Count: 600, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	all := u.page(2, api.DiscussionsArgs{Limit: 200})
	if all.Total < 50 {
		t.Fatalf("seeded %d discussions", all.Total)
	}
	accounts := map[string]bool{}
	for _, d := range all.Items {
		for _, a := range d.Accounts {
			accounts[a] = true
		}
	}
	if len(accounts) < 2 {
		t.Fatalf("the synthetic mailbox has accounts %v", accounts)
	}
	var someAccount string
	for a := range accounts {
		someAccount = a
		break
	}
	id := 10
	for _, f := range []api.DiscussionsArgs{
		{Unread: true}, {Network: model.Mastodon}, {Network: model.X, Unread: true}, {Account: someAccount},
	} {
		f.Limit = 25
		seen := 0
		for {
			id += 2
			p := u.page(id, f)
			if p.Total >= all.Total || p.Total == 0 && f.Account != "" {
				t.Fatalf("%+v keeps %d of %d", f, p.Total, all.Total)
			}
			for _, d := range p.Items {
				if f.Unread && d.Unread == 0 || f.Network != "" && !slices.Contains(d.Networks, f.Network) ||
					f.Account != "" && !slices.Contains(d.Accounts, f.Account) {
					t.Fatalf("%+v kept %+v", f, d)
				}
			}
			seen += len(p.Items)
			if p.Next == "" {
				break
			}
			f.After = p.Next
		}
		if seen != u.page(id+1, api.DiscussionsArgs{Unread: f.Unread, Network: f.Network, Account: f.Account}).Total {
			t.Fatalf("%+v: paged %d", f, seen)
		}
	}
	// A bad cursor is reported in the query's push.
	var pushed struct{ Error *api.Error }
	if data := u.firstPush(99, api.DiscussionsArgs{Unread: true, After: "garbage"}); json.Unmarshal(data, &pushed) != nil || pushed.Error == nil {
		t.Fatalf("a bad cursor gave %s", data)
	}
}
