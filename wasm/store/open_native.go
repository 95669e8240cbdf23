//go:build !js

package store

import "context"

// Open opens the platform's database: natively, the file name (a path), synced at each commit.
func Open(ctx context.Context, name string, schema Schema) (DB, error) {
	return OpenFile(name, schema, nil)
}
