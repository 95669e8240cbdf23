// Package imapsync keeps an email account's IMAP folders in the local store: it lists the
// folders with their special-use roles, syncs each one newest-first in batches (each batch and
// its cursor in one transaction, with progress), then incrementally: new messages by UID, flag
// changes with CONDSTORE (CHANGEDSINCE) where the server has it and by fetching FLAGS
// otherwise, expunges by comparing UIDs, and a full resync of a folder whose UIDVALIDITY
// changed. A message with attachments is fetched without them (its header, MIME headers and
// text parts, from its BODYSTRUCTURE); an attachment is fetched alone when opened. Each
// message is filed in the box of its folder's role (model.Box: Sent, the
// archive or Gmail's All Mail, the trash, junk, drafts; the rest is the inbox). Run keeps a
// connection open, waits for push with IDLE on the inbox, checks every KeepAlive that the
// connection still answers (a silently dead one is replaced within KeepAlive + AliveTimeout),
// reconnects with exponential backoff and reports its health. SetFlags, Move and Record change
// messages both ways: applied in the store at once, recorded durably, and pushed to the server
// (SetFlags and Move on a connection of their own, at once; Record through Run's connection)
// or at the next connection, before any sync, which skips messages with a change still
// pending. A change the server refuses for good is dropped.
//
// QRESYNC (VANISHED) is not used: go-imap v2's client does not parse it yet.
package imapsync
