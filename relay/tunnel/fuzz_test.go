package tunnel

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	proto "caliopen/shared/tunnel"
)

// FuzzHandshake sends arbitrary first messages to a running relay. Without the user's
// token nothing may be looked up or dialled, and every attempt must end with one of the
// tunnel's close codes, never a hang.
func FuzzHandshake(f *testing.F) {
	good, _ := proto.AppendOpen(nil, proto.Open{Token: "crt_guess", Host: "127.0.0.1", Port: 993})
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{proto.Version, 1, 'x', 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0x03, 0xe1})
	f.Add([]byte("\x01\xff"))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))

	fx := newFixture(f, loopbackConfig(993))
	f.Fuzz(func(t *testing.T, msg []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, fx.url, &websocket.DialOptions{Subprotocols: []string{proto.Subprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		ws.Write(ctx, websocket.MessageBinary, msg)
		_, _, err = ws.Read(ctx)
		code := proto.Code(websocket.CloseStatus(err))
		if code != proto.CodeBadRequest && code != proto.CodeAuthFailed && websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
			t.Fatalf("message %x: ended with %v (%v)", msg, code, err)
		}
		if fx.dials.count() != 0 || fx.lookup.lookups() != 0 {
			t.Fatalf("message %x caused a lookup or a dial", msg)
		}
	})
}
