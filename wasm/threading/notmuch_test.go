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

	"caliopen/shared/testkit"
)

// TestNotmuchAgreement threads the notmuch test corpus in Strict mode and compares the
// partition (which files are threaded together) with what notmuch itself computes over a
// temporary database of a copy of the corpus. There is no known difference on this corpus.
func TestNotmuchAgreement(t *testing.T) {
	requireNotmuch(t)
	mailDir := filepath.Join(t.TempDir(), "mail")
	if err := os.CopyFS(mailDir, os.DirFS(corpusDir(t))); err != nil {
		t.Fatal(err)
	}
	compareWithNotmuch(t, mailDir, nil)
}

// edgeCases are threading cases the notmuch corpus lacks, as (file, headers) pairs.
var edgeCases = []struct{ file, headers string }{
	// References names a ghost, In-Reply-To the real parent.
	{"irt-a", "Message-ID: <irt-a@x>\nSubject: one"},
	{"irt-b", "Message-ID: <irt-b@x>\nReferences: <irt-ghost@x>\nIn-Reply-To: <irt-a@x>\nSubject: re one"},
	// Two replies naming the same missing parent after two different roots.
	{"keep-p", "Message-ID: <keep-p@x>\nSubject: p"},
	{"keep-q", "Message-ID: <keep-q@x>\nSubject: q"},
	{"keep-m1", "Message-ID: <keep-m1@x>\nReferences: <keep-p@x> <keep-z@x>\nSubject: m1"},
	{"keep-m2", "Message-ID: <keep-m2@x>\nReferences: <keep-q@x> <keep-z@x>\nSubject: m2"},
	// Two In-Reply-To ids, no References.
	{"two-a", "Message-ID: <two-a@x>\nSubject: a"},
	{"two-b", "Message-ID: <two-b@x>\nSubject: b"},
	{"two-c", "Message-ID: <two-c@x>\nIn-Reply-To: <two-b@x> <two-a@x>\nSubject: c"},
	// A loop made by References.
	{"loop-a", "Message-ID: <loop-a@x>\nReferences: <loop-b@x>\nSubject: loop"},
	{"loop-b", "Message-ID: <loop-b@x>\nReferences: <loop-a@x>\nSubject: loop"},
	// Same subject, no references: never grouped in Strict mode.
	{"subj-a", "Message-ID: <subj-a@x>\nSubject: ten"},
	{"subj-b", "Message-ID: <subj-b@x>\nSubject: Re: ten"},
	// No Message-ID; In-Reply-To with a phrase; a bare id without brackets.
	{"nomid", "In-Reply-To: <subj-a@x>\nSubject: eleven"},
	{"phrase-a", "Message-ID: <phrase-a@x>\nSubject: twelve"},
	{"phrase-b", "Message-ID: <phrase-b@x>\nIn-Reply-To: <phrase-a@x> (Alice's message of today)\nSubject: re"},
	{"bare-a", "Message-ID: <bare-a@x>\nSubject: seven"},
	{"bare-b", "Message-ID: <bare-b@x>\nIn-Reply-To: bare-a@x\nSubject: re seven"},
	// The same Message-ID twice with different References.
	{"dup-1", "Message-ID: <dup@x>\nReferences: <dup-p1@x>\nSubject: dup"},
	{"dup-2", "Message-ID: <dup@x>\nReferences: <dup-p2@x>\nSubject: dup"},
	{"dup-child", "Message-ID: <dup-child@x>\nReferences: <dup-p2@x>\nSubject: dup child"},
}

// edgeDifferences are the deliberate differences from notmuch 0.37 on edgeCases, found by
// this test: notmuch ignores an In-Reply-To id without angle brackets (RFC 5322 requires
// them); we accept it, because old mail clients wrote it so and the reply belongs there.
var edgeDifferences = map[string]string{
	"cur/bare-a + cur/bare-b": "we accept a bare In-Reply-To id; notmuch does not",
	"cur/bare-a":              "notmuch leaves bare-b alone (see above)",
	"cur/bare-b":              "notmuch leaves bare-b alone (see above)",
}

// TestNotmuchEdgeCases compares Strict mode with notmuch on cases the corpus lacks, and
// reports (without asserting) how RFC 5256 References mode differs on them.
func TestNotmuchEdgeCases(t *testing.T) {
	requireNotmuch(t)
	mailDir := filepath.Join(t.TempDir(), "mail")
	cur := filepath.Join(mailDir, "cur")
	if err := os.MkdirAll(cur, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, c := range edgeCases {
		text := fmt.Sprintf("From: a@example.org\nTo: b@example.org\nDate: Thu, 16 Jun 2016 22:%02d:00 -0000\n%s\n\nbody\n", i, c.headers)
		if err := os.WriteFile(filepath.Join(cur, c.file), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	compareWithNotmuch(t, mailDir, edgeDifferences)
}

func requireNotmuch(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("notmuch"); err != nil {
		if os.Getenv("CALIOPEN_SKIP_NOTMUCH") == "1" {
			t.Skip("notmuch not installed and CALIOPEN_SKIP_NOTMUCH=1")
		}
		t.Fatal("notmuch is not installed (set CALIOPEN_SKIP_NOTMUCH=1 to skip)")
	}
}

// compareWithNotmuch indexes mailDir with notmuch, threads the same files in Strict mode,
// asserts that both partitions are equal except for the known differences, and logs the
// numbers, and how References and Subject modes compare.
func compareWithNotmuch(t *testing.T, mailDir string, known map[string]string) {
	t.Helper()
	theirs := notmuchPartition(t, filepath.Dir(mailDir), mailDir)
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
		m, err := ReadHeader(filepath.ToSlash(rel), f)
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
	agree, differ, documented := 0, 0, 0
	for k := range a {
		switch why, ok := known[k]; {
		case b[k]:
			agree++
		case ok:
			documented++
			t.Logf("documented difference, ours: %s (%s)", k, why)
		default:
			differ++
			t.Errorf("thread only in ours: %s", k)
		}
	}
	for k := range b {
		switch why, ok := known[k]; {
		case a[k]:
		case ok:
			documented++
			t.Logf("documented difference, notmuch: %s (%s)", k, why)
		default:
			differ++
			t.Errorf("thread only in notmuch: %s", k)
		}
	}
	t.Logf("NOTMUCH files=%d threads ours=%d notmuch=%d agreeing=%d documented=%d undocumented=%d",
		len(msgs), len(ours), len(theirs), agree, documented, differ)
	for _, mode := range []Mode{References, Subject} {
		other := keys(Partition(Build(msgs, mode)))
		same := 0
		for k := range other {
			if b[k] {
				same++
			}
		}
		t.Logf("mode %s (not asserted): threads=%d, equal to notmuch's: %d", modeName(mode), len(other), same)
	}
}

func modeName(m Mode) string {
	return map[Mode]string{Strict: "strict", References: "references", Subject: "subject"}[m]
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

// corpusDir is the notmuch corpus beside the repository.
func corpusDir(t *testing.T) string { return testkit.Corpus(t) }
