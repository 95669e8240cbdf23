package mastodon

import (
	"bufio"
	"io"
	"strings"
)

// readSSE reads a text/event-stream (the WHATWG format Mastodon's streaming server writes):
// "event:" names the event, "data:" lines (several are joined with "\n") carry the payload, a
// blank line dispatches it, lines starting with ":" are comments (":thump" heartbeats).
// beat is called for every line read so that a watchdog can tell a live stream from a dead one.
// Written by hand: go-mastodon's reader only handles one-line data and the maintained SSE
// libraries bring their own HTTP client and reconnection, which the connector must control.
func readSSE(r io.Reader, beat func(), dispatch func(event, data string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var event string
	var data []string
	for sc.Scan() {
		beat()
		line := sc.Text()
		switch {
		case line == "":
			if len(data) > 0 {
				if event == "" {
					event = "message"
				}
				if err := dispatch(event, strings.Join(data, "\n")); err != nil {
					return err
				}
			}
			event, data = "", nil
		case strings.HasPrefix(line, ":"):
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				event = value
			case "data":
				data = append(data, value)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}
