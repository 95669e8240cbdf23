// Package mastodon is the Mastodon connector: it signs in to an instance (OAuth authorization
// code with PKCE and state, or a pasted token), syncs the user's direct conversations into the
// store (both directions of Link-header pagination, whole threads, content warnings, media with
// their alt text), follows the direct and user streams over SSE (new statuses, edits,
// deletions; see streams in live.go) with reconnection and a REST polling fallback, repairs the
// edits and deletions it could not hear (Reconcile), sends replies through the durable outbox
// with an Idempotency-Key (and a look for the status past the hour the instance remembers it),
// checks a reply's length as the instance counts it, and turns accounts into identities with
// the profile facts contact merging uses (fields verified by the server).
//
// REST calls go through github.com/mattn/go-mastodon where it fits; what it lacks is written here
// (notes/protocols.md §1.10): PKCE and state, the authorization-server discovery, min_id paging
// from Link rel=prev, Idempotency-Key, X-RateLimit-Reset handling instead of its blocking retry,
// and an SSE reader with multi-line data and backoff. The browser calls the instance directly
// (Mastodon allows cross-origin API calls); Go's net/http uses fetch there.
package mastodon
