//go:build js && wasm

package store

import (
	"errors"
	"testing"
)

func TestMapDOMErrors(t *testing.T) {
	for name, want := range map[string]error{
		"QuotaExceededError":       ErrQuota,
		"TransactionInactiveError": ErrTxInactive,
		"ReadOnlyError":            ErrReadOnly,
		"NotFoundError":            ErrUnknownStore,
	} {
		err := mapErr(&domError{name: name, message: "from the browser"})
		if !errors.Is(err, want) {
			t.Errorf("%s -> %v, want %v", name, err, want)
		}
	}
}
