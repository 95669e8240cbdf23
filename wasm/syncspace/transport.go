package syncspace

import (
	"context"
	"errors"
	"fmt"

	"github.com/coder/websocket"

	"caliopen/shared/syncproto"
)

// Transport opens connections to the relay's sync endpoint.
type Transport interface {
	Dial(ctx context.Context) (Conn, error)
}

// Conn carries syncproto frames, one per message. A frame Read returns is valid until the
// next Read (the connection may reuse its buffer). Write is done with its frame when it
// returns: the caller may reuse it.
type Conn interface {
	Read(ctx context.Context) ([]byte, error)
	Write(ctx context.Context, frame []byte) error
	Close() error
}

// WebSocket is the Transport to a relay's /sync URL (ws:// or wss://). coder/websocket works
// natively and in a browser (js/wasm, over the browser's WebSocket), so the same code runs in
// both.
type WebSocket struct {
	URL string
}

// Dial implements Transport.
func (w WebSocket) Dial(ctx context.Context) (Conn, error) {
	ws, _, err := websocket.Dial(ctx, w.URL, &websocket.DialOptions{Subprotocols: []string{syncproto.Subprotocol}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(syncproto.MaxFrameSize)
	return &wsConn{ws: ws}, nil
}

type wsConn struct {
	ws  *websocket.Conn
	buf []byte // the last frame read; its array serves every frame
}

func (c *wsConn) Read(ctx context.Context) ([]byte, error) {
	typ, r, err := c.ws.Reader(ctx)
	if err == nil && typ != websocket.MessageBinary {
		err = fmt.Errorf("syncspace: text message on the sync connection")
	}
	if err == nil {
		if c.buf, err = syncproto.ReadFrame(r, c.buf); err == nil {
			return c.buf, nil
		}
	}
	if code := websocket.CloseStatus(err); code >= 4000 {
		var ce websocket.CloseError
		errors.As(err, &ce)
		return nil, &syncproto.Error{Code: syncproto.Code(code), Message: ce.Reason}
	}
	return nil, err
}

func (c *wsConn) Write(ctx context.Context, frame []byte) error {
	return c.ws.Write(ctx, websocket.MessageBinary, frame)
}

func (c *wsConn) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "") }
