//go:build js && wasm

package platform

import (
	"context"
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"
)

// await waits for a JavaScript promise and returns its value, or its rejection as an error.
func await(ctx context.Context, promise safejs.Value) (safejs.Value, error) {
	type outcome struct {
		v   safejs.Value
		err error
	}
	ch := make(chan outcome, 1)
	onOK, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		v := safejs.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ch <- outcome{v: v}
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onOK.Release()
	onErr, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		msg := "rejected"
		if len(args) > 0 {
			if s, err := args[0].Call("toString"); err == nil {
				if str, err := s.String(); err == nil {
					msg = str
				}
			}
		}
		ch <- outcome{err: errors.New(msg)}
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onErr.Release()
	if _, err := promise.Call("then", onOK.Value(), onErr.Value()); err != nil {
		return safejs.Undefined(), fmt.Errorf("not a promise: %w", err)
	}
	select {
	case o := <-ch:
		return o.v, o.err
	case <-ctx.Done():
		return safejs.Undefined(), ctx.Err()
	}
}
