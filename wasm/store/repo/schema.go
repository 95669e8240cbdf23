package repo

import "caliopen/wasm/store"

// Names of the object stores.
const (
	Accounts     = "accounts"
	Identities   = "identities"
	Contacts     = "contacts"
	ContactLinks = "contact_links" // identity URI -> contact id
	Messages     = "messages"      // message metadata
	Bodies       = "bodies"        // message bodies, by message id
	Blobs        = "blobs"         // attachment bytes, by Tuple(message id, attachment id)
	Cursors      = "cursors"       // opaque sync cursors, by Tuple(account id, name)
	Drafts       = "drafts"
	Outbox       = "outbox"
	OpLog        = "oplog" // operations by SeqKey(seq)
	Meta         = "meta"  // counters and settings
	Vault        = "vault" // sealed secrets, written by package vault only
	// Discussions holds the discussion summaries the list shows, written by the core's engine
	// from the discussion index's changes, so the first page never needs the whole mailbox.
	Discussions = "discussions"
	// Suggestions holds the contact book's pending merge suggestions (derived from link
	// evidence, not decided: the user's answers are contact operations in the oplog).
	Suggestions = "suggestions"
	// Terms holds each message's words for search (package search), written with its body.
	Terms = "terms"
	// Avatars caches the profile pictures of identities, fetched by the core.
	Avatars = "avatars"
)

// Version is the schema version of the core database.
const Version = 4

// Stores declares the core's object stores and indexes. Keys and index keys (T is store.Tuple,
// D is store.TimeKey of the message date):
//
//	accounts       id
//	identities     URI; own: "1" for the user's own identities
//	contacts       id; name: T(lower-cased name, id)
//	contact_links  identity URI -> contact id; contact: T(contact id, URI)
//	messages       id (model.MessageID); account_date: T(account, D); date: D;
//	               folder: T(account, folder, D); conversation: T(account, conversation, D);
//	               message_id: T(Message-ID without <>)
//	bodies         message id
//	blobs          T(message or draft id, attachment id)
//	cursors        T(account, name)
//	drafts         id; updated: TimeKey(UpdatedAt)
//	outbox         id; due: TimeKey(NextAttempt) while queued; idempotency: T(key);
//	               state: T(state, TimeKey(UpdatedAt))
//	oplog          store.SeqKey(seq)
//	meta           "oplog.seq", T("setting", name), T("tags", participant set) (tags.go)
//	vault          see package vault
//	discussions    discussion key; order: TimeKey(last message date) (since version 2)
//	suggestions    suggestion key (its evidence's kind and identities) (since version 3)
//	terms          message id (since version 4; filled by the engine from the bodies)
//	avatars        identity URI (since version 4)
//
// To add a store (the discussions index, say), append its spec here, bump Version and, if
// existing data must fill it, add a Migration.
var Stores = []store.StoreSpec{
	{Name: Accounts},
	{Name: Identities, Indexes: []string{"own"}},
	{Name: Contacts, Indexes: []string{"name"}},
	{Name: ContactLinks, Indexes: []string{"contact"}},
	{Name: Messages, Indexes: []string{"account_date", "date", "folder", "conversation", "message_id"}},
	{Name: Bodies},
	{Name: Blobs},
	{Name: Cursors},
	{Name: Drafts, Indexes: []string{"updated"}},
	{Name: Outbox, Indexes: []string{"due", "idempotency", "state"}},
	{Name: OpLog},
	{Name: Meta},
	{Name: Vault},
	{Name: Discussions, Indexes: []string{"order"}},
	{Name: Suggestions},
	{Name: Terms},
	{Name: Avatars},
}

// Migrations move data between versions of Stores.
var Migrations []store.Migration

// Schema is the schema of the core database.
func Schema() store.Schema {
	return store.Schema{Version: Version, Stores: Stores, Migrations: Migrations}
}

// MessageStores are the stores a message write touches.
var MessageStores = []string{Messages, Bodies, Blobs}
