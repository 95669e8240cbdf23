// Package contacts keeps the people behind identities: a Book of contacts, each owning a set
// of identity URIs, one identity belonging to at most one contact.
//
// Changes are operations (Op): serialisable records with an id and a timestamp, suitable for
// an operation log synced across devices. A contact is a connected component of identity
// links, and the links are an add-wins set (graph.go): an operation says which links it adds
// and which link adds it removes, so applying the same operations in any order, any number of
// times, gives the same contacts on every device, with the same ids (derived from the
// component's smallest identity). Every operation has an inverse (Book.Inverse), so undo is
// "apply the inverse".
//
//   - OpEnsure  gives an identity a contact (its own unless linked); participants of new
//     messages get contacts this way.
//   - OpForget  takes it out again (the inverse of OpEnsure).
//   - OpMerge   links the identities of two contacts.
//   - OpSplit   removes the links between some identities of a contact and the rest (the
//     ones its device saw: a concurrent merge survives), keeping each side in one piece.
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
