package autoconfig_test

import (
	"strings"
	"testing"

	"caliopen/wasm/email"
	"caliopen/wasm/email/autoconfig"
)

const config = `<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <incomingServer type="pop3"><hostname>pop.example.org</hostname><port>995</port><socketType>SSL</socketType></incomingServer>
    <incomingServer type="imap"><hostname>plain.example.org</hostname><port>143</port><socketType>plain</socketType></incomingServer>
    <incomingServer type="imap"><hostname>imap.example.org</hostname><port>143</port><socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username></incomingServer>
    <incomingServer type="imap"><hostname>IMAPS.example.org</hostname><port>993</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>
    <outgoingServer type="smtp"><hostname>smtp.example.org</hostname><port>587</port><socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username></outgoingServer>
  </emailProvider>
</clientConfig>`

func TestParsePrefersTLSAndSkipsPlain(t *testing.T) {
	s, err := autoconfig.Parse([]byte(config), "jo@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if s.IMAP != (email.Server{Host: "imaps.example.org", Port: 993, Security: email.ImplicitTLS}) ||
		s.SMTP != (email.Server{Host: "smtp.example.org", Port: 587, Security: email.StartTLS}) || s.Username != "jo@example.org" {
		t.Fatalf("%+v", s)
	}
	if _, err := autoconfig.Parse([]byte(strings.ReplaceAll(strings.ReplaceAll(config, "SSL", "plain"), "STARTTLS", "plain")), "jo@example.org"); err == nil {
		t.Fatal("plain-only config accepted")
	}
}
