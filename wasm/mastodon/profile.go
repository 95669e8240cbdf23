package mastodon

import (
	"context"
	"strings"
	"time"

	gomastodon "github.com/mattn/go-mastodon"
	"golang.org/x/net/html"

	"caliopen/wasm/identity"
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

// IdentityOf turns an account into an identity with the profile facts contact merging uses:
// display name, avatar, note as text, and fields with their link and the time the instance
// verified it (fields[].verified_at; a verified field proves the linked page names this
// account with rel="me"). domain is the instance's domain, given to local accts.
func IdentityOf(a *gomastodon.Account, domain string) (model.Identity, error) {
	acct, err := identity.Mastodon(a.Acct, domain)
	if err != nil {
		return model.Identity{}, err
	}
	p := &model.Profile{Note: strings.TrimSpace(mail.HTMLToText(a.Note))}
	for _, f := range a.Fields {
		field := model.ProfileField{Name: f.Name, Value: strings.TrimSpace(mail.HTMLToText(f.Value)), URL: firstHref(f.Value)}
		if !f.VerifiedAt.IsZero() && field.URL != "" {
			field.VerifiedAt = f.VerifiedAt.UTC()
		}
		if field.URL != "" {
			p.URLs = append(p.URLs, field.URL)
		}
		p.Fields = append(p.Fields, field)
	}
	if p.Note == "" && len(p.Fields) == 0 {
		p = nil
	}
	return model.Identity{
		URI:         acct.URI,
		DisplayName: a.DisplayName,
		Handle:      acct.Handle,
		AccountURI:  a.URI,
		AvatarURL:   a.Avatar,
		Profile:     p,
		UpdatedAt:   time.Now().UTC(),
	}, nil
}

// firstHref returns the first http(s) link of a field's HTML value.
func firstHref(v string) string {
	z := html.NewTokenizer(strings.NewReader(v))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			name, more := z.TagName()
			if string(name) != "a" {
				continue
			}
			for more {
				var k, val []byte
				k, val, more = z.TagAttr()
				if h := string(val); string(k) == "href" && (strings.HasPrefix(h, "https://") || strings.HasPrefix(h, "http://")) {
					return h
				}
			}
		}
	}
}

// Profile looks an account up by acct (GET /api/v1/accounts/lookup, known accounts only) and
// returns its identity with fresh profile facts, also stored in the repository.
func (c *Connector) Profile(ctx context.Context, acct string) (model.Identity, error) {
	bctx, cancel := c.client.bound(ctx)
	defer cancel()
	a, err := c.client.api.AccountLookup(bctx, strings.TrimPrefix(acct, "@"))
	if err != nil {
		return model.Identity{}, asAPIError(err)
	}
	id, err := IdentityOf(a, c.info.Domain)
	if err != nil {
		return model.Identity{}, err
	}
	id.Own = id.URI == c.cfg.Self
	return id, c.cfg.Repo.PutIdentity(ctx, &id)
}
