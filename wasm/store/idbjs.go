//go:build js && wasm

package store

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"

	"github.com/hack-pad/safejs"
)

// This file is the thin layer over the browser's IndexedDB objects. Every call that can throw
// goes through hack-pad/safejs, which turns JavaScript exceptions into Go errors.
//
// hack-pad/go-indexeddb (v0.3.2) was the first choice, but it gives no access to the upgrade
// (versionchange) transaction, so it cannot add an index to an existing store nor run data
// migrations in the upgrade transaction; this layer is the small part of it the store needs.

// domError is a DOMException (or any thrown JavaScript error) by name and message.
type domError struct{ name, message string }

func (e *domError) Error() string {
	if e.message == "" {
		return e.name
	}
	return e.name + ": " + e.message
}

// toDOMError reads a DOMException value; nil for null or undefined.
func toDOMError(v safejs.Value) error {
	if v.IsNull() || v.IsUndefined() {
		return nil
	}
	name, _ := v.Get("name")
	msg, _ := v.Get("message")
	e := &domError{}
	e.name, _ = name.String()
	e.message, _ = msg.String()
	return e
}

// thrown converts an error from safejs (a thrown exception) into a domError when it carries one.
func thrown(err error) error {
	if err == nil {
		return nil
	}
	var je js.Error
	if errors.As(err, &je) {
		if e := toDOMError(safejs.Safe(je.Value)); e != nil {
			return e
		}
	}
	return err
}

func domName(err error) string {
	var e *domError
	if errors.As(err, &e) {
		return e.name
	}
	return ""
}

// call calls a method and converts what it throws.
func call(v safejs.Value, method string, args ...any) (safejs.Value, error) {
	r, err := v.Call(method, args...)
	return r, thrown(err)
}

// waiter receives the events of one IDBRequest (a cursor request fires success many times).
type waiter struct {
	req      safejs.Value
	ch       chan error
	ok, fail safejs.Func
}

func newWaiter(req safejs.Value) (*waiter, error) {
	w := &waiter{req: req, ch: make(chan error, 1)}
	var err error
	w.ok, err = safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		w.ch <- nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	w.fail, err = safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		e, _ := req.Get("error")
		err := toDOMError(e)
		if err == nil {
			err = fmt.Errorf("request failed")
		}
		w.ch <- err
		return nil
	})
	if err != nil {
		w.ok.Release()
		return nil, err
	}
	if err := req.Set("onsuccess", w.ok.Value()); err != nil {
		w.release()
		return nil, err
	}
	if err := req.Set("onerror", w.fail.Value()); err != nil {
		w.release()
		return nil, err
	}
	return w, nil
}

// wait waits for the next event and returns the request's result.
func (w *waiter) wait(ctx context.Context) (safejs.Value, error) {
	select {
	case err := <-w.ch:
		if err != nil {
			return safejs.Undefined(), err
		}
		r, err := w.req.Get("result")
		return r, thrown(err)
	case <-ctx.Done():
		return safejs.Undefined(), ctx.Err()
	}
}

func (w *waiter) release() {
	w.req.Set("onsuccess", safejs.Null())
	w.req.Set("onerror", safejs.Null())
	w.ok.Release()
	w.fail.Release()
}

// await waits for a one-shot request.
func await(ctx context.Context, req safejs.Value) (safejs.Value, error) {
	w, err := newWaiter(req)
	if err != nil {
		return safejs.Undefined(), err
	}
	defer w.release()
	return w.wait(ctx)
}

// txEnd listens for the end of a transaction: nil when it commits, its error when it aborts.
type txEnd struct {
	ch            chan error
	done, aborted safejs.Func
}

func listenEnd(tx safejs.Value) (*txEnd, error) {
	e := &txEnd{ch: make(chan error, 1)}
	var err error
	e.done, err = safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		e.ch <- nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.aborted, err = safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		v, _ := tx.Get("error")
		err := toDOMError(v)
		if err == nil {
			err = errAborted
		}
		e.ch <- err
		return nil
	})
	if err != nil {
		e.done.Release()
		return nil, err
	}
	if err := tx.Set("oncomplete", e.done.Value()); err != nil {
		return nil, err
	}
	if err := tx.Set("onabort", e.aborted.Value()); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *txEnd) wait() error {
	err := <-e.ch
	e.done.Release()
	e.aborted.Release()
	return err
}

var errAborted = fmt.Errorf("transaction aborted")

// strings reads a DOMStringList.
func stringList(v safejs.Value) ([]string, error) {
	n, err := v.Length()
	if err != nil {
		return nil, err
	}
	out := make([]string, n)
	for i := range out {
		s, err := call(v, "item", i)
		if err != nil {
			return nil, err
		}
		if out[i], err = s.String(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
