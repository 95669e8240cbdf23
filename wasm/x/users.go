package x

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"caliopen/wasm/identity"
	"caliopen/wasm/model"
)

// User is an X account as the API returns it with Caliopen's user.fields.
type User struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Username        string `json:"username"`
	Description     string `json:"description"`
	URL             string `json:"url"` // a t.co link; the real one is in Entities
	ProfileImageURL string `json:"profile_image_url"`
	Entities        struct {
		URL struct {
			URLs []URLEntity `json:"urls"`
		} `json:"url"`
		Description struct {
			URLs []URLEntity `json:"urls"`
		} `json:"description"`
	} `json:"entities"`
}

// URLEntity is a link X found in a text, with its expanded form.
type URLEntity struct {
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
}

// Users looks up to 100 users by id (GET /2/users?ids=). Unknown or suspended ids are left
// out (X lists them in errors[]).
func (c *Client) Users(ctx context.Context, ids []string) ([]User, error) {
	var out []User
	for chunk := range slices.Chunk(ids, 100) {
		var resp struct {
			Data []User `json:"data"`
		}
		q := url.Values{"ids": {strings.Join(chunk, ",")}, "user.fields": {userFields}}
		if err := c.call(ctx, "GET /2/users", "GET", "/2/users", q, nil, &resp); err != nil {
			return out, err
		}
		out = append(out, resp.Data...)
	}
	return out, nil
}

// UserByUsername resolves a handle ("@Tapioca42" or "Tapioca42") to a user
// (GET /2/users/by/username/:username), to start a conversation with someone known by handle.
func (c *Client) UserByUsername(ctx context.Context, handle string) (User, error) {
	h, err := identity.XHandle(handle)
	if err != nil {
		return User{}, err
	}
	var resp struct {
		Data   *User       `json:"data"`
		Errors []ErrorItem `json:"errors"`
	}
	path := "/2/users/by/username/" + url.PathEscape(h)
	if err := c.call(ctx, "GET /2/users/by/username", "GET", path, url.Values{"user.fields": {userFields}}, nil, &resp); err != nil {
		return User{}, err
	}
	if resp.Data == nil {
		return User{}, &APIError{Status: 404, Title: "Not Found Error", Detail: "no X user @" + h, Errors: resp.Errors}
	}
	return *resp.Data, nil
}

// Me returns the signed-in user (GET /2/users/me): the account's own identity.
func (c *Client) Me(ctx context.Context) (User, error) {
	var resp struct {
		Data User `json:"data"`
	}
	err := c.call(ctx, "GET /2/users/me", "GET", "/2/users/me", url.Values{"user.fields": {userFields}}, nil, &resp)
	return resp.Data, err
}

// fediverseHandle matches "@user@host.tld" (and "user@host.tld") in a bio: X does not parse
// them as entities.
var fediverseHandle = regexp.MustCompile(`@?[\w.]+@[\w.-]+\.\w+`)

// ProfileFacts are what a user's profile says that can link it to other identities.
type ProfileFacts struct {
	Identity model.Identity
	// FediverseHandles are the "@user@host" handles named in the bio (email-like strings
	// included: the caller tells them apart by looking them up).
	FediverseHandles []string
}

// ProfileOf turns a user into an identity (x:<id>, handle for display) with its profile: the
// bio as Note, the expanded profile link and bio links as URLs.
func ProfileOf(u User, now time.Time) (ProfileFacts, error) {
	acc, err := identity.X(u.ID, u.Username)
	if err != nil {
		return ProfileFacts{}, err
	}
	id := model.Identity{URI: acc.URI, Handle: acc.Handle, DisplayName: u.Name, AvatarURL: u.ProfileImageURL, UpdatedAt: now}
	p := &model.Profile{Note: u.Description}
	add := func(s string) {
		if s != "" && !slices.Contains(p.URLs, s) {
			p.URLs = append(p.URLs, s)
		}
	}
	for _, e := range u.Entities.URL.URLs {
		add(e.ExpandedURL)
	}
	for _, e := range u.Entities.Description.URLs {
		add(e.ExpandedURL)
	}
	if p.Note != "" || len(p.URLs) > 0 {
		id.Profile = p
	}
	var handles []string
	for _, h := range fediverseHandle.FindAllString(u.Description, -1) {
		h = "@" + strings.TrimPrefix(h, "@")
		if !slices.Contains(handles, h) {
			handles = append(handles, h)
		}
	}
	return ProfileFacts{Identity: id, FediverseHandles: handles}, nil
}

var timeNow = time.Now
