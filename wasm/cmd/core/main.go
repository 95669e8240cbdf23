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
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	port, err := platform.WorkerPort()
	if err != nil {
		log.Error("core: no message port", "error", err)
		os.Exit(1)
	}
	if err := app.Start(context.Background(), port, log); err != nil {
		log.Error("core stopped", "error", err)
		os.Exit(1)
	}
}
