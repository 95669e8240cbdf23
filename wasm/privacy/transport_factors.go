package privacy

import (
	"fmt"
	"strings"

	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

// hopsFactor: TLS on every server-to-server hop we can see. The top-most hop that is not
// inside one machine was recorded by the user's own server as it received the message
// (PointsEntryHop); the earlier ones were written by the servers on the sender's side and
// are only as true as those servers (PointsEarlierHops). Hops inside one machine (LMTP
// delivery, loopback, a local submission without a "from" clause) never count against.
func hopsFactor(c messageContext) Factor {
	f := Factor{ID: FactorHops, Possible: PointsHops}
	switch c.network() {
	case model.Email:
	case model.Mastodon:
		return mastodonHops(c, f)
	default:
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.hops.inside-network",
			fmt.Sprintf("The message never left %s's servers.", networkName(c.network())),
			"network", string(c.network())))
		return f
	}
	var outside []mail.Hop
	for _, h := range c.in.Hops {
		if external(h) {
			outside = append(outside, h)
		}
	}
	if len(outside) == 0 {
		if len(c.in.Hops) == 0 && !c.outgoing() {
			f.Evidence = append(f.Evidence, note("evidence.hops.unknown",
				"The message records no hop: how it travelled cannot be seen."))
			f.Advice = append(f.Advice, note("advice.hops.unknown",
				"Only end-to-end encryption protects a message whose way cannot be seen."))
			return f
		}
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.hops.local",
			"The message never travelled between servers we can see."))
		return f
	}
	entry, earlier := outside[0], outside[1:]
	if entry.TLS {
		f.Earned += PointsEntryHop
		f.Evidence = append(f.Evidence, note("evidence.hops.entry-tls",
			fmt.Sprintf("Your server %s received it from %s over %s.", orDefault(entry.By, "(unnamed)"), orDefault(entry.From, "(unnamed)"), tlsName(entry)),
			"by", entry.By, "from", entry.From, "tls", tlsName(entry)))
	} else {
		f.Evidence = append(f.Evidence, note("evidence.hops.entry-clear",
			fmt.Sprintf("Your server %s received it from %s without TLS: anyone on that path could read it.", orDefault(entry.By, "(unnamed)"), orDefault(entry.From, "(unnamed)")),
			"by", entry.By, "from", entry.From))
		f.Advice = append(f.Advice, note("advice.hops.sender-no-tls",
			fmt.Sprintf("This sender's server had no TLS on one hop (%s): ask %s to use a provider with TLS, or use OpenPGP.", orDefault(entry.From, "unnamed"), c.correspondent()),
			"host", entry.From, "person", c.correspondent()))
	}
	clear := 0
	var clearHost string
	for _, h := range earlier {
		if !h.TLS {
			clear++
			if clearHost == "" {
				clearHost = orDefault(h.By, h.From)
			}
		}
	}
	switch {
	case len(earlier) == 0:
		f.Earned += PointsEarlierHops
		f.Evidence = append(f.Evidence, note("evidence.hops.direct", "It came straight from the sender's server to yours."))
	case clear == 0:
		f.Earned += PointsEarlierHops
		f.Evidence = append(f.Evidence, note("evidence.hops.earlier-tls",
			fmt.Sprintf("The %d earlier hop(s), as the sender's servers recorded them, used TLS.", len(earlier)),
			"count", fmt.Sprint(len(earlier))))
	default:
		f.Evidence = append(f.Evidence, note("evidence.hops.earlier-clear",
			fmt.Sprintf("%d of %d earlier hop(s) had no TLS (at %s).", clear, len(earlier), orDefault(clearHost, "an unnamed server")),
			"count", fmt.Sprint(clear), "of", fmt.Sprint(len(earlier)), "host", clearHost))
		f.Advice = append(f.Advice, note("advice.hops.sender-no-tls",
			fmt.Sprintf("This sender's server had no TLS on one hop (%s): ask %s to use a provider with TLS, or use OpenPGP.", orDefault(clearHost, "unnamed"), c.correspondent()),
			"host", clearHost, "person", c.correspondent()))
	}
	return f
}

// mastodonHops: within one instance a DM never crosses the network between servers; across
// instances it goes over HTTPS between them, which we cannot see.
func mastodonHops(c messageContext, f Factor) Factor {
	hosts := instances(c)
	if len(hosts) <= 1 {
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.hops.same-instance",
			fmt.Sprintf("The message never left the instance %s.", strings.Join(hosts, "")), "instance", strings.Join(hosts, "")))
		return f
	}
	list := strings.Join(hosts, ", ")
	f.Earned = PointsEntryHop
	f.Evidence = append(f.Evidence, note("evidence.hops.federated",
		fmt.Sprintf("The message went between the instances %s, over a link we cannot check.", list), "instances", list))
	f.Advice = append(f.Advice, note("advice.hops.federated",
		"A direct message within one instance, or email with OpenPGP, avoids a server-to-server link you cannot check."))
	return f
}

// instances lists the Mastodon hosts of a message's participants, the user's included.
func instances(c messageContext) []string {
	var out []string
	for _, p := range c.in.Message.Participants {
		if p.URI.Network() != model.Mastodon {
			continue
		}
		if _, host, ok := strings.Cut(p.URI.Address(), "@"); ok && !contains(out, host) {
			out = append(out, host)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func tlsName(h mail.Hop) string {
	if h.TLSVersion != "" {
		return h.TLSVersion
	}
	return "TLS"
}

// ownLinkFactor: the account's own connection to its server used TLS 1.2 or later.
func ownLinkFactor(c messageContext) Factor {
	f := Factor{ID: FactorOwnLink, Possible: PointsOwnLink}
	l := c.in.Link
	switch {
	case !l.TLS:
		f.Evidence = append(f.Evidence, note("evidence.link.clear",
			"Your own connection to your server is not encrypted: anyone on your network could read this message."))
		f.Advice = append(f.Advice, note("advice.link.enable-tls",
			"Turn on TLS (IMAPS or STARTTLS) in this account's settings."))
	case oldTLS(l.Version):
		f.Earned = 2
		f.Evidence = append(f.Evidence, note("evidence.link.old-tls",
			fmt.Sprintf("Your connection to your server uses the outdated %s.", l.Version), "tls", l.Version))
		f.Advice = append(f.Advice, note("advice.link.upgrade-tls",
			"Ask your provider to support TLS 1.2 or later."))
	default:
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.link.tls",
			fmt.Sprintf("Your connection to your server uses %s.", orDefault(l.Version, "TLS")), "tls", l.Version))
	}
	return f
}

// oldTLS reports versions before TLS 1.2 ("TLSv1", "TLS 1.1", "SSLv3").
func oldTLS(v string) bool {
	v = strings.ToUpper(strings.NewReplacer(" ", "", "_", ".", "V", "").Replace(strings.ToUpper(v)))
	switch v {
	case "SSL3", "SSL3.0", "TLS1", "TLS1.0", "TLS1.1":
		return true
	}
	return false
}
