package auth

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAddVerifyRevoke(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := s.Verify(tok); !ok || u != "alice" {
		t.Fatalf("Verify = %q %v", u, ok)
	}
	if _, err := s.Add("alice"); !errors.Is(err, ErrUserExists) {
		t.Fatalf("second add: %v", err)
	}
	if _, ok := s.Verify(tok + "x"); ok {
		t.Fatal("altered token accepted")
	}
	if _, ok := s.Verify(""); ok {
		t.Fatal("empty token accepted")
	}
	raw, _ := os.ReadFile(filepath.Join(dir, FileName))
	if bytes.Contains(raw, []byte(tok)) || bytes.Contains(raw, []byte(tok[len(TokenPrefix):])) {
		t.Fatal("token stored in clear")
	}
	if fi, _ := os.Stat(filepath.Join(dir, FileName)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("tokens file mode %v", fi.Mode().Perm())
	}

	// Another process (the CLI) revokes: a running store notices.
	other, _ := Open(dir)
	if err := other.Revoke("alice"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Verify(tok); ok {
		t.Fatal("revoked token accepted")
	}
	if err := other.Revoke("alice"); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("second revoke: %v", err)
	}
	if _, err := s.Add("bad user"); !errors.Is(err, ErrBadUser) {
		t.Fatalf("bad user: %v", err)
	}
}

func TestTokenCommand(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := RunTokenCommand([]string{"add", "bob"}, dir, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	tok := lines[len(lines)-1]
	s, _ := Open(dir)
	if u, ok := s.Verify(tok); !ok || u != "bob" {
		t.Fatalf("printed token does not verify: %q", tok)
	}
	out.Reset()
	if err := RunTokenCommand([]string{"list"}, dir, &out); err != nil || !strings.Contains(out.String(), "bob") || strings.Contains(out.String(), tok) {
		t.Fatalf("list: %v %q", err, out.String())
	}
	if err := RunTokenCommand([]string{"revoke", "bob"}, dir, &out); err != nil {
		t.Fatal(err)
	}
	if err := RunTokenCommand([]string{"frobnicate"}, dir, &out); err == nil {
		t.Fatal("unknown subcommand accepted")
	}
}
