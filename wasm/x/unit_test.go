package x_test

import (
	"testing"
	"time"

	"caliopen/wasm/x"
)

func TestProfileOf(t *testing.T) {
	var u x.User
	u.ID, u.Username, u.Name = "1002", "Tapioca42", "Bob"
	u.Description = "Also @tapioca@mamot.fr and bob@example.org — https://t.co/abc"
	u.Entities.URL.URLs = []x.URLEntity{{URL: "https://t.co/x", ExpandedURL: "https://bob.example.org"}}
	u.Entities.Description.URLs = []x.URLEntity{{URL: "https://t.co/abc", ExpandedURL: "https://blog.example.org/"}}
	f, err := x.ProfileOf(u, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if f.Identity.URI != "x:1002" || f.Identity.Handle != "@Tapioca42" || len(f.Identity.Profile.URLs) != 2 {
		t.Fatalf("%+v", f.Identity)
	}
	if len(f.FediverseHandles) != 2 || f.FediverseHandles[0] != "@tapioca@mamot.fr" {
		t.Fatalf("handles: %v", f.FediverseHandles)
	}
}
