package api

import "caliopen/wasm/model"

// Avatar returns an identity's profile picture (Mastodon, X), fetched by the core (the page
// never loads it from the network's hosts) and kept on this device; empty when there is none
// or it cannot be fetched now (the UI shows the initial).
var Avatar = Method[AvatarParams, AvatarView]{"identities.avatar"}

func init() {
	All = append(All, Avatar)
}

// AvatarParams names an identity (Person.Avatar).
type AvatarParams struct {
	URI model.IdentityURI `json:"uri"`
}

// AvatarView is a profile picture: PNG, JPEG, GIF or WebP bytes; no Data when there is none.
type AvatarView struct {
	URI         model.IdentityURI `json:"uri"`
	ContentType string            `json:"contentType,omitempty"`
	Data        []byte            `json:"data,omitempty"`
}
