package wkd

import (
	"errors"
	"testing"
)

func TestHash(t *testing.T) {
	// the example of draft-koch-openpgp-webkey-service
	if got := Hash("Joe.Doe"); got != "iy9q119eutrkn8s1mk4r39qejnbu3n5q" {
		t.Errorf("Hash = %s", got)
	}
	adv, direct, err := URLs("Joe.Doe@Example.ORG")
	if err != nil {
		t.Fatal(err)
	}
	if adv != "https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe" {
		t.Errorf("advanced %s", adv)
	}
	if direct != "https://example.org/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe" {
		t.Errorf("direct %s", direct)
	}
	if _, _, err := URLs("nobody"); !errors.Is(err, ErrBadAddress) {
		t.Errorf("bad address: %v", err)
	}
}
