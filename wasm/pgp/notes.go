package pgp

import "caliopen/wasm/model"

// note builds a security note from a code, its English text and parameters given as name,
// value pairs. Codes and parameter names are literals: a test lists them for the UI's
// translations (web/src/gen/security-notes.ts).
func note(code, text string, params ...string) model.SecurityNote {
	n := model.SecurityNote{Code: code, Text: text}
	if len(params) > 0 {
		n.Params = make(map[string]string, len(params)/2)
		for i := 0; i+1 < len(params); i += 2 {
			n.Params[params[i]] = params[i+1]
		}
	}
	return n
}

// LockedNote says that an encrypted message waits for the vault to open.
func LockedNote() model.SecurityNote {
	return note("decrypt.locked", "This message is encrypted: unlock the vault to read it.")
}
