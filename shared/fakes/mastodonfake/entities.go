package mastodonfake

// The JSON shapes below follow Mastodon's documented entities field by field (docs.joinmastodon.org
// entities/Account, Status, Conversation, MediaAttachment, Context). Nullable fields are pointers
// so that they encode as null, as the server sends them.

// Field is a profile field.
type Field struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"` // HTML
	VerifiedAt *string `json:"verified_at"`
}

// Account is Mastodon's Account entity.
type Account struct {
	ID             string  `json:"id"`
	Username       string  `json:"username"`
	Acct           string  `json:"acct"` // "user" when local, "user@domain" when remote
	DisplayName    string  `json:"display_name"`
	Locked         bool    `json:"locked"`
	Bot            bool    `json:"bot"`
	CreatedAt      string  `json:"created_at"`
	Note           string  `json:"note"` // HTML
	URL            *string `json:"url"`
	URI            string  `json:"uri"`
	Avatar         string  `json:"avatar"`
	AvatarStatic   string  `json:"avatar_static"`
	Header         string  `json:"header"`
	HeaderStatic   string  `json:"header_static"`
	FollowersCount int     `json:"followers_count"`
	FollowingCount int     `json:"following_count"`
	StatusesCount  int     `json:"statuses_count"`
	Emojis         []any   `json:"emojis"`
	Fields         []Field `json:"fields"`
}

// Mention is a mentioned account in a Status.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// MediaAttachment is Mastodon's MediaAttachment entity.
type MediaAttachment struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"` // image, gifv, video, audio, unknown
	URL         string  `json:"url"`
	PreviewURL  *string `json:"preview_url"`
	RemoteURL   *string `json:"remote_url"`
	Description *string `json:"description"`
	Blurhash    *string `json:"blurhash"`
	Meta        any     `json:"meta"`
}

// Status is Mastodon's Status entity (the fields a direct message uses).
type Status struct {
	ID                 string            `json:"id"`
	URI                string            `json:"uri"`
	URL                *string           `json:"url"`
	CreatedAt          string            `json:"created_at"`
	EditedAt           *string           `json:"edited_at"`
	Account            Account           `json:"account"`
	Content            string            `json:"content"`
	Visibility         string            `json:"visibility"`
	Sensitive          bool              `json:"sensitive"`
	SpoilerText        string            `json:"spoiler_text"`
	MediaAttachments   []MediaAttachment `json:"media_attachments"`
	Mentions           []Mention         `json:"mentions"`
	Tags               []any             `json:"tags"`
	Emojis             []any             `json:"emojis"`
	InReplyToID        *string           `json:"in_reply_to_id"`
	InReplyToAccountID *string           `json:"in_reply_to_account_id"`
	Reblog             *Status           `json:"reblog"`
	Poll               any               `json:"poll"`
	Card               any               `json:"card"`
	Language           *string           `json:"language"`
	RepliesCount       int               `json:"replies_count"`
	ReblogsCount       int               `json:"reblogs_count"`
	FavouritesCount    int               `json:"favourites_count"`
}

// Conversation is Mastodon's Conversation entity, as one viewer sees it.
type Conversation struct {
	ID         string    `json:"id"`
	Unread     bool      `json:"unread"`
	Accounts   []Account `json:"accounts"`
	LastStatus *Status   `json:"last_status"`
}

// Context is the answer of GET /api/v1/statuses/:id/context.
type Context struct {
	Ancestors   []Status `json:"ancestors"`
	Descendants []Status `json:"descendants"`
}

// Notification is Mastodon's Notification entity (a mention, the only type the fake sends).
type Notification struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	CreatedAt string  `json:"created_at"`
	Account   Account `json:"account"`
	Status    Status  `json:"status"`
}
