package api

// Managing accounts once added (wasm/app/manage_accounts.go): removing one, changing an
// email account's password, servers or trusted certificates, signing in again to Mastodon or X.
var (
	// RemoveAccount stops an account, forgets its secret and deletes what it brought to this
	// device (its messages, and with them its discussions; the server keeps them), and the
	// user's other devices remove it too.
	RemoveAccount = Method[AccountRef, Empty]{"accounts.remove"}
	// UpdateEmailAccount changes an email account: its password, its servers, its name, the
	// certificates it trusts. Both servers are checked (signing in over an encrypted
	// connection) before anything is kept; the account then starts again.
	UpdateEmailAccount = Method[UpdateEmailParams, AccountView]{"accounts.updateEmail"}
	// SignInAgain starts a new sign-in of a Mastodon or X account, with the instance or the
	// developer app it was added with; FinishSignIn completes it and the account keeps its
	// messages, with new tokens.
	SignInAgain = Method[SignInAgainParams, SignInStarted]{"accounts.signInAgain"}
)

func init() {
	All = append(All, RemoveAccount, UpdateEmailAccount, SignInAgain)
}

// CertPin trusts one certificate, by its SHA-256 fingerprint, for the host it was shown for
// (and, when Server is set, for that server only: "imap" or "smtp").
type CertPin struct {
	Server string `json:"server,omitempty"`
	Host   string `json:"host"`
	SHA256 string `json:"sha256"`
}

// UpdateEmailParams changes an email account; what is left out stays as it is.
type UpdateEmailParams struct {
	ID       string       `json:"id"`
	Password string       `json:"password,omitempty"`
	Name     *string      `json:"name,omitempty"`
	Server   *EmailServer `json:"server,omitempty"`
	Pins     []CertPin    `json:"pins,omitempty"`
}

// EmailSettings are an email account's settings as the edit form shows them (never the
// password).
type EmailSettings struct {
	Name   string      `json:"name,omitempty"`
	Server EmailServer `json:"server"`
	// SentFiling says who files sent mail in Sent: "server", "client", or "" (found out at
	// the first send).
	SentFiling string `json:"sentFiling,omitempty"`
}

// SignInAgainParams names the account and the app's callback address (see MastodonSignIn).
type SignInAgainParams struct {
	ID          string `json:"id"`
	RedirectURI string `json:"redirectUri"`
}
