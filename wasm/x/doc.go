// Package x is Caliopen's connector for X (Twitter) direct messages through the X API v2.
//
// It signs in with OAuth 2.0 authorization code + PKCE using the user's own developer app
// (SignIn, Exchange, Tokens), syncs DM events into the store (Syncer, Poller), looks up
// users for handles and profile facts (Client.Users, ProfileOf), and sends one-to-one and
// group messages through the durable outbox (OutboxHandler, EnqueueText).
//
// X's API sends no CORS headers, so every call goes through the relay tunnel with TLS ending
// in the browser: NewHTTPClient builds an http.Client whose transport dials through a
// tunnel.Dialer. Everything here is plain Go over net/http and builds natively and in
// WebAssembly.
//
// The client is written by hand: no maintained Go library covers the v2 DM endpoints with
// PKCE, rate-limit headers and X's error bodies while letting the caller own the transport
// (the tunnel) and the token storage (the vault); the surface needed is five endpoints.
package x

// Default endpoints of X's API.
const (
	DefaultAPIBase      = "https://api.x.com"
	DefaultAuthorizeURL = "https://x.com/i/oauth2/authorize"
)

// Scopes are the OAuth 2.0 scopes Caliopen asks for: read and send DMs, read users (handles
// and profiles; tweet.read is required alongside) and offline.access for refresh tokens.
var Scopes = []string{"dm.read", "dm.write", "tweet.read", "users.read", "offline.access"}
