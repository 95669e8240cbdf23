package email_test

import (
	"errors"
	"testing"
	"time"

	"caliopen/wasm/email"
)

func TestBackoff(t *testing.T) {
	b := email.Backoff{Min: time.Second, Max: 10 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		if got := b.Delay(n); got != want {
			t.Errorf("Delay(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestSettingsRoundTripThroughModel(t *testing.T) {
	s := email.Settings{Address: "jo@example.org", Username: "jo", Aliases: []string{"j@example.org"}, SentFiling: email.ServerFilesSent,
		IMAP: email.Server{Host: "imap.example.org", Port: 993, Security: email.ImplicitTLS, Pin: "AB:CD"},
		SMTP: email.Server{Host: "smtp.example.org", Port: 587, Security: email.StartTLS}}
	a := s.NewModelAccount("a1", "vault:a1")
	back, err := email.SettingsFromModel(a)
	if err != nil {
		t.Fatal(err)
	}
	if back.IMAP != s.IMAP || back.SMTP != s.SMTP || back.Username != "jo" || back.SentFiling != email.ServerFilesSent || !back.Own("J@example.org") || a.Identity != "email:jo@example.org" {
		t.Fatalf("%+v", back)
	}
	if pins := back.PinsFor("IMAP.example.org"); len(pins) != 1 || pins[0] != "AB:CD" || len(back.PinsFor("smtp.example.org")) != 0 {
		t.Fatalf("pins: %v", back.PinsFor("imap.example.org"))
	}
	// A pin from before pins were per server applies to both.
	delete(a.Settings, "imap.pin")
	a.Settings["pin"] = "EF:01"
	if old, _ := email.SettingsFromModel(a); old.IMAP.Pin != "EF:01" || old.SMTP.Pin != "EF:01" {
		t.Fatalf("legacy pin: %+v", old)
	}
	a.Settings["imap.security"] = "none"
	if _, err := email.SettingsFromModel(a); !errors.Is(err, email.ErrInsecure) {
		t.Fatal(err)
	}
}
