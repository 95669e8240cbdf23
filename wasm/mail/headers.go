package mail

import (
	"regexp"
	"strings"

	"caliopen/wasm/model"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// AuthResult is one method's result from an Authentication-Results header (RFC 8601).
type AuthResult = model.AuthResult

// parseAuthResults reads one Authentication-Results header value. It is tolerant: unknown
// parts are skipped, comments removed. The header is only as trustworthy as the server that
// added it: callers must keep only results whose AuthServID is the user's own server.
func parseAuthResults(v string) []AuthResult {
	v = stripComments(v)
	parts := strings.Split(v, ";")
	if len(parts) == 0 {
		return nil
	}
	servID := strings.ToLower(strings.TrimSpace(strings.Fields(parts[0] + " x")[0]))
	var out []AuthResult
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if p == "" || strings.EqualFold(p, "none") {
			continue
		}
		methodPart, rest, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		method := strings.ToLower(strings.TrimSpace(methodPart))
		if i := strings.IndexByte(method, '/'); i >= 0 { // method/version
			method = method[:i]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 || method == "" {
			continue
		}
		out = append(out, AuthResult{
			AuthServID: servID,
			Method:     method,
			Result:     strings.ToLower(fields[0]),
			Props:      strings.Join(fields[1:], " "),
		})
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Hop is what a Received header says about one step of the message's way.
type Hop = model.Hop

var (
	receivedFrom    = regexp.MustCompile(`(?i)\bfrom\s+(\S+)`)
	receivedBy      = regexp.MustCompile(`(?i)\bby\s+(\S+)`)
	receivedWith    = regexp.MustCompile(`(?i)\bwith\s+([A-Z0-9]+)`)
	receivedVersion = regexp.MustCompile(`(?i)\b(TLSv?1(?:\.[0-3]|_[0-3])?|TLS1[_.]?[0-3]|SSLv3)\b`)
	receivedCipher  = regexp.MustCompile(`(?i)cipher[= ]+([A-Z0-9_-]+)`)
)

// parseReceived reads the TLS facts of one Received header (Postfix: "(using TLSv1.3 with
// cipher TLS_AES_256_GCM_SHA384 (256/256 bits))", Exim: "with esmtps (TLS1.3)", sendmail,
// Microsoft "with Microsoft SMTP Server (version=TLS1_2, cipher=...)").
func parseReceived(v string) Hop {
	h := Hop{}
	if m := receivedFrom.FindStringSubmatch(v); m != nil {
		h.From = strings.Trim(m[1], "()[];")
	}
	if m := receivedBy.FindStringSubmatch(v); m != nil {
		h.By = strings.Trim(m[1], "()[];")
	}
	with := ""
	if m := receivedWith.FindStringSubmatch(v); m != nil {
		with = strings.ToUpper(m[1])
	}
	// The case-insensitive patterns have no literal prefix to search for: skip them, by far
	// the slowest part of reading a header, where their words do not occur.
	lv := strings.ToLower(v)
	if strings.Contains(lv, "tls") || strings.Contains(lv, "sslv3") {
		if m := receivedVersion.FindStringSubmatch(v); m != nil {
			h.TLSVersion = m[1]
		}
	}
	if strings.Contains(lv, "cipher") {
		if m := receivedCipher.FindStringSubmatch(v); m != nil {
			h.Cipher = m[1]
		}
	}
	switch with {
	case "ESMTPS", "ESMTPSA", "LMTPS", "UTF8SMTPS", "UTF8SMTPSA", "SMTPS":
		h.TLS = true
	case "LMTP", "LOCAL":
		h.Local = true
	}
	if h.TLSVersion != "" || h.Cipher != "" {
		h.TLS = true
	}
	if strings.Contains(lv, "localhost") || strings.Contains(lv, "[127.0.0.1]") || strings.Contains(lv, "[::1]") {
		h.Local = h.Local || !h.TLS && (h.From == "" || strings.HasPrefix(h.From, "localhost") || strings.Contains(lv, "from localhost"))
	}
	return h
}

var looseAddress = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*`)

// addressList reads an address header; when it violates RFC 5322 it falls back to picking out
// what look like addresses, and says so.
// SenderOf returns the address a header names as the message's author, lower case, read as
// Parse reads it: the first address of From, else of Sender, a malformed field read as well
// as possible; "" when it names none.
func SenderOf(h textproto.Header) string {
	mh := mail.Header{Header: message.Header{Header: h}}
	for _, key := range []string{"From", "Sender"} {
		addrs, _ := addressList(&mh, key)
		for _, a := range addrs {
			if a.Address != "" {
				return model.NewIdentityURI(model.Email, a.Address).Address()
			}
		}
	}
	return ""
}

// addressList reads an address header; when it is malformed, the addresses in it are found
// as well as possible and malformed is true.
func addressList(h *mail.Header, key string) (addrs []*mail.Address, malformed bool) {
	raw := h.Get(key)
	if strings.TrimSpace(raw) == "" {
		return nil, false
	}
	list, err := h.AddressList(key)
	if err == nil {
		return list, false
	}
	for _, a := range looseAddress.FindAllString(raw, -1) {
		addrs = append(addrs, &mail.Address{Address: a})
	}
	return addrs, true
}

// msgIDs reads a list of message ids (References, In-Reply-To), tolerating missing angle
// brackets and junk between ids.
func msgIDs(h *mail.Header, key string) []string {
	ids, err := h.MsgIDList(key)
	if err == nil && len(ids) > 0 {
		return ids
	}
	raw := h.Get(key)
	var out []string
	for _, f := range strings.Fields(raw) {
		f = strings.Trim(f, "<>,;")
		if strings.Contains(f, "@") {
			out = append(out, f)
		}
	}
	return out
}

// listID extracts the id of a List-Id header: "Notmuch <notmuch.notmuchmail.org>" → "notmuch.notmuchmail.org".
func listID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.ToLower(strings.TrimSpace(v[i+1 : i+j]))
		}
	}
	return strings.ToLower(v)
}
