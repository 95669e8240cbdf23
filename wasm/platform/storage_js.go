//go:build js && wasm

package platform

import (
	"context"

	"caliopen/wasm/api"
	"github.com/hack-pad/safejs"
)

// StorageInfo reports whether IndexedDB is usable here, whether the browser keeps this
// origin's data persistently (asking for it once), and the usage and quota it reports.
func StorageInfo(ctx context.Context) api.StorageInfo {
	info := api.StorageInfo{Backend: "indexeddb"}
	g := safejs.Global()
	idb, err := g.Get("indexedDB")
	if err != nil || idb.IsUndefined() || idb.IsNull() {
		info.Error = "this browser offers no IndexedDB: nothing could be kept on this device"
		info.ErrorCode = "no_indexeddb"
		return info
	}
	info.Available = true
	nav, err := g.Get("navigator")
	if err != nil {
		return info
	}
	storage, err := nav.Get("storage")
	if err != nil || storage.IsUndefined() {
		return info
	}
	if p, err := storage.Call("persisted"); err == nil {
		if v, err := await(ctx, p); err == nil {
			info.Persistent, _ = v.Bool()
		}
	}
	if !info.Persistent {
		// persist() exists in windows; workers only have persisted(). The page asks too.
		if fn, err := storage.Get("persist"); err == nil && !fn.IsUndefined() {
			if p, err := storage.Call("persist"); err == nil {
				if v, err := await(ctx, p); err == nil {
					info.Persistent, _ = v.Bool()
				}
			}
		}
	}
	if p, err := storage.Call("estimate"); err == nil {
		if est, err := await(ctx, p); err == nil {
			if u, err := est.Get("usage"); err == nil {
				if f, err := u.Float(); err == nil {
					info.UsageBytes = int64(f)
				}
			}
			if q, err := est.Get("quota"); err == nil {
				if f, err := q.Float(); err == nil {
					info.QuotaBytes = int64(f)
				}
			}
		}
	}
	return info
}
