package api

import (
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Reading and writing messages: whole bodies, remote content, attachments, a new message with
// its channel, drafts and the outbox (wasm/app/content.go, compose.go, drafts.go, outbox.go).
var (
	// AllowRemote lets one message load its remote content (images, the trackers among them)
	// from now on; its privacy index then says so.
	AllowRemote = Method[MessageBodyParams, Empty]{"message.allowRemote"}
	// AllowRemoteSender lets every mail from this message's sender load its remote content,
	// this one and those to come (each is marked as it is opened, so its privacy index says
	// so). The list of such senders follows the user to their other devices.
	AllowRemoteSender = Method[MessageBodyParams, Empty]{"message.allowRemoteSender"}
	// RemoteSendersQuery follows the senders whose mail loads its remote content.
	RemoteSendersQuery = Query[Empty, RemoteSenders]{"remote.senders"}
	// ForgetRemoteSender stops loading a sender's remote content in mail not opened yet
	// (mail already shown with it keeps it).
	ForgetRemoteSender = Method[RemoteSenderParams, Empty]{"remote.forgetSender"}
	// GetAttachment returns an attachment's bytes: from this device, else fetched from the
	// network (IMAP, the Mastodon instance) and kept. An encrypted mail's come decrypted.
	GetAttachment = Method[AttachmentParams, AttachmentData]{"message.attachment"}
	// Suggest finds the people (contacts and their identities) a new message may go to.
	Suggest = Method[SuggestParams, Suggestions]{"compose.suggest"}
	// Channels ranks the ways a new message can reach its recipients, most private first,
	// each with why (the privacy index's channel ranks and the OpenPGP send plan).
	Channels = Method[ChannelsParams, ChannelsView]{"compose.channels"}
	// Send queues a new message on one channel in the durable outbox: an email (encrypted
	// when the plan says so or the user asks), a Mastodon direct status mentioning the
	// recipients, an X direct message to one person.
	Send = Method[SendParams, ReplyResult]{"message.send"}
	// SaveDraft keeps what is being written (its text sealed: OpenPGP to the user's own key,
	// else the vault); GetDraft gives it back; DeleteDraft forgets it.
	SaveDraft   = Method[DraftView, DraftSaved]{"drafts.save"}
	GetDraft    = Method[DraftRef, DraftView]{"drafts.get"}
	DeleteDraft = Method[DraftRef, Empty]{"drafts.delete"}
	// OutboxQuery follows what waits to go out, what is going out, and what failed.
	OutboxQuery = Query[Empty, OutboxView]{"outbox.list"}
	// RetryOutbox queues a failed item again, due now.
	RetryOutbox = Method[OutboxRef, Empty]{"outbox.retry"}
	// CancelOutbox removes an item that has not gone out (queued or failed).
	CancelOutbox = Method[OutboxRef, Empty]{"outbox.cancel"}
)

func init() {
	All = append(All, AllowRemote, AllowRemoteSender, RemoteSendersQuery, ForgetRemoteSender, GetAttachment, Suggest, Channels, Send, SaveDraft, GetDraft, DeleteDraft,
		OutboxQuery, RetryOutbox, CancelOutbox)
}

// BodyView is the content of a message as the reader shows it.
type BodyView struct {
	MessageID string `json:"messageId"`
	Text      string `json:"text,omitempty"`
	// HTML is sanitised (no script, no event handler, no form, no style sheet); its remote
	// loads are held back as data-remote-* attributes unless RemoteAllowed, when they are
	// restored and RemoteHosts lists the hosts they load from (https only).
	HTML          string   `json:"html,omitempty"`
	RemoteAllowed bool     `json:"remoteAllowed,omitempty"`
	RemoteHosts   []string `json:"remoteHosts,omitempty"`
	// RemoteSender names the sender when the remote content is allowed for all their mail.
	RemoteSender string             `json:"remoteSender,omitempty"`
	Attachments  []model.Attachment `json:"attachments,omitempty"`
	Notes        []model.BodyNote   `json:"notes,omitempty"`
}

// RemoteSenders are the email addresses whose mail loads its remote content.
type RemoteSenders struct {
	Addresses []string `json:"addresses"`
}

// RemoteSenderParams names a sender by email address.
type RemoteSenderParams struct {
	Address string `json:"address"`
}

// AttachmentParams names an attachment of a message.
type AttachmentParams struct {
	MessageID    string `json:"messageId"`
	AttachmentID string `json:"attachmentId"`
}

// AttachmentData is an attachment with its bytes.
type AttachmentData struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

// SuggestParams is what the user typed in a recipient field.
type SuggestParams struct {
	Text  string `json:"text"`
	Limit int    `json:"limit,omitempty"`
}

// Suggestions are the people matching, best first.
type Suggestions struct {
	People []Recipient `json:"people"`
}

// Recipient is someone a message can go to: a contact (every identity of theirs) or a lone
// identity. Ref is what ChannelsParams and SendParams take back.
type Recipient struct {
	Ref        string              `json:"ref"` // "contact:<id>" or an identity URI
	Name       string              `json:"name"`
	Identities []RecipientIdentity `json:"identities"`
}

// RecipientIdentity is one address of a recipient, as people write it.
type RecipientIdentity struct {
	URI   model.IdentityURI `json:"uri"`
	Label string            `json:"label"` // alice@example.org, @alice@mamot.fr, @Tapioca42
}

// ChannelsParams lists the recipients: Recipient refs, or what the user typed (an email
// address, @user@instance for Mastodon, @handle for X).
type ChannelsParams struct {
	To []string `json:"to"`
	// Bcc are email addresses the message also goes to, unseen by the others: only email
	// channels reach them (each gets a copy encrypted to their key alone).
	Bcc []string `json:"bcc,omitempty"`
}

// ChannelsView ranks the channels, most private first: Channels[0] is the default.
type ChannelsView struct {
	Recipients []Recipient `json:"recipients"` // the recipients understood
	Channels   []Channel   `json:"channels"`
	// Unreachable says why no channel is offered when Channels is empty, or which accounts
	// cannot reach everyone.
	Unreachable []Reason `json:"unreachable,omitempty"`
}

// Channel is one way to send: from one of the user's accounts to an identity of every
// recipient on its network.
type Channel struct {
	AccountID string              `json:"accountId"`
	Network   model.Network       `json:"network"`
	From      string              `json:"from"` // the account, as people write it
	To        []model.IdentityURI `json:"to"`
	// Rank is the privacy index's channel rank (0-100): how private the message would be.
	Rank int `json:"rank"`
	// Encrypted says the message would be end-to-end encrypted (email with everyone's key).
	Encrypted bool `json:"encrypted"`
	// Why is the reason for its place, for the picker.
	Why Reason `json:"why"`
	// Plan is the OpenPGP send plan of an email channel.
	Plan *SendPlan `json:"plan,omitempty"`
}

// Reason is a sentence with a stable code and its values, for the UI's translation.
type Reason struct {
	Code   string            `json:"code"`
	Text   string            `json:"text"`
	Params map[string]string `json:"params,omitempty"`
}

// SendParams is a new message.
type SendParams struct {
	AccountID string   `json:"accountId"`
	To        []string `json:"to"` // identity URIs on the account's network (Channel.To)
	// Bcc are email addresses the message also goes to, unseen by the others (email only).
	Bcc     []string `json:"bcc,omitempty"`
	Subject string   `json:"subject,omitempty"`
	Text    string   `json:"text"`
	// Encrypt overrides the plan's default (email only), as in ReplyParams.
	Encrypt     *bool            `json:"encrypt,omitempty"`
	Attachments []AttachmentData `json:"attachments,omitempty"` // email only
	// DraftID is the draft this message came from: deleted once the message is queued.
	DraftID string `json:"draftId,omitempty"`
}

// MaxDraftAttachments bounds the attachments a draft keeps (the sum of their sizes).
const MaxDraftAttachments = 10 << 20

// DraftRef names a draft: "compose" for a new message, "reply:<message id>" for a reply.
type DraftRef struct {
	ID string `json:"id"`
}

// DraftView is a draft as the composer fills it.
type DraftView struct {
	ID        string   `json:"id"`
	To        []string `json:"to,omitempty"`
	Bcc       []string `json:"bcc,omitempty"` // as typed (a new email)
	AccountID string   `json:"accountId,omitempty"`
	Subject   string   `json:"subject,omitempty"`
	Text      string   `json:"text,omitempty"`
	All       bool     `json:"all,omitempty"`
	// Attachments are kept with the draft, sealed as the rest of it is, up to
	// MaxDraftAttachments bytes in all (DraftSaved says when they were left out).
	Attachments []AttachmentData `json:"attachments,omitempty"`
	// Sealed says how the text is kept on this device: "pgp" (encrypted to the user's own
	// OpenPGP key), "vault" (sealed under the passphrase) or "" (not sealed: no key and the
	// vault locked). Set by the core.
	Sealed    string    `json:"sealed,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	// Locked is true when the draft exists but cannot be opened now (the vault is locked).
	Locked bool `json:"locked,omitempty"`
}

// DraftSaved says how the draft was kept.
type DraftSaved struct {
	Sealed    string    `json:"sealed"`
	UpdatedAt time.Time `json:"updatedAt"`
	// AttachmentsLeftOut is true when the attachments were too large to keep with the draft.
	AttachmentsLeftOut bool `json:"attachmentsLeftOut,omitempty"`
}

// OutboxView lists the outbox: queued, sending and failed items, then the last ones sent.
type OutboxView struct {
	Items []OutboxEntry `json:"items"`
}

// OutboxEntry is one item of the outbox.
type OutboxEntry struct {
	ID          string           `json:"id"`
	AccountID   string           `json:"accountId"`
	Network     model.Network    `json:"network"`
	State       repo.OutboxState `json:"state"`
	To          []string         `json:"to"`
	Subject     string           `json:"subject,omitempty"`
	Preview     string           `json:"preview,omitempty"`
	Encrypted   bool             `json:"encrypted,omitempty"`
	Attempts    int              `json:"attempts"`
	NextAttempt time.Time        `json:"nextAttempt,omitzero"`
	LastError   string           `json:"lastError,omitempty"`
	// LastErrorCode names LastError for the UI's translations (an api error code, such as
	// send_refused, send_failed, auth, relay_denied, instance_refused, x_refused), with the
	// values it names.
	LastErrorCode   string            `json:"lastErrorCode,omitempty"`
	LastErrorParams map[string]string `json:"lastErrorParams,omitempty"`
	CreatedAt       time.Time         `json:"createdAt"`
	UpdatedAt       time.Time         `json:"updatedAt"`
	// Deferred says the network's rate limit put the item off until NextAttempt (the attempt
	// did not count).
	Deferred bool `json:"deferred,omitempty"`
}

// OutboxRef names an outbox item.
type OutboxRef struct {
	ID string `json:"id"`
}
