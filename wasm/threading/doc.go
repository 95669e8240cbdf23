// Package threading builds email sub-threads ("topics") with the REFERENCES algorithm of
// RFC 5256 §BASE.6.4, which is Jamie Zawinski's (jwz.org/doc/threading.html):
//
//  1. every Message-ID gets a container; a message's References (or, when it has none, the
//     first id of In-Reply-To) link the containers in order, never creating a loop, never
//     breaking a link made earlier; the message's parent is its last reference;
//  2. containers without a message ("ghosts": a parent we never received) are kept while
//     they have children, pruned otherwise, and promoted away when they hold one child;
//  3. roots with the same base subject are grouped (RFC 5256 §2.1), in Subject mode only;
//  4. siblings are sorted by date.
//
// Three modes:
//
//   - Strict (the default for topics) never compares subjects and follows notmuch where
//     RFC 5256 drops information: a message joins the thread of every id it names
//     (References and every In-Reply-To id), and its In-Reply-To names its parent. Its
//     partition equals notmuch's on notmuch's own test corpus and on the edge cases of
//     notmuch_test.go, but one: we accept an In-Reply-To id written without angle brackets.
//   - References is RFC 5256 REFERENCES without the subject step.
//   - Subject is RFC 5256 REFERENCES in full.
//
// A Message-ID seen twice (the same mail in two folders, or a list copy) gives one container
// per copy; the later copies hang under the first as duplicates, so copies always share a
// thread. The result depends only on the set of messages, not on their order.
package threading
