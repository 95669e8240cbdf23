// Package testkit holds what the project's tests share: finding the module root and the
// shared/ folder that sits beside the repository (the real mail corpus, the peer scripts for
// Dovecot, Postfix and GnuPG). CI clones the repository with shared/ next to it.
package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot returns the directory holding go.mod, walking up from the test's directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testkit: go.mod not found above the test directory")
		}
		dir = parent
	}
}

// SharedDir returns the shared/ folder beside the repository.
func SharedDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(ModuleRoot(t), "..", "shared")
}

// Corpus returns a path inside the notmuch mail corpus (shared/corpora/notmuch), failing the
// test when the corpus is missing.
func Corpus(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{SharedDir(t), "corpora", "notmuch"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the mail corpus is missing at %s: %v", p, err)
	}
	return p
}
