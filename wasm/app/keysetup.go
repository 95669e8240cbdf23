package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/api"
	"caliopen/wasm/autocrypt"
	"caliopen/wasm/email"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
)

// Autocrypt for the user's own keys (Level 1): the prefer-encrypt the header announces, a
// key made by itself for an address that sends mail without one, and the Setup Message that
// moves a secret key to another client.

// settingPrefer keeps the user's prefer-encrypt.
const settingPrefer = "autocrypt.prefer"

// preference is the prefer-encrypt the user's Autocrypt header announces: mutual unless the
// user chose no preference.
func (k *keys) preference() autocrypt.Preference {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.prefer == autocrypt.NoPreference {
		return autocrypt.NoPreference
	}
	return autocrypt.Mutual
}

func (k *keys) setPreferEncrypt(ctx context.Context, p api.PreferEncryptParams) (api.Empty, error) {
	pref := autocrypt.NoPreference
	if p.Mutual {
		pref = autocrypt.Mutual
	}
	if err := k.a.eng.Repo.SetSetting(ctx, settingPrefer, pref); err != nil {
		return api.Empty{}, err
	}
	k.mu.Lock()
	k.prefer = pref
	k.mu.Unlock()
	k.changed(ctx)
	return api.Empty{}, nil
}

// ensureOwnKey makes a key for the sender address of a mail about to be sent when the user
// has none for it (not even an expired one: renewing is theirs to decide), so that the mail
// carries an Autocrypt header; the keys list says it was made by itself. Nothing is made
// while the vault is locked.
func (k *keys) ensureOwnKey(ctx context.Context, s email.Settings) error {
	if k.vault.Locked() {
		return nil
	}
	k.autoMu.Lock()
	defer k.autoMu.Unlock()
	address := strings.ToLower(s.Address)
	k.mu.Lock()
	has := false
	for _, o := range k.own {
		has = has || o.Address == address
	}
	k.mu.Unlock()
	if has {
		return nil
	}
	secret, err := pgp.Generate(s.Name, address)
	if err != nil {
		return err
	}
	_, err = k.addOwn(ctx, secret, true)
	return err
}

// makeSetupMessage makes an Autocrypt Setup Message for one of the user's keys, under a new
// setup code, and sends it to the user's own address when asked.
func (k *keys) makeSetupMessage(ctx context.Context, p api.SetupMessageParams) (api.SetupMessage, error) {
	secret, err := k.unlockedOwn(p.Fingerprint)
	if err != nil {
		return api.SetupMessage{}, err
	}
	code, err := autocrypt.NewSetupCode()
	if err != nil {
		return api.SetupMessage{}, err
	}
	armored, err := secret.ArmoredUnprotected()
	if err != nil {
		return api.SetupMessage{}, err
	}
	address := secret.Address()
	raw, err := autocrypt.SetupMessage(address, []byte(armored), k.preference(), code, time.Now())
	if err != nil {
		return api.SetupMessage{}, err
	}
	messageID := smtpsend.NewMessageID(domainOf(address))
	raw = append([]byte("Message-ID: "+messageID+"\r\n"), raw...)
	out := api.SetupMessage{Code: code, Begin: code[:2], Message: string(raw)}
	if !p.Send {
		return out, nil
	}
	acct, err := k.emailAccountFor(ctx, address)
	if err != nil {
		return api.SetupMessage{}, err
	}
	it, err := outbox.Enqueue(ctx, k.a.eng.Repo, acct.ID, &smtpsend.Envelope{MessageID: messageID, From: address, Rcpt: []string{address}, Raw: raw})
	if err != nil {
		return api.SetupMessage{}, err
	}
	k.a.accts.queued(ctx, it)
	out.Sent = true
	return out, nil
}

// emailAccountFor returns the user's email account for address.
func (k *keys) emailAccountFor(ctx context.Context, address string) (model.Account, error) {
	accts, err := k.a.eng.Repo.AccountList(ctx)
	if err != nil {
		return model.Account{}, err
	}
	for _, a := range accts {
		if a.Network == model.Email && a.Identity.Address() == strings.ToLower(address) {
			return a, nil
		}
	}
	return model.Account{}, api.Errorf("key_needs_account", "Add the email account "+address+" first: a key is made for one of your addresses.").With("address", address)
}

// importSetupMessage opens a Setup Message with its code and imports the secret key it
// carries, with its prefer-encrypt.
func (k *keys) importSetupMessage(ctx context.Context, p api.ImportSetupParams) (api.KeysView, error) {
	if err := k.needUnlocked(); err != nil {
		return api.KeysView{}, err
	}
	raw := []byte(p.Message)
	if p.MessageID != "" {
		m, err := k.a.eng.Repo.Message(ctx, p.MessageID)
		if err != nil || !m.Security.SetupMessage {
			return api.KeysView{}, api.Errorf("not_setup_message", "This is not an Autocrypt Setup Message.")
		}
		if raw, err = k.a.eng.Repo.Attachment(ctx, p.MessageID, email.RawBlob); err != nil {
			return api.KeysView{}, err
		}
	}
	armored, prefer, err := autocrypt.ImportSetupMessage(raw, p.Code)
	switch {
	case errors.Is(err, autocrypt.ErrWrongSetupCode):
		return api.KeysView{}, api.Errorf("wrong_setup_code", "This setup code does not open this Setup Message: check its digits.")
	case errors.Is(err, autocrypt.ErrNotSetupMessage):
		return api.KeysView{}, api.Errorf("not_setup_message", "This is not an Autocrypt Setup Message.")
	case err != nil:
		return api.KeysView{}, api.Errorf("bad_setup_code", "A setup code has 36 digits, in nine blocks of four.")
	}
	secret, err := pgp.ImportSecret(armored, nil)
	if err != nil {
		return api.KeysView{}, api.Errorf("bad_key", "The key in this Setup Message cannot be read: "+err.Error()).With("detail", err.Error())
	}
	if secret.Address() == "" {
		return api.KeysView{}, api.Errorf("key_no_address", "This key names no email address.")
	}
	v, err := k.addOwn(ctx, secret, false)
	if err != nil {
		return api.KeysView{}, err
	}
	if _, err := k.setPreferEncrypt(ctx, api.PreferEncryptParams{Mutual: prefer == autocrypt.Mutual}); err != nil {
		return api.KeysView{}, err
	}
	return api.KeysView{Own: []api.KeyView{v}}, nil
}

// isSetupMessage says whether raw is an Autocrypt Setup Message the user sent themselves
// (Autocrypt-Setup-Message: v1, from and to one of the account's addresses).
func isSetupMessage(raw []byte, s email.Settings) bool {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil || strings.TrimSpace(h.Get(autocrypt.SetupMessageHeader)) != "v1" {
		return false
	}
	from, err := gomail.ParseAddressList(h.Get("From"))
	if err != nil || len(from) != 1 || !s.Own(from[0].Address) {
		return false
	}
	to, err := gomail.ParseAddressList(h.Get("To"))
	return err == nil && len(to) == 1 && s.Own(to[0].Address)
}
