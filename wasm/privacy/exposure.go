package privacy

import (
	"fmt"
	"strings"

	"caliopen/wasm/model"
)

// Exposure caps: a direct message never rates above what its network lets others read,
// whatever else it earns.
const (
	CapMastodonSameInstance  = 38 // one instance's admins can read it
	CapMastodonCrossInstance = 33 // the admins of both instances can read it
	CapX                     = 15 // X (the company) can read it
)

// exposureCap returns the cap of a direct message, nil for email (whose exposure the
// encryption and hop factors already measure).
func exposureCap(c messageContext) *Cap {
	switch c.network() {
	case model.Mastodon:
		hosts := instances(c)
		list := strings.Join(hosts, " and ")
		values := strings.Join(hosts, ", ") // the note's value: a list any language can read
		if len(hosts) <= 1 {
			return &Cap{Limit: CapMastodonSameInstance,
				Reason: note("cap.mastodon.same-instance",
					fmt.Sprintf("A Mastodon direct message is readable by the admins of %s.", orDefault(list, "the instance")),
					"instances", list),
				Advice: betterChannelAdvice(c)}
		}
		return &Cap{Limit: CapMastodonCrossInstance,
			Reason: note("cap.mastodon.cross-instance",
				fmt.Sprintf("A Mastodon direct message between instances is readable by the admins of %s.", list),
				"instances", values),
			Advice: betterChannelAdvice(c)}
	case model.X:
		return &Cap{Limit: CapX,
			Reason: note("cap.x", "An X direct message is readable by X."),
			Advice: betterChannelAdvice(c)}
	}
	return nil
}

// betterChannelAdvice names, for each correspondent, a more private channel they have.
func betterChannelAdvice(c messageContext) []Note {
	var out []Note
	for _, u := range c.others {
		p := c.people.Person(u)
		name := displayName(p, u)
		k, at := bestKey(c.people, u)
		if k != KeyNone && at.Network() == model.Email {
			out = append(out, note("advice.channel.email-pgp",
				fmt.Sprintf("%s has an OpenPGP key: reply by email to encrypt.", name), "person", name, "address", at.Address()))
			continue
		}
		for _, o := range p.Others {
			if o.Network() == model.Email {
				out = append(out, note("advice.channel.email-ask-key",
					fmt.Sprintf("%s also has email (%s): with their OpenPGP key, mail would be private — ask %s for one.", name, o.Address(), name),
					"person", name, "address", o.Address()))
				break
			}
		}
	}
	return out
}
