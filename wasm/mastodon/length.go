package mastodon

import (
	"regexp"
	"strings"

	"github.com/rivo/uniseg"
)

// Counting a status's length as the instance does before it accepts it (Mastodon's
// StatusLengthValidator): the content warning and the text together, in grapheme clusters,
// every link as characters_reserved_per_url characters (23 by default) whatever its length,
// and every mention by its username only (@user@host counts as @user), so that a reply is
// refused here, with a clear reason, rather than by the instance after it was queued.

var (
	// lengthURL is a link as the validator's entity extraction finds one (with its scheme).
	lengthURL = regexp.MustCompile(`https?://[^\s<>"]+`)
	// lengthMention is a mention with its domain; the domain does not count.
	lengthMention = regexp.MustCompile(`(^|[^/\w])@(\w+(?:[\w.-]+\w)?)@[\w.-]+\w`)
)

// defaultURLLength is Mastodon's characters_reserved_per_url.
const defaultURLLength = 23

// StatusLength returns how many characters an instance counts for a status with this content
// warning and text; urlLength is the instance's characters_reserved_per_url (0: 23).
func StatusLength(spoiler, text string, urlLength int) int {
	if urlLength <= 0 {
		urlLength = defaultURLLength
	}
	text = lengthURL.ReplaceAllString(text, strings.Repeat("x", urlLength))
	text = lengthMention.ReplaceAllString(text, "$1@$2")
	return uniseg.GraphemeClusterCount(spoiler + text)
}

// Length returns how many characters the instance counts for the reply as it will be posted
// (with its mentions and content warning).
func (r *Reply) Length(info InstanceInfo) int {
	return StatusLength(r.SpoilerText, r.Status(), info.URLLength)
}

// TooLong says whether the instance would refuse the reply for its length (false when the
// instance's limit is unknown).
func (r *Reply) TooLong(info InstanceInfo) bool {
	return info.MaxCharacters > 0 && r.Length(info) > info.MaxCharacters
}
