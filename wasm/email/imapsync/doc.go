// Package imapsync keeps an email account's IMAP folders in the local store: it lists the
// folders with their special-use roles, syncs each one newest-first in batches (each batch and
// its cursor in one transaction, with progress), then incrementally: new messages by UID, flag
// changes with CONDSTORE (CHANGEDSINCE) where the server has it and by fetching FLAGS
// otherwise, expunges by comparing UIDs, and a full resync of a folder whose UIDVALIDITY
// changed. Run keeps a connection open, waits for push with IDLE on the inbox, reconnects with
// exponential backoff and reports its health. SetFlags and Move change messages both ways:
// applied in the store at once, recorded durably, and pushed to the server now or at the next
// connection (before any sync, which skips messages with a change still pending).
//
// QRESYNC (VANISHED) is not used: go-imap v2's client does not parse it yet.
package imapsync
