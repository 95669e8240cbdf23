// Package desc is the demo sandbox's description: what the relay serves at GET /sandbox and
// the app's core reads to add the demo accounts. It is apart from package sandbox so that the
// core (WebAssembly) does not link the sandbox's servers.
package desc

// Description is what the app needs to add the demo accounts: it is served to signed-in
// clients by the relay (GET /sandbox) and written to the sandbox directory as sandbox.json.
type Description struct {
	// TrustedCA is the sandbox CA (PEM), to trust for TrustedDomains only.
	TrustedCA      string   `json:"trustedCA"`
	TrustedDomains []string `json:"trustedDomains"`

	Email    EmailAccount    `json:"email"`
	Mastodon MastodonAccount `json:"mastodon"`
	X        XAccount        `json:"x"`
	// Key is the demo user's OpenPGP secret key (armored, protected by KeyPassphrase), so
	// that the mail Camille encrypted to it can be read once imported.
	Key           string `json:"key"`
	KeyPassphrase string `json:"keyPassphrase"`
}

// EmailAccount is the demo mailbox: the app finds its servers by autoconfig.
type EmailAccount struct {
	Address  string `json:"address"`
	Name     string `json:"name"`
	Password string `json:"password"`
	// PasswordPage is the mail provider's page where the password is changed (plain http on
	// loopback): to try what the app does when a password changes elsewhere.
	PasswordPage string `json:"passwordPage,omitempty"`
}

// MastodonAccount is the demo account on the fake instance.
type MastodonAccount struct {
	Instance string `json:"instance"` // base URL the browser calls (plain http on loopback)
	Handle   string `json:"handle"`   // @alex@mamot.fr
}

// XAccount is the demo account on the fake X API.
type XAccount struct {
	APIBase      string `json:"apiBase"`      // https://api.x.test, reached through the relay
	AuthorizeURL string `json:"authorizeUrl"` // the consent page the browser opens
	TokenURL     string `json:"tokenUrl"`
	ClientID     string `json:"clientId"` // the demo developer app
	RedirectURI  string `json:"redirectUri"`
	Handle       string `json:"handle"`
}
