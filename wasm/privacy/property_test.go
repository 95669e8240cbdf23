package privacy

import (
	"testing"

	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

// The dimensions every message factor depends on, each with its possible values.
var (
	dimNetworks = []struct {
		name  string
		net   model.Network
		from  model.IdentityURI
		own   model.IdentityURI
		limit int
	}{
		{"email", model.Email, "email:alice@example.org", "email:me@example.net", 100},
		{"mastodon-same", model.Mastodon, "mastodon:tapioca@mamot.fr", "mastodon:me@mamot.fr", CapMastodonSameInstance},
		{"mastodon-cross", model.Mastodon, "mastodon:tapioca@mamot.fr", "mastodon:me@piaille.fr", CapMastodonCrossInstance},
		{"x", model.X, "x:42", "x:7", CapX},
	}
	dimSignatures = []model.SignatureState{model.SigNone, model.SigGoodKnown, model.SigGoodUnknown, model.SigBad, model.SigError}
	dimHops       = [][]mail.Hop{
		nil,
		{{By: "mx.example.net", Local: true}},
		{{By: "mx.example.net", Local: true}, {From: "out.example.org", By: "mx.example.net", TLS: true, TLSVersion: "TLSv1.3"}},
		{{From: "out.example.org", By: "mx.example.net"}},
		{{From: "out.example.org", By: "mx.example.net", TLS: true}, {From: "laptop", By: "out.example.org"}},
	}
	dimLinks = []Link{{}, {TLS: true, Version: "TLSv1"}, {TLS: true, Version: "TLSv1.3"}}
	dimAuth  = []struct {
		results []mail.AuthResult
		trusted []string
	}{
		{nil, nil},
		{[]mail.AuthResult{{AuthServID: "mx.example.net", Method: "dkim", Result: "pass"}, {AuthServID: "mx.example.net", Method: "dmarc", Result: "pass"}, {AuthServID: "mx.example.net", Method: "spf", Result: "pass"}}, []string{"mx.example.net"}},
		{[]mail.AuthResult{{AuthServID: "mx.example.net", Method: "dkim", Result: "pass"}}, []string{"mx.example.net"}},
		{[]mail.AuthResult{{AuthServID: "mx.example.net", Method: "dkim", Result: "fail"}}, []string{"mx.example.net"}},
		{[]mail.AuthResult{{AuthServID: "evil.example", Method: "dkim", Result: "pass"}, {AuthServID: "evil.example", Method: "dmarc", Result: "pass"}}, []string{"mx.example.net"}},
	}
	dimKeys   = []KeyState{KeyNone, KeyKnown, KeyVerified}
	dimRemote = []struct {
		html    mail.HTMLReport
		allowed bool
	}{
		{mail.HTMLReport{}, false},
		{mail.HTMLReport{RemoteBlocked: 3, Trackers: 1, TrackerHosts: []string{"t.example"}}, false},
		{mail.HTMLReport{RemoteBlocked: 2}, true},
		{mail.HTMLReport{RemoteBlocked: 2, Trackers: 1}, true},
	}
)

// forEachMessage calls fn with every combination of the dimensions.
func forEachMessage(fn func(name string, in MessageInput, people People, limit int)) {
	for _, n := range dimNetworks {
		for _, enc := range []bool{false, true} {
			for _, sig := range dimSignatures {
				for _, hops := range dimHops {
					for _, link := range dimLinks {
						for _, auth := range dimAuth {
							for _, known := range []bool{false, true} {
								for _, key := range dimKeys {
									for _, remote := range dimRemote {
										for _, out := range []bool{false, true} {
											m := model.Message{Network: n.net, Outgoing: out,
												Security: model.Security{Encrypted: enc, Signature: sig, SignerKeyID: "ABCD"}}
											from, to := n.from, n.own
											if out {
												from, to = n.own, n.from
											}
											m.Participants = []model.Participant{{URI: from, Role: model.RoleFrom}, {URI: to, Role: model.RoleTo}}
											in := MessageInput{Message: m, Own: []model.IdentityURI{n.own}, Hops: hops, Auth: auth.results,
												TrustedAuthServIDs: auth.trusted, Link: link, HTML: remote.html, RemoteAllowed: remote.allowed}
											people := PeopleMap{n.from: {Name: "Alice", Known: known, Key: key, Others: []model.IdentityURI{"email:alice@example.org"}},
												"email:alice@example.org": {Name: "Alice", Known: known, Key: key}}
											fn(n.name, in, people, n.limit)
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestAdviceExactlyWhenMissing: over every combination of the message factors' inputs,
// each factor has advice exactly when it is not fully earned, and evidence always; scores
// stay in range, grades follow scores, and no direct message rates above its cap.
func TestAdviceExactlyWhenMissing(t *testing.T) {
	count, failures := 0, 0
	forEachMessage(func(name string, in MessageInput, people People, limit int) {
		count++
		ix := MessageIndex(in, people)
		fail := func(format string, args ...any) {
			failures++
			if failures < 10 {
				t.Errorf("%s %+v: "+format, append([]any{name, in.Message.Security}, args...)...)
			}
		}
		if ix.Score < 0 || ix.Score > 100 || ix.Grade != GradeOf(ix.Score) || ix.Version != Version {
			fail("score %d grade %s version %d", ix.Score, ix.Grade, ix.Version)
		}
		if ix.Score > limit {
			fail("score %d above the %s cap %d", ix.Score, name, limit)
		}
		total := 0
		for _, f := range ix.Factors {
			total += f.Possible
			if f.Full() == (len(f.Advice) > 0) {
				fail("factor %s earned %d/%d with advice %v", f.ID, f.Earned, f.Possible, f.Advice)
			}
			if len(f.Evidence) == 0 || f.Earned > f.Possible {
				fail("factor %s: %d/%d, evidence %v", f.ID, f.Earned, f.Possible, f.Evidence)
			}
			for _, n := range append(append([]Note(nil), f.Evidence...), f.Advice...) {
				if n.Code == "" || n.Text == "" {
					fail("factor %s: a note without code or text: %+v", f.ID, n)
				}
			}
		}
		if total != 100 {
			fail("message factors add up to %d", total)
		}
	})
	if count < 100000 {
		t.Fatalf("only %d combinations", count)
	}
}

// TestBadSignatureLowers: a bad signature scores below no signature, all else equal.
func TestBadSignatureLowers(t *testing.T) {
	forEachMessage(func(name string, in MessageInput, people People, limit int) {
		if in.Message.Network != model.Email || in.Message.Security.Signature != model.SigBad {
			return
		}
		bad := MessageIndex(in, people)
		in.Message.Security.Signature = model.SigNone
		none := MessageIndex(in, people)
		if bad.Score >= none.Score && none.Score > 0 {
			t.Fatalf("bad signature %d, none %d", bad.Score, none.Score)
		}
	})
}
