package api

// The user's tags (wasm/app/tags.go): names the user gives discussions, whatever their
// networks, kept on the device and carried to the user's other devices by device sync.
var (
	// TagDiscussion adds tags to a discussion and removes others; a new name creates the
	// tag. Messages that arrive later in the discussion carry its tags.
	TagDiscussion = Method[TagParams, Empty]{"tags.change"}
	// TagsQuery follows the user's tags, each with its number of discussions.
	TagsQuery = Query[Empty, TagsView]{"tags.list"}
	// RenameTag renames a tag everywhere; renamed to a tag that exists, the two become one.
	RenameTag = Method[RenameTagParams, Empty]{"tags.rename"}
	// DeleteTag takes a tag off every discussion.
	DeleteTag = Method[TagRef, Empty]{"tags.delete"}
)

func init() { All = append(All, TagDiscussion, TagsQuery, RenameTag, DeleteTag) }

// TagParams names a discussion and the tags to add and to remove. A tag name is at most 40
// characters, without control characters; surrounding spaces are dropped, and a name that
// differs from an existing tag only by case is that tag. Errors: tag_empty, tag_too_long
// {max}, tag_invalid, not_found (the discussion).
type TagParams struct {
	Key    string   `json:"key"`
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

// TagsView lists the user's tags by name.
type TagsView struct {
	Items []TagItem `json:"items"`
}

// TagItem is one tag and how many discussions carry it (0 for a tag that came from another
// device before the messages it tags).
type TagItem struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// RenameTagParams renames the tag From to To (errors as TagParams').
type RenameTagParams struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TagRef names a tag.
type TagRef struct {
	Name string `json:"name"`
}
