//go:build !js

package threading

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// knownDifferences lists the threads (as sorted corpus-relative file lists joined by " + ")
// where strict threading deliberately differs from notmuch. Each entry says why; see
// TestNotmuchAgreement's doc.
var knownDifferences = map[string]string{}

// TestNotmuchAgreement threads the notmuch test corpus in Strict mode and compares the
// partition (which files are threaded together) with what notmuch itself computes over a
// temporary database of a copy of the corpus.
func TestNotmuchAgreement(t *testing.T) {
	if _, err := exec.LookPath("notmuch"); err != nil {
		if os.Getenv("CALIOPEN_SKIP_NOTMUCH") == "1" {
			t.Skip("notmuch not installed and CALIOPEN_SKIP_NOTMUCH=1")
		}
		t.Fatal("notmuch is not installed (set CALIOPEN_SKIP_NOTMUCH=1 to skip)")
	}
	corpus := corpusDir(t)
	tmp := t.TempDir()
	mailDir := filepath.Join(tmp, "mail")
	if err := os.CopyFS(mailDir, os.DirFS(corpus)); err != nil {
		t.Fatal(err)
	}
	theirs := notmuchPartition(t, tmp, mailDir)
	indexed := map[string]bool{}
	for _, th := range theirs {
		for _, f := range th {
			indexed[f] = true
		}
	}

	var msgs []Message
	err := filepath.WalkDir(mailDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(mailDir, p)
		if !indexed[rel] {
			return nil // not a message for notmuch either (README, .notmuch)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		m, err := ReadHeader(rel, f)
		if err != nil {
			t.Logf("%s: header: %v", rel, err)
		}
		msgs = append(msgs, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ours := Partition(Build(msgs, Strict))

	a, b := keys(ours), keys(theirs)
	agree, differ := 0, 0
	for k := range a {
		if b[k] {
			agree++
			continue
		}
		if why, ok := knownDifferences[k]; ok {
			t.Logf("known difference (ours): %s: %s", k, why)
			continue
		}
		differ++
		t.Errorf("thread only in ours: %s", k)
	}
	for k := range b {
		if !a[k] {
			if why, ok := knownDifferences[k]; ok {
				t.Logf("known difference (notmuch): %s: %s", k, why)
				continue
			}
			t.Errorf("thread only in notmuch: %s", k)
		}
	}
	bySubject := Partition(Build(msgs, Subject))
	t.Logf("subject mode (for comparison, not asserted): %d threads", len(bySubject))
	t.Logf("NOTMUCH messages(files)=%d threads ours=%d notmuch=%d agreeing=%d differing=%d known=%d",
		len(msgs), len(ours), len(theirs), agree, differ, len(knownDifferences))
}

func keys(parts [][]string) map[string]bool {
	out := map[string]bool{}
	for _, p := range parts {
		out[strings.Join(p, " + ")] = true
	}
	return out
}

// notmuchPartition indexes mailDir in a fresh database and returns the files of each thread.
func notmuchPartition(t *testing.T, home, mailDir string) [][]string {
	cfg := filepath.Join(home, "notmuch-config")
	conf := fmt.Sprintf("[database]\npath=%s\n[user]\nname=Test\nprimary_email=test@example.org\n"+
		"[new]\ntags=inbox;\n[maildir]\nsynchronize_flags=false\n", mailDir)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		cmd := exec.Command("notmuch", args...)
		cmd.Env = append(os.Environ(), "NOTMUCH_CONFIG="+cfg, "HOME="+home)
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("notmuch %v: %v: %s", args, err, ee.Stderr)
			}
			t.Fatalf("notmuch %v: %v", args, err)
		}
		return string(out)
	}
	run("new", "--quiet")
	var parts [][]string
	for _, th := range lines(run("search", "--output=threads", "*")) {
		var files []string
		for _, f := range lines(run("search", "--output=files", th)) {
			rel, err := filepath.Rel(mailDir, f)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, rel)
		}
		slices.Sort(files)
		parts = append(parts, files)
	}
	return parts
}

func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// corpusDir finds ../shared/corpora/notmuch from the module root (the directory of go.mod).
func corpusDir(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpora", "notmuch")
	if _, err := os.Stat(c); err != nil {
		t.Fatalf("notmuch corpus not found at %s: %v", c, err)
	}
	return c
}
