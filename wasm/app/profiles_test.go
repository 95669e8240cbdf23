//go:build !js

package app

import (
	"strings"
	"testing"
	"time"

	"caliopen/shared/fakes/xfake"
	"caliopen/wasm/api"
	"caliopen/wasm/model"
)

// Profiles are asked again once they are old: a bio Bob rewrote on X and a note he changed on
// Mastodon reach his contact without him writing again.
func TestProfilesAreRefreshed(t *testing.T) {
	saved := profileRefresh
	profileRefresh.maxAge, profileRefresh.every, profileRefresh.first = 0, time.Second, 0 // every profile is old
	t.Cleanup(func() { profileRefresh = saved })
	w := newSocialWorld(t)
	s := startSocialUser(t, w)
	note := func(uri model.IdentityURI, want string) {
		t.Helper()
		follow(s.u, &s.ids, "contacts.get", api.ContactArgs{Identity: uri}, "the profile of "+string(uri), func(v api.ContactView) bool {
			for _, id := range v.Identities {
				if id.URI == uri && id.Profile != nil && strings.Contains(id.Profile.Note, want) {
					return true
				}
			}
			return false
		})
	}
	note("x:1002", "")
	note("mastodon:bob@remote.example", "Cooking")
	w.xf.AddUser(xfake.User{ID: "1002", Name: "Bob", Username: "bob_t", URL: "https://bob.example.org", Description: "Now baking bread"})
	w.masto.SetProfile(w.mBob, "<p>Baking.</p>")
	note("x:1002", "Now baking bread")
	note("mastodon:bob@remote.example", "Baking.")
}
