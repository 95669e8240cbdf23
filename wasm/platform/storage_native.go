//go:build !(js && wasm)

package platform

import (
	"context"

	"caliopen/wasm/api"
)

// StorageInfo is the native twin: native runs keep data in memory (tests) or in files (tools).
func StorageInfo(ctx context.Context) api.StorageInfo {
	return api.StorageInfo{Available: true, Backend: "memory", Persistent: false}
}
