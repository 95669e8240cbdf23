package privacy

import (
	"fmt"
	"strings"

	"caliopen/wasm/model"
)

// encryptedFactor: the message was really decrypted here (model.Security.Encrypted), not
// merely shaped like an encrypted message.
func encryptedFactor(c messageContext) Factor {
	f := Factor{ID: FactorEncrypted, Possible: PointsEncrypted}
	who := c.correspondent()
	if c.network() == model.Email && c.in.Message.Security.Encrypted {
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.encrypted.yes",
			"End-to-end encrypted with OpenPGP and decrypted on this device: no server could read it."))
		return f
	}
	if c.network() != model.Email {
		f.Evidence = append(f.Evidence, note("evidence.encrypted.impossible",
			fmt.Sprintf("%s direct messages cannot be end-to-end encrypted.", networkName(c.network())),
			"network", string(c.network())))
	} else {
		f.Evidence = append(f.Evidence, note("evidence.encrypted.no",
			"Not end-to-end encrypted: every mail server that handled it could read it."))
		// An encrypted mail not decrypted here: why, by the OpenPGP layer's note (its code, for
		// the UI's translation, and the values it names). A signed mail's notes are not about
		// encryption.
		for _, sn := range c.in.Message.Security.Notes {
			if strings.HasPrefix(sn.Code, "decrypt.") || strings.HasPrefix(sn.Code, "inline.") {
				f.Evidence = append(f.Evidence, note("evidence.encrypted.failed", sn.Text,
					"note", sn.Code, "detail", sn.Params["detail"], "keys", sn.Params["keys"]))
			}
		}
	}
	f.Advice = append(f.Advice, encryptAdvice(c, who)...)
	return f
}

// encryptAdvice says how to reach the correspondents encrypted: by email to a known key,
// or by asking for one.
func encryptAdvice(c messageContext, who string) []Note {
	var out []Note
	for _, u := range c.others {
		p := c.people.Person(u)
		name := displayName(p, u)
		k, at := bestKey(c.people, u)
		switch {
		case k != KeyNone && c.network() != model.Email:
			out = append(out, note("advice.encrypt.switch-to-email",
				fmt.Sprintf("%s has an OpenPGP key: reply by email to %s to encrypt.", name, at.Address()),
				"person", name, "address", at.Address()))
		case k != KeyNone:
			out = append(out, note("advice.encrypt.reply",
				fmt.Sprintf("%s has an OpenPGP key: reply encrypted, and ask %s to encrypt to yours.", name, name),
				"person", name))
		case u.Network() == model.Email || hasEmail(p):
			out = append(out, note("advice.key.ask",
				fmt.Sprintf("%s publishes no key — ask %s for one.", name, name),
				"person", name))
		}
	}
	if len(out) == 0 {
		out = append(out, note("advice.encrypt.no-channel",
			fmt.Sprintf("No way to write to %s encrypted is known: ask for an email address and an OpenPGP key.", who),
			"person", who))
	}
	return out
}

func hasEmail(p Person) bool {
	for _, o := range p.Others {
		if o.Network() == model.Email {
			return true
		}
	}
	return false
}

// signedFactor: a good signature from a key known for the sender earns everything, a good
// one from a key not yet tied to the sender part, a bad one takes the points away.
func signedFactor(c messageContext) Factor {
	f := Factor{ID: FactorSigned, Possible: PointsSigned}
	who := c.correspondent()
	sec := c.in.Message.Security
	if c.network() != model.Email {
		f.Evidence = append(f.Evidence, note("evidence.signed.impossible",
			fmt.Sprintf("%s direct messages cannot carry an OpenPGP signature.", networkName(c.network())),
			"network", string(c.network())))
		f.Advice = append(f.Advice, note("advice.signed.use-email",
			"Signed email proves who wrote a message; a direct message only shows what the server says.",
		))
		return f
	}
	switch sec.Signature {
	case model.SigGoodKnown:
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.signed.good-known",
			fmt.Sprintf("Signed with %s's known key %s: the content is theirs and unchanged.", who, sec.SignerKeyID),
			"person", who, "key", sec.SignerKeyID))
		return f
	case model.SigGoodUnknown:
		f.Earned = PointsSigned / 2
		f.Evidence = append(f.Evidence, note("evidence.signed.good-unknown",
			fmt.Sprintf("Good signature by key %s, which is not yet known as %s's.", sec.SignerKeyID, who),
			"person", who, "key", sec.SignerKeyID))
		f.Advice = append(f.Advice, note("advice.key.verify",
			fmt.Sprintf("Check that key %s is %s's (compare fingerprints), then mark it verified.", sec.SignerKeyID, who),
			"person", who, "key", sec.SignerKeyID))
	case model.SigBad:
		f.Earned = -PointsSigned
		f.Evidence = append(f.Evidence, note("evidence.signed.bad",
			"Warning: the signature does not verify — the message was altered or is not from who it claims."))
		f.Advice = append(f.Advice, note("advice.signed.bad",
			fmt.Sprintf("Do not trust this message until %s confirms it another way.", who),
			"person", who))
	case model.SigError:
		f.Evidence = append(f.Evidence, note("evidence.signed.unchecked",
			"Signed, but the signature could not be checked: "+orDefault(sec.Note, "the key is missing or the signature is damaged."),
			"detail", sec.Note))
		f.Advice = append(f.Advice, note("advice.key.get",
			fmt.Sprintf("Get %s's key so the signature can be checked.", who), "person", who))
	default:
		f.Evidence = append(f.Evidence, note("evidence.signed.no", "Not signed: nothing proves who wrote it."))
		f.Advice = append(f.Advice, note("advice.signed.ask",
			fmt.Sprintf("Ask %s to sign their mail with OpenPGP.", who), "person", who))
	}
	return f
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

// knownSenderFactor: an incoming message's author (an outgoing message's recipients) is a
// contact the user knows.
func knownSenderFactor(c messageContext) Factor {
	f := Factor{ID: FactorKnownSender, Possible: PointsKnownSender}
	var strangers []string
	people := c.others
	if !c.outgoing() {
		people = nil
		if c.from != "" {
			people = []model.IdentityURI{c.from}
		}
	}
	for _, u := range people {
		if p := c.people.Person(u); !p.Known {
			strangers = append(strangers, displayName(p, u))
		}
	}
	if len(people) == 0 {
		f.Evidence = append(f.Evidence, note("evidence.known.no-sender", "The message names no sender."))
		f.Advice = append(f.Advice, note("advice.known.no-sender", "Be wary: a message without a sender cannot be answered or checked."))
		return f
	}
	if len(strangers) == 0 {
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.known.yes",
			fmt.Sprintf("%s is in your contacts.", c.correspondent()), "person", c.correspondent()))
		return f
	}
	list := strings.Join(strangers, ", ")
	f.Evidence = append(f.Evidence, note("evidence.known.no",
		fmt.Sprintf("Not a known contact: %s.", list), "people", list))
	f.Advice = append(f.Advice, note("advice.known.check",
		fmt.Sprintf("Check %s's address before trusting the message; add them to your contacts once sure.", list),
		"people", list))
	return f
}

// keysFactor: a key is known, better verified, for every other participant (on any of
// their identities).
func keysFactor(c messageContext) Factor {
	f := Factor{ID: FactorKeys, Possible: PointsKeys}
	if len(c.others) == 0 {
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.keys.nobody", "No other participant."))
		return f
	}
	sum := 0 // in tenths of a person
	for _, u := range c.others {
		p := c.people.Person(u)
		name := displayName(p, u)
		k, _ := bestKey(c.people, u)
		switch k {
		case KeyVerified:
			sum += 10
			f.Evidence = append(f.Evidence, note("evidence.keys.verified",
				fmt.Sprintf("%s's key is verified.", name), "person", name))
		case KeyKnown:
			sum += 6
			f.Evidence = append(f.Evidence, note("evidence.keys.known",
				fmt.Sprintf("%s's key is known but not verified.", name), "person", name))
			f.Advice = append(f.Advice, note("advice.key.verify-person",
				fmt.Sprintf("Verify %s's key (compare fingerprints in person or by another channel).", name), "person", name))
		default:
			f.Evidence = append(f.Evidence, note("evidence.keys.none",
				fmt.Sprintf("No key is known for %s.", name), "person", name))
			f.Advice = append(f.Advice, note("advice.key.ask",
				fmt.Sprintf("%s publishes no key — ask %s for one.", name, name), "person", name))
		}
	}
	// Rounded down: only keys verified for everyone earn every point.
	f.Earned = PointsKeys * sum / (10 * len(c.others))
	return f
}

// remoteContentFactor: remote images and the trackers among them stay blocked.
func remoteContentFactor(c messageContext) Factor {
	f := Factor{ID: FactorRemoteContent, Possible: PointsRemoteContent}
	h := c.in.HTML
	if h.RemoteBlocked == 0 && h.Trackers == 0 {
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.remote.none", "No remote content: opening it tells nobody."))
		return f
	}
	hosts := strings.Join(h.TrackerHosts, ", ")
	if h.Trackers > 0 {
		f.Evidence = append(f.Evidence, note("evidence.remote.trackers",
			fmt.Sprintf("%d tracker(s) found (%s).", h.Trackers, orDefault(hosts, "tracking pixels")),
			"count", fmt.Sprint(h.Trackers), "hosts", hosts))
	}
	if !c.in.RemoteAllowed {
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.remote.blocked",
			fmt.Sprintf("%d remote load(s) held back: nobody learns when you read it.", h.RemoteBlocked),
			"count", fmt.Sprint(h.RemoteBlocked)))
		return f
	}
	f.Evidence = append(f.Evidence, note("evidence.remote.loaded",
		"Remote content was loaded: its servers learned when and where you read it."))
	if h.Trackers > 0 {
		f.Advice = append(f.Advice, note("advice.remote.block-trackers",
			fmt.Sprintf("Block remote content for %s: it carries trackers.", c.correspondent()),
			"person", c.correspondent()))
		return f
	}
	f.Earned = PointsRemoteContent / 2
	f.Advice = append(f.Advice, note("advice.remote.block",
		"Keep remote content blocked: loading it tells the sender when you read."))
	return f
}

func networkName(n model.Network) string {
	switch n {
	case model.Email:
		return "Email"
	case model.Mastodon:
		return "Mastodon"
	case model.X:
		return "X"
	}
	return string(n)
}
