// Package store is the core's one storage abstraction, shaped like IndexedDB so that it maps onto
// it one to one: a database holds a versioned schema of object stores, each with declared secondary
// indexes, and all access goes through read-only (View) or read-write (Update) transactions over a
// set of stores, whose writes commit all together or not at all.
//
// Two backends implement it and pass the same contract tests (package storetest):
//
//   - OpenIndexedDB (js/wasm only): the browser's IndexedDB, called through hack-pad/safejs.
//   - OpenMemory and OpenFile: an in-memory store, optionally persisted to an append-only log
//     file, for native tests and tools.
//
// Open picks the platform's backend: IndexedDB in the browser, a file natively.
//
// # Records and order
//
// A Record is a primary key, an opaque value and index keys computed by Go code. Keys are strings
// of valid UTF-8 that never contain U+FFFF; both backends order them by UTF-16 code units, the
// order of IndexedDB. Build composite keys with Tuple and time keys with TimeKey so that their
// order is the order of the values they encode.
//
// # Transactions
//
// The function given to View or Update must only call the Tx and compute: it must not wait on
// anything else (network, timers, channels, other transactions). IndexedDB commits a transaction
// by itself as soon as it has no pending request when the browser's event loop runs; waiting on
// anything else lets that happen under the function's feet. To keep a stalled function from
// committing half of its writes, writes are buffered in Go and sent to the backend when the
// function returns (or before a Scan or Count, which must see them); a transaction found finished
// early reports ErrTxInactive. Writes sent before a Scan or Count are in IndexedDB's hands: a
// function that stalls after them may see that part committed, so read first, then write. A
// function that returns an error or panics aborts the transaction.
//
// View and Update block; in WebAssembly call them from a goroutine, never from a JavaScript
// callback.
package store
