package api

// Mastodon and X accounts beyond sign-in (wasm/app/x_accounts.go).
var (
	// RetryAccount makes an account that waits (X: a spent rate-limit window, a refusal of its
	// developer app, a failed poll) try again at once instead of at its next scheduled try.
	RetryAccount = Method[AccountRef, Empty]{"accounts.retry"}
)

func init() {
	All = append(All, RetryAccount)
}

// AccountRef names an account.
type AccountRef struct {
	ID string `json:"id"`
}
