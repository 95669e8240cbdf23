// Package model is the common vocabulary of the core: the accounts, identities, contacts and
// messages that every network connector produces and every other package (storage, discussions,
// privacy index, sync, the UI API) works on. It holds plain data types and their invariants only;
// it builds and tests natively and in WebAssembly.
package model

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Network names one messaging network. New networks add a constant; nothing else in the
// core switches on a closed list except where a network's rules really differ.
type Network string

const (
	Email    Network = "email"
	Mastodon Network = "mastodon"
	X        Network = "x"
	// List is not a network one sends on: it names the pseudo-identity of a mailing list
	// (from its List-Id), so that list traffic forms one discussion.
	List Network = "list"
)

// IdentityURI is one address on one network in normalised form:
//
//	email:alice@example.org      (lower-cased)
//	mastodon:alice@mamot.fr      (acct with host, lower-cased)
//	x:1234567890                 (the numeric user id; the handle is kept apart for display)
//	list:<list-id>               (a mailing list, a pseudo-participant)
type IdentityURI string

// NewIdentityURI builds the normalised URI of an address on a network.
func NewIdentityURI(n Network, address string) IdentityURI {
	a := strings.TrimSpace(address)
	switch n {
	case Email, Mastodon:
		a = strings.ToLower(strings.TrimPrefix(a, "@"))
	}
	return IdentityURI(string(n) + ":" + a)
}

// Network returns the network part of the URI.
func (u IdentityURI) Network() Network {
	n, _, _ := strings.Cut(string(u), ":")
	return Network(n)
}

// Address returns the address part of the URI (after the first colon).
func (u IdentityURI) Address() string {
	_, a, _ := strings.Cut(string(u), ":")
	return a
}

// Identity is what the core knows of one address on one network.
type Identity struct {
	URI         IdentityURI `json:"uri"`
	DisplayName string      `json:"displayName,omitempty"`
	// Handle is how people write the address: "@Tapioca42" on X, "@Tapioca@mamot.fr" on
	// Mastodon. Display only; never a key.
	Handle string `json:"handle,omitempty"`
	// AccountURI is a network's stable account id where it differs from the address
	// (Mastodon's ActivityPub actor URI).
	AccountURI string `json:"accountUri,omitempty"`
	AvatarURL  string `json:"avatarUrl,omitempty"`
	// AvatarSHA256 is the hex SHA-256 of the avatar image bytes, when fetched: the same
	// picture on two networks has two URLs but one hash.
	AvatarSHA256 string    `json:"avatarSha256,omitempty"`
	Own          bool      `json:"own,omitempty"` // one of the user's own identities
	Profile      *Profile  `json:"profile,omitempty"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// PictureURL is the address of the identity's profile picture, or "" when it has none of
// its own: Mastodon gives every account without one the same placeholder
// (/avatars/original/missing.png), which says nothing about the person.
func (id Identity) PictureURL() string {
	if strings.HasSuffix(id.AvatarURL, "/avatars/original/missing.png") {
		return ""
	}
	return id.AvatarURL
}

// Profile holds the public facts a network gives about an identity that can link it to others.
type Profile struct {
	Note   string         `json:"note,omitempty"`   // bio / note, as plain text
	URLs   []string       `json:"urls,omitempty"`   // expanded profile links
	Fields []ProfileField `json:"fields,omitempty"` // Mastodon profile fields
	// Signature is, for an email address, the signature block of its latest mail that names
	// accounts on other networks (a weak link the user may confirm).
	Signature string `json:"signature,omitempty"`
}

// ProfileField is one Mastodon profile field; VerifiedAt is set when the server verified the link.
type ProfileField struct {
	Name       string    `json:"name"`
	Value      string    `json:"value"` // plain text; links extracted into URL
	URL        string    `json:"url,omitempty"`
	VerifiedAt time.Time `json:"verifiedAt,omitzero"`
}

// Account is one of the user's accounts on a network. Its secrets (passwords, tokens) live in the
// vault under SecretRef, never here.
type Account struct {
	ID        string      `json:"id"`
	Network   Network     `json:"network"`
	Identity  IdentityURI `json:"identity"`
	Label     string      `json:"label,omitempty"`
	SecretRef string      `json:"secretRef,omitempty"`
	// Settings are the network-specific connection settings (server names, ports, instance URL).
	Settings  map[string]string `json:"settings,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
}

// Role is the part a participant plays in a message.
type Role string

const (
	RoleFrom    Role = "from"
	RoleTo      Role = "to"
	RoleCc      Role = "cc"
	RoleBcc     Role = "bcc"
	RoleReplyTo Role = "reply-to"
	RoleList    Role = "list"
)

// Participant is an identity as it appears in one message.
type Participant struct {
	URI  IdentityURI `json:"uri"`
	Role Role        `json:"role"`
	Name string      `json:"name,omitempty"` // the display name the message gave
}

// Flags are the per-message states that networks and the user can change.
type Flags struct {
	Seen     bool `json:"seen,omitempty"`
	Flagged  bool `json:"flagged,omitempty"`
	Answered bool `json:"answered,omitempty"`
	Deleted  bool `json:"deleted,omitempty"`
	Draft    bool `json:"draft,omitempty"`
}

// Box is where a message is filed for the user. An email's box is the role of its IMAP folder
// (Gmail's All Mail is the archive); a direct message's is the user's choice, kept on this
// device (and the user's other devices) since its network has no such notion.
type Box string

const (
	BoxInbox   Box = ""        // the inbox, and every folder without a special role
	BoxSent    Box = "sent"    // the user's sent mail
	BoxArchive Box = "archive" // filed away: out of the inbox, still in its discussion
	BoxTrash   Box = "trash"
	BoxJunk    Box = "junk"
	BoxDrafts  Box = "drafts" // unsent drafts on the server (the app keeps its own apart)
)

// Hidden reports whether messages in the box stay out of discussions (trash, junk, drafts).
func (b Box) Hidden() bool { return b == BoxTrash || b == BoxJunk || b == BoxDrafts }

// Message is the metadata of one message on any network. Bodies are stored apart (Body) so that
// lists never load them.
type Message struct {
	ID        string  `json:"id"` // local id, stable: see MessageID
	AccountID string  `json:"accountId"`
	Network   Network `json:"network"`
	// RemoteID identifies the message on its network: the status id on Mastodon, the
	// dm_event id on X, "<mailbox>/<uidvalidity>/<uid>" on IMAP.
	RemoteID string `json:"remoteId"`
	// ConversationID is the network's own conversation id where it has one (Mastodon
	// conversation, X dm_conversation_id).
	ConversationID string        `json:"conversationId,omitempty"`
	Folder         string        `json:"folder,omitempty"` // IMAP mailbox
	Box            Box           `json:"box,omitempty"`
	Participants   []Participant `json:"participants"`
	Subject        string        `json:"subject,omitempty"`
	Snippet        string        `json:"snippet,omitempty"`
	Date           time.Time     `json:"date"`
	Flags          Flags         `json:"flags"`
	Outgoing       bool          `json:"outgoing,omitempty"` // written by the user
	// Email threading and list headers.
	MessageID  string   `json:"messageId,omitempty"`
	InReplyTo  []string `json:"inReplyTo,omitempty"`
	References []string `json:"references,omitempty"`
	ListID     string   `json:"listId,omitempty"`
	// InReplyToRemote is the parent's RemoteID on networks that reply by id (Mastodon).
	InReplyToRemote string `json:"inReplyToRemote,omitempty"`

	HasAttachments bool     `json:"hasAttachments,omitempty"`
	Security       Security `json:"security"`
	Size           int64    `json:"size,omitempty"`
	// Mail holds the transport facts of an email (nil for direct messages).
	Mail       *MailFacts `json:"mail,omitempty"`
	ReceivedAt time.Time  `json:"receivedAt"`
	EditedAt   time.Time  `json:"editedAt,omitzero"`
	// ContentWarning is the warning the author put before the text (Mastodon's spoiler_text):
	// the text stays hidden until the reader chooses to see it, and Snippet is empty.
	ContentWarning string `json:"contentWarning,omitempty"`
	// Sensitive says the author marked the media as sensitive: hidden until the reader asks.
	Sensitive bool `json:"sensitive,omitempty"`
}

// From returns the message's author, or "" when it has none.
func (m *Message) From() IdentityURI {
	for _, p := range m.Participants {
		if p.Role == RoleFrom {
			return p.URI
		}
	}
	return ""
}

// MessageID builds the local id of a message from its account and its remote id.
func MessageID(accountID, remoteID string) string {
	return fmt.Sprintf("%s|%s", accountID, remoteID)
}

// SignatureState is the verified state of a message's signature.
type SignatureState string

const (
	SigNone        SignatureState = ""             // not signed
	SigGoodKnown   SignatureState = "good-known"   // good, from a key known for the sender
	SigGoodUnknown SignatureState = "good-unknown" // good, from a key not known for the sender
	SigBad         SignatureState = "bad"          // signature does not verify
	SigError       SignatureState = "error"        // could not be checked (missing key, damaged)
)

// Security records verified facts about a message's protection, filled by the parser and the
// crypto layer and read by the privacy index.
type Security struct {
	Encrypted   bool           `json:"encrypted,omitempty"` // really decrypted by us
	Signature   SignatureState `json:"signature,omitempty"`
	SignerKeyID string         `json:"signerKeyId,omitempty"`
	// Notes explain what could not be decrypted or verified, and what the message claims but
	// does not prove; Note is their English text, joined (for logs and older readers).
	Notes []SecurityNote `json:"notes,omitempty"`
	Note  string         `json:"note,omitempty"`
	// ClaimedFrom is the sender address the protected headers inside claimed when no valid
	// signature by a key held for that address covers them: the message is shown as from
	// its outer From, and this says who it pretends to be.
	ClaimedFrom string `json:"claimedFrom,omitempty"`
	// SetupMessage is true for an Autocrypt Setup Message the user sent themselves: it
	// carries one of their secret keys, imported with its setup code (its raw form is kept
	// for that).
	SetupMessage bool `json:"setupMessage,omitempty"`
	// Undecrypted is true for an encrypted message not decrypted yet (no key of the user's
	// opened it, or the keys were locked): its raw form is kept to try again when a key
	// comes.
	Undecrypted bool `json:"undecrypted,omitempty"`
}

// SecurityNote is one sentence about a message's protection: a stable code and its
// parameters for translations, and the English text.
type SecurityNote struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
	Text   string            `json:"text"`
}

// AddNote adds a note.
func (s *Security) AddNote(n SecurityNote) {
	s.Notes = append(s.Notes, n)
	s.joinNotes()
}

// DropNote removes the notes with code.
func (s *Security) DropNote(code string) {
	kept := s.Notes[:0]
	for _, n := range s.Notes {
		if n.Code != code {
			kept = append(kept, n)
		}
	}
	s.Notes = kept
	if len(s.Notes) == 0 {
		s.Notes = nil
	}
	s.joinNotes()
}

func (s *Security) joinNotes() {
	texts := make([]string, len(s.Notes))
	for i, n := range s.Notes {
		texts[i] = n.Text
	}
	s.Note = strings.Join(texts, " ")
}

// Body is the content of a message, stored apart from its metadata.
type Body struct {
	MessageID   string       `json:"messageId"`
	Text        string       `json:"text,omitempty"`
	HTML        string       `json:"html,omitempty"` // already sanitised
	Attachments []Attachment `json:"attachments,omitempty"`
	// Notes explain what could not be shown (a broken part, an unknown charset).
	Notes []BodyNote `json:"notes,omitempty"`
}

// Pairs makes a coded note's parameters from name, value pairs (nil for none).
func Pairs(nameValues ...string) map[string]string {
	if len(nameValues) < 2 {
		return nil
	}
	m := make(map[string]string, len(nameValues)/2)
	for i := 0; i+1 < len(nameValues); i += 2 {
		m[nameValues[i]] = nameValues[i+1]
	}
	return m
}

// BodyNote is one sentence about what of a message's content could not be shown: a stable
// code and its parameters for the UI's translations (wasm/mail lists the codes), and the
// English text.
type BodyNote struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
	Text   string            `json:"text"`
}

// UnmarshalJSON also reads a note kept before notes had codes: its English text alone.
func (n *BodyNote) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*n = BodyNote{}
		return json.Unmarshal(b, &n.Text)
	}
	type plain BodyNote
	return json.Unmarshal(b, (*plain)(n))
}

// Attachment describes one attachment; its bytes are a blob fetched lazily.
type Attachment struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	Fetched     bool   `json:"fetched,omitempty"`
	// ContentID is an email part's Content-ID (without angle brackets): its HTML may show it
	// inline as a cid: image.
	ContentID string `json:"contentId,omitempty"`
	// Description is the alt text the author gave (Mastodon's description, X's alt_text).
	Description string `json:"description,omitempty"`
	// Unavailable names why the bytes cannot be fetched at all, for the UI to say so
	// (AttachmentNeedsOAuth1); empty when they can.
	Unavailable string `json:"unavailable,omitempty"`
}

// AttachmentNeedsOAuth1: X serves the media of direct messages only to requests signed with
// OAuth 1.0a (its documentation on media in direct messages), and the X sign-in is OAuth 2.0.
const AttachmentNeedsOAuth1 = "x-oauth1-only"

// Contact is a person: a set of identities the user (or strong evidence) says are one.
type Contact struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Identities []IdentityURI `json:"identities"`
	UpdatedAt  time.Time     `json:"updatedAt"`
}

// MailFacts are what an email's headers and content say about how exposed it was, kept with
// the message so its privacy index can be computed again when other facts change.
type MailFacts struct {
	Hops []Hop        `json:"hops,omitempty"` // Received headers, newest first
	Auth []AuthResult `json:"auth,omitempty"` // every Authentication-Results result, top first
	// RemoteBlocked and Trackers count the remote loads held back and the tracking pixels found.
	RemoteBlocked int      `json:"remoteBlocked,omitempty"`
	Trackers      int      `json:"trackers,omitempty"`
	TrackerHosts  []string `json:"trackerHosts,omitempty"`
	// RemoteAllowed is the user's choice to load this message's remote content.
	RemoteAllowed bool `json:"remoteAllowed,omitempty"`
}

// Hop is what a Received header says about one step of a message's way.
type Hop struct {
	From string `json:"from,omitempty"` // the sending host as the receiver recorded it
	By   string `json:"by,omitempty"`   // the receiving host
	// TLS is true when the hop recorded an encrypted connection (a TLS version or cipher,
	// ESMTPS/ESMTPSA/LMTPS/UTF8SMTPS, "with TLS").
	TLS        bool   `json:"tls"`
	TLSVersion string `json:"tlsVersion,omitempty"`
	Cipher     string `json:"cipher,omitempty"`
	// Local is true for hops inside one machine (LMTP delivery, loopback, "local").
	Local bool `json:"local,omitempty"`
}

// AuthResult is one method's result from an Authentication-Results header (RFC 8601).
type AuthResult struct {
	AuthServID string `json:"authServId"` // who checked: the receiving server's id
	Method     string `json:"method"`     // dkim, spf, dmarc, arc...
	Result     string `json:"result"`     // pass, fail, none, neutral, policy, temperror, permerror, softfail
	Props      string `json:"props,omitempty"`
}
