package privacy

import (
	"strings"
	"testing"

	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

// TestRealDelivery scores mail delivered by Postfix into Dovecot: one submitted with
// STARTTLS and AUTH, one sent to the plain SMTP port.
func TestRealDelivery(t *testing.T) {
	peer := startMailPeer(t)
	peer.submit(t, testMail("Alice <alice@example.test>", "tls hop",
		"Authentication-Results: mail.attacker.example; dkim=pass header.d=example.test; spf=pass; dmarc=pass"))
	peer.seedClear(t, testMail("Carol <carol@sender.example.org>", "clear hop"))
	peer.submit(t, testMail("Alice <alice@example.test>", "forged own id",
		"Authentication-Results: mail.example.test; dkim=pass header.d=example.test; spf=pass; dmarc=pass"))

	tlsMail := peer.delivered(t, "tls hop")
	clearMail := peer.delivered(t, "clear hop")
	people := PeopleMap{}
	link := Link{TLS: true, Version: "TLSv1.3"}
	trusted := []string{"mail.example.test"}

	t.Run("TLS submission: the entry hop is TLS", func(t *testing.T) {
		in := FromParsed(tlsMail)
		in.Link, in.TrustedAuthServIDs = link, trusted
		ix := MessageIndex(in, people)
		f := mustFactor(t, ix, FactorHops)
		if f.Earned != PointsHops || len(f.Advice) != 0 {
			t.Fatalf("hops factor %+v, want full", f)
		}
		if !hasEvidence(f, "evidence.hops.entry-tls", "TLSv1.3") {
			t.Fatalf("no TLSv1.3 entry-hop evidence in %+v (hops %+v)", f.Evidence, tlsMail.Hops)
		}
	})
	t.Run("forged Authentication-Results are ignored", func(t *testing.T) {
		in := FromParsed(tlsMail)
		in.Link, in.TrustedAuthServIDs = link, trusted
		f := mustFactor(t, MessageIndex(in, people), FactorSenderAuth)
		if f.Earned != 0 {
			t.Fatalf("forged results earned %d points: %+v", f.Earned, f)
		}
		if !hasEvidence(f, "evidence.auth.ignored", "mail.attacker.example") {
			t.Fatalf("the forgery is not reported: %+v", f.Evidence)
		}
	})
	t.Run("results naming the own server but written by the sender are ignored", func(t *testing.T) {
		in, err := FromRaw(rawOf(t, peer.delivered(t, "forged own id"), peer))
		if err != nil {
			t.Fatal(err)
		}
		in.Link, in.TrustedAuthServIDs = link, trusted
		f := mustFactor(t, MessageIndex(in, people), FactorSenderAuth)
		if f.Earned != 0 || !hasEvidence(f, "evidence.auth.below-entry", "") || len(in.AuthBelowEntry) != 3 {
			t.Fatalf("forged own-id results: %+v (below entry %+v)", f, in.AuthBelowEntry)
		}
	})
	t.Run("own server's results count", func(t *testing.T) {
		raw := []byte("Authentication-Results: mail.example.test; dkim=pass header.d=example.test; dmarc=pass\r\n")
		in, err := FromRaw(append(raw, rawOf(t, tlsMail, peer)...))
		if err != nil {
			t.Fatal(err)
		}
		in.Link, in.TrustedAuthServIDs = link, trusted
		f := mustFactor(t, MessageIndex(in, people), FactorSenderAuth)
		if f.Earned != 8 {
			t.Fatalf("dkim+dmarc from the own server earned %d, want 8: %+v", f.Earned, f)
		}
	})
	t.Run("plain SMTP: the hop in clear", func(t *testing.T) {
		in := FromParsed(clearMail)
		in.Link, in.TrustedAuthServIDs = link, trusted
		f := mustFactor(t, MessageIndex(in, people), FactorHops)
		if f.Earned != PointsEarlierHops {
			t.Fatalf("hops factor %+v, want only the earlier-hops points (hops %+v)", f, clearMail.Hops)
		}
		if !hasEvidence(f, "evidence.hops.entry-clear", "") || !hasAdvice(f, "advice.hops.sender-no-tls") {
			t.Fatalf("no clear-hop evidence and advice: %+v", f)
		}
	})
	t.Run("read back by IMAP over TLS: the own link", func(t *testing.T) {
		raw, link := peer.fetchByIMAP(t, "tls hop")
		in, err := FromRaw(raw)
		if err != nil {
			t.Fatal(err)
		}
		in.Link, in.TrustedAuthServIDs = link, trusted
		ix := MessageIndex(in, people)
		if f := mustFactor(t, ix, FactorOwnLink); !f.Full() || !hasEvidence(f, "evidence.link.tls", "TLS 1.3") {
			t.Fatalf("own link %+v", f)
		}
		if f := mustFactor(t, ix, FactorHops); !f.Full() {
			t.Fatalf("hops %+v", f)
		}
	})
	t.Run("the real message reaches A once decrypted, verified and known", func(t *testing.T) {
		raw := []byte("Authentication-Results: mail.example.test; dkim=pass header.d=example.test; dmarc=pass; spf=pass\r\n")
		p, err := mail.Parse(append(raw, rawOf(t, tlsMail, peer)...))
		if err != nil {
			t.Fatal(err)
		}
		in := FromParsed(p)
		in.Link, in.TrustedAuthServIDs = link, trusted
		in.Own = []model.IdentityURI{"email:bob@example.test"}
		in.Message.Security = model.Security{Encrypted: true, Signature: model.SigGoodKnown, SignerKeyID: "0123ABCD"}
		known := PeopleMap{"email:alice@example.test": {Name: "Alice", Known: true, Key: KeyVerified}}
		ix := MessageIndex(in, known)
		if ix.Grade != GradeA || ix.Score != 100 {
			t.Fatalf("got %d %s, want 100 A: %+v", ix.Score, ix.Grade, ix.Factors)
		}
	})
}

// rawOf reads back the delivered file of a parsed message (by its Message-ID).
func rawOf(t *testing.T, p *mail.Parsed, peer *mailPeer) []byte {
	t.Helper()
	return peer.rawByMessageID(t, p.Message.MessageID)
}

func mustFactor(t *testing.T, ix Index, id string) Factor {
	t.Helper()
	f, ok := ix.Factor(id)
	if !ok {
		t.Fatalf("no factor %s", id)
	}
	return f
}

func hasEvidence(f Factor, code, contains string) bool {
	for _, n := range f.Evidence {
		if n.Code == code && strings.Contains(n.Text, contains) {
			return true
		}
	}
	return false
}

func hasAdvice(f Factor, code string) bool {
	for _, n := range f.Advice {
		if n.Code == code {
			return true
		}
	}
	return false
}
