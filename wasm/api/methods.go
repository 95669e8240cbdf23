package api

import (
	"encoding/json"
	"reflect"
	"time"

	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
	"caliopen/wasm/privacy"
)

// Method declares one request/response pair: its name and its parameter and result types.
type Method[P, R any] struct{ Name string }

// Query declares one live query: its name, its arguments and the shape of each pushed result.
type Query[A, R any] struct{ Name string }

// EventType declares one named event pushed by the core and its payload.
type EventType[D any] struct{ Name string }

// Empty is the parameter or result of a method that carries none.
type Empty struct{}

// Spec describes a declared method, query or event for generators and dispatchers.
type Spec struct {
	Kind   string // "method", "query" or "event"
	Name   string
	Params reflect.Type // method params, query args; nil for events
	Result reflect.Type // method result, query result, event data
}

// Spec returns the method's description.
func (m Method[P, R]) Spec() Spec {
	return Spec{"method", m.Name, reflect.TypeFor[P](), reflect.TypeFor[R]()}
}

// Spec returns the query's description.
func (q Query[A, R]) Spec() Spec {
	return Spec{"query", q.Name, reflect.TypeFor[A](), reflect.TypeFor[R]()}
}

// Spec returns the event's description.
func (e EventType[D]) Spec() Spec {
	return Spec{"event", e.Name, nil, reflect.TypeFor[D]()}
}

// Specced is anything declared in this package.
type Specced interface{ Spec() Spec }

// The API. Add new methods, queries and events here and to All.
var (
	// CoreInfo reports what the core is and what it can use.
	CoreInfo = Method[Empty, CoreInfoResult]{"core.info"}
	// Subscribe starts a live query; Unsubscribe stops it.
	Subscribe   = Method[SubscribeParams, SubscribeResult]{"subscribe"}
	Unsubscribe = Method[UnsubscribeParams, Empty]{"unsubscribe"}

	// CoreReady is pushed once, when the core has started.
	CoreReady = EventType[CoreInfoResult]{"core.ready"}

	// StatusQuery follows the core's overall state (storage, leadership, connectivity).
	StatusQuery = Query[Empty, CoreStatus]{"core.status"}

	// SetRole makes this tab's core the leader (it owns network connections and sync writes)
	// or a follower (it reads, and hears the leader's changes). The page decides with the
	// Web Locks API.
	SetRole = Method[SetRoleParams, Empty]{"core.setRole"}

	// DiscussionsQuery follows one page of the discussion list, most recent first.
	DiscussionsQuery = Query[DiscussionsArgs, DiscussionsPage]{"discussions.page"}
	// DiscussionQuery follows the messages of one discussion.
	DiscussionQuery = Query[DiscussionArgs, DiscussionView]{"discussion.messages"}
	// MessageBody returns the content of one message.
	MessageBody = Method[MessageBodyParams, model.Body]{"message.body"}

	// LinkIdentities says some identities are one person: their discussions merge.
	LinkIdentities = Method[LinkParams, Empty]{"contacts.link"}
	// SplitIdentities moves identities out of their contact into a new one.
	SplitIdentities = Method[SplitParams, Empty]{"contacts.split"}

	// SeedSynthetic stores synthetic messages: for benchmarks, load tests and development.
	SeedSynthetic = Method[SeedParams, SeedResult]{"dev.seedSynthetic"}

	// VaultQuery follows whether the vault exists and is unlocked.
	VaultQuery = Query[Empty, VaultStatus]{"vault.status"}
	// CreateVault creates the vault that seals passwords, tokens and keys under a passphrase.
	CreateVault = Method[PassphraseParams, Empty]{"vault.create"}
	// UnlockVault opens the vault for this session.
	UnlockVault = Method[PassphraseParams, Empty]{"vault.unlock"}
	// LockVault forgets the vault's key; connections stop.
	LockVault = Method[Empty, Empty]{"vault.lock"}
	// SetRelay sets the relay that carries connections to mail servers and APIs.
	SetRelay = Method[RelayParams, Empty]{"relay.set"}
	// AddEmailAccount finds the server settings (unless given), checks the password over an
	// encrypted connection, stores the account and starts syncing it.
	AddEmailAccount = Method[AddEmailParams, AccountView]{"accounts.addEmail"}
	// AccountsQuery follows the accounts with their connection health and sync progress.
	AccountsQuery = Query[Empty, AccountsView]{"accounts.list"}
	// Reply answers a message on its network (email for now): to its author, and to the
	// other recipients when All. The reply waits in the durable outbox until it is sent, once.
	Reply = Method[ReplyParams, ReplyResult]{"message.reply"}
	// UserPrivacyQuery follows the user's privacy index and the actions that would raise it.
	UserPrivacyQuery = Query[Empty, privacy.UserReport]{"privacy.user"}
)

// All lists every declared method, query and event, in a stable order.
var All = []Specced{CoreInfo, Subscribe, Unsubscribe, CoreReady, StatusQuery, SetRole,
	DiscussionsQuery, DiscussionQuery, MessageBody, LinkIdentities, SplitIdentities, SeedSynthetic,
	VaultQuery, CreateVault, UnlockVault, LockVault, SetRelay, AddEmailAccount, AccountsQuery, UserPrivacyQuery, Reply}

// CoreInfoResult describes the running core.
type CoreInfoResult struct {
	Product   string      `json:"product"`
	Version   string      `json:"version"`
	Build     string      `json:"build"`
	GoVersion string      `json:"goVersion"`
	Platform  string      `json:"platform"` // GOOS/GOARCH
	Storage   StorageInfo `json:"storage"`
}

// StorageInfo says whether durable local storage is available and how much of it.
type StorageInfo struct {
	Available  bool   `json:"available"`
	Backend    string `json:"backend"`              // "indexeddb" in a browser, "memory" or "file" natively
	Persistent bool   `json:"persistent"`           // the browser granted persistent storage
	UsageBytes int64  `json:"usageBytes,omitempty"` // from navigator.storage.estimate()
	QuotaBytes int64  `json:"quotaBytes,omitempty"`
	Error      string `json:"error,omitempty"` // why storage is unavailable, in plain words
}

// SubscribeParams names a live query and its arguments.
type SubscribeParams struct {
	Query string          `json:"query"`
	Args  json.RawMessage `json:"args,omitempty"`
}

// SubscribeResult is the id under which the query's updates are pushed.
type SubscribeResult struct {
	Sub int64 `json:"sub"`
}

// UnsubscribeParams stops a live query.
type UnsubscribeParams struct {
	Sub int64 `json:"sub"`
}

// CoreStatus is the core's overall state.
type CoreStatus struct {
	Storage StorageInfo `json:"storage"`
	Online  bool        `json:"online"`
	Leader  bool        `json:"leader"` // this tab owns the network and sync writes
	// IndexReady is false while the core rebuilds its discussion index at start.
	IndexReady bool   `json:"indexReady"`
	Error      string `json:"error,omitempty"`
}

// SetRoleParams sets this tab's role.
type SetRoleParams struct {
	Leader bool `json:"leader"`
}

// DiscussionsArgs selects a page of the discussion list, all of it or the discussions that
// pass every filter given.
type DiscussionsArgs struct {
	After   string        `json:"after,omitempty"` // the Next of the previous page, with the same filters
	Limit   int           `json:"limit,omitempty"`
	Unread  bool          `json:"unread,omitempty"`  // only discussions with unread messages
	Network model.Network `json:"network,omitempty"` // only discussions with a message on this network
	Account string        `json:"account,omitempty"` // only discussions with a message through this account (its id)
	Text    string        `json:"text,omitempty"`    // only discussions naming it: an address, a name, a subject
}

// DiscussionsPage is one page of the discussion list.
type DiscussionsPage struct {
	Items []DiscussionItem `json:"items"`
	Next  string           `json:"next,omitempty"`
	Total int              `json:"total"` // the discussions the filters keep
}

// DiscussionItem is one line of the discussion list.
type DiscussionItem struct {
	Key      string          `json:"key"`
	People   []Person        `json:"people"`
	Networks []model.Network `json:"networks"`
	Accounts []string        `json:"accounts,omitempty"` // the user's accounts it came through
	LastDate time.Time       `json:"lastDate"`
	Snippet  string          `json:"snippet"`
	Subject  string          `json:"subject,omitempty"`
	Unread   int             `json:"unread"`
	Count    int             `json:"count"`
	// Privacy is the discussion's privacy grade (its weakest recent messages weigh most).
	Privacy *discussions.Privacy `json:"privacy,omitempty"`
}

// Person names one participant: a contact, or a lone identity.
type Person struct {
	Contact    string              `json:"contact,omitempty"`
	Name       string              `json:"name"`
	Identities []model.IdentityURI `json:"identities"`
}

// DiscussionArgs names a discussion.
type DiscussionArgs struct {
	Key string `json:"key"`
}

// DiscussionView is a discussion's messages in time order.
type DiscussionView struct {
	Key      string        `json:"key"`
	Messages []MessageView `json:"messages"`
}

// MessageView is a message with its privacy index: score, grade, and each factor with its
// evidence and the advice that would raise it.
type MessageView struct {
	Message model.Message `json:"message"`
	Privacy privacy.Index `json:"privacy"`
}

// MessageBodyParams names a message.
type MessageBodyParams struct {
	ID string `json:"id"`
}

// LinkParams lists identities that are one person.
type LinkParams struct {
	Identities []model.IdentityURI `json:"identities"`
}

// SplitParams moves identities out of a contact.
type SplitParams struct {
	Contact    string              `json:"contact"`
	Identities []model.IdentityURI `json:"identities"`
}

// SeedParams asks for Count synthetic messages (deterministic for a given Seed).
type SeedParams struct {
	Count int   `json:"count"`
	Seed  int64 `json:"seed,omitempty"`
}

// SeedResult reports what was stored.
type SeedResult struct {
	Messages int   `json:"messages"`
	Ms       int64 `json:"ms"`
}

// VaultStatus says whether secrets can be stored and read.
type VaultStatus struct {
	Exists   bool   `json:"exists"`
	Unlocked bool   `json:"unlocked"`
	RelayURL string `json:"relayUrl,omitempty"` // the relay set, if any
}

// PassphraseParams carries the vault passphrase.
type PassphraseParams struct {
	Passphrase string `json:"passphrase"`
}

// RelayParams names the relay and the user's access token (kept in the vault).
type RelayParams struct {
	URL   string `json:"url"` // the relay's origin, e.g. https://relay.example.org
	Token string `json:"token"`
}

// AddEmailParams adds an email account. Server is optional: without it the settings are
// discovered (autoconfig, then common host names).
type AddEmailParams struct {
	Address  string       `json:"address"`
	Password string       `json:"password"`
	Name     string       `json:"name,omitempty"`
	Server   *EmailServer `json:"server,omitempty"`
}

// EmailServer is the manual form of an email account's servers.
type EmailServer struct {
	Username     string `json:"username,omitempty"`
	IMAPHost     string `json:"imapHost"`
	IMAPPort     int    `json:"imapPort"`
	IMAPSecurity string `json:"imapSecurity"` // "tls" (implicit) or "starttls"
	SMTPHost     string `json:"smtpHost"`
	SMTPPort     int    `json:"smtpPort"`
	SMTPSecurity string `json:"smtpSecurity"`
	// PinnedSHA256 trusts exactly this server certificate (a self-hosted server's), after
	// the user saw its fingerprint.
	PinnedSHA256 string `json:"pinnedSha256,omitempty"`
}

// AccountsView lists the accounts.
type AccountsView struct {
	Accounts []AccountView `json:"accounts"`
}

// AccountView is one account as the UI shows it.
type AccountView struct {
	ID       string        `json:"id"`
	Network  model.Network `json:"network"`
	Address  string        `json:"address"`
	Health   AccountHealth `json:"health"`
	Progress *SyncProgress `json:"progress,omitempty"`
}

// AccountHealth is an account's connection state: never "connected" without a recent sign of life.
type AccountHealth struct {
	State        string    `json:"state"` // idle, connecting, connected, error, retrying, locked, no-relay
	Since        time.Time `json:"since,omitzero"`
	LastActivity time.Time `json:"lastActivity,omitzero"`
	Error        string    `json:"error,omitempty"`
	RetryAt      time.Time `json:"retryAt,omitzero"`
}

// SyncProgress is how far a first sync has come.
type SyncProgress struct {
	Folder string `json:"folder"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
}

// ReplyParams is a reply to one message.
type ReplyParams struct {
	MessageID string `json:"messageId"`
	Text      string `json:"text"`
	All       bool   `json:"all,omitempty"`
}

// ReplyResult names the outbox item that carries the reply.
type ReplyResult struct {
	OutboxID string `json:"outboxId"`
}
