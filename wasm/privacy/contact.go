package privacy

import (
	"fmt"
	"strings"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
)

// Points of each contact factor. History only counts once the contact has written.
const (
	PointsContactKeys     = 40
	PointsContactChannels = 30
	PointsContactHistory  = 30
)

// Contact factor ids.
const (
	FactorContactKeys     = "contact-keys"
	FactorContactChannels = "contact-channels"
	FactorContactHistory  = "contact-history"
)

// ContactInput is everything a contact's index is computed from.
type ContactInput struct {
	Contact contacts.Contact
	// Messages are the messages the contact wrote (any network); only Network and
	// Security are read.
	Messages []model.Message
	// Ranker knows the user's accounts, own key and the people's keys.
	Ranker Ranker
}

// ContactIndex computes a contact's privacy index.
func ContactIndex(in ContactInput) Index {
	people := in.Ranker.People
	if people == nil {
		people = PeopleMap(nil)
	}
	name := orDefault(in.Contact.Name, "this contact")
	return finish([]Factor{
		contactKeysFactor(in.Contact, name, people),
		contactChannelsFactor(in, name),
		contactHistoryFactor(in.Messages, name),
	}, nil)
}

// contactKeysFactor: the best key state over the contact's email identities.
func contactKeysFactor(c contacts.Contact, name string, people People) Factor {
	f := Factor{ID: FactorContactKeys, Possible: PointsContactKeys}
	best, at, emails := KeyNone, model.IdentityURI(""), 0
	for _, u := range c.Identities {
		if u.Network() != model.Email {
			continue
		}
		emails++
		if k := people.Person(u).Key; k > best || at == "" {
			best, at = k, u
		}
	}
	switch {
	case emails == 0:
		f.Evidence = append(f.Evidence, note("evidence.contact.no-email",
			fmt.Sprintf("No email address is known for %s, so no OpenPGP key either.", name), "person", name))
		f.Advice = append(f.Advice, note("advice.contact.ask-email",
			fmt.Sprintf("Ask %s for an email address and an OpenPGP key: only email can be end-to-end encrypted here.", name), "person", name))
	case best == KeyVerified:
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.contact.key-verified",
			fmt.Sprintf("%s's key for %s is verified.", name, at.Address()), "person", name, "address", at.Address()))
	case best == KeyKnown:
		f.Earned = PointsContactKeys * 6 / 10
		f.Evidence = append(f.Evidence, note("evidence.contact.key-known",
			fmt.Sprintf("%s has an OpenPGP key for %s, not yet verified.", name, at.Address()), "person", name, "address", at.Address()))
		f.Advice = append(f.Advice, note("advice.key.verify-person",
			fmt.Sprintf("Verify %s's key (compare fingerprints in person or by another channel).", name), "person", name))
	default:
		f.Evidence = append(f.Evidence, note("evidence.contact.no-key",
			fmt.Sprintf("No OpenPGP key is known for %s.", name), "person", name))
		f.Advice = append(f.Advice, note("advice.key.ask",
			fmt.Sprintf("%s publishes no key — ask %s for one.", name, name), "person", name))
	}
	return f
}

// contactChannelsFactor: how private the best channel the user can reach the contact on
// is, and what each available channel exposes.
func contactChannelsFactor(in ContactInput, name string) Factor {
	f := Factor{ID: FactorContactChannels, Possible: PointsContactChannels}
	best, bestAt := 0, model.IdentityURI("")
	for _, u := range in.Contact.Identities {
		if !in.Ranker.canReach(u.Network()) {
			continue
		}
		r, ok := in.Ranker.Rank(u.Network(), u)
		if !ok {
			continue
		}
		f.Evidence = append(f.Evidence, channelEvidence(in.Ranker, u, r))
		if r > best {
			best, bestAt = r, u
		}
	}
	if bestAt == "" {
		f.Evidence = append(f.Evidence, note("evidence.channels.none",
			fmt.Sprintf("None of your accounts can reach %s.", name), "person", name))
		f.Advice = append(f.Advice, note("advice.channels.add-account",
			fmt.Sprintf("Add an account on a network %s uses, email best.", name), "person", name))
		return f
	}
	f.Earned = PointsContactChannels * best / 100
	if f.Full() {
		return f
	}
	if best == RankEmailKnownKey {
		f.Advice = append(f.Advice, note("advice.key.verify-person",
			fmt.Sprintf("Verify %s's key (compare fingerprints in person or by another channel).", name), "person", name))
		return f
	}
	for _, u := range in.Contact.Identities {
		if u.Network() == model.Email {
			f.Advice = append(f.Advice, note("advice.channels.email-pgp",
				fmt.Sprintf("Email %s with OpenPGP would be private: exchange keys with %s.", u.Address(), name),
				"person", name, "address", u.Address()))
			return f
		}
	}
	f.Advice = append(f.Advice, note("advice.contact.ask-email",
		fmt.Sprintf("Ask %s for an email address and an OpenPGP key: only email can be end-to-end encrypted here.", name), "person", name))
	return f
}

func (r Ranker) canReach(n model.Network) bool {
	for _, a := range r.Accounts {
		if a.Network == n {
			return true
		}
	}
	return false
}

// channelEvidence says what one channel exposes.
func channelEvidence(r Ranker, u model.IdentityURI, rank int) Note {
	addr := u.Address()
	switch {
	case u.Network() == model.Email && rank > RankEmail:
		return note("evidence.channels.email-pgp",
			fmt.Sprintf("Email %s: end-to-end encrypted with OpenPGP.", addr), "address", addr)
	case u.Network() == model.Email:
		return note("evidence.channels.email",
			fmt.Sprintf("Email %s: protected by TLS on the way, readable by both mail providers.", addr), "address", addr)
	case u.Network() == model.Mastodon && rank == RankMastodonSame:
		return note("evidence.channels.mastodon-same",
			fmt.Sprintf("Mastodon %s: a DM is readable by the admins of %s, your instance too.", addr, instanceOf(u)),
			"address", addr, "instance", instanceOf(u))
	case u.Network() == model.Mastodon:
		return note("evidence.channels.mastodon-cross",
			fmt.Sprintf("Mastodon %s: a DM there is readable by two instance admins (%s and yours).", addr, instanceOf(u)),
			"address", addr, "instance", instanceOf(u))
	}
	return note("evidence.channels.x",
		fmt.Sprintf("%s %s: a DM there is readable by %s.", networkName(u.Network()), addr, networkName(u.Network())),
		"network", string(u.Network()), "address", addr)
}

// contactHistoryFactor: the share of the contact's messages that came end-to-end
// encrypted. A contact who never wrote has no history: the factor is worth 0 points then.
func contactHistoryFactor(msgs []model.Message, name string) Factor {
	f := Factor{ID: FactorContactHistory}
	if len(msgs) == 0 {
		f.Evidence = append(f.Evidence, note("evidence.history.none",
			fmt.Sprintf("%s has not written to you yet.", name), "person", name))
		return f
	}
	f.Possible = PointsContactHistory
	enc, bad := 0, 0
	var nets []string
	for _, m := range msgs {
		if m.Network == model.Email && m.Security.Encrypted {
			enc++
		}
		if m.Security.Signature == model.SigBad {
			bad++
		}
		if !contains(nets, string(m.Network)) {
			nets = append(nets, string(m.Network))
		}
	}
	f.Earned = PointsContactHistory * enc / len(msgs)
	f.Evidence = append(f.Evidence, note("evidence.history.encrypted",
		fmt.Sprintf("%s of %s's %d message(s) were end-to-end encrypted (networks: %s).", share(enc, len(msgs)), name, len(msgs), strings.Join(nets, ", ")),
		"person", name, "share", share(enc, len(msgs)), "count", fmt.Sprint(len(msgs)), "networks", strings.Join(nets, ", ")))
	if bad > 0 {
		f.Evidence = append(f.Evidence, note("evidence.history.bad-signatures",
			fmt.Sprintf("Warning: %d of their messages had a signature that does not verify.", bad), "count", fmt.Sprint(bad)))
	}
	if !f.Full() {
		f.Advice = append(f.Advice, note("advice.history.encrypt",
			fmt.Sprintf("Write to %s by encrypted email, and ask them to do the same.", name), "person", name))
	}
	return f
}
