package privacy

import (
	"crypto/tls"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fetchByIMAP reads bob's message with the given subject over IMAPS, as the account does,
// and returns it with the facts of that link.
func (p *mailPeer) fetchByIMAP(t *testing.T, subject string) ([]byte, Link) {
	t.Helper()
	conn, err := tls.Dial("tcp", p.addr("IMAPS_PORT"), p.tlsConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login("bob", "bobpw").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: subject}}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	uids := found.AllUIDs()
	if len(uids) != 1 {
		t.Fatalf("%d messages with subject %q", len(uids), subject)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids[0]), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v (%d messages)", err, len(msgs))
	}
	state := conn.ConnectionState()
	c.Logout().Wait()
	return msgs[0].FindBodySection(section), Link{TLS: true, Version: tls.VersionName(state.Version)}
}
