//go:build !js

package testkit

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// GPG is GnuPG in a throw-away home, driven by shared/peers/gpg-interop.sh (its header lists
// the commands). State is the directory holding its home, pub.asc and sec.asc.
type GPG struct {
	t      testing.TB
	script string
	State  string
}

// NewGPG starts a GnuPG peer with a fresh unprotected key pair for name <email>; algo is
// "ed25519" or "rsa".
func NewGPG(t testing.TB, name, email, algo string) *GPG {
	t.Helper()
	peers := PeersDir(t, "gpg", "python3")
	state, err := os.MkdirTemp("/tmp", "cgpg") // short: gpg-agent's socket path is bounded
	if err != nil {
		t.Fatal(err)
	}
	p := &GPG{t: t, script: filepath.Join(peers, "gpg-interop.sh"), State: state}
	t.Cleanup(func() {
		p.Run("stop")
		os.RemoveAll(state)
	})
	if _, stderr, code := p.Run("init", name, email, algo); code != 0 {
		t.Fatalf("gpg init failed: %s", stderr)
	}
	return p
}

// Run runs a command and returns stdout, stderr and the exit code.
func (p *GPG) Run(args ...string) ([]byte, string, int) {
	p.t.Helper()
	cmd := exec.Command(p.script, append([]string{p.State}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.Bytes(), errb.String(), exit.ExitCode()
	}
	if err != nil {
		p.t.Fatalf("running %v: %v", args, err)
	}
	return out.Bytes(), errb.String(), 0
}

// File writes data into the peer's state directory and returns its path.
func (p *GPG) File(name string, data []byte) string {
	p.t.Helper()
	path := filepath.Join(p.State, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		p.t.Fatal(err)
	}
	return path
}

// PublicKey returns the peer's armored public key.
func (p *GPG) PublicKey() []byte {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.State, "pub.asc"))
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}
