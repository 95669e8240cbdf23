//go:build !js

package app

import (
	"bytes"
	"testing"

	"caliopen/shared/fakes/fakeimage"
	"caliopen/shared/fakes/xfake"
	"caliopen/wasm/api"
	"caliopen/wasm/model"
)

// Bob's pictures: the list names the identity whose picture shows him (Mastodon's before
// X's); the core fetches the Mastodon one from the instance and the X one through the relay
// tunnel, once each, then gives them from the repository; an address without a picture
// gives none.
func TestAvatarsFetchedOnceThroughTheCore(t *testing.T) {
	w := newSocialWorld(t)
	w.xf.AddUser(xfake.User{ID: "1002", Name: "Bob", Username: "bob_t", URL: "https://bob.example.org",
		ProfileImageURL: w.xBase + "/profile_images/1002/bob_normal.png"})
	s := startSocialUser(t, w)
	page := follow(s.u, &s.ids, "discussions.page", api.DiscussionsArgs{}, "Bob's picture named", func(p api.DiscussionsPage) bool {
		for _, d := range p.Items {
			if hasNetworks(d, model.Mastodon, model.X) && len(d.People) == 1 && d.People[0].Avatar != "" {
				return true
			}
		}
		return false
	})
	for _, d := range page.Items {
		if hasNetworks(d, model.Mastodon, model.X) && d.People[0].Avatar != "mastodon:bob@remote.example" {
			t.Fatalf("Bob's picture is his Mastodon one: %+v", d.People[0])
		}
	}

	picture := func(uri model.IdentityURI) api.AvatarView {
		var v api.AvatarView
		s.must("identities.avatar", api.AvatarParams{URI: uri}, &v)
		return v
	}
	mastodonPNG := fakeimage.Avatar(w.mBob+".png", 96)
	route := "GET /avatars/" + w.mBob + ".png"
	for range 3 {
		v := picture("mastodon:bob@remote.example")
		if v.ContentType != "image/png" || !bytes.Equal(v.Data, mastodonPNG) {
			t.Fatalf("Mastodon picture: %q, %d bytes", v.ContentType, len(v.Data))
		}
	}
	if n := w.masto.Requests(route); n != 1 {
		t.Fatalf("the Mastodon picture was fetched %d times", n)
	}
	for range 3 {
		v := picture("x:1002")
		if v.ContentType != "image/png" || !bytes.Equal(v.Data, fakeimage.Avatar("1002", 73)) {
			t.Fatalf("X picture: %q, %d bytes", v.ContentType, len(v.Data))
		}
	}
	if n := w.xf.Requests("GET /profile_images"); n != 1 {
		t.Fatalf("the X picture was fetched %d times", n)
	}
	if v := picture("email:bob@example.org"); v.Data != nil || v.URI != "email:bob@example.org" {
		t.Fatalf("an address without a picture: %+v", v)
	}
}
