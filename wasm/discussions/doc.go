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
// # What is shown, inbox and archive
//
// A message in a hidden box (trash, junk, server drafts) is held but shown in no discussion,
// and of the copies of one email filed in several folders of an account (one Message-ID) only
// the best placed is shown: inbox, then sent, then archive. A discussion is in the inbox
// while one of its received messages is; once all of them are archived (and it has some),
// it is in the archive (Filter.Archive). Sent messages alone keep a discussion in the inbox.
//
// # Using it
//
//	ix := discussions.NewIndex(book)         // book: a *contacts.Book or any Resolver
//	chs, _ := book.EnsureAll(discussions.ParticipantSet(&msg), now)
//	ix.Apply(chs...)                          // contacts first, then the message
//	ch, err := ix.Add(msg)                   // or AddBatch(page); replaces a same-ID message
//	mc, _ := book.Merge(a, b, evidence, now)  // or Split, Undo, Consider, Confirm, Link…
//	ix.Apply(mc)                              // re-key what the contact change touched
//	ix.Rekey(uri)                             // after an identity became the user's own
//	page, next, err := ix.Page("", 50)       // newest first; pass next for the next page
//	msgs := ix.Messages(page[0].Key)         // in time order
//	topics := ix.Topics(page[0].Key, threading.Strict) // or EmailTopics: email sub-threads as the UI lists them
//	choice, err := ix.ReplyChannel(discussions.ReplyRequest{…}, book)
//
// Every contact change must reach the index through Apply, Ensure included: an identity
// without a contact is keyed by its URI, with one by its contact id.
//
// # Persistence
//
// Every mutating call returns a Changes value: the discussion summaries to upsert, the
// discussions to delete, the participant sets created, deleted, or moved from one
// discussion to another.
// A key-value store with secondary indexes holds the index with three record kinds:
//
//	msg/<message id>  the message            index "set"   = SetKeyOf(msg), index "date"
//	set/<SetKey>      SetRecord{URIs, Key}   index "disc"  = discussion Key
//	disc/<Key>        Summary                index "order" = OrderKey(summary)
//
// Writing a Changes is: put each Upserted summary (and its order index), delete each Deleted
// discussion, put each NewSets record, delete each DeletedSets record, and rewrite the set
// record of each SetMove. Messages are never rewritten by a
// merge or a split, whatever their number: they point at their set, the set at its discussion.
// The "disc" index of set records is a cache of the resolution, kept fresh by SetMoves; it
// can always be rebuilt from the sets and the contact book, never the other way round.
// Listing a page reads the "order" index; opening a discussion reads its sets by "disc" and
// their messages by "set". OrderKey sorts newest first as a plain string.
//
// This Index keeps everything in memory and is the reference: a store-backed engine keeps
// the same records and applies the same rules, and tests can compare the two. Until then
// the core rebuilds the Index at start by adding the stored messages (AddBatch).
package discussions
