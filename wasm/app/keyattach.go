package app

import (
	"bytes"
	"context"
	"path"
	"slices"
	"strings"

	"caliopen/wasm/api"
	"caliopen/wasm/pgp"
)

// Keys that come attached to a received mail (application/pgp-keys, or an armored key in a
// .asc file, RFC 3156 section 7) are offered for import as the sender's.

// maxKeyAttachment bounds the attachments read as keys.
const maxKeyAttachment = 1 << 20

// mayHoldKey says whether an attachment is worth reading as a key.
func mayHoldKey(name, contentType string, size int64) bool {
	if size > maxKeyAttachment {
		return false
	}
	ct := strings.ToLower(contentType)
	ext := strings.ToLower(path.Ext(name))
	return ct == "application/pgp-keys" || ext == ".asc" || ext == ".key"
}

// attachedKey is a key read from an attachment.
type attachedKey struct {
	attachmentID, name string
	key                *pgp.PublicKey
}

// attachedKeys reads the keys a stored message carries as attachments, and its sender.
func (k *keys) attachedKeys(ctx context.Context, messageID string) (string, []attachedKey, error) {
	m, err := k.a.eng.Repo.Message(ctx, messageID)
	if err != nil {
		return "", nil, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	b, err := k.a.eng.Repo.Body(ctx, messageID)
	if err != nil {
		return "", nil, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	var out []attachedKey
	for _, at := range b.Attachments {
		if !mayHoldKey(at.Name, at.ContentType, at.Size) {
			continue
		}
		data, err := k.a.attachmentBytes(ctx, messageID, at)
		if err != nil {
			return "", nil, err
		}
		if strings.ToLower(at.ContentType) != "application/pgp-keys" && !bytes.Contains(data, []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
			continue // a signature or a message, not a key
		}
		pubs, err := pgp.ParsePublicKeys(data)
		if err != nil {
			continue
		}
		for _, pub := range pubs {
			out = append(out, attachedKey{attachmentID: at.ID, name: at.Name, key: pub})
		}
	}
	return m.From().Address(), out, nil
}

func (k *keys) attached(ctx context.Context, p api.MessageBodyParams) (api.AttachedKeysView, error) {
	sender, found, err := k.attachedKeys(ctx, p.ID)
	if err != nil {
		return api.AttachedKeysView{}, err
	}
	out := api.AttachedKeysView{Sender: sender, Keys: []api.AttachedKey{}}
	held := k.contactKeys()
	for _, f := range found {
		fpr := f.key.Fingerprint()
		v := api.AttachedKey{AttachmentID: f.attachmentID, Name: f.name, Fingerprint: fpr, Display: pgp.FormatFingerprint(fpr),
			Addresses: f.key.Addresses(), ForSender: slices.Contains(f.key.Addresses(), sender)}
		targets := bindTo(f.key, sender)
		v.Known = len(targets) > 0 && !slices.ContainsFunc(targets, func(a string) bool {
			return !slices.ContainsFunc(held, func(c *pgp.ContactKey) bool { return c.Address == a && c.Key.Fingerprint() == fpr })
		})
		kv := withProblem(api.KeyView{}, f.key)
		v.Problem, v.ProblemCode = kv.Problem, kv.ProblemCode
		out.Keys = append(out.Keys, v)
	}
	return out, nil
}

// bindTo is whom an attached key is imported for: the sender when it names their address,
// else the addresses it names.
func bindTo(key *pgp.PublicKey, sender string) []string {
	if slices.Contains(key.Addresses(), sender) {
		return []string{sender}
	}
	return key.Addresses()
}

func (k *keys) importAttached(ctx context.Context, p api.AttachedKeyRef) (api.KeysView, error) {
	sender, found, err := k.attachedKeys(ctx, p.MessageID)
	if err != nil {
		return api.KeysView{}, err
	}
	fpr := strings.ToLower(strings.ReplaceAll(p.Fingerprint, " ", ""))
	i := slices.IndexFunc(found, func(f attachedKey) bool { return f.attachmentID == p.AttachmentID && f.key.Fingerprint() == fpr })
	if i < 0 {
		return api.KeysView{}, api.Errorf("no_such_key", "No key has this fingerprint.")
	}
	targets := bindTo(found[i].key, sender)
	if len(targets) == 0 {
		return api.KeysView{}, api.Errorf("key_no_address", "This key names no email address.")
	}
	out := api.KeysView{Contacts: []api.KeyView{}}
	for _, a := range targets {
		out.Contacts = append(out.Contacts, contactView(k.ring.Add(a, found[i].key, pgp.SourceAttachment)))
	}
	return out, k.saveContacts(ctx, targets...)
}
