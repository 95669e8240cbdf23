//go:build !js

// Tests against real peers (GnuPG, Dovecot, Postfix) and files: native only.

package pgp

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"caliopen/shared/testkit"
)

// peersDir finds the shared peer scripts: ../shared/peers next to the repository root. A
// missing peer fails the test unless CALIOPEN_SKIP_PEERS=1.
func peersDir(t *testing.T, tools ...string) string {
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
	peers := filepath.Join(testkit.SharedDir(t), "peers")
	if _, err := os.Stat(filepath.Join(peers, "gpg-interop.sh")); err != nil {
		skip("peer scripts not found at %s", peers)
	}
	return peers
}

// gpgPeer is GnuPG in a throw-away home, driven by gpg-interop.sh.
type gpgPeer struct {
	t      *testing.T
	script string
	state  string
}

func newGPGPeer(t *testing.T, name, email, algo string) *gpgPeer {
	t.Helper()
	peers := peersDir(t, "gpg", "python3")
	state, err := os.MkdirTemp("/tmp", "cgpg")
	if err != nil {
		t.Fatal(err)
	}
	p := &gpgPeer{t: t, script: filepath.Join(peers, "gpg-interop.sh"), state: state}
	t.Cleanup(func() {
		p.run("stop")
		os.RemoveAll(state)
	})
	if _, _, code := p.run("init", name, email, algo); code != 0 {
		t.Fatalf("gpg init failed")
	}
	return p
}

// run runs a command and returns stdout, stderr and the exit code.
func (p *gpgPeer) run(args ...string) ([]byte, string, int) {
	p.t.Helper()
	cmd := exec.Command(p.script, append([]string{p.state}, args...)...)
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

// file writes data into the peer's state dir and returns its path.
func (p *gpgPeer) file(name string, data []byte) string {
	p.t.Helper()
	path := filepath.Join(p.state, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		p.t.Fatal(err)
	}
	return path
}

func (p *gpgPeer) publicKey() *PublicKey {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.state, "pub.asc"))
	if err != nil {
		p.t.Fatal(err)
	}
	k, err := ParsePublic(b)
	if err != nil {
		p.t.Fatal(err)
	}
	return k
}
