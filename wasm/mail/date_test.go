package mail

import (
	netmail "net/mail"
	"testing"
)

// Dates in the recommended layout take the short way; others (a one-digit day, no weekday, a
// comment, a named zone) are read by net/mail as before, and both read the same time.
func TestDatesReadAsNetMailReadsThem(t *testing.T) {
	for _, v := range []string{
		"Mon, 01 Jan 2024 00:37:00 +0000",
		"Tue, 05 Mar 2024 18:02:11 -0730",
		"Mon, 1 Jan 2024 00:37:00 +0100",
		"1 Jan 2024 00:37:00 +0100",
		"Mon, 01 Jan 2024 00:37:00 +0000 (UTC)",
		"Mon, 01 Jan 2024 00:37:00 GMT",
	} {
		p, err := Parse([]byte("From: a@example.org\r\nDate: " + v + "\r\n\r\nbody\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := netmail.ParseDate(v)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if !p.Message.Date.Equal(want) {
			t.Errorf("%q read as %v, net/mail reads %v", v, p.Message.Date, want)
		}
	}
}
