package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"caliopen/wasm/api"
	"caliopen/wasm/pgp"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/vault"
)

// Drafts are saved as the user types (the UI debounces) and given back when the composer
// opens again. What is written — recipients, subject, text — is sealed: encrypted with
// OpenPGP to the user's own key when they have one (it can be written while the vault is
// locked, and read once it is open), else kept in the vault (sealed under the passphrase).
// Only when neither is possible (no key, vault locked) is it kept as written, and the
// composer says so. Blind copies and attachments (up to api.MaxDraftAttachments bytes) are
// sealed with the rest.

// draftContent is what a draft seals.
type draftContent struct {
	To          []string             `json:"to,omitempty"`
	Bcc         []string             `json:"bcc,omitempty"`
	Subject     string               `json:"subject,omitempty"`
	Text        string               `json:"text,omitempty"`
	All         bool                 `json:"all,omitempty"`
	Attachments []api.AttachmentData `json:"attachments,omitempty"`
}

const (
	sealedPGP   = "pgp"
	sealedVault = "vault"
)

func draftSecret(id string) string { return "draft:" + id }

// checkDraftID accepts "compose" and "reply:<message id>".
func checkDraftID(id string) error {
	if id == "compose" || (strings.HasPrefix(id, "reply:") && len(id) > len("reply:")) {
		return nil
	}
	return api.Errorf(api.CodeBadRequest, "A draft is named compose or reply:<message id>.")
}

func (a *app) saveDraft(ctx context.Context, p api.DraftView) (api.DraftSaved, error) {
	if err := checkDraftID(p.ID); err != nil {
		return api.DraftSaved{}, err
	}
	content := draftContent{To: p.To, Bcc: p.Bcc, Subject: p.Subject, Text: p.Text, All: p.All, Attachments: p.Attachments}
	size := 0
	for _, at := range p.Attachments {
		size += len(at.Data)
	}
	leftOut := size > api.MaxDraftAttachments
	if leftOut {
		content.Attachments = nil
	}
	if content.Subject == "" && strings.TrimSpace(content.Text) == "" && len(content.To) == 0 && len(content.Bcc) == 0 && len(content.Attachments) == 0 {
		// Nothing written: nothing to keep.
		_, err := a.deleteDraft(ctx, api.DraftRef{ID: p.ID})
		return api.DraftSaved{}, err
	}
	plain, err := json.Marshal(content)
	if err != nil {
		return api.DraftSaved{}, err
	}
	d := &repo.Draft{ID: p.ID, AccountID: p.AccountID, InReplyTo: strings.TrimPrefix(p.ID, "reply:")}
	if p.ID == "compose" {
		d.InReplyTo = ""
	}
	switch pub := a.keys.ownPublic(a.draftAddress(ctx, p.AccountID)); {
	case pub != nil:
		sealed, err := pgp.EncryptTo(plain, pub)
		if err != nil {
			return api.DraftSaved{}, err
		}
		d.Text, d.Sealed = string(sealed), sealedPGP
	case !a.accts.vault.Locked():
		if err := a.accts.vault.Put(ctx, draftSecret(p.ID), plain); err != nil {
			return api.DraftSaved{}, err
		}
		d.Sealed = sealedVault
	default:
		d.Participants, d.Subject, d.Text = nil, content.Subject, string(plain)
	}
	if d.Sealed != sealedVault {
		_ = a.accts.vault.Delete(ctx, draftSecret(p.ID)) // an older copy sealed the other way
	}
	if err := a.eng.Repo.SaveDraft(ctx, d); err != nil {
		return api.DraftSaved{}, err
	}
	return api.DraftSaved{Sealed: d.Sealed, UpdatedAt: d.UpdatedAt, AttachmentsLeftOut: leftOut}, nil
}

// draftAddress is the email address of the draft's account, for the choice of the key the
// draft is sealed to ("" for any of the user's keys).
func (a *app) draftAddress(ctx context.Context, accountID string) string {
	if accountID == "" {
		return ""
	}
	acct, err := a.eng.Repo.Account(ctx, accountID)
	if err != nil {
		return ""
	}
	return acct.Identity.Address()
}

func (a *app) getDraft(ctx context.Context, p api.DraftRef) (api.DraftView, error) {
	if err := checkDraftID(p.ID); err != nil {
		return api.DraftView{}, err
	}
	d, err := a.eng.Repo.Draft(ctx, p.ID)
	if errors.Is(err, repo.ErrNotFound) {
		return api.DraftView{ID: p.ID}, nil
	}
	if err != nil {
		return api.DraftView{}, err
	}
	v := api.DraftView{ID: p.ID, AccountID: d.AccountID, Sealed: d.Sealed, UpdatedAt: d.UpdatedAt}
	var plain []byte
	switch d.Sealed {
	case sealedPGP:
		opened, s := pgp.DecryptAndVerify([]byte(d.Text), pgp.Keys{Own: a.keys.secretKeys()}, "")
		if opened == nil {
			if s.Undecrypted {
				v.Locked = true
				return v, nil
			}
			return api.DraftView{}, errors.New("the draft could not be opened: " + s.Note)
		}
		plain = opened
	case sealedVault:
		plain, err = a.accts.vault.Get(ctx, draftSecret(p.ID))
		if errors.Is(err, vault.ErrLocked) {
			v.Locked = true
			return v, nil
		}
		if err != nil {
			return api.DraftView{}, err
		}
	default:
		plain = []byte(d.Text)
	}
	var c draftContent
	if err := json.Unmarshal(plain, &c); err != nil {
		return api.DraftView{}, errors.New("the draft is damaged: " + err.Error())
	}
	v.To, v.Bcc, v.Subject, v.Text, v.All, v.Attachments = c.To, c.Bcc, c.Subject, c.Text, c.All, c.Attachments
	return v, nil
}

func (a *app) deleteDraft(ctx context.Context, p api.DraftRef) (api.Empty, error) {
	if err := checkDraftID(p.ID); err != nil {
		return api.Empty{}, err
	}
	if err := a.eng.Repo.DeleteDraft(ctx, p.ID); err != nil && !errors.Is(err, repo.ErrNotFound) {
		return api.Empty{}, err
	}
	if err := a.accts.vault.Delete(ctx, draftSecret(p.ID)); err != nil && !errors.Is(err, vault.ErrNotFound) && !errors.Is(err, vault.ErrLocked) && !errors.Is(err, vault.ErrNoVault) {
		return api.Empty{}, err
	}
	return api.Empty{}, nil
}

// ownPublic returns the user's newest key for address, else their newest key of any
// address, else nil. Only public halves are read: the vault may be locked.
func (k *keys) ownPublic(address string) *pgp.PublicKey {
	address = strings.ToLower(address)
	k.mu.Lock()
	own := append([]ownKey(nil), k.own...)
	k.mu.Unlock()
	var fallback *pgp.PublicKey
	for i := len(own) - 1; i >= 0; i-- {
		pub, err := pgp.ParsePublic(own[i].Public)
		if err != nil {
			continue
		}
		if own[i].Address == address {
			return pub
		}
		if fallback == nil {
			fallback = pub
		}
	}
	return fallback
}
