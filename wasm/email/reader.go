package email

import "caliopen/wasm/mail"

// Reading is what a Reader makes of a fetched raw message.
type Reading struct {
	Parsed *mail.Parsed
	// Blobs are stored with the message, by attachment id: bytes the server cannot give back
	// part by part (a decrypted message's attachments), or the raw message itself under
	// RawBlob, kept to read it again later (an encrypted message no key opened yet).
	Blobs map[string][]byte
}

// RawBlob is the blob id of a message's raw form kept with it.
const RawBlob = "raw"

// Reader turns a fetched raw message into what is stored. The app's reader decrypts and
// verifies OpenPGP mail; without one, the message is parsed as it is.
type Reader func(raw []byte) (Reading, error)

// Read reads a fetched raw message with the account's Reader, or mail.Parse.
func (a *Account) Read(raw []byte) (Reading, error) {
	if a.Reader != nil {
		return a.Reader(raw)
	}
	p, err := mail.Parse(raw)
	return Reading{Parsed: p}, err
}
