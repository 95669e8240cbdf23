package privacy

import (
	"strings"
	"testing"
)

// TestSplitAtEntry: a milter's result between Dovecot's LMTP header and Postfix's is the
// user's server's; one under Postfix's header came with the message.
func TestSplitAtEntry(t *testing.T) {
	raw := strings.Join([]string{
		"Received: from mx.example.net by mx.example.net with LMTP id 1; Wed, 25 Nov 2026 02:00:00 +0000",
		"Authentication-Results: mx.example.net; dkim=pass header.d=example.org; dmarc=pass",
		"Received: from out.example.org (out.example.org [192.0.2.1])",
		"\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))",
		"\tby mx.example.net (Postfix) with ESMTPS id 2; Wed, 25 Nov 2026 02:00:00 +0000",
		"Authentication-Results: mx.example.net; spf=pass",
		"From: alice@example.org",
		"To: me@example.net",
		"Subject: hi",
		"",
		"hello",
		""}, "\r\n")
	in, err := FromRaw([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Auth) != 2 || len(in.AuthBelowEntry) != 1 || in.AuthBelowEntry[0].Method != "spf" {
		t.Fatalf("above %+v below %+v", in.Auth, in.AuthBelowEntry)
	}
	in.TrustedAuthServIDs = []string{"mx.example.net"}
	f := mustFactor(t, MessageIndex(in, nil), FactorSenderAuth)
	if f.Earned != 8 || !hasEvidence(f, "evidence.auth.below-entry", "") {
		t.Fatalf("%+v", f)
	}
}
