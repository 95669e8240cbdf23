// Package testkit holds what the project's tests share: finding the module root and the
// shared/ folder that sits beside the repository (the real mail corpus, the peer scripts for
// Dovecot, Postfix and GnuPG). CI clones the repository with shared/ next to it.
package testkit

import (
	"os"
	"os/exec"
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

// PeersDir returns the shared peer scripts (shared/peers) after checking that tools are
// installed (Dovecot and Postfix need root). A missing peer fails the test unless
// CALIOPEN_SKIP_PEERS=1.
func PeersDir(t testing.TB, tools ...string) string {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CALIOPEN_SKIP_PEERS") == "1" {
			t.Skipf(format, args...)
		}
		t.Fatalf(format+" (set CALIOPEN_SKIP_PEERS=1 to skip)", args...)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			skip("%s is not installed", tool)
		}
		if (tool == "dovecot" || tool == "postfix") && os.Geteuid() != 0 {
			skip("%s needs root", tool)
		}
	}
	peers := filepath.Join(SharedDir(t), "peers")
	if _, err := os.Stat(filepath.Join(peers, "gpg-interop.sh")); err != nil {
		skip("peer scripts not found at %s", peers)
	}
	return peers
}
