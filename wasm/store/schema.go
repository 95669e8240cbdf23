package store

import (
	"fmt"
	"slices"
)

// Schema is the shape of a database at one version. Opening a database stored at an older
// version upgrades it in one transaction: declared stores and indexes that are missing are
// created, the migrations above the stored version run in order, then stores and indexes that are
// no longer declared are deleted. To add a store, append it to Stores and bump Version.
type Schema struct {
	Version    int
	Stores     []StoreSpec
	Migrations []Migration
}

// StoreSpec declares an object store and its secondary indexes.
type StoreSpec struct {
	Name    string
	Indexes []string
}

// Migration moves data to Version; it runs when a database stored below Version is opened. Its
// transaction covers every store of the schema (and the stores about to be deleted).
type Migration struct {
	Version int
	Run     func(Tx) error
}

// Store returns the spec of the named store.
func (s Schema) Store(name string) (StoreSpec, bool) {
	for _, st := range s.Stores {
		if st.Name == name {
			return st, true
		}
	}
	return StoreSpec{}, false
}

// HasIndex reports whether the store declares the index.
func (s StoreSpec) HasIndex(name string) bool { return slices.Contains(s.Indexes, name) }

// Validate checks the schema's names and versions.
func (s *Schema) Validate() error {
	if s.Version < 1 {
		return fmt.Errorf("store: schema version %d, want >= 1", s.Version)
	}
	seen := map[string]bool{}
	for _, st := range s.Stores {
		if st.Name == "" || seen[st.Name] {
			return fmt.Errorf("store: empty or duplicate store name %q", st.Name)
		}
		seen[st.Name] = true
		idx := map[string]bool{}
		for _, i := range st.Indexes {
			if i == "" || idx[i] {
				return fmt.Errorf("store: empty or duplicate index %q in %s", i, st.Name)
			}
			idx[i] = true
		}
	}
	prev := 0
	for _, m := range s.Migrations {
		if m.Version <= prev || m.Version > s.Version || m.Run == nil {
			return fmt.Errorf("store: migrations must have increasing versions <= %d", s.Version)
		}
		prev = m.Version
	}
	return nil
}

// StoreNames returns the names of the declared stores.
func (s Schema) StoreNames() []string {
	names := make([]string, len(s.Stores))
	for i, st := range s.Stores {
		names[i] = st.Name
	}
	return names
}
