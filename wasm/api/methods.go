package api

import (
	"encoding/json"
	"reflect"
	"time"

	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
	"caliopen/wasm/privacy"
	"caliopen/wasm/search"
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
	// MessageBody returns the whole content of one message: its text, its sanitised HTML
	// (remote loads held back unless allowed for it, see AllowRemote) and its attachments.
	MessageBody = Method[MessageBodyParams, BodyView]{"message.body"}

	// LinkIdentities says some identities are one person: their discussions merge.
	LinkIdentities = Method[LinkParams, Empty]{"contacts.link"}
	// SplitIdentities moves identities out of their contact into a new one.
	SplitIdentities = Method[SplitParams, Empty]{"contacts.split"}

	// SeedSynthetic stores synthetic messages: for benchmarks, load tests and native tests.
	// Only a core built with `-tags synthetic` (and native builds) has it; it is not in All,
	// so the UI's generated API does not offer it.
	SeedSynthetic = Method[SeedParams, SeedResult]{"dev.seedSynthetic"}

	// VaultQuery follows whether the vault exists and is unlocked.
	VaultQuery = Query[Empty, VaultStatus]{"vault.status"}
	// CreateVault creates the vault that seals passwords, tokens and keys under a passphrase.
	CreateVault = Method[PassphraseParams, Empty]{"vault.create"}
	// UnlockVault opens the vault for this session.
	UnlockVault = Method[PassphraseParams, Empty]{"vault.unlock"}
	// LockVault forgets the vault's key in every tab; connections stop.
	LockVault = Method[Empty, Empty]{"vault.lock"}
	// ChangePassphrase puts the vault under a new passphrase (on this device: each device's
	// vault has its own).
	ChangePassphrase = Method[ChangePassphraseParams, Empty]{"vault.changePassphrase"}
	// SetRelay sets the relay that carries connections to mail servers and APIs.
	SetRelay = Method[RelayParams, Empty]{"relay.set"}
	// AddEmailAccount finds the server settings (unless given), checks the password over an
	// encrypted connection, stores the account and starts syncing it.
	AddEmailAccount = Method[AddEmailParams, AccountView]{"accounts.addEmail"}
	// Mastodon and X accounts. A sign-in through the network's consent page is two calls:
	// MastodonSignIn or XSignIn keeps the sign-in in progress (client secret, PKCE verifier,
	// state) sealed in the vault and returns the page to open; the browser comes back to the
	// app's callback address (RedirectURI) with the answer, and FinishSignIn completes the
	// sign-in from that URL, whichever network it was. The tokens go to the vault, the
	// account's identity becomes one of the user's own, and the account starts syncing.
	MastodonSignIn = Method[MastodonSignInParams, SignInStarted]{"accounts.mastodonSignIn"}
	// MastodonToken adds a Mastodon account with an access token the user made in the
	// instance's Development settings (when the consent page cannot be used).
	MastodonToken = Method[MastodonTokenParams, AccountView]{"accounts.mastodonToken"}
	// XSignIn starts a sign-in to X with the user's own developer app.
	XSignIn = Method[XSignInParams, SignInStarted]{"accounts.xSignIn"}
	// FinishSignIn completes a Mastodon or X sign-in from the callback URL.
	FinishSignIn = Method[FinishSignInParams, AccountView]{"accounts.finishSignIn"}
	// AccountsQuery follows the accounts with their connection health and sync progress.
	AccountsQuery = Query[Empty, AccountsView]{"accounts.list"}
	// Reply answers a message on its network: an email to its author (and to the other
	// recipients when All), a Mastodon direct reply mentioning the conversation's people, an
	// X message to its conversation. The reply waits in the durable outbox until it is sent,
	// once.
	Reply = Method[ReplyParams, ReplyResult]{"message.reply"}
	// StartDemo reads the demo sandbox's description from the relay (only a relay run with
	// `make run` has one), trusts the sandbox's CA for its .test domains only, and adds the
	// demo email account by the normal flow (autoconfig, password check over TLS). It
	// returns what the UI needs to sign in to the demo Mastodon and X accounts, which are
	// OAuth flows through the browser.
	StartDemo = Method[Empty, DemoPlan]{"demo.start"}
	// UserPrivacyQuery follows the user's privacy index and the actions that would raise it.
	UserPrivacyQuery = Query[Empty, privacy.UserReport]{"privacy.user"}
)

// All lists every declared method, query and event, in a stable order.
var All = []Specced{CoreInfo, Subscribe, Unsubscribe, CoreReady, StatusQuery, SetRole,
	DiscussionsQuery, DiscussionQuery, MessageBody, LinkIdentities, SplitIdentities,
	VaultQuery, CreateVault, UnlockVault, LockVault, ChangePassphrase, SetRelay, AddEmailAccount, MastodonSignIn, MastodonToken, XSignIn,
	FinishSignIn, AccountsQuery, UserPrivacyQuery, Reply, StartDemo,
	KeysQuery, GenerateKey, ImportKey, ExportPublicKey, ExportSecretKey, RevocationCertificate, SetKeyVerified, PlanReply,
	SetPreferEncrypt, MakeSetupMessage, ImportSetupMessage, AttachedKeys, ImportAttachedKey}

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
	// ErrorCode names Error for the UI's translations: "no_indexeddb" or "db_failed"
	// (with ErrorParams "detail").
	ErrorCode   string            `json:"errorCode,omitempty"`
	ErrorParams map[string]string `json:"errorParams,omitempty"`
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
	// ErrorCode names Error for the UI's translations ("load_failed", with ErrorParams
	// "detail"; else a StorageInfo error code).
	ErrorCode   string            `json:"errorCode,omitempty"`
	ErrorParams map[string]string `json:"errorParams,omitempty"`
}

// SetRoleParams sets this tab's role.
type SetRoleParams struct {
	Leader bool `json:"leader"`
}

// DiscussionsArgs selects a page of the discussion list: of the inbox (or of the archive),
// all of it or the discussions that pass every filter given.
type DiscussionsArgs struct {
	After string `json:"after,omitempty"` // the Next of the previous page, with the same filters
	Limit int    `json:"limit,omitempty"`
	// Archive lists the archive instead of the inbox: the discussions whose messages
	// received are all archived.
	Archive bool          `json:"archive,omitempty"`
	Unread  bool          `json:"unread,omitempty"`  // only discussions with unread messages
	Network model.Network `json:"network,omitempty"` // only discussions with a message on this network
	Account string        `json:"account,omitempty"` // only discussions with a message through this account (its id)
	// Text keeps the discussions naming it (an address, a name, a subject) and those whose
	// messages contain its words (each word starts a word of the text: "meet" finds
	// "Meeting", "ete" finds "été"), each with the passage found (DiscussionItem.Match).
	Text string `json:"text,omitempty"`
	// Tag keeps only the discussions with this tag (see TagDiscussion).
	Tag string `json:"tag,omitempty"`
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
	Flagged  int             `json:"flagged,omitempty"` // starred messages
	Count    int             `json:"count"`
	Archived bool            `json:"archived,omitempty"` // out of the inbox
	Tags     []string        `json:"tags,omitempty"`     // the user's tags, sorted
	// Privacy is the discussion's privacy grade (its weakest recent messages weigh most).
	Privacy *discussions.Privacy `json:"privacy,omitempty"`
	// Match is, in a search (DiscussionsArgs.Text), the passage of the latest message whose
	// text holds the words searched, those words marked.
	Match *TextMatch `json:"match,omitempty"`
}

// TextMatch is where a search found its words: a passage of one message, cut into parts.
type TextMatch struct {
	MessageID string        `json:"messageId"`
	Parts     []search.Part `json:"parts"`
}

// Person names one participant: a contact, or a lone identity.
type Person struct {
	Contact    string              `json:"contact,omitempty"`
	Name       string              `json:"name"`
	Identities []model.IdentityURI `json:"identities"`
	// Avatar is the identity whose profile picture shows the person (see Avatar), when one
	// of theirs has a picture.
	Avatar model.IdentityURI `json:"avatar,omitempty"`
}

// DiscussionArgs names a discussion.
type DiscussionArgs struct {
	Key string `json:"key"`
}

// DiscussionView is a discussion's messages in time order, and its email topics.
type DiscussionView struct {
	Key      string        `json:"key"`
	Messages []MessageView `json:"messages"`
	Tags     []string      `json:"tags,omitempty"` // the user's tags, sorted
	// Topics are the email sub-threads (by References, RFC 5256), the most recently active
	// first; direct messages belong to none.
	Topics []discussions.Topic `json:"topics,omitempty"`
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

// ChangePassphraseParams carries the vault's current passphrase and the new one.
type ChangePassphraseParams struct {
	Old        string `json:"old"`
	Passphrase string `json:"passphrase"`
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
	// Pins trust certificates the user was shown (an untrusted_certificate error names the
	// server, its host and the fingerprint): each applies to the server on its host.
	Pins []CertPin `json:"pins,omitempty"`
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
	// IMAPPin and SMTPPin trust exactly this certificate (a self-hosted server's, by its
	// SHA-256 fingerprint) for the IMAP or SMTP server's host, after the user saw it.
	IMAPPin string `json:"imapPin,omitempty"`
	SMTPPin string `json:"smtpPin,omitempty"`
}

// MastodonSignInParams starts a Mastodon sign-in.
type MastodonSignInParams struct {
	// Instance is the instance ("mastodon.social", "https://mastodon.social") or the user's
	// address ("@alice@mastodon.social", found with WebFinger). http:// only on this computer.
	Instance string `json:"instance"`
	// RedirectURI is the app's callback address, where the instance sends the browser back
	// (the app's origin + "/oauth/callback").
	RedirectURI string `json:"redirectUri"`
}

// MastodonTokenParams adds a Mastodon account with a pasted access token.
type MastodonTokenParams struct {
	Instance string `json:"instance"`
	Token    string `json:"token"`
}

// XSignInParams starts an X sign-in with the user's own developer app.
type XSignInParams struct {
	// ClientID is the OAuth 2.0 client id of the user's developer app (a public client).
	ClientID string `json:"clientId"`
	// RedirectURI is the app's callback address; it must be registered in the developer app
	// exactly as given.
	RedirectURI string `json:"redirectUri"`
	// APIBase is X's API origin (default https://api.x.com), or a sandbox's; the authorize
	// page is then APIBase + "/i/oauth2/authorize" and the token endpoint APIBase +
	// "/2/oauth2/token".
	APIBase string `json:"apiBase,omitempty"`
	// CAPEM adds certificate authorities (PEM) trusted for APIBase: a sandbox's test CA.
	CAPEM string `json:"caPem,omitempty"`
	// AuthorizeURL is the consent page when it is not APIBase's: a sandbox serves it where
	// the browser can open it (http:// is accepted for loopback only).
	AuthorizeURL string `json:"authorizeUrl,omitempty"`
}

// SignInStarted is the consent page to open for a sign-in.
type SignInStarted struct {
	AuthorizeURL string `json:"authorizeUrl"`
}

// FinishSignInParams is the address the browser came back to after a consent page.
type FinishSignInParams struct {
	CallbackURL string `json:"callbackUrl"`
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
	Label    string        `json:"label,omitempty"` // how the network writes it (@alice@mamot.fr, @Tapioca42)
	Health   AccountHealth `json:"health"`
	Progress *SyncProgress `json:"progress,omitempty"`
	// FirstSync says the account's first sync since it started here is still running
	// (Progress says how far it came).
	FirstSync bool `json:"firstSync,omitempty"`
	// Email is an email account's settings, for the form that edits them.
	Email *EmailSettings `json:"email,omitempty"`
}

// AccountHealth is an account's connection state: never "connected" without a recent sign of life.
type AccountHealth struct {
	// State: idle, connecting, connected, error, retrying, locked, no-relay, other-tab (every
	// network); live, polling (Mastodon: the stream is open, or down and REST polled);
	// polling, rate-limited, refused, sign-in (X: polled, waiting for the rate-limit window,
	// developer app refused by its tier or credits, tokens gone).
	State        string    `json:"state"`
	Since        time.Time `json:"since,omitzero"`
	LastActivity time.Time `json:"lastActivity,omitzero"`
	Error        string    `json:"error,omitempty"`
	// Code names Error for the UI's translations, Params are the values it names (see
	// healthCodes in wasm/app/health.go).
	Code    string            `json:"code,omitempty"`
	Params  map[string]string `json:"params,omitempty"`
	RetryAt time.Time         `json:"retryAt,omitzero"`
	// CanRetry says the account waits and RetryAccount makes it try at once.
	CanRetry bool `json:"canRetry,omitempty"`
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
	// Encrypt overrides the plan's default (see PlanReply): false sends in the clear, true
	// insists on encryption (refused when a recipient has no key). Absent: the plan decides.
	Encrypt *bool `json:"encrypt,omitempty"`
	// ContentWarning is a Mastodon reply's content warning. Absent: the reply keeps the
	// warning of the message it answers, as Mastodon's own client does; "" removes it.
	ContentWarning *string `json:"contentWarning,omitempty"`
	// AccountID and To are the channel chosen among ReplyChannels (Channel.AccountID and
	// Channel.To). Absent, or the account of the message answered: the reply answers it on
	// its network. Another: the reply answers the latest message of the discussion on that
	// channel, or is a new message to To when there is none.
	AccountID string              `json:"accountId,omitempty"`
	To        []model.IdentityURI `json:"to,omitempty"`
	// Attachments go with an email reply (inside the encryption when it is encrypted);
	// refused on the other networks.
	Attachments []AttachmentData `json:"attachments,omitempty"`
}

// ReplyResult names the outbox item that carries the reply.
type ReplyResult struct {
	OutboxID string `json:"outboxId"`
}

// DemoPlan is what the demo sandbox offers once its email account is added.
type DemoPlan struct {
	Email    AccountView  `json:"email"`
	Mastodon DemoMastodon `json:"mastodon"`
	X        DemoX        `json:"x"`
	// Key is the demo user's OpenPGP secret key (armored, protected by KeyPassphrase): the
	// sandbox's colleague encrypts to it.
	Key           string `json:"key"`
	KeyPassphrase string `json:"keyPassphrase"`
}

// DemoMastodon is the demo Mastodon account: its instance and handle.
type DemoMastodon struct {
	Instance string `json:"instance"`
	Handle   string `json:"handle"`
}

// DemoX is the demo X developer app and API.
type DemoX struct {
	APIBase      string `json:"apiBase"`
	AuthorizeURL string `json:"authorizeUrl"`
	TokenURL     string `json:"tokenUrl"`
	ClientID     string `json:"clientId"`
	RedirectURI  string `json:"redirectUri"`
	Handle       string `json:"handle"`
	// CAPEM is the sandbox CA the X API's certificate chains to (already trusted for its
	// domain once the demo started).
	CAPEM string `json:"caPem"`
}

// OpenPGP: the user's keys, contacts' keys and the encryption of outgoing mail.
var (
	// KeysQuery follows the user's own keys and the contacts' keys.
	KeysQuery = Query[Empty, KeysView]{"keys.list"}
	// GenerateKey makes a Curve25519 key pair for one of the user's email addresses; its
	// secret half is sealed in the vault.
	GenerateKey = Method[GenerateKeyParams, KeyView]{"keys.generate"}
	// ImportKey reads an armored key: a secret key (unlocked with Passphrase when protected)
	// becomes one of the user's own, public keys become contacts' keys.
	ImportKey = Method[ImportKeyParams, KeysView]{"keys.import"}
	// ExportPublicKey returns a key's public half, armored.
	ExportPublicKey = Method[KeyRef, ArmoredKey]{"keys.exportPublic"}
	// ExportSecretKey returns one of the user's secret keys, armored and protected with the
	// passphrase given (a backup, or another client).
	ExportSecretKey = Method[ExportSecretParams, ArmoredKey]{"keys.exportSecret"}
	// RevocationCertificate returns an armored revocation certificate for one of the user's
	// keys, to keep aside.
	RevocationCertificate = Method[KeyRef, ArmoredKey]{"keys.revocation"}
	// SetKeyVerified marks a contact's key verified (the fingerprint was compared out of
	// band), or unmarks it.
	SetKeyVerified = Method[SetVerifiedParams, Empty]{"keys.setVerified"}
	// PlanReply says, before sending, whether a reply will be encrypted, and why not when not.
	PlanReply = Method[ReplyParams, SendPlan]{"message.plan"}
	// SetPreferEncrypt sets the prefer-encrypt the user's Autocrypt header announces.
	SetPreferEncrypt = Method[PreferEncryptParams, Empty]{"keys.setPreferEncrypt"}
	// MakeSetupMessage makes an Autocrypt Setup Message carrying one of the user's secret
	// keys, encrypted under a new setup code: the code is shown once, the message is sent to
	// the user's own address (unless Send is false) and given back to download.
	MakeSetupMessage = Method[SetupMessageParams, SetupMessage]{"keys.makeSetupMessage"}
	// ImportSetupMessage imports the key of an Autocrypt Setup Message (a received one, by
	// message id, or a downloaded file) with its setup code.
	ImportSetupMessage = Method[ImportSetupParams, KeysView]{"keys.importSetupMessage"}
	// AttachedKeys lists the OpenPGP keys attached to a received message
	// (application/pgp-keys, or an armored key in a .asc file), to offer them for import.
	AttachedKeys = Method[MessageBodyParams, AttachedKeysView]{"keys.attached"}
	// ImportAttachedKey imports a key attached to a received message as its sender's.
	ImportAttachedKey = Method[AttachedKeyRef, KeysView]{"keys.importAttached"}
)

// KeysView lists the keys.
type KeysView struct {
	Own      []KeyView `json:"own"`
	Contacts []KeyView `json:"contacts"`
	// PreferEncrypt is what the user's Autocrypt header announces: "mutual" (encrypt to me
	// when you can) or "nopreference".
	PreferEncrypt string `json:"preferEncrypt,omitempty"`
}

// PreferEncryptParams chooses the Autocrypt prefer-encrypt: mutual or no preference.
type PreferEncryptParams struct {
	Mutual bool `json:"mutual"`
}

// SetupMessageParams names the key an Autocrypt Setup Message carries.
type SetupMessageParams struct {
	Fingerprint string `json:"fingerprint"`
	// Send puts the message in the user's mailbox, sent to their own address through the
	// outbox; otherwise it is only given back.
	Send bool `json:"send"`
}

// SetupMessage is a new Autocrypt Setup Message and the code that opens it. The code is
// not kept anywhere: the UI shows it once.
type SetupMessage struct {
	Code    string `json:"code"`    // 36 digits in nine blocks of four
	Begin   string `json:"begin"`   // its first two digits, which the message shows to check the code
	Message string `json:"message"` // the message (RFC 5322), to download as a .eml file
	Sent    bool   `json:"sent,omitempty"`
}

// ImportSetupParams names a Setup Message (MessageID of a received one, or Message, a
// downloaded one) and its setup code.
type ImportSetupParams struct {
	MessageID string `json:"messageId,omitempty"`
	Message   string `json:"message,omitempty"`
	Code      string `json:"code"`
}

// AttachedKeysView lists the keys attached to a message.
type AttachedKeysView struct {
	Sender string        `json:"sender"` // the sender's address, whose contact the keys would go to
	Keys   []AttachedKey `json:"keys"`
}

// AttachedKey is one key found in an attachment.
type AttachedKey struct {
	AttachmentID string   `json:"attachmentId"`
	Name         string   `json:"name"` // the attachment's file name
	Fingerprint  string   `json:"fingerprint"`
	Display      string   `json:"display"`
	Addresses    []string `json:"addresses"` // the addresses its user ids name
	// ForSender is true when the key names the sender's address: it is imported as theirs;
	// else for the addresses it names.
	ForSender bool `json:"forSender,omitempty"`
	Known     bool `json:"known,omitempty"` // already held for those addresses
	// Problem says why it cannot be used now (revoked, expired), ProblemCode names it.
	Problem     string `json:"problem,omitempty"`
	ProblemCode string `json:"problemCode,omitempty"`
}

// AttachedKeyRef names a key attached to a message.
type AttachedKeyRef struct {
	MessageID    string `json:"messageId"`
	AttachmentID string `json:"attachmentId"`
	Fingerprint  string `json:"fingerprint"`
}

// KeyView is one key as the UI shows it.
type KeyView struct {
	Fingerprint string `json:"fingerprint"` // lower-case hex
	Display     string `json:"display"`     // grouped in blocks of four, as GnuPG shows it
	Address     string `json:"address"`
	// Source is "own" for the user's keys, else where the key came from: "autocrypt",
	// "wkd", "import" or "attachment".
	Source   string `json:"source"`
	Verified bool   `json:"verified,omitempty"`
	// Locked is true for an own key whose secret half is sealed in the locked vault.
	Locked bool `json:"locked,omitempty"`
	// Auto is true for an own key Caliopen made by itself when the user first sent mail
	// from that address (Autocrypt: every mail carries the sender's key).
	Auto bool `json:"auto,omitempty"`
	// Problem says why the key cannot be used now (revoked, expired), or is empty;
	// ProblemCode names it for translations: revoked, expired or cannot-encrypt.
	Problem     string    `json:"problem,omitempty"`
	ProblemCode string    `json:"problemCode,omitempty"`
	AddedAt     time.Time `json:"addedAt,omitzero"`
}

// GenerateKeyParams names the address (one of the user's email accounts) and the name on
// the key.
type GenerateKeyParams struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

// ImportKeyParams carries an armored key and, for a protected secret key, its passphrase.
type ImportKeyParams struct {
	Armored    string `json:"armored"`
	Passphrase string `json:"passphrase,omitempty"`
}

// KeyRef names a key by fingerprint.
type KeyRef struct {
	Fingerprint string `json:"fingerprint"`
}

// ExportSecretParams names a key and the passphrase that protects the export.
type ExportSecretParams struct {
	Fingerprint string `json:"fingerprint"`
	Passphrase  string `json:"passphrase"`
}

// ArmoredKey is an armored key or certificate.
type ArmoredKey struct {
	Armored string `json:"armored"`
}

// SetVerifiedParams marks a contact's key.
type SetVerifiedParams struct {
	Address     string `json:"address"`
	Fingerprint string `json:"fingerprint"`
	Verified    bool   `json:"verified"`
}

// SendPlan says how a message will be sent.
type SendPlan struct {
	Encrypt    bool `json:"encrypt"`    // the default: encrypted unless the user turns it off
	CanEncrypt bool `json:"canEncrypt"` // every recipient (and the sender) has a usable key
	// Reason is one sentence for the composer; ReasonCode names it for translations:
	// no-recipient, missing-keys (Missing names them), revoked-keys or expired-keys
	// (Revoked or Expired name whose key; NoKey those without any), autocrypt, chosen-keys,
	// discouraged, available, no-own-key (no key for Sender), own-key-revoked or
	// own-key-expired (the user's key for Sender), or not-email.
	Reason     string `json:"reason"`
	ReasonCode string `json:"reasonCode,omitempty"`
	Sender     string `json:"sender,omitempty"` // the address the message goes out from
	// Missing are the recipients without a usable key: those whose key was revoked or has
	// expired, and those without any (NoKey).
	Missing []string `json:"missing,omitempty"`
	Revoked []string `json:"revoked,omitempty"`
	Expired []string `json:"expired,omitempty"`
	NoKey   []string `json:"noKey,omitempty"`
	// Recipients are the addresses the message goes to, each with the key it would be
	// encrypted to (empty when none).
	Recipients []PlanRecipient `json:"recipients"`
	// Recommendation is Autocrypt's advice: disable, discourage, available or encrypt.
	Recommendation string `json:"recommendation"`
}

// PlanRecipient is one recipient of a planned message.
type PlanRecipient struct {
	Address     string `json:"address"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Device sync (wasm/app/sync.go): one sync space per person, joined by each of their devices.
var (
	// SyncCreate creates this person's sync space and returns its recovery phrase and pairing
	// code (SyncSecretAgain shows them again, behind the passphrase).
	SyncCreate = Method[Empty, SyncSecret]{"sync.create"}
	// SyncJoin joins an existing space with its recovery phrase or pairing code.
	SyncJoin = Method[SyncJoinParams, Empty]{"sync.join"}
	// SyncSecretAgain shows the space's recovery phrase and pairing code again (to pair one
	// more device), once the vault's passphrase is given again.
	SyncSecretAgain = Method[PassphraseParams, SyncSecret]{"sync.secret"}
	// SyncQuery follows the state of sync.
	SyncQuery = Query[Empty, SyncView]{"sync.status"}
)

func init() { All = append(All, SyncCreate, SyncJoin, SyncSecretAgain, SyncQuery) }

// SyncSecret is a space key as the person writes it down or scans it.
type SyncSecret struct {
	Phrase      string `json:"phrase"`      // 24 words
	PairingCode string `json:"pairingCode"` // one string for a QR code or copy and paste
}

// SyncJoinParams carries a recovery phrase or a pairing code.
type SyncJoinParams struct {
	Secret string `json:"secret"`
}

// SyncView is what the settings show of sync.
type SyncView struct {
	Enabled  bool   `json:"enabled"` // this device belongs to a space
	Device   string `json:"device,omitempty"`
	State    string `json:"state"` // off, waiting (vault locked, no relay, not the leader tab), offline, connecting, connected
	Pending  int    `json:"pending"`
	CaughtUp bool   `json:"caughtUp"`
	// Behind counts the batches the relay holds that this device has not received yet
	// (known once connected).
	Behind    int    `json:"behind,omitempty"`
	LastError string `json:"lastError,omitempty"`
	ErrorCode int    `json:"errorCode,omitempty"`
	// Problem is what this device could not carry or apply at the last try, by code:
	// sync_too_large (a change too large to travel, named by ProblemDetail),
	// sync_local_failed, sync_apply_failed, sync_accounts_failed (ProblemDetail: the error).
	Problem       string `json:"problem,omitempty"`
	ProblemDetail string `json:"problemDetail,omitempty"`
}

// Contacts (wasm/app/contacts.go): the people behind identities, why the core thinks some
// identities are one person, and the user's say on it. Contacts change when a merge or a
// split is made (here or on another device): the UI follows a contact by one of its
// identities, which stays with it.
var (
	// ContactsQuery follows one page of the contacts, by name, optionally only those whose
	// name, address or handle contains Text.
	ContactsQuery = Query[ContactsArgs, ContactsPage]{"contacts.list"}
	// ContactQuery follows one contact: its identities with their profiles, the evidence
	// that links them, and the OpenPGP keys known for its addresses.
	ContactQuery = Query[ContactArgs, ContactView]{"contacts.get"}
	// SuggestionsQuery follows the pending merge suggestions: contacts the core thinks may
	// be one person, with the evidence, for the user to accept or dismiss.
	SuggestionsQuery = Query[Empty, SuggestionsView]{"contacts.suggestions"}
	// AcceptSuggestion merges the contacts of a suggestion; their discussions become one.
	AcceptSuggestion = Method[SuggestionRef, ContactRef]{"contacts.accept"}
	// DismissSuggestion refuses a suggestion, on every device: the same evidence will not
	// propose it again.
	DismissSuggestion = Method[SuggestionRef, Empty]{"contacts.dismiss"}
	// MergeContacts makes contacts one person because the user says so.
	MergeContacts = Method[MergeParams, ContactRef]{"contacts.merge"}
)

func init() {
	All = append(All, ContactsQuery, ContactQuery, SuggestionsQuery, AcceptSuggestion, DismissSuggestion, MergeContacts)
}

// ContactsArgs selects a page of contacts.
type ContactsArgs struct {
	Text  string `json:"text,omitempty"`
	After string `json:"after,omitempty"` // the Next of the previous page, with the same Text
	Limit int    `json:"limit,omitempty"`
}

// ContactsPage is one page of contacts.
type ContactsPage struct {
	Items []ContactItem `json:"items"`
	Next  string        `json:"next,omitempty"`
	Total int           `json:"total"` // the contacts Text keeps
}

// ContactItem is one contact of the list.
type ContactItem struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Networks   []model.Network `json:"networks"`
	Identities []IdentityView  `json:"identities"`
}

// IdentityView is one identity of a contact: its address on a network and what the network
// says of it.
type IdentityView struct {
	URI         model.IdentityURI `json:"uri"`
	Network     model.Network     `json:"network"`
	Address     string            `json:"address"` // as the network writes it: alice@example.org, @alice@mamot.fr, @alice (X)
	DisplayName string            `json:"displayName,omitempty"`
	AvatarURL   string            `json:"avatarUrl,omitempty"`
	Profile     *model.Profile    `json:"profile,omitempty"` // in a contact's detail only
}

// ContactArgs names a contact by one of its identities (which survives merges and splits),
// or by its id.
type ContactArgs struct {
	Identity model.IdentityURI `json:"identity,omitempty"`
	ID       string            `json:"id,omitempty"`
}

// ContactView is one contact in detail.
type ContactView struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Networks   []model.Network `json:"networks"`
	Identities []IdentityView  `json:"identities"`
	// Evidence is why these identities are one person, strongest first.
	Evidence []EvidenceView `json:"evidence"`
	// Keys are the OpenPGP keys known for its email addresses.
	Keys []KeyView `json:"keys"`
}

// EvidenceView is one piece of link evidence: its kind (openpgp-key, openpgp-user-ids,
// mastodon-verified-link, vcard, user, two-way-claim, one-way-claim, name-avatar,
// signature-handle), its strength (weak, medium, strong), the identities it links, the
// facts observed, and an English sentence (the UI words each kind in its own language).
type EvidenceView struct {
	Kind        string              `json:"kind"`
	Strength    string              `json:"strength"`
	Explanation string              `json:"explanation"`
	Identities  []model.IdentityURI `json:"identities"`
	Facts       []EvidenceFact      `json:"facts"`
}

// EvidenceFact is one fact observed (a verified profile field, a signature, a fingerprint),
// about one identity when Identity is set.
type EvidenceFact struct {
	Identity model.IdentityURI `json:"identity,omitempty"`
	Name     string            `json:"name"`
	Value    string            `json:"value"`
}

// SuggestionsView lists the pending merge suggestions, strongest first.
type SuggestionsView struct {
	Items []SuggestionView `json:"items"`
}

// SuggestionView asks whether contacts are one person, with every piece of evidence found.
type SuggestionView struct {
	ID       string         `json:"id"`
	Contacts []ContactItem  `json:"contacts"`
	Evidence []EvidenceView `json:"evidence"`
	Strength string         `json:"strength"` // the strongest evidence's
}

// SuggestionRef names a suggestion.
type SuggestionRef struct {
	ID string `json:"id"`
}

// MergeParams names the contacts to merge (two or more).
type MergeParams struct {
	Contacts []string `json:"contacts"`
}

// ContactRef names a contact and one of its identities (to follow it with ContactQuery).
type ContactRef struct {
	ID       string            `json:"id"`
	Identity model.IdentityURI `json:"identity"`
}
