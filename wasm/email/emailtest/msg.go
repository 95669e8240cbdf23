package emailtest

import (
	"fmt"
	"time"
)

// Msg is a small, realistic message numbered i.
func Msg(from, to string, i int, subject string) []byte {
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
	return []byte(fmt.Sprintf("From: Sender %d <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"+
		"Message-ID: <m%d.%d@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Hello, this is message %d.\r\nIt has a second line.\r\n",
		i, from, to, subject, d.Format(time.RFC1123Z), i, d.Unix(), i))
}
