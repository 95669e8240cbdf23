//go:build js && wasm

// Command core is the client core compiled to WebAssembly. It runs inside the app's dedicated
// Web Worker (web/src/worker.ts starts it) and talks to the page through the worker's
// message port with the messages declared in wasm/api.
package main

import (
	"context"
	"log/slog"
	"os"

	"caliopen/wasm/app"
	"caliopen/wasm/platform"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx := context.Background()
	port, err := platform.WorkerPort()
	if err != nil {
		log.Error("core: no message port", "error", err)
		os.Exit(1)
	}
	opts := app.Options{Port: port, Log: log}
	opts.DB, opts.DBError = store.Open(ctx, "caliopen", repo.Schema())
	if opts.DBError != nil {
		log.Error("core: the local database cannot be opened", "error", opts.DBError)
	}
	if ch, err := platform.OpenChannel("caliopen-changes"); err == nil {
		opts.Broadcast = ch
	} else {
		log.Warn("core: no channel to other tabs", "error", err)
	}
	if err := app.Start(ctx, opts); err != nil {
		log.Error("core stopped", "error", err)
		os.Exit(1)
	}
}
