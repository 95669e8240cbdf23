package imapsync

import (
	"context"
	"encoding/json"
	"errors"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// cursor is what the store remembers of a folder between syncs. The messages with UIDs in
// [Low, Top] are stored (except those expunged since); UIDs above Top are new; UIDs below Low
// are still to fetch unless Done.
type cursor struct {
	UIDValidity uint32 `json:"uidValidity"`
	Top         uint32 `json:"top"`
	Low         uint32 `json:"low"`
	Done        bool   `json:"done,omitempty"`
	ModSeq      uint64 `json:"modSeq,omitempty"` // HIGHESTMODSEQ when flags were last in sync
	Count       int    `json:"count"`            // messages stored from this folder
	// Box is where the folder's messages are filed (its role), as they were stored.
	Box model.Box `json:"box,omitempty"`
}

func cursorName(folder string) string { return "imap:" + folder }

func loadCursor(ctx context.Context, r *repo.Repo, account, folder string) (cursor, error) {
	var c cursor
	b, err := r.Cursor(ctx, account, cursorName(folder))
	if errors.Is(err, repo.ErrNotFound) || (err == nil && len(b) == 0) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(b, &c)
}

func (c cursor) save(tx *repo.Tx, account, folder string) error {
	b, _ := json.Marshal(c)
	return tx.SetCursor(account, cursorName(folder), b)
}
