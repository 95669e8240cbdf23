package sandbox

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"caliopen/shared/fakes/xfake"
	"caliopen/wasm/wkd"
)

// webServer is the sandbox's one HTTPS listener. It answers by host name: autoconfig for
// the mail domain (how the app finds the IMAP and SMTP servers), the mail domain's Web Key
// Directory (how it finds Camille's key), and the X API.
type webServer struct {
	srv  *http.Server
	addr netip.AddrPort
}

func startWeb(ca *authority, st *story, x *xfake.Server) (*webServer, error) {
	ln, addr, err := listenLoopback()
	if err != nil {
		return nil, err
	}
	autoconf := http.NewServeMux()
	autoconf.HandleFunc("GET /mail/config-v1.1.xml", serveAutoconfig)
	keys := http.NewServeMux()
	keys.HandleFunc("GET /.well-known/openpgpkey/"+MailDomain+"/policy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
	})
	keys.HandleFunc("GET /.well-known/openpgpkey/"+MailDomain+"/hu/{hash}", func(w http.ResponseWriter, r *http.Request) {
		key := st.wkdKey(r.PathValue("hash"))
		if key == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write(key)
	})
	byHost := map[string]http.Handler{AutoconfHost: autoconf, WKDHost: keys, XAPIHost: x}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if next, ok := byHost[strings.ToLower(host)]; ok {
			next.ServeHTTP(w, r)
			return
		}
		http.Error(w, "no such site in the sandbox", http.StatusMisdirectedRequest)
	})
	w := &webServer{addr: addr, srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go w.srv.Serve(tls.NewListener(ln, ca.serverConfig()))
	return w, nil
}

func (w *webServer) close() error { return w.srv.Close() }

// serveAutoconfig answers Thunderbird's autoconfig format, as a mail provider does.
func serveAutoconfig(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="%[1]s">
    <domain>%[1]s</domain>
    <displayName>Caliopen sandbox mail</displayName>
    <displayShortName>Sandbox</displayShortName>
    <incomingServer type="imap">
      <hostname>%[2]s</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%%EMAILADDRESS%%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>%[3]s</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%%EMAILADDRESS%%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`, MailDomain, IMAPHost, SMTPHost)
}

// wkdHash is the WKD local-part hash of an address (lower-cased).
func wkdHash(addr string) string {
	local, _, _ := strings.Cut(strings.ToLower(addr), "@")
	return wkd.Hash(local)
}
