//go:build !js

package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"caliopen/wasm/api"
)

// people names a discussion the same way on every device: the identities of its people
// (discussion keys hash contact ids, which each device gives its own).
func people(it api.DiscussionItem) string {
	var ids []string
	for _, p := range it.People {
		for _, id := range p.Identities {
			ids = append(ids, string(id))
		}
	}
	slices.Sort(ids)
	return strings.Join(ids, " ")
}

// tagsOn returns the tags of the discussion of who on a page, and whether it is there.
func tagsOn(page api.DiscussionsPage, who string) ([]string, bool) {
	for _, it := range page.Items {
		if people(it) == who {
			return it.Tags, true
		}
	}
	return nil, false
}

// Tags travel between two devices through a real relay: added, removed, renamed on one,
// they change on the other; an add made on a device that has not seen a concurrent removal
// of the same tag survives it on both (add wins); an add and a removal made in one breath
// are carried in their order.
func TestTagsAcrossDevices(t *testing.T) {
	relayURL, token := startSyncRelay(t)
	// B reaches the relay through a proxy that can refuse sync connections.
	target, _ := url.Parse(relayURL)
	var syncBlocked atomic.Bool
	proxy := httputil.NewSingleHostReverseProxy(target)
	viaProxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if syncBlocked.Load() && r.URL.Path == "/sync" {
			http.Error(w, "sync is down", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer viaProxy.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	a := startDevice(t, ctx, relayURL, token)
	b := startDevice(t, ctx, viaProxy.URL, token)
	pair(t, a, b, false)

	pageA := a.waitPage(10, func(p api.DiscussionsPage) bool { return len(p.Items) > 5 })
	it := pageA.Items[3]
	who, key := people(it), it.Key
	n := 1000 // request ids: a query takes two (subscribe, unsubscribe)
	id := func() int { n += 2; return n }
	onB := func(cond func(tags []string) bool) {
		t.Helper()
		b.waitPage(id(), func(p api.DiscussionsPage) bool { tags, ok := tagsOn(p, who); return ok && cond(tags) })
	}
	onA := func(cond func(tags []string) bool) {
		t.Helper()
		a.waitPage(id(), func(p api.DiscussionsPage) bool { tags, ok := tagsOn(p, who); return ok && cond(tags) })
	}
	has := func(want ...string) func([]string) bool {
		return func(tags []string) bool { return slices.Equal(tags, want) }
	}

	// Tag on A: it shows on B.
	if e := a.call(id(), "tags.change", api.TagParams{Key: key, Add: []string{"work", "urgent"}}, nil); e != nil {
		t.Fatal(e)
	}
	onB(has("urgent", "work"))
	keyB := func() string {
		p := b.waitPage(id(), func(api.DiscussionsPage) bool { return true })
		for _, it := range p.Items {
			if people(it) == who {
				return it.Key
			}
		}
		t.Fatal("B lost the discussion")
		return ""
	}()

	// Remove on B, rename on A: A loses "urgent", B sees "work" renamed.
	if e := b.call(id(), "tags.change", api.TagParams{Key: keyB, Remove: []string{"urgent"}}, nil); e != nil {
		t.Fatal(e)
	}
	onA(has("work"))
	if e := a.call(id(), "tags.rename", api.RenameTagParams{From: "work", To: "job"}, nil); e != nil {
		t.Fatal(e)
	}
	onB(has("job"))

	// B loses the relay's sync (the rest of the relay still answers) and tags "later": its
	// add is stamped now, queued, not delivered. Then A tags "later" and removes it again,
	// having never seen B's add. When B's add arrives, later in time than A's removal but
	// stamped earlier, it stands on both devices: add wins (a last writer would lose it).
	syncBlocked.Store(true)
	for _, leader := range []bool{false, true} { // a new client, which cannot connect
		if e := b.call(id(), "core.setRole", api.SetRoleParams{Leader: leader}, nil); e != nil {
			t.Fatal(e)
		}
	}
	if e := b.call(id(), "tags.change", api.TagParams{Key: keyB, Add: []string{"later"}}, nil); e != nil {
		t.Fatal(e)
	}
	watch(b, id(), "sync.status", "", func(v api.SyncView) bool { return v.Pending > 0 })
	if e := a.call(id(), "tags.change", api.TagParams{Key: key, Add: []string{"later"}}, nil); e != nil {
		t.Fatal(e)
	}
	onA(has("job", "later"))
	time.Sleep(700 * time.Millisecond) // a bridge round: the add is in A's state
	if e := a.call(id(), "tags.change", api.TagParams{Key: key, Remove: []string{"later"}}, nil); e != nil {
		t.Fatal(e)
	}
	onA(has("job"))
	time.Sleep(700 * time.Millisecond) // a bridge round: the removal is queued, then sent
	watch(a, id(), "sync.status", "", func(v api.SyncView) bool { return v.State == "connected" && v.Pending == 0 })
	syncBlocked.Store(false)
	onA(has("job", "later"))
	onB(has("job", "later"))

	// A removal that saw every add takes the tag off everywhere; an add and a removal in one
	// breath leave nothing, and the mark after them arrives.
	if e := b.call(id(), "tags.change", api.TagParams{Key: keyB, Remove: []string{"later"}}, nil); e != nil {
		t.Fatal(e)
	}
	onA(has("job"))
	if e := a.call(id(), "tags.change", api.TagParams{Key: key, Add: []string{"brief"}}, nil); e != nil {
		t.Fatal(e)
	}
	if e := a.call(id(), "tags.change", api.TagParams{Key: key, Remove: []string{"brief"}}, nil); e != nil {
		t.Fatal(e)
	}
	if e := a.call(id(), "tags.change", api.TagParams{Key: key, Add: []string{"mark"}}, nil); e != nil {
		t.Fatal(e)
	}
	onB(has("job", "mark"))
	time.Sleep(time.Second)
	onB(has("job", "mark"))
	onA(has("job", "mark"))
}
