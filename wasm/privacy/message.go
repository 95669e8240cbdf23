package privacy

import (
	"slices"

	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

// Points of each message factor. They add up to 100.
const (
	PointsEncrypted     = 35
	PointsSigned        = 15
	PointsHops          = 15 // PointsEntryHop + PointsEarlierHops
	PointsEntryHop      = 10
	PointsEarlierHops   = 5
	PointsOwnLink       = 5
	PointsSenderAuth    = 10 // DKIM 5, DMARC 3, SPF 2
	PointsKnownSender   = 5
	PointsKeys          = 10
	PointsRemoteContent = 5
)

// Message factor ids.
const (
	FactorEncrypted     = "encrypted"
	FactorSigned        = "signed"
	FactorHops          = "hops-tls"
	FactorOwnLink       = "own-link"
	FactorSenderAuth    = "sender-auth"
	FactorKnownSender   = "known-sender"
	FactorKeys          = "keys"
	FactorRemoteContent = "remote-content"
)

// Link is the user's own connection to the server that gave the message: IMAP for mail,
// HTTPS for the Mastodon and X APIs.
type Link struct {
	TLS     bool   `json:"tls"`
	Version string `json:"version,omitempty"` // "TLSv1.3", "TLS 1.2"...
}

// MessageInput is everything a message's index is computed from. Nothing else is read:
// calling MessageIndex again with changed inputs is how the index is kept fresh.
type MessageInput struct {
	Message model.Message // Network, Participants, Outgoing, Security (verified by the crypto layer)
	// Own are the user's own identities (all accounts).
	Own []model.IdentityURI
	// Mail facts, from mail.Parse (empty for direct messages).
	Hops []mail.Hop
	Auth []mail.AuthResult
	// AuthBelowEntry are results found below the Received header the user's server wrote
	// (FromRaw fills it): written before the message reached that server, never believed.
	AuthBelowEntry []mail.AuthResult
	HTML           mail.HTMLReport
	// RemoteAllowed is true when the user chose to load this message's remote content.
	RemoteAllowed bool
	// Link is the account's connection to its server when the message was fetched.
	Link Link
	// TrustedAuthServIDs are the authserv-ids of the account's own receiving server: only
	// Authentication-Results carrying one of them are believed.
	TrustedAuthServIDs []string
}

// FromParsed fills the mail facts of an input from a parsed message.
func FromParsed(p *mail.Parsed) MessageInput {
	return MessageInput{Message: p.Message, Hops: p.Hops, Auth: p.Auth, HTML: p.HTML}
}

// MessageIndex computes a message's privacy index.
func MessageIndex(in MessageInput, people People) Index {
	ctx := newMessageContext(in, people)
	factors := []Factor{
		encryptedFactor(ctx),
		signedFactor(ctx),
		hopsFactor(ctx),
		ownLinkFactor(ctx),
		senderAuthFactor(ctx),
		knownSenderFactor(ctx),
		keysFactor(ctx),
		remoteContentFactor(ctx),
	}
	return finish(factors, exposureCap(ctx))
}

// messageContext is the input with the people resolved once.
type messageContext struct {
	in     MessageInput
	people People
	others []model.IdentityURI // participants other than the user
	from   model.IdentityURI
	sender Person
}

func newMessageContext(in MessageInput, people People) messageContext {
	if people == nil {
		people = PeopleMap(nil)
	}
	own := func(u model.IdentityURI) bool { return slices.Contains(in.Own, u) }
	c := messageContext{in: in, people: people, others: others(in.Message, own), from: in.Message.From()}
	c.sender = people.Person(c.from)
	return c
}

func (c messageContext) network() model.Network { return c.in.Message.Network }

func (c messageContext) outgoing() bool { return c.in.Message.Outgoing }

// correspondent names the people the message is with, for sentences.
func (c messageContext) correspondent() string {
	if !c.outgoing() && c.from != "" {
		return displayName(c.sender, c.from)
	}
	if len(c.others) == 1 {
		return displayName(c.people.Person(c.others[0]), c.others[0])
	}
	return "your correspondents"
}

// bestKey is the best key state over an identity and its contact's other identities: a
// Mastodon handle has no key, but its owner's email address may.
func bestKey(people People, u model.IdentityURI) (KeyState, model.IdentityURI) {
	p := people.Person(u)
	best, at := p.Key, u
	for _, o := range p.Others {
		if k := people.Person(o).Key; k > best && o.Network() == model.Email {
			best, at = k, o
		}
	}
	return best, at
}
