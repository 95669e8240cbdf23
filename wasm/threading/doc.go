// Package threading builds email sub-threads ("topics") with the REFERENCES algorithm of
// RFC 5256 §BASE.6.4, which is Jamie Zawinski's (jwz.org/doc/threading.html):
//
//  1. every Message-ID gets a container; a message's References (or, when it has none, the
//     first id of In-Reply-To) link the containers in order, never creating a loop, never
//     breaking a link made earlier; the message's parent is its last reference;
//  2. containers without a message ("ghosts": a parent we never received) are kept while
//     they have children, pruned otherwise, and promoted away when they hold one child;
//  3. in Subject mode, roots with the same base subject are grouped (RFC 5256 §2.1);
//     Strict mode skips that step, which is what notmuch does;
//  4. siblings are sorted by date.
//
// A Message-ID seen twice (the same mail in two folders, or a list copy) gives one container
// per copy; the later copies hang under the first as duplicates, so copies always share a
// thread. The result depends only on the set of messages, not on their order.
package threading
