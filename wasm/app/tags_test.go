//go:build !js

package app

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"caliopen/wasm/api"
)

func TestTagName(t *testing.T) {
	for in, want := range map[string]string{
		"work": "work", "  to   read\tlater ": "to read later", "été": "été", strings.Repeat("é", 40): strings.Repeat("é", 40),
	} {
		if got, err := tagName(in); err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	for in, code := range map[string]string{
		"": "tag_empty", " \t ": "tag_empty", strings.Repeat("a", 41): "tag_too_long",
		"a\x00b": "tag_invalid", "a\u202eb": "tag_invalid", "\xff": "tag_invalid",
	} {
		_, err := tagName(in)
		if e, ok := err.(*api.Error); !ok || e.Code != code {
			t.Errorf("%q: %v, want %s", in, err, code)
		}
	}
}

// A tag name is checked on every device, also when it comes through sync: a kept name is
// short, visible text, kept as it is the second time.
func FuzzTagName(f *testing.F) {
	for _, s := range []string{"work", " a  b ", "\x00", "\u200b", strings.Repeat("x", 50), "\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := tagName(s)
		if err != nil {
			if _, ok := err.(*api.Error); !ok {
				t.Fatalf("%q: error without code: %v", s, err)
			}
			return
		}
		if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxTagLen || strings.TrimSpace(name) != name {
			t.Fatalf("%q kept as %q", s, name)
		}
		for _, r := range name {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("%q kept %q", s, r)
			}
		}
		if again, err := tagName(name); err != nil || again != name {
			t.Fatalf("%q: %q then %q, %v", s, name, again, err)
		}
	})
}

// Through the core's API: tag discussions, list the tags with their counts, filter the list
// by tag, rename, delete; bad names are refused with a code.
func TestTagsThroughTheAPI(t *testing.T) {
	u := startCore(t)
	u.recv() // ready
	if e := u.call(1, "dev.seedSynthetic", api.SeedParams{Count: 200, Seed: 5}, nil); e != nil {
		t.Fatal(e)
	}
	all := u.page(2, api.DiscussionsArgs{Limit: 200})
	if len(all.Items) < 3 {
		t.Fatalf("seeded %d discussions", len(all.Items))
	}
	one, two := all.Items[0].Key, all.Items[2].Key
	for i, c := range []struct {
		p    api.TagParams
		code string
	}{
		{api.TagParams{Key: one}, api.CodeBadRequest},
		{api.TagParams{Key: one, Add: []string{"  "}}, "tag_empty"},
		{api.TagParams{Key: one, Add: []string{strings.Repeat("z", 41)}}, "tag_too_long"},
		{api.TagParams{Key: one, Add: []string{"a\u0007"}}, "tag_invalid"},
		{api.TagParams{Key: "unknown", Add: []string{"work"}}, api.CodeNotFound},
	} {
		if e := u.call(10+i, "tags.change", c.p, nil); e == nil || e.Code != c.code {
			t.Fatalf("%+v: %v, want %s", c.p, e, c.code)
		}
	}
	if e := u.call(20, "tags.change", api.TagParams{Key: one, Add: []string{"Work", " family "}}, nil); e != nil {
		t.Fatal(e)
	}
	// "work" is the tag "Work" the user has, whatever its case.
	if e := u.call(21, "tags.change", api.TagParams{Key: two, Add: []string{"work"}}, nil); e != nil {
		t.Fatal(e)
	}
	tags := watch(u, 30, "tags.list", "", func(v api.TagsView) bool { return len(v.Items) == 2 })
	if want := []api.TagItem{{Name: "family", Count: 1}, {Name: "Work", Count: 2}}; !slices.Equal(tags.Items, want) {
		t.Fatalf("tags %+v", tags.Items)
	}
	byTag := u.page(40, api.DiscussionsArgs{Tag: "Work"})
	if byTag.Total != 2 || len(byTag.Items) != 2 || !slices.Contains(byTag.Items[0].Tags, "Work") {
		t.Fatalf("by tag: %+v", byTag)
	}
	view := watch(u, 42, "discussion.messages", `{"key":"`+one+`"}`, func(v api.DiscussionView) bool { return len(v.Messages) > 0 })
	if !slices.Equal(view.Tags, []string{"family", "Work"}) {
		t.Fatalf("discussion tags %v", view.Tags)
	}

	if e := u.call(50, "tags.rename", api.RenameTagParams{From: "nope", To: "x"}, nil); e == nil || e.Code != api.CodeNotFound {
		t.Fatalf("rename of no tag: %v", e)
	}
	if e := u.call(51, "tags.rename", api.RenameTagParams{From: "family", To: "WORK"}, nil); e != nil {
		t.Fatal(e)
	}
	tags = watch(u, 52, "tags.list", "", func(v api.TagsView) bool { return len(v.Items) == 1 })
	if want := []api.TagItem{{Name: "Work", Count: 2}}; !slices.Equal(tags.Items, want) {
		t.Fatalf("after joining family into Work: %+v", tags.Items)
	}
	if e := u.call(53, "tags.rename", api.RenameTagParams{From: "Work", To: "work"}, nil); e != nil {
		t.Fatal(e)
	}
	watch(u, 54, "tags.list", "", func(v api.TagsView) bool {
		return slices.Equal(v.Items, []api.TagItem{{Name: "work", Count: 2}})
	})
	if e := u.call(60, "tags.change", api.TagParams{Key: one, Remove: []string{"work"}}, nil); e != nil {
		t.Fatal(e)
	}
	if e := u.call(61, "tags.delete", api.TagRef{Name: "work"}, nil); e != nil {
		t.Fatal(e)
	}
	watch(u, 62, "tags.list", "", func(v api.TagsView) bool { return len(v.Items) == 0 })
	if p := u.page(70, api.DiscussionsArgs{Tag: "work"}); p.Total != 0 {
		t.Fatalf("deleted tag still keeps %d", p.Total)
	}
}
