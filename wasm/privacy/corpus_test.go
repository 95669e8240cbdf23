package privacy

import (
	"os"
	"path/filepath"
	"testing"

	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

func corpusMessage(t *testing.T, rel string) *mail.Parsed {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(sharedDir(t), "corpora", "notmuch", rel))
	if err != nil {
		t.Fatalf("the notmuch corpus is missing: %v", err)
	}
	p, err := mail.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCorpusFactors checks factors on real messages of the notmuch mailing list.
func TestCorpusFactors(t *testing.T) {
	link := Link{TLS: true, Version: "TLSv1.3"}
	trusted := []string{"fethera.tethera.net"}
	tests := []struct {
		file   string
		setup  func(*MessageInput)
		factor string
		earned int
		code   string // evidence expected
		advice string // advice expected ("" for none)
	}{
		// Exim on the list host received it without TLS; the sender's side used ESMTPSA.
		{"attachment/x-gtar-compressed.eml", nil, FactorHops, PointsEarlierHops, "evidence.hops.entry-clear", "advice.hops.sender-no-tls"},
		// Debian's servers relayed over TLS 1.2, but the hop into the list host and two hops
		// inside the sender's provider were in clear.
		{"duplicate/msg-3-3:2,", nil, FactorHops, 0, "evidence.hops.earlier-clear", "advice.hops.sender-no-tls"},
		// The structure says encrypted; nothing was decrypted: no points for the shape.
		{"crypto/basic-encrypted.eml", nil, FactorEncrypted, 0, "evidence.encrypted.no", "advice.key.ask"},
		// Once the crypto layer decrypted it, the factor is earned.
		{"crypto/basic-encrypted.eml", func(in *MessageInput) { in.Message.Security.Encrypted = true }, FactorEncrypted, PointsEncrypted, "evidence.encrypted.yes", ""},
		// A PGP/MIME signature not yet verified counts for nothing...
		{"protected-headers/simple-signed-mail.eml", nil, FactorSigned, 0, "evidence.signed.no", "advice.signed.ask"},
		// ...a verified one from the sender's known key for everything, a bad one against.
		{"protected-headers/simple-signed-mail.eml", func(in *MessageInput) { in.Message.Security.Signature = model.SigGoodKnown }, FactorSigned, PointsSigned, "evidence.signed.good-known", ""},
		{"protected-headers/simple-signed-mail.eml", func(in *MessageInput) { in.Message.Security.Signature = model.SigBad }, FactorSigned, -PointsSigned, "evidence.signed.bad", "advice.signed.bad"},
		{"protected-headers/simple-signed-mail.eml", func(in *MessageInput) { in.Message.Security.Signature = model.SigGoodUnknown }, FactorSigned, PointsSigned / 2, "evidence.signed.good-unknown", "advice.key.verify"},
		// No Authentication-Results at all from the trusted server.
		{"duplicate/msg-3-3:2,", nil, FactorSenderAuth, 0, "evidence.auth.missing", "advice.auth.weak"},
		// The account's link.
		{"default/bar/baz/24:2,", func(in *MessageInput) { in.Link = Link{} }, FactorOwnLink, 0, "evidence.link.clear", "advice.link.enable-tls"},
		{"default/bar/baz/24:2,", nil, FactorOwnLink, PointsOwnLink, "evidence.link.tls", ""},
		// The data: image of this HTML mail is not remote content.
		{"html/embedded-image", nil, FactorRemoteContent, PointsRemoteContent, "evidence.remote.none", ""},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.factor+"/"+tc.code, func(t *testing.T) {
			in := FromParsed(corpusMessage(t, tc.file))
			in.Link, in.TrustedAuthServIDs = link, trusted
			if tc.setup != nil {
				tc.setup(&in)
			}
			f := mustFactor(t, MessageIndex(in, PeopleMap{}), tc.factor)
			if f.Earned != tc.earned || !hasEvidence(f, tc.code, "") {
				t.Fatalf("got %d points, evidence %+v; want %d and %s (hops %+v)", f.Earned, f.Evidence, tc.earned, tc.code, in.Hops)
			}
			if (tc.advice == "") != (len(f.Advice) == 0) || tc.advice != "" && !hasAdvice(f, tc.advice) {
				t.Fatalf("advice %+v, want %q", f.Advice, tc.advice)
			}
		})
	}
}

// TestCorpusInvariants scores every corpus message: no panic, advice exactly where points
// are missing.
func TestCorpusInvariants(t *testing.T) {
	root := filepath.Join(sharedDir(t), "corpora", "notmuch")
	n := 0
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README" {
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		parsed, err := mail.Parse(raw)
		if err != nil {
			return nil
		}
		n++
		ix := MessageIndex(FromParsed(parsed), PeopleMap{})
		for _, f := range ix.Factors {
			if f.Full() == (len(f.Advice) > 0) {
				t.Errorf("%s: factor %s %d/%d advice %v", p, f.ID, f.Earned, f.Possible, f.Advice)
			}
		}
		if ix.Grade == GradeA {
			t.Errorf("%s: an unverified message graded A (%d)", p, ix.Score)
		}
		return nil
	})
	if n < 50 {
		t.Fatalf("only %d corpus messages", n)
	}
}
