package policy

import "net/netip"

type rule struct {
	prefix netip.Prefix
	reason Reason
}

func r(p string, why Reason) rule { return rule{netip.MustParsePrefix(p), why} }

// rules are checked in order; the first match wins, so specific entries (metadata) come
// before the ranges that contain them. Sources: IANA IPv4 and IPv6 special-purpose address
// registries (RFC 6890 and updates) and the cloud providers' metadata endpoints.
var rules = []rule{
	// Cloud metadata services.
	r("169.254.169.254/32", ReasonMetadata), // AWS, GCP, Azure, OpenStack, DigitalOcean
	r("169.254.170.2/32", ReasonMetadata),   // AWS ECS task metadata
	r("168.63.129.16/32", ReasonMetadata),   // Azure wire server
	r("100.100.100.200/32", ReasonMetadata), // Alibaba Cloud
	r("fd00:ec2::254/128", ReasonMetadata),  // AWS IMDS over IPv6
	r("fd00:ec2::23/128", ReasonMetadata),   // AWS time sync / DNS

	// IPv4.
	r("0.0.0.0/8", ReasonUnspecified),
	r("10.0.0.0/8", ReasonPrivate),
	r("100.64.0.0/10", ReasonCGNAT),
	r("127.0.0.0/8", ReasonLoopback),
	r("169.254.0.0/16", ReasonLinkLocal),
	r("172.16.0.0/12", ReasonPrivate),
	r("192.0.0.0/24", ReasonReserved), // IETF protocol assignments
	r("192.0.2.0/24", ReasonDocumentation),
	r("192.88.99.0/24", ReasonTransition), // 6to4 relay anycast
	r("192.168.0.0/16", ReasonPrivate),
	r("198.18.0.0/15", ReasonBenchmarking),
	r("198.51.100.0/24", ReasonDocumentation),
	r("203.0.113.0/24", ReasonDocumentation),
	r("224.0.0.0/4", ReasonMulticast),
	r("255.255.255.255/32", ReasonBroadcast),
	r("240.0.0.0/4", ReasonReserved),

	// IPv6.
	r("::/128", ReasonUnspecified),
	r("::1/128", ReasonLoopback),
	r("::ffff:0:0/96", ReasonMapped),
	r("::/96", ReasonMapped), // IPv4-compatible (deprecated)
	r("64:ff9b::/96", ReasonNAT64),
	r("64:ff9b:1::/48", ReasonNAT64),
	r("100::/64", ReasonReserved), // discard-only
	r("2001::/32", ReasonTransition),
	r("2001:2::/48", ReasonBenchmarking),
	r("2001:db8::/32", ReasonDocumentation),
	r("2001::/23", ReasonReserved), // IETF protocol assignments (ORCHID, AMT, ...)
	r("2002::/16", ReasonTransition),
	r("3fff::/20", ReasonDocumentation),
	r("fc00::/7", ReasonULA),
	r("fe80::/10", ReasonLinkLocal),
	r("fec0::/10", ReasonSiteLocal),
	r("ff00::/8", ReasonMulticast),
}

var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// Classify reports whether a is a non-global address the relay refuses, and why.
func Classify(a netip.Addr) (Reason, bool) {
	if !a.IsValid() {
		return ReasonUnspecified, true
	}
	if a.Zone() != "" {
		return ReasonLinkLocal, true
	}
	for _, rl := range rules {
		if rl.prefix.Contains(a) {
			return rl.reason, true
		}
	}
	if a.Is6() && !globalUnicast6.Contains(a) {
		return ReasonReserved, true
	}
	return "", false
}
