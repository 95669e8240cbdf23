package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"caliopen/shared/testkit"
)

// corpusDir is the notmuch corpus beside the repository.
func corpusDir(t testing.TB) string { return testkit.Corpus(t) }

func corpusFiles(t testing.TB) []string {
	var files []string
	root := corpusDir(t)
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p) != "README" {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 50 {
		t.Fatalf("only %d corpus files", len(files))
	}
	return files
}

// Every message of the corpus parses, or yields a clear error; none crashes.
func TestCorpusParses(t *testing.T) {
	root := corpusDir(t)
	parsed, withNotes := 0, 0
	for _, f := range corpusFiles(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		p, err := Parse(raw)
		if err != nil {
			if !strings.Contains(err.Error(), "cannot be read") {
				t.Errorf("%s: unclear error %v", rel, err)
			}
			continue
		}
		parsed++
		if len(p.Body.Notes) > 0 {
			withNotes++
		}
		if p.Message.Subject == "" && p.Message.From() == "" && p.Body.Text == "" && p.Body.HTML == "" {
			t.Errorf("%s: nothing could be read", rel)
		}
		if strings.Contains(strings.ToLower(p.Body.HTML), "<script") {
			t.Errorf("%s: script kept", rel)
		}
		switch {
		case strings.HasPrefix(rel, "crypto/") && !strings.Contains(rel, "attachment"):
			if !p.PGPEncrypted {
				t.Errorf("%s: encryption not seen", rel)
			}
		case strings.HasPrefix(rel, "html/"):
			if p.Body.HTML == "" {
				t.Errorf("%s: no HTML body", rel)
			}
		case strings.HasPrefix(rel, "default/"):
			if p.Message.From() == "" || p.Message.MessageID == "" || p.Message.Date.IsZero() {
				t.Errorf("%s: missing from/id/date: %+v", rel, p.Message)
			}
		}
	}
	t.Logf("%d messages parsed, %d with notes", parsed, withNotes)
}

func TestReadsListAndThreadingHeaders(t *testing.T) {
	raw := "From: Carl Worth <cworth@cworth.org>\r\nTo: notmuch@notmuchmail.org\r\n" +
		"Subject: =?utf-8?q?R=C3=A9ponse?=\r\nDate: Tue, 17 Nov 2009 18:21:38 -0500\r\n" +
		"Message-ID: <a@b>\r\nIn-Reply-To: <p@b>\r\nReferences: <r@b> <p@b>\r\n" +
		"List-Id: \"notmuch\" <Notmuch.notmuchmail.org>\r\n\r\nhello\r\n"
	p, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	m := p.Message
	if m.Subject != "Réponse" || m.MessageID != "a@b" || m.ListID != "notmuch.notmuchmail.org" {
		t.Fatalf("%+v", m)
	}
	if strings.Join(m.References, ",") != "r@b,p@b" || strings.Join(m.InReplyTo, ",") != "p@b" {
		t.Fatalf("threading: %v %v", m.References, m.InReplyTo)
	}
	if m.From() != "email:cworth@cworth.org" || p.Body.Text != "hello" {
		t.Fatalf("from %q text %q", m.From(), p.Body.Text)
	}
}

func TestBrokenAddressesAreRecovered(t *testing.T) {
	raw := "From: \"Broken <bob@example.org\r\nTo: alice@example.org,, ;;carol@example.org\r\nSubject: x\r\n\r\nbody"
	p, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if p.Message.From() != "email:bob@example.org" {
		t.Fatalf("from: %v", p.Message.Participants)
	}
	if len(p.Body.Notes) == 0 || p.Body.Notes[0].Code != "header.malformed" {
		t.Fatalf("no note about the broken header: %+v", p.Body.Notes)
	}
}

func TestHeaderlessGarbageIsAnErrorNotACrash(t *testing.T) {
	for _, raw := range []string{"", "\x00\x01\x02", "no colon line\r\n\r\n", strings.Repeat("A", 100000)} {
		p, err := Parse([]byte(raw))
		if err == nil && p == nil {
			t.Fatalf("%q: nil result without error", raw[:min(len(raw), 10)])
		}
	}
}

func TestFormatFlowed(t *testing.T) {
	in := "This is a long \r\nline that flows.\r\n> quoted \r\n> text\r\n-- \r\nsig"
	got := decodeFlowed(in, false)
	want := "This is a long line that flows.\n> quoted text\n-- \nsig"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestAuthenticationResults(t *testing.T) {
	got := parseAuthResults("mx.example.org (Postfix); dkim=pass (2048-bit key) header.d=example.net header.s=sel; spf=pass smtp.mailfrom=example.net; dmarc=fail (p=reject) header.from=example.net")
	if len(got) != 3 || got[0].AuthServID != "mx.example.org" || got[0].Method != "dkim" || got[0].Result != "pass" || got[2].Result != "fail" {
		t.Fatalf("%+v", got)
	}
	if got := parseAuthResults("example.org; none"); len(got) != 0 {
		t.Fatalf("none: %+v", got)
	}
}

func TestReceivedTLS(t *testing.T) {
	cases := []struct {
		hdr   string
		tls   bool
		ver   string
		local bool
	}{
		{"from mail.example.net (mail.example.net [203.0.113.5]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256) (No client certificate requested) by mx.example.org (Postfix) with ESMTPS id 4Y2; Tue, 1 Oct 2024 10:00:00 +0000", true, "TLSv1.3", false},
		{"from relay.example.com ([198.51.100.7]) by mx.example.org with esmtps (TLS1.2) tls TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (Exim 4.96) id 1; Tue, 1 Oct 2024 10:00:00 +0000", true, "TLS1.2", false},
		{"from old.example.com (old.example.com [192.0.2.1]) by mx.example.org (Postfix) with SMTP id 5; Tue, 1 Oct 2024 10:00:00 +0000", false, "", false},
		{"from mx.example.org by mx.example.org (Dovecot) with LMTP id abc; Tue, 1 Oct 2024 10:00:00 +0000", false, "", true},
		{"from EX1.corp.example (10.0.0.1) by EX2.corp.example (10.0.0.2) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1; Tue, 1 Oct 2024 10:00:00 +0000", true, "TLS1_2", false},
	}
	for _, c := range cases {
		h := parseReceived(c.hdr)
		if h.TLS != c.tls || h.TLSVersion != c.ver || h.Local != c.local {
			t.Errorf("%.50s…: got %+v", c.hdr, h)
		}
	}
}
