package app

import (
	"context"
	"testing"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// A setting another device changed is applied here with an operation-log entry that the
// bridge does not carry back: when a newer value arrived meanwhile, re-stamping the older
// one would make it win everywhere. A setting changed here is carried.
func TestSettingsFromTheSpaceAreNotCarriedBack(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	r := repo.New(db)
	state := syncspace.NewState()
	state.Apply(syncspace.Op{Kind: syncspace.Set, Coll: collSetting, Key: "theme", Field: "v", Value: []byte(`"dark"`),
		At: syncspace.HLC{Wall: 2, Node: "other"}}, 2)
	if err := r.SetSettingFromSync(ctx, "theme", "light"); err != nil { // the older value, applied a moment ago
		t.Fatal(err)
	}
	if err := r.SetSetting(ctx, "density", "compact"); err != nil { // the user's own change
		t.Fatal(err)
	}
	ops, err := r.Ops(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var carried []string
	for _, op := range ops {
		if sop, ok := toSyncOp(op, state, map[string]bool{}); ok {
			carried = append(carried, sop.Key+"="+string(sop.Value))
		}
	}
	if len(carried) != 1 || carried[0] != `density="compact"` {
		t.Fatalf("carried %v, want only the user's own change", carried)
	}
}
