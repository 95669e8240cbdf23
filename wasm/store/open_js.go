//go:build js && wasm

package store

import "context"

// Open opens the platform's database: in the browser, the IndexedDB database name.
func Open(ctx context.Context, name string, schema Schema) (DB, error) {
	return OpenIndexedDB(ctx, name, schema)
}
