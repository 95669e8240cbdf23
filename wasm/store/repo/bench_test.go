package repo_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// benchLine prints a benchmark result for make bench, when CALIOPEN_BENCH=1 and the name
// starts with $BENCH.
func benchLine(name string, v float64, unit string) {
	if strings.HasPrefix(name, os.Getenv("BENCH")) {
		fmt.Printf("BENCH %s %.0f %s\n", name, v, unit)
	}
}

var words = strings.Fields(`the meeting moved to thursday please find attached report budget
draft review thanks regards project deadline schedule call tomorrow update numbers plan
customer release notes quarter team lunch agenda minutes question answer follow up`)

// realisticMessage is message i of 10,000: three participants, threading headers, a 2-5 KB body.
func realisticMessage(r *rand.Rand, i int) repo.MessageWrite {
	var b strings.Builder
	for b.Len() < 2048+r.IntN(3072) {
		b.WriteString(words[r.IntN(len(words))])
		b.WriteByte(' ')
	}
	account := fmt.Sprint("acct", i%3)
	m := &model.Message{
		AccountID:      account,
		Network:        model.Email,
		RemoteID:       fmt.Sprintf("INBOX/1700000000/%d", i),
		Folder:         []string{"INBOX", "Archive", "Sent"}[i%3],
		ConversationID: fmt.Sprint("thread-", i/7),
		Participants: []model.Participant{
			{URI: model.IdentityURI(fmt.Sprintf("email:sender%d@example.org", i%97)), Role: model.RoleFrom, Name: "Sender Name"},
			{URI: "email:me@example.org", Role: model.RoleTo},
			{URI: model.IdentityURI(fmt.Sprintf("email:cc%d@example.net", i%13)), Role: model.RoleCc},
		},
		Subject:    "Re: " + strings.Join(words[i%20:i%20+5], " "),
		Snippet:    b.String()[:140],
		Date:       time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 17 * time.Minute),
		MessageID:  fmt.Sprintf("<%d.%d@mail.example.org>", i, r.Uint32()),
		InReplyTo:  []string{fmt.Sprintf("<%d@mail.example.org>", i-1)},
		References: []string{fmt.Sprintf("<%d@mail.example.org>", i/7), fmt.Sprintf("<%d@mail.example.org>", i-1)},
		Size:       int64(b.Len() + 800),
		ReceivedAt: time.Now(),
	}
	return repo.MessageWrite{Message: m, Body: &model.Body{Text: b.String()}}
}

// TestBenchStoreWrite10k stores 10,000 realistic messages in transactions of 250 through the
// repository and prints the time (CALIOPEN_BENCH=1 only).
func TestBenchStoreWrite10k(t *testing.T) {
	if os.Getenv("CALIOPEN_BENCH") != "1" {
		t.Skip("set CALIOPEN_BENCH=1 to run")
	}
	name := "store_write_10k" + benchPlatform + "_ms"
	if !strings.HasPrefix(name, os.Getenv("BENCH")) {
		t.Skip("not selected by BENCH")
	}
	r := repo.New(openBenchDB(t))
	rnd := rand.New(rand.NewPCG(1, 2))
	msgs := make([]repo.MessageWrite, 10000)
	for i := range msgs {
		msgs[i] = realisticMessage(rnd, i)
	}
	start := time.Now()
	for i := 0; i < len(msgs); i += 250 {
		if err := r.SaveMessages(ctx, msgs[i:i+250]); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	if n, err := r.CountMessages(ctx, ""); err != nil || n != 10000 {
		t.Fatalf("count = %d, %v", n, err)
	}
	benchLine(name, float64(elapsed.Milliseconds()), "ms")
	if base, ok := baseline(t, msgs, 250); ok {
		benchLine("store_write_10k_js_baseline_ms", float64(base.Milliseconds()), "ms")
		if strings.HasPrefix("store_write_10k_vs_js_ratio", os.Getenv("BENCH")) {
			fmt.Printf("BENCH store_write_10k_vs_js_ratio %.2f x\n", elapsed.Seconds()/base.Seconds())
		}
		t.Logf("plain JavaScript, same records: %v", base)
	}
	// One page of the unified inbox, the UI's first read.
	start = time.Now()
	page, _, err := r.AllMessages(ctx, repo.Page{Limit: 50})
	if err != nil || len(page) != 50 {
		t.Fatalf("page: %d %v", len(page), err)
	}
	t.Logf("10k writes: %v; first page of 50: %v", elapsed, time.Since(start))
}
