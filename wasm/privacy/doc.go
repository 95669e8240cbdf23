// Package privacy computes the privacy index: for each message, contact, discussion and for
// the user, a score from 0 to 100, a grade from A to E, and the named factors behind it.
// Each factor has an id, the points it earned out of the points it can earn, the evidence
// (plain words and the facts) and, exactly when it is not fully earned, the advice that
// would raise it. Every sentence also has a stable code and parameters, for translations.
//
// # Facts, never appearances
//
// Factors count verified facts only: a message is encrypted when the crypto layer really
// decrypted it (model.Security.Encrypted), signed when a signature really verified. Sender
// authentication (DKIM, DMARC, SPF) is read only from Authentication-Results carrying the
// authserv-id of the user's own receiving server (RFC 8601): anyone on the way, the sender
// included, can write that header, so results under any other authserv-id are ignored and
// the evidence says so. FromRaw also ignores results placed below the Received header the
// user's server wrote on taking the message in, even when they name the user's server:
// they came with the message.
//
// # Message factors (100 points)
//
//	encrypted       35  end-to-end encrypted with OpenPGP and decrypted here
//	signed          15  good signature by a key known for the sender 15; good signature by
//	                    another key 7; none or uncheckable 0; a bad signature −15
//	hops-tls        15  email: TLS on the hop into the user's server (10, recorded by that
//	                    server) and on every earlier hop (5, as the sender's servers recorded
//	                    them); hops inside one machine (LMTP, loopback) never count against.
//	                    Mastodon: 15 within one instance, 10 across instances (HTTPS between
//	                    instances, which we cannot see). X: 15 (it never leaves X).
//	own-link         5  the account's own connection (IMAP, API) used TLS 1.2 or later
//	                    (2 for TLS 1.0/1.1)
//	sender-auth     10  DKIM pass 5, DMARC pass 3, SPF pass 2, from the user's own server;
//	                    a direct message's network authenticates the account: 10
//	known-sender     5  the author (of an outgoing message: every recipient) is a known contact
//	keys            10  an OpenPGP key known for every other participant, on any of their
//	                    identities: verified counts 1, known 0.6, none 0 (rounded down)
//	remote-content   5  no remote content, or it stayed blocked; loaded without trackers 2;
//	                    loaded with trackers 0
//
// The score is the points earned over the points possible, as a percentage, clamped to
// 0–100. An encrypted, signed mail from a known contact with a verified key, over TLS,
// with DKIM and DMARC passing scores 98 or more: an A.
//
// # Caps: what a network exposes
//
// A direct message never rates above its network's exposure, whatever it earns:
//
//	Mastodon DM, one instance      38  readable by that instance's admins
//	Mastodon DM, two instances     33  readable by the admins of both
//	X DM                           15  readable by X
//
// The cap carries the advice that names a better channel ("Alice has an OpenPGP key:
// reply by email to encrypt").
//
// # Grades
//
// A from 80, B from 60, C from 40, D from 20, E below.
//
// # Contacts (100 points)
//
//	contact-keys      40  their key verified 40, known 24, none 0
//	contact-channels  30  30 × the rank of the best channel the user can reach them on / 100
//	contact-history   30  30 × the share of their messages that came encrypted; worth
//	                      0 points (not counted) until they have written
//
// # Discussions (100 points)
//
//	discussion-messages      70  over the 10 latest messages, 70 × (weakest + mean) / 200:
//	                             one message in clear drags the discussion down at once
//	discussion-participants  30  30 × the weakest participant's contact score / 100
//
// A discussion never rates above its best recent message (cap).
//
// # The user (100 points)
//
//	user-links     20  share of the user's accounts connecting with TLS 1.2 or later
//	user-own-key   20  the user has an OpenPGP key
//	user-contacts  60  60 × the mean contact score / 100
//
// UserIndex also ranks the actions that would raise the user's score most: each advice of
// a user factor gains that factor's missing points; each advice of a contact gains its
// factor's missing share of the contact's score, weighted by user-contacts and divided
// among all contacts. The same advice from several factors adds up.
//
// # Reply channels
//
// Ranker implements discussions.PrivacyRanker: email with both keys known (100 verified,
// 85 not yet verified) > email over TLS (40) > a Mastodon DM on the user's own instance
// (38) > a Mastodon DM across instances (33) > an X DM (15). A direct message ranks at its
// network's cap; email to a key ranks as the end-to-end encryption it allows; plain email
// ranks just above a DM on the user's own instance: it carries the sender's DKIM proof and
// can turn encrypted as soon as keys are exchanged (Autocrypt), which a DM never can.
//
// # Using it
//
//	in, err := privacy.FromRaw(raw)              // or FromParsed(parsed)
//	in.Own, in.Link = ownIdentities, imapLink     // the account's facts
//	in.TrustedAuthServIDs = []string{"mx.example.net"}
//	in.Message.Security = verified                // from the OpenPGP layer
//	people := privacy.BookPeople{Book: book, Keys: keys, Known: known}
//	msg := privacy.MessageIndex(in, people)
//	ranker := privacy.Ranker{People: people, Accounts: accounts, OwnKey: hasKey}
//	contact := privacy.ContactIndex(privacy.ContactInput{Contact: c, Messages: theirs, Ranker: ranker})
//	din, _ := privacy.DiscussionInputOf(index, key, messageIndexOf, personIndexOf)
//	summary.Privacy = privacy.Summary(privacy.DiscussionIndex(din))
//	report := privacy.UserIndex(privacy.UserInput{Accounts: links, OwnKey: hasKey, Contacts: all})
//	choice, _ := index.ReplyChannel(discussions.ReplyRequest{…, Ranker: ranker}, book)
//
// # Recomputing
//
// Every function is pure: MessageIndex, ContactIndex, DiscussionIndex and UserIndex read
// only their inputs, so keeping an index fresh is calling again. Recompute
//
//   - a message's index when its Security changes (decrypted, signature verified), when a
//     key of a participant is learned or verified, when contacts are merged or split or a
//     correspondent becomes known, when the user allows remote content, and when the
//     account's trusted authserv-ids change;
//   - a contact's index when one of their keys, identities or messages changes, or the
//     user's accounts or own key change;
//   - a discussion's index when one of its recent messages' or participants' index changes,
//     or the discussion is re-keyed by a merge or a split;
//   - the user's index when any account, the own key or a contact's index changes.
//
// Index.Version is the algorithm's Version: stored indexes from another version are
// recomputed.
package privacy
