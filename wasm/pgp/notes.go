package pgp

import "caliopen/wasm/model"

// note builds a security note from a code, its English text and parameters given as name,
// value pairs. Codes and parameter names are literals: a test lists them for the UI's
// translations (web/src/gen/security-notes.ts).
func note(code, text string, params ...string) model.SecurityNote {
	return model.SecurityNote{Code: code, Text: text, Params: model.Pairs(params...)}
}

// LockedNote says that an encrypted message waits for the vault to open.
func LockedNote() model.SecurityNote {
	return note("decrypt.locked", "This message is encrypted: unlock the vault to read it.")
}
