// Package smtpsend writes outgoing mail with go-message (Message-ID at the sender's domain,
// Date, In-Reply-To/References for replies, multipart/alternative text and HTML, attachments)
// and submits it with go-smtp over the account's secured connection; it files a copy in the
// Sent folder unless the server does so itself.
package smtpsend
