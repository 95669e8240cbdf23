// Package identity turns the addresses networks and headers give us into the normalised
// identity URIs of the model (model.IdentityURI), one rule per network:
//
//	email:alice@example.org     local part NFC + lower-cased, domain in IDNA ASCII form
//	mastodon:alice@mamot.fr     acct with its host; a local acct gets the instance host
//	x:1234567890                the numeric user id; the handle is kept for display
//	list:dev.lists.example.org  a mailing list, from its List-Id
//
// A Mastodon acct's host is the WebFinger domain, which may differ from the host of the
// account's profile URL (a server at social.example serving @user@example.org): when both
// are known, normalise the acct, and keep the actor URI in model.Identity.AccountURI.
//
// Every function takes untrusted input and returns an error instead of a URI it is unsure of.
package identity
