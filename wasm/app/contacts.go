package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"caliopen/wasm/api"
	"caliopen/wasm/contacts"
	"caliopen/wasm/core"
	"caliopen/wasm/engine"
	"caliopen/wasm/model"
)

// The contacts screen: the contacts, one contact's identities with the evidence that links
// them and its keys, and the merge suggestions to accept or dismiss.
func (a *app) registerContacts(c *core.Core) {
	a.eng.KeyFacts = a.keys.linkFacts
	core.Live(c, api.ContactsQuery, a.contactsPage, engine.TopicContacts)
	core.Live(c, api.ContactQuery, a.contact, engine.TopicContacts, topicKeys)
	core.Live(c, api.SuggestionsQuery, a.suggestions, engine.TopicContacts)
	core.Handle(c, api.AcceptSuggestion, func(ctx context.Context, p api.SuggestionRef) (api.ContactRef, error) {
		groups, err := a.eng.Suggestions(ctx)
		if err != nil {
			return api.ContactRef{}, err
		}
		i := slices.IndexFunc(groups, func(g engine.SuggestionGroup) bool { return g.ID == p.ID })
		if i < 0 {
			return api.ContactRef{}, noSuggestion()
		}
		if err := a.eng.Accept(ctx, p.ID); err != nil {
			return api.ContactRef{}, contactError(err)
		}
		return a.contactRef(ctx, groups[i].Contacts[0].Identities[0].URI)
	})
	core.Handle(c, api.DismissSuggestion, func(ctx context.Context, p api.SuggestionRef) (api.Empty, error) {
		return api.Empty{}, contactError(a.eng.Dismiss(ctx, p.ID))
	})
	core.Handle(c, api.MergeContacts, func(ctx context.Context, p api.MergeParams) (api.ContactRef, error) {
		ids := make([]contacts.ContactID, len(p.Contacts))
		for i, id := range p.Contacts {
			ids[i] = contacts.ContactID(id)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(ids)))) < 2 {
			return api.ContactRef{}, api.Errorf(api.CodeBadRequest, "Choose two contacts to merge.")
		}
		merged, err := a.eng.Merge(ctx, ids)
		if err != nil {
			return api.ContactRef{}, contactError(err)
		}
		c, err := a.eng.Contact(ctx, merged, "")
		if err != nil {
			return api.ContactRef{}, contactError(err)
		}
		return api.ContactRef{ID: string(c.ID), Identity: c.Identities[0].URI}, nil
	})
}

func noSuggestion() error {
	return api.Errorf("no_suggestion", "This suggestion was already answered (here or on another device).")
}

// contactError says in plain words that a contact or a suggestion is gone.
func contactError(err error) error {
	if errors.Is(err, engine.ErrNoContact) {
		return api.Errorf("no_contact", "This contact changed meanwhile (merged, split, or answered on another device).")
	}
	return err
}

func (a *app) contactRef(ctx context.Context, identity model.IdentityURI) (api.ContactRef, error) {
	c, err := a.eng.Contact(ctx, "", identity)
	if err != nil {
		return api.ContactRef{}, contactError(err)
	}
	return api.ContactRef{ID: string(c.ID), Identity: identity}, nil
}

func (a *app) contactsPage(ctx context.Context, args api.ContactsArgs) (api.ContactsPage, error) {
	limit := args.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	infos, next, total, err := a.eng.ContactsPage(ctx, args.Text, args.After, limit)
	if err != nil {
		return api.ContactsPage{}, err
	}
	out := api.ContactsPage{Items: make([]api.ContactItem, len(infos)), Next: next, Total: total}
	for i, info := range infos {
		out.Items[i] = contactItem(info, false)
	}
	return out, nil
}

// contact is one contact's detail; a contact that no longer exists (merged into another,
// split) gives a view without id.
func (a *app) contact(ctx context.Context, args api.ContactArgs) (api.ContactView, error) {
	d, err := a.eng.Contact(ctx, contacts.ContactID(args.ID), args.Identity)
	if errors.Is(err, engine.ErrNoContact) {
		return api.ContactView{Identities: []api.IdentityView{}, Evidence: []api.EvidenceView{}, Keys: []api.KeyView{}}, nil
	}
	if err != nil {
		return api.ContactView{}, err
	}
	item := contactItem(d.ContactInfo, true)
	view := api.ContactView{ID: item.ID, Name: item.Name, Networks: item.Networks, Identities: item.Identities,
		Evidence: evidenceViews(d.Evidence), Keys: []api.KeyView{}}
	for _, id := range d.Identities {
		if id.URI.Network() == model.Email {
			view.Keys = append(view.Keys, a.keys.forAddress(id.URI.Address())...)
		}
	}
	return view, nil
}

func (a *app) suggestions(ctx context.Context, _ api.Empty) (api.SuggestionsView, error) {
	groups, err := a.eng.Suggestions(ctx)
	if err != nil {
		return api.SuggestionsView{}, err
	}
	out := api.SuggestionsView{Items: make([]api.SuggestionView, len(groups))}
	for i, g := range groups {
		s := api.SuggestionView{ID: g.ID, Evidence: evidenceViews(g.Evidence), Contacts: make([]api.ContactItem, len(g.Contacts))}
		for j, c := range g.Contacts {
			s.Contacts[j] = contactItem(c, false)
		}
		// The question starts with the newcomer: "Tapioca on Email may be Tapioca on Mastodon and X".
		slices.SortStableFunc(s.Contacts, func(x, y api.ContactItem) int { return len(x.Identities) - len(y.Identities) })
		s.Strength = s.Evidence[0].Strength // strongest first
		out.Items[i] = s
	}
	return out, nil
}

func contactItem(info engine.ContactInfo, detail bool) api.ContactItem {
	item := api.ContactItem{ID: string(info.ID), Name: info.Name, Networks: []model.Network{}, Identities: make([]api.IdentityView, len(info.Identities))}
	for i, id := range info.Identities {
		n := id.URI.Network()
		if !slices.Contains(item.Networks, n) {
			item.Networks = append(item.Networks, n)
		}
		v := api.IdentityView{URI: id.URI, Network: n, Address: readableAddress(id), DisplayName: id.DisplayName, AvatarURL: id.AvatarURL}
		if detail {
			v.Profile = id.Profile
		}
		item.Identities[i] = v
	}
	slices.Sort(item.Networks)
	return item
}

// readableAddress writes an identity the way people write that network's addresses.
func readableAddress(id model.Identity) string {
	switch id.URI.Network() {
	case model.Mastodon:
		return "@" + id.URI.Address()
	case model.X:
		if id.Handle != "" {
			return "@" + strings.TrimPrefix(id.Handle, "@")
		}
	}
	return id.URI.Address()
}

func evidenceViews(evs []contacts.Evidence) []api.EvidenceView {
	out := make([]api.EvidenceView, len(evs))
	for i, e := range evs {
		v := api.EvidenceView{Kind: string(e.Kind), Strength: e.Strength.String(), Explanation: e.Explanation,
			Identities: e.Identities, Facts: make([]api.EvidenceFact, len(e.Facts))}
		for j, f := range e.Facts {
			v.Facts[j] = api.EvidenceFact{Identity: f.Identity, Name: f.Name, Value: f.Value}
		}
		out[i] = v
	}
	return out
}
