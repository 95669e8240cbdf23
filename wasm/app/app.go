// Package app assembles the client core: it creates the Core on a Port and registers the
// handlers and live queries of every feature. The browser's main (wasm/cmd/core) and native
// tests both start the core through Start, so they run the same code.
package app

import (
	"context"
	"log/slog"
	"runtime"

	"caliopen/shared/version"
	"caliopen/wasm/api"
	"caliopen/wasm/core"
	"caliopen/wasm/platform"
)

// Start registers every feature on a new core talking through port, announces readiness
// with the api.CoreReady event, and serves until ctx ends.
func Start(ctx context.Context, port core.Port, log *slog.Logger) error {
	c := core.New(port, log)
	core.Handle(c, api.CoreInfo, func(ctx context.Context, _ api.Empty) (api.CoreInfoResult, error) {
		return info(ctx), nil
	})
	core.Live(c, api.StatusQuery, func(ctx context.Context, _ api.Empty) (api.CoreStatus, error) {
		return api.CoreStatus{Storage: platform.StorageInfo(ctx), Online: true}, nil
	}, "status")
	if err := core.Emit(c, api.CoreReady, info(ctx)); err != nil {
		return err
	}
	return c.Serve(ctx)
}

func info(ctx context.Context) api.CoreInfoResult {
	return api.CoreInfoResult{
		Product:   "Caliopen",
		Version:   version.Version,
		Build:     version.Build,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		Storage:   platform.StorageInfo(ctx),
	}
}
