package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
)

// PutAccount writes an account.
func (r *Repo) PutAccount(ctx context.Context, a *model.Account) error {
	return r.Update(ctx, []string{Accounts}, func(tx *Tx) error { return tx.putJSON(Accounts, a.ID, a, nil) })
}

// Account returns an account.
func (r *Repo) Account(ctx context.Context, id string) (a model.Account, err error) {
	err = r.View(ctx, []string{Accounts}, func(tx *Tx) error { return tx.getJSON(Accounts, id, &a) })
	return a, err
}

// AccountList returns every account, by id.
func (r *Repo) AccountList(ctx context.Context) (as []model.Account, err error) {
	err = r.View(ctx, []string{Accounts}, func(tx *Tx) error {
		as, err = scanJSON[model.Account](tx, Accounts, store.Query{})
		return err
	})
	return as, err
}

// DeleteAccount deletes an account and its sync cursors (its messages stay until deleted).
func (r *Repo) DeleteAccount(ctx context.Context, id string) error {
	return r.Update(ctx, []string{Accounts, Cursors}, func(tx *Tx) error {
		return errors.Join(tx.Delete(Accounts, id), tx.deleteCursors(id))
	})
}

// PutIdentity writes an identity. Needs the store Identities.
func (tx *Tx) PutIdentity(id *model.Identity) error {
	var ix map[string]string
	if id.Own {
		ix = map[string]string{"own": "1"}
	}
	return tx.putJSON(Identities, string(id.URI), id, ix)
}

// Identity reads an identity in the transaction. Needs the store Identities.
func (tx *Tx) Identity(uri model.IdentityURI) (id model.Identity, err error) {
	return id, tx.getJSON(Identities, string(uri), &id)
}

// PutIdentity writes an identity.
func (r *Repo) PutIdentity(ctx context.Context, id *model.Identity) error {
	return r.Update(ctx, []string{Identities}, func(tx *Tx) error { return tx.PutIdentity(id) })
}

// Identity returns an identity by URI.
func (r *Repo) Identity(ctx context.Context, uri model.IdentityURI) (id model.Identity, err error) {
	err = r.View(ctx, []string{Identities}, func(tx *Tx) error { return tx.getJSON(Identities, string(uri), &id) })
	return id, err
}

// OwnIdentities returns the user's own identities.
func (r *Repo) OwnIdentities(ctx context.Context) (ids []model.Identity, err error) {
	err = r.View(ctx, []string{Identities}, func(tx *Tx) error {
		ids, err = scanJSON[model.Identity](tx, Identities, store.Query{Index: "own"})
		return err
	})
	return ids, err
}

// ErrIdentityTaken is returned when a contact claims an identity of another contact.
var ErrIdentityTaken = errors.New("repo: identity belongs to another contact")

// ContactStores are the stores a contact write touches.
var ContactStores = []string{Contacts, ContactLinks}

// PutContact writes a contact and links its identities to it; an identity belongs to at most one
// contact (ErrIdentityTaken). Identities the contact no longer lists are unlinked. Needs
// ContactStores.
func (tx *Tx) PutContact(c *model.Contact) error {
	for _, uri := range c.Identities {
		rec, err := tx.Get(ContactLinks, string(uri))
		if err == nil && string(rec.Value) != c.ID {
			return fmt.Errorf("%w: %s is in contact %s", ErrIdentityTaken, uri, rec.Value)
		}
		if err != nil && err != store.ErrNotFound {
			return err
		}
	}
	var old []string
	err := tx.Scan(ContactLinks, store.Query{Index: "contact", Prefix: store.Tuple(c.ID)}, func(rec store.Record) error {
		old = append(old, rec.Key)
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := tx.Delete(ContactLinks, k); err != nil {
			return err
		}
	}
	for _, uri := range c.Identities {
		link := store.Record{Key: string(uri), Value: []byte(c.ID), Index: map[string]string{"contact": store.Tuple(c.ID, string(uri))}}
		if err := tx.Put(ContactLinks, link); err != nil {
			return err
		}
	}
	return tx.putJSON(Contacts, c.ID, c, map[string]string{"name": store.Tuple(strings.ToLower(c.Name), c.ID)})
}

// DeleteContact deletes a contact and unlinks its identities. Needs ContactStores.
func (tx *Tx) DeleteContact(id string) error {
	if err := tx.PutContact(&model.Contact{ID: id}); err != nil {
		return err
	}
	return tx.Delete(Contacts, id)
}

// PutContact writes a contact and its identity links in one transaction.
func (r *Repo) PutContact(ctx context.Context, c *model.Contact) error {
	return r.Update(ctx, ContactStores, func(tx *Tx) error { return tx.PutContact(c) })
}

// Contact returns a contact.
func (r *Repo) Contact(ctx context.Context, id string) (c model.Contact, err error) {
	err = r.View(ctx, []string{Contacts}, func(tx *Tx) error { return tx.getJSON(Contacts, id, &c) })
	return c, err
}

// ContactOf returns the contact an identity belongs to, or ErrNotFound.
func (r *Repo) ContactOf(ctx context.Context, uri model.IdentityURI) (c model.Contact, err error) {
	err = r.View(ctx, ContactStores, func(tx *Tx) error {
		rec, err := tx.Get(ContactLinks, string(uri))
		if err != nil {
			return err
		}
		return tx.getJSON(Contacts, string(rec.Value), &c)
	})
	return c, err
}

// ContactsByName pages through contacts in name order (Page.Oldest is ignored: always A to Z).
func (r *Repo) ContactsByName(ctx context.Context, p Page) ([]model.Contact, string, error) {
	p.Oldest = true
	return page[model.Contact](ctx, r, Contacts, "name", "", p)
}

// EachIdentity calls fn with every stored identity (the core loads them into its contact book
// at start).
func (r *Repo) EachIdentity(ctx context.Context, fn func(model.Identity)) error {
	return r.View(ctx, []string{Identities}, func(tx *Tx) error {
		ids, err := scanJSON[model.Identity](tx, Identities, store.Query{})
		for _, id := range ids {
			fn(id)
		}
		return err
	})
}
