// Package email holds what every part of the email connector shares: an account's server
// settings, the secure way to reach its IMAP and SMTP servers over a caller-given dial function
// (the relay tunnel in the browser, a plain TCP dialer natively), and the connection health the
// UI shows.
//
// The one rule: a password is never written on an unencrypted connection. Servers are reached with
// implicit TLS or STARTTLS only; a server that does not offer STARTTLS is refused with ErrInsecure
// before anything secret is sent. Certificates are verified by the caller's tls.Config; when
// verification fails, CertFingerprint gives the SHA-256 of the server's certificate so that the
// user can decide to pin it.
//
// Sub-packages: imapsync (folders, sync, IDLE, flags), smtpsend (compose and submit), outbox
// (durable, exactly-once sending) and autoconfig (server settings discovery).
package email
