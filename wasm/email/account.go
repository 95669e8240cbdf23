package email

import (
	"fmt"
	"strconv"
	"strings"

	"caliopen/wasm/model"
)

// ModelSettings writes the settings into a model.Account's Settings map, the form the store
// keeps (the password stays in the vault, under the account's SecretRef).
func (s Settings) ModelSettings() map[string]string {
	m := map[string]string{
		"address": s.Address, "username": s.Username,
		"imap.host": s.IMAP.Host, "imap.port": strconv.Itoa(s.IMAP.Port), "imap.security": string(s.IMAP.Security),
		"smtp.host": s.SMTP.Host, "smtp.port": strconv.Itoa(s.SMTP.Port), "smtp.security": string(s.SMTP.Security),
	}
	if s.Name != "" {
		m["name"] = s.Name
	}
	if s.SentFiling != SentFilingUnknown {
		m["sentFiling"] = string(s.SentFiling)
	}
	if s.IMAP.Pin != "" {
		m["imap.pin"] = s.IMAP.Pin
	}
	if s.SMTP.Pin != "" {
		m["smtp.pin"] = s.SMTP.Pin
	}
	if len(s.Aliases) > 0 {
		m["aliases"] = strings.Join(s.Aliases, ",")
	}
	return m
}

// NewModelAccount returns the model.Account of an email account with these settings.
func (s Settings) NewModelAccount(id, secretRef string) model.Account {
	return model.Account{ID: id, Network: model.Email, Identity: model.NewIdentityURI(model.Email, s.Address),
		Label: s.Address, SecretRef: secretRef, Settings: s.ModelSettings()}
}

// SettingsFromModel reads the settings back from a stored account and validates them.
func SettingsFromModel(a model.Account) (Settings, error) {
	m := a.Settings
	if a.Network != model.Email {
		return Settings{}, fmt.Errorf("email: account %s is a %s account", a.ID, a.Network)
	}
	port := func(k string) int { n, _ := strconv.Atoi(m[k]); return n }
	s := Settings{
		Address: m["address"], Name: m["name"], Username: m["username"],
		IMAP:       Server{Host: m["imap.host"], Port: port("imap.port"), Security: Security(m["imap.security"]), Pin: m["imap.pin"]},
		SMTP:       Server{Host: m["smtp.host"], Port: port("smtp.port"), Security: Security(m["smtp.security"]), Pin: m["smtp.pin"]},
		SentFiling: SentFiling(m["sentFiling"]),
	}
	// Accounts added before pins were per server kept one pin, applied to both servers.
	if legacy := m["pin"]; legacy != "" && s.IMAP.Pin == "" && s.SMTP.Pin == "" {
		s.IMAP.Pin, s.SMTP.Pin = legacy, legacy
	}
	if v := m["aliases"]; v != "" {
		s.Aliases = strings.Split(v, ",")
	}
	return s, s.Validate()
}
