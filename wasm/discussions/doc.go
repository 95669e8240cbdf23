// Package discussions groups messages from every network into discussions: all messages
// whose participants, minus the user's own identities and with each identity replaced by its
// contact, are the same people. Mailing-list mail groups on its List-Id instead.
//
// # The key, and why it is never stale
//
// A message keeps its participant set: the sorted identity URIs it names, fixed forever
// (its SetKey). Which discussion a set belongs to is resolved through the contact book when
// the set is first seen and again whenever a contact that owns one of its identities
// changes: Key = hash of the sorted components, a component being "contact:<id>" for an
// identity with a contact and the identity URI otherwise. The Index keeps reverse maps
// (identity → participant sets → messages), so a merge or split re-keys at once, for old
// messages too, and only touches the sets naming the identities that moved.
//
// # Using it
//
//	ix := discussions.NewIndex(book)          // book: a *contacts.Book or any Resolver
//	ch, err := ix.Add(msg)                   // also replaces a message with the same ID
//	ch, _ := book.Merge(a, b, evidence, now)  // or Split, Undo, Consider, Confirm…
//	ix.Apply(ch)                               // re-key what the contact change touched
//	page, next := ix.Page(discussions.Cursor(""), 50)
//	msgs := ix.Messages(page[0].Key)         // in time order
//	topics := ix.Topics(page[0].Key, threading.Strict)
//	choice, err := ix.ReplyChannel(discussions.ReplyRequest{…}, book)
//
// # Persistence
//
// Every mutating call returns a Changes value: the discussion summaries to upsert, the
// discussions to delete, and the participant sets that moved from one discussion to another.
// A key-value store with secondary indexes holds the index with three record kinds:
//
//	msg/<message id>  the message            index "set"   = SetKey, index "date"
//	set/<SetKey>      SetRecord{URIs, Key}   index "disc"  = discussion Key
//	disc/<Key>        Summary                index "order" = OrderKey(summary)
//
// Writing a Changes is: put each Upserted summary (and its order index), delete each Deleted
// discussion, and rewrite the set record of each SetMove. Messages are never rewritten by a
// merge or a split, whatever their number: they point at their set, the set at its discussion.
// The "disc" index of set records is a cache of the resolution, kept fresh by SetMoves; it
// can always be rebuilt from the sets and the contact book, never the other way round.
// Listing a page reads the "order" index; opening a discussion reads its sets by "disc" and
// their messages by "set". OrderKey sorts newest first as a plain string.
package discussions
