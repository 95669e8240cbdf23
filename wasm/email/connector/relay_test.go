//go:build !js

package connector_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"caliopen/relay/relaytest"
	"caliopen/shared/testkit"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/store/storetest"
)

// relayFixture is go-imap's and go-smtp's servers with TLS behind a running relay that
// records every byte it forwards. The SMTP server refuses the first message (451).
type relayFixture struct {
	env   relayEnv
	imap  *emailtest.IMAP
	smtp  *emailtest.SMTP
	relay *relaytest.Relay
}

func startRelayFixture(t *testing.T) *relayFixture {
	t.Helper()
	ca := emailtest.NewCA(t)
	im := emailtest.StartIMAP(t, ca, "alice", relayPassword)
	for i := 1; i <= seededCount; i++ {
		im.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, subject(i)))
	}
	sm := emailtest.StartSMTP(t, ca, "alice", relayPassword)
	sm.SetFailFirst(1)
	rl := relaytest.Start(t, relaytest.Options{Ports: []int{im.Port, sm.Port}, Record: true})
	return &relayFixture{imap: im, smtp: sm, relay: rl, env: relayEnv{RelayURL: rl.URL, Token: rl.Token,
		CAPEM: string(ca.PEM), IMAPPort: im.Port, SMTPPort: sm.Port, Password: relayPassword}}
}

// check asserts what the servers and the relay saw: the message submitted once and filed
// once in Sent, and nothing but ciphertext through the relay.
func (f *relayFixture) check(t *testing.T) {
	t.Helper()
	got := f.smtp.Messages()
	if len(got) != 1 || !bytes.Contains(got[0].Data, []byte(sentSubject)) || got[0].To[0] != "bob@example.test" {
		t.Fatalf("the submission server accepted %d messages", len(got))
	}
	st, err := f.imap.Users["alice"].Status("Sent", &imap.StatusOptions{NumMessages: true})
	if err != nil || *st.NumMessages != 1 {
		t.Fatalf("Sent on the server: %+v %v", st, err)
	}
	seen := f.relay.Recorder.Bytes()
	if len(seen) < 20000 {
		t.Fatalf("the relay forwarded only %d bytes", len(seen))
	}
	for _, m := range []string{relayPassword, "Seeded-marker", pushedSubject, sentSubject, sentBody, "alice@example.test", "LOGIN", "AUTH PLAIN"} {
		if bytes.Contains(seen, []byte(m)) {
			t.Errorf("the relay saw %q in clear", strings.TrimSpace(m))
		}
	}
}

// TestThroughRelay runs the scenario natively, through the relay tunnel's native dialer, into
// the file store: the same code as the browser run, quicker to debug.
func TestThroughRelay(t *testing.T) {
	f := startRelayFixture(t)
	runRelayScenario(t, f.env, storetest.File())
	f.check(t)
}

// TestConnectorInBrowser runs the scenario compiled to WebAssembly in headless Chromium: TLS
// ends in the browser, messages are stored in IndexedDB, the servers and the relay run here.
// It fails if Chromium is missing; CALIOPEN_SKIP_BROWSER=1 skips it deliberately.
func TestConnectorInBrowser(t *testing.T) {
	f := startRelayFixture(t)
	testkit.RunInBrowser(t, "TestConnectorBrowser", relayEnvVar+"="+f.env.encode())
	f.check(t)
}
