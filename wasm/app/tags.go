package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"caliopen/wasm/api"
	"caliopen/wasm/core"
	"caliopen/wasm/discussions"
	"caliopen/wasm/engine"
)

// The user's tags on discussions (held per participant set: see discussions/tags.go), and
// their travel to the user's other devices (sync_tags.go).

// maxTagLen is the longest tag name, in characters: a chip on a list row stays short.
const maxTagLen = 40

func (a *app) registerTags(c *core.Core) {
	core.Handle(c, api.TagDiscussion, a.tagDiscussion)
	core.Live(c, api.TagsQuery, a.tagList, engine.TopicDiscussions)
	core.Handle(c, api.RenameTag, a.renameTag)
	core.Handle(c, api.DeleteTag, a.deleteTag)
}

// tagName is the name a tag is kept under: surrounding spaces dropped, inner runs of spaces
// made one. It fails (tag_empty, tag_too_long, tag_invalid) on a name the user cannot mean:
// empty, too long, or with control or invisible formatting characters.
func tagName(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", api.Errorf("tag_invalid", "A tag name must be text.")
	}
	for _, r := range s {
		if r != '\t' && r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
			return "", api.Errorf("tag_invalid", "A tag name cannot hold control or invisible characters.")
		}
	}
	name := strings.Join(strings.Fields(s), " ")
	switch {
	case name == "":
		return "", api.Errorf("tag_empty", "Give the tag a name.")
	case utf8.RuneCountInString(name) > maxTagLen:
		return "", api.Errorf("tag_too_long", "A tag name is at most "+strconv.Itoa(maxTagLen)+" characters.").With("max", strconv.Itoa(maxTagLen))
	}
	return name, nil
}

// existingSpelling returns the tag the user already has that name names, whatever its case,
// else name itself.
func existingSpelling(have []engine.TagCount, name string) string {
	for _, t := range have {
		if t.Name == name {
			return name
		}
	}
	for _, t := range have {
		if strings.EqualFold(t.Name, name) {
			return t.Name
		}
	}
	return name
}

func (a *app) tagDiscussion(ctx context.Context, p api.TagParams) (api.Empty, error) {
	if p.Key == "" || len(p.Add)+len(p.Remove) == 0 {
		return api.Empty{}, api.Errorf(api.CodeBadRequest, "Name the discussion and the tags to add or remove.")
	}
	have, err := a.eng.Tags(ctx)
	if err != nil {
		return api.Empty{}, err
	}
	var add []string
	for _, t := range p.Add {
		name, err := tagName(t)
		if err != nil {
			return api.Empty{}, err
		}
		add = append(add, existingSpelling(have, name))
	}
	found, err := a.eng.TagDiscussion(ctx, discussions.Key(p.Key), add, p.Remove)
	if err == nil && !found {
		err = api.Errorf(api.CodeNotFound, "This discussion is not on this device.")
	}
	return api.Empty{}, err
}

func (a *app) tagList(ctx context.Context, _ api.Empty) (api.TagsView, error) {
	tags, err := a.eng.Tags(ctx)
	if err != nil {
		return api.TagsView{}, err
	}
	out := api.TagsView{Items: make([]api.TagItem, len(tags))}
	for i, t := range tags {
		out.Items[i] = api.TagItem{Name: t.Name, Count: t.Count}
	}
	return out, nil
}

func (a *app) renameTag(ctx context.Context, p api.RenameTagParams) (api.Empty, error) {
	to, err := tagName(p.To)
	if err != nil {
		return api.Empty{}, err
	}
	have, err := a.eng.Tags(ctx)
	if err != nil {
		return api.Empty{}, err
	}
	if !slices.ContainsFunc(have, func(t engine.TagCount) bool { return t.Name == p.From }) {
		return api.Empty{}, api.Errorf(api.CodeNotFound, "There is no such tag.")
	}
	if !strings.EqualFold(to, p.From) { // a change of case alone renames; else join a tag that exists
		to = existingSpelling(have, to)
	}
	return api.Empty{}, a.eng.RenameTag(ctx, p.From, to)
}

func (a *app) deleteTag(ctx context.Context, p api.TagRef) (api.Empty, error) {
	return api.Empty{}, a.eng.DeleteTag(ctx, p.Name)
}
