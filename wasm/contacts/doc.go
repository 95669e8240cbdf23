// Package contacts keeps the people behind identities: a Book of contacts, each owning a set
// of identity URIs, one identity belonging to at most one contact.
//
// Changes are operations (Op): serialisable records with an id and a timestamp, suitable for
// an operation log synced across devices. Applying the same log to the same starting book
// gives the same book on every device: ids of new contacts are carried by the operations,
// never drawn at replay time. Every operation has an inverse (Book.Inverse), so undo is
// "apply the inverse".
//
//   - OpEnsure  gives an identity a contact of its own if it has none (participants of new
//     messages get contacts this way); its id is derived from the identity URI.
//   - OpForget  removes such a contact again (the inverse of OpEnsure).
//   - OpMerge   moves every identity of one contact into another and removes the first.
//   - OpSplit   moves some identities of a contact into a new contact.
//   - OpDismiss remembers that the user refused a suggested link.
//
// Link evidence (Evidence) says why identities are thought to be one person: its kind,
// strength, a readable explanation and the facts. Detect finds evidence in what networks
// tell us (profiles, OpenPGP keys, vCards, signatures); Book.Consider turns strong evidence
// into merges (when AutoMergeStrong is on, the default) and the rest into suggestions the
// user confirms or dismisses. Evidence is acted on once: a split the user makes is not undone
// by the next detection run. Book.Link is the user saying "same person". Every Change reports which identities changed contact, which is
// what the discussions index needs to re-key.
package contacts
