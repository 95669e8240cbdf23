package privacy

import (
	"strings"
	"testing"

	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

func dm(network model.Network, from, to model.IdentityURI) MessageInput {
	return MessageInput{
		Message: model.Message{Network: network, Participants: []model.Participant{
			{URI: from, Role: model.RoleFrom}, {URI: to, Role: model.RoleTo}}},
		Own:  []model.IdentityURI{to},
		Link: Link{TLS: true, Version: "TLSv1.3"},
	}
}

func adviceText(notes []Note) string {
	var b []string
	for _, n := range notes {
		b = append(b, n.Text)
	}
	return strings.Join(b, "\n")
}

func TestMastodonCapAndBetterChannel(t *testing.T) {
	people := PeopleMap{
		"mastodon:tapioca@mamot.fr": {Name: "Tapioca", Known: true, Others: []model.IdentityURI{"email:tapioca@example.org"}},
		"email:tapioca@example.org": {Name: "Tapioca", Known: true, Key: KeyKnown},
	}
	cross := MessageIndex(dm(model.Mastodon, "mastodon:tapioca@mamot.fr", "mastodon:me@piaille.fr"), people)
	if cross.Cap == nil || cross.Cap.Limit != CapMastodonCrossInstance || cross.Score != CapMastodonCrossInstance {
		t.Fatalf("cross-instance DM: score %d cap %+v", cross.Score, cross.Cap)
	}
	if !strings.Contains(cross.Cap.Reason.Text, "mamot.fr and piaille.fr") {
		t.Fatalf("cap reason %q", cross.Cap.Reason.Text)
	}
	if got := adviceText(cross.Advice()); !strings.Contains(got, "Tapioca has an OpenPGP key: reply by email to encrypt.") {
		t.Fatalf("advice does not name the email channel:\n%s", got)
	}
	same := MessageIndex(dm(model.Mastodon, "mastodon:tapioca@mamot.fr", "mastodon:me@mamot.fr"), people)
	if same.Score != CapMastodonSameInstance || same.Score <= cross.Score {
		t.Fatalf("same-instance DM %d, cross-instance %d", same.Score, cross.Score)
	}
	if f := mustFactor(t, same, FactorHops); !f.Full() || !hasEvidence(f, "evidence.hops.same-instance", "mamot.fr") {
		t.Fatalf("same-instance hops %+v", f)
	}
}

func TestXCap(t *testing.T) {
	ix := MessageIndex(dm(model.X, "x:42", "x:7"), PeopleMap{"x:42": {Name: "Tapioca", Known: true}})
	if ix.Score != CapX || ix.Grade != GradeE || ix.Cap.Reason.Code != "cap.x" {
		t.Fatalf("X DM %d %s %+v", ix.Score, ix.Grade, ix.Cap)
	}
}

// TestReachingA: an encrypted, signed mail from a known, verified contact over TLS with DKIM
// and DMARC passing is an A, and each missing fact costs what the table says.
func TestReachingA(t *testing.T) {
	base := func() MessageInput {
		return MessageInput{
			Message: model.Message{Network: model.Email,
				Participants: []model.Participant{{URI: "email:alice@example.org", Role: model.RoleFrom}, {URI: "email:me@example.net", Role: model.RoleTo}},
				Security:     model.Security{Encrypted: true, Signature: model.SigGoodKnown, SignerKeyID: "ABCD1234"}},
			Own:                []model.IdentityURI{"email:me@example.net"},
			Hops:               []mail.Hop{{By: "mx.example.net", Local: true}, {From: "out.example.org", By: "mx.example.net", TLS: true, TLSVersion: "TLSv1.3"}},
			Auth:               []mail.AuthResult{{AuthServID: "mx.example.net", Method: "dkim", Result: "pass"}, {AuthServID: "mx.example.net", Method: "dmarc", Result: "pass"}},
			TrustedAuthServIDs: []string{"mx.example.net"},
			Link:               Link{TLS: true, Version: "TLSv1.3"},
		}
	}
	people := PeopleMap{"email:alice@example.org": {Name: "Alice", Known: true, Key: KeyVerified}}
	ix := MessageIndex(base(), people)
	if ix.Grade != GradeA || ix.Score != 98 {
		t.Fatalf("got %d %s: %+v", ix.Score, ix.Grade, ix.Factors)
	}
	tests := []struct {
		name  string
		edit  func(*MessageInput, PeopleMap)
		score int
	}{
		{"not encrypted", func(in *MessageInput, _ PeopleMap) { in.Message.Security.Encrypted = false }, 63},
		{"unsigned", func(in *MessageInput, _ PeopleMap) { in.Message.Security.Signature = model.SigNone }, 83},
		{"bad signature", func(in *MessageInput, _ PeopleMap) { in.Message.Security.Signature = model.SigBad }, 68},
		{"key only known", func(_ *MessageInput, p PeopleMap) {
			p["email:alice@example.org"] = Person{Name: "Alice", Known: true, Key: KeyKnown}
		}, 94},
		{"stranger", func(_ *MessageInput, p PeopleMap) {
			p["email:alice@example.org"] = Person{Name: "Alice", Key: KeyVerified}
		}, 93},
		{"hop in clear", func(in *MessageInput, _ PeopleMap) { in.Hops[1].TLS = false }, 88},
		{"forged results only", func(in *MessageInput, _ PeopleMap) {
			for i := range in.Auth {
				in.Auth[i].AuthServID = "evil.example"
			}
		}, 90},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, p := base(), PeopleMap{}
			for k, v := range people {
				p[k] = v
			}
			tc.edit(&in, p)
			if got := MessageIndex(in, p); got.Score != tc.score {
				t.Fatalf("score %d, want %d: %+v", got.Score, tc.score, got.Factors)
			}
		})
	}
}

// TestRecomputeOnNewFacts: learning a key or verifying a signature is calling again.
func TestRecomputeOnNewFacts(t *testing.T) {
	in := dm(model.Email, "email:bob@example.org", "email:me@example.net")
	in.Hops = []mail.Hop{{From: "out.example.org", By: "mx.example.net", TLS: true}}
	people := PeopleMap{"email:bob@example.org": {Name: "Bob", Known: true}}
	before := MessageIndex(in, people)
	keys := mustFactor(t, before, FactorKeys)
	if keys.Earned != 0 || adviceText(keys.Advice) != "Bob publishes no key — ask Bob for one." {
		t.Fatalf("keys factor %+v", keys)
	}
	people["email:bob@example.org"] = Person{Name: "Bob", Known: true, Key: KeyVerified}
	in.Message.Security.Signature = model.SigGoodKnown
	after := MessageIndex(in, people)
	if after.Score <= before.Score || !mustFactor(t, after, FactorKeys).Full() || !mustFactor(t, after, FactorSigned).Full() {
		t.Fatalf("before %d after %d", before.Score, after.Score)
	}
}

// TestKeysForSeveralRecipients: one verified key and one missing earn half.
func TestKeysForSeveralRecipients(t *testing.T) {
	in := dm(model.Email, "email:me@example.net", "email:alice@example.org")
	in.Message.Outgoing = true
	in.Message.Participants = append(in.Message.Participants, model.Participant{URI: "email:bob@example.org", Role: model.RoleCc})
	in.Own = []model.IdentityURI{"email:me@example.net"}
	f := mustFactor(t, MessageIndex(in, PeopleMap{
		"email:alice@example.org": {Name: "Alice", Key: KeyVerified},
		"email:bob@example.org":   {Name: "Bob"},
	}), FactorKeys)
	if f.Earned != PointsKeys/2 || !strings.Contains(adviceText(f.Advice), "Bob publishes no key") || strings.Contains(adviceText(f.Advice), "Alice") {
		t.Fatalf("keys factor %+v", f)
	}
}

// TestTrackers uses the real sanitiser on a mail with a tracking pixel.
func TestTrackers(t *testing.T) {
	_, report := mail.SanitizeHTML(`<p>News</p><img src="https://news.example.com/banner.png"><img src="https://t.tracker.example/open?id=1" width="1" height="1">`)
	if report.Trackers == 0 || report.RemoteBlocked == 0 {
		t.Fatalf("the sanitiser found %+v", report)
	}
	in := dm(model.Email, "email:news@example.com", "email:me@example.net")
	in.HTML = report
	blocked := mustFactor(t, MessageIndex(in, nil), FactorRemoteContent)
	if !blocked.Full() || !hasEvidence(blocked, "evidence.remote.trackers", "") || !hasEvidence(blocked, "evidence.remote.blocked", "") {
		t.Fatalf("blocked: %+v", blocked)
	}
	in.RemoteAllowed = true
	loaded := mustFactor(t, MessageIndex(in, nil), FactorRemoteContent)
	if loaded.Earned != 0 || !hasAdvice(loaded, "advice.remote.block-trackers") {
		t.Fatalf("loaded: %+v", loaded)
	}
}

func TestGrades(t *testing.T) {
	for score, want := range map[int]Grade{100: GradeA, 80: GradeA, 79: GradeB, 60: GradeB, 59: GradeC, 40: GradeC, 39: GradeD, 20: GradeD, 19: GradeE, 0: GradeE} {
		if got := GradeOf(score); got != want {
			t.Errorf("GradeOf(%d) = %s, want %s", score, got, want)
		}
	}
}

// Why an encrypted mail was not decrypted is cited from the OpenPGP layer's note, by its code
// (the UI translates it); a signed mail's notes say nothing about encryption.
func TestEncryptedFactorCitesDecryptionNotes(t *testing.T) {
	in := dm(model.Email, "email:camille@example.org", "email:me@example.org")
	in.Message.Security.Signature = model.SigGoodUnknown
	in.Message.Security.AddNote(model.SecurityNote{Code: "sig.good-unknown", Text: "Good signature, but key K is not yet known for camille@example.org.",
		Params: map[string]string{"key": "K", "address": "camille@example.org"}})
	f := mustFactor(t, MessageIndex(in, PeopleMap{}), FactorEncrypted)
	if hasEvidence(f, "evidence.encrypted.failed", "") {
		t.Fatalf("a signed mail's note is cited as a decryption failure: %+v", f.Evidence)
	}
	in.Message.Security.Undecrypted = true
	in.Message.Security.AddNote(model.SecurityNote{Code: "decrypt.missing-key", Text: "This message was encrypted to a key we do not have (key ID 1234).",
		Params: map[string]string{"keys": "1234"}})
	f = mustFactor(t, MessageIndex(in, PeopleMap{}), FactorEncrypted)
	var cited []Note
	for _, n := range f.Evidence {
		if n.Code == "evidence.encrypted.failed" {
			cited = append(cited, n)
		}
	}
	if len(cited) != 1 || cited[0].Params["note"] != "decrypt.missing-key" || cited[0].Params["keys"] != "1234" {
		t.Fatalf("decryption notes cited: %+v", cited)
	}
}
