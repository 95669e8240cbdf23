package privacy

import (
	"fmt"
	"slices"
	"strings"

	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

// Points of each sender authentication method, out of PointsSenderAuth.
var authPoints = []struct {
	method string
	points int
}{{"dkim", 5}, {"dmarc", 3}, {"spf", 2}}

// trustedResults keeps, for each method, the top-most result written by one of the user's
// own servers, and counts the results anyone else wrote.
func trustedResults(results []mail.AuthResult, trusted []string) (kept map[string]mail.AuthResult, ignored []string) {
	kept = map[string]mail.AuthResult{}
	for _, r := range results {
		if !slices.ContainsFunc(trusted, func(t string) bool { return strings.EqualFold(strings.TrimSpace(t), r.AuthServID) }) {
			if !slices.Contains(ignored, r.AuthServID) {
				ignored = append(ignored, r.AuthServID)
			}
			continue
		}
		if _, seen := kept[r.Method]; !seen {
			kept[r.Method] = r
		}
	}
	return kept, ignored
}

// senderAuthFactor: DKIM, DMARC and SPF results, believed only from the user's own
// server's Authentication-Results (RFC 8601): any earlier server, or the sender, can write
// that header too, so results under any other authserv-id are ignored and said so.
func senderAuthFactor(c messageContext) Factor {
	f := Factor{ID: FactorSenderAuth, Possible: PointsSenderAuth}
	if c.network() != model.Email {
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.auth.network",
			fmt.Sprintf("%s authenticated the sender's account.", networkName(c.network())), "network", string(c.network())))
		return f
	}
	if c.outgoing() {
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.auth.own", "You wrote this message."))
		return f
	}
	kept, ignored := trustedResults(c.in.Auth, c.in.TrustedAuthServIDs)
	if len(ignored) > 0 {
		list := strings.Join(ignored, ", ")
		f.Evidence = append(f.Evidence, note("evidence.auth.ignored",
			fmt.Sprintf("Authentication results written by %s were ignored: only your own server's are believed.", list),
			"servers", list))
	}
	if n := len(c.in.AuthBelowEntry); n > 0 {
		f.Evidence = append(f.Evidence, note("evidence.auth.below-entry",
			fmt.Sprintf("Warning: %d authentication result(s) were written before your server received the message (a forgery if they name your server); ignored.", n),
			"count", fmt.Sprint(n)))
	}
	if len(c.in.TrustedAuthServIDs) == 0 {
		f.Evidence = append(f.Evidence, note("evidence.auth.no-trusted-server",
			"Your server's authentication id is not set, so no authentication result can be believed."))
		f.Advice = append(f.Advice, note("advice.auth.set-server",
			"Set your server's authentication id (the first word of its Authentication-Results) in the account settings."))
		return f
	}
	var failed []string
	for _, m := range authPoints {
		r, ok := kept[m.method]
		switch {
		case ok && r.Result == "pass":
			f.Earned += m.points
			f.Evidence = append(f.Evidence, note("evidence.auth.pass",
				fmt.Sprintf("%s passed, as checked by your server %s.", strings.ToUpper(m.method), r.AuthServID),
				"method", m.method, "server", r.AuthServID))
		case ok && isFailure(r.Result):
			failed = append(failed, strings.ToUpper(m.method))
			f.Evidence = append(f.Evidence, note("evidence.auth.fail",
				fmt.Sprintf("Warning: %s %s, as checked by your server %s.", strings.ToUpper(m.method), r.Result, r.AuthServID),
				"method", m.method, "result", r.Result, "server", r.AuthServID))
		case ok:
			f.Evidence = append(f.Evidence, note("evidence.auth.other",
				fmt.Sprintf("%s gave %q, as checked by your server %s.", strings.ToUpper(m.method), r.Result, r.AuthServID),
				"method", m.method, "result", r.Result, "server", r.AuthServID))
		default:
			f.Evidence = append(f.Evidence, note("evidence.auth.missing",
				fmt.Sprintf("Your server recorded no %s result.", strings.ToUpper(m.method)), "method", m.method))
		}
	}
	if f.Full() {
		return f
	}
	who := c.correspondent()
	if len(failed) > 0 {
		list := strings.Join(failed, ", ")
		f.Advice = append(f.Advice, note("advice.auth.failed",
			fmt.Sprintf("%s failed: this message may not come from %s. Check with them another way before acting on it.", list, who),
			"methods", list, "person", who))
		return f
	}
	f.Advice = append(f.Advice, note("advice.auth.weak",
		fmt.Sprintf("The sender's domain does not fully authenticate its mail: ask %s for OpenPGP-signed mail, which proves who wrote it.", who),
		"person", who))
	return f
}

func isFailure(result string) bool {
	switch result {
	case "fail", "softfail", "permerror", "policy":
		return true
	}
	return false
}
