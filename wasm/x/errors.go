package x

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APIError is an error answer of the X API: the problem fields ({"title","detail","type",
// "status"}, plus "reason" on client-forbidden) and the errors[] list of partial or invalid
// requests.
type APIError struct {
	Status int         `json:"status"`
	Title  string      `json:"title"`
	Detail string      `json:"detail"`
	Type   string      `json:"type"`
	Reason string      `json:"reason,omitempty"`
	Errors []ErrorItem `json:"errors,omitempty"`
}

// ErrorItem is one entry of errors[].
type ErrorItem struct {
	Title        string `json:"title,omitempty"`
	Detail       string `json:"detail,omitempty"`
	Message      string `json:"message,omitempty"`
	Type         string `json:"type,omitempty"`
	Value        string `json:"value,omitempty"`
	ResourceID   string `json:"resource_id,omitempty"`
	ResourceType string `json:"resource_type,omitempty"`
}

func (e *APIError) Error() string {
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	for _, it := range e.Errors {
		if it.Message != "" {
			msg += "; " + it.Message
		} else if it.Detail != "" {
			msg += "; " + it.Detail
		}
	}
	return fmt.Sprintf("x: %d %s", e.Status, msg)
}

// Refused says X refuses the developer app itself (no DM access at its level, no credits),
// which only the user can fix in X's developer portal.
func (e *APIError) Refused() bool {
	return e.Status == http.StatusPaymentRequired ||
		e.Status == http.StatusForbidden && (strings.Contains(e.Type, "client-forbidden") || strings.Contains(e.Type, "credits") ||
			e.Reason == "client-not-enrolled" || strings.Contains(strings.ToLower(e.Title), "credits"))
}

// Reasons X refuses access, stable for translations of AccessState.
const (
	AccessNoCredits   = "no-credits"    // the developer account has no credits left
	AccessNoDMAccess  = "no-dm-access"  // the developer app's project does not cover DMs
	AccessNoDMScope   = "no-dm-scope"   // the sign-in did not grant DM permissions
	AccessOtherReason = "other-refusal" // any other refusal: Error says what X said
)

// AccessReason names why X refuses access, one of the Access constants.
func (e *APIError) AccessReason() string {
	switch {
	case e.Status == http.StatusPaymentRequired || strings.Contains(e.Type, "credits") || strings.Contains(strings.ToLower(e.Title), "credits"):
		return AccessNoCredits
	case e.Reason == "client-not-enrolled" || strings.Contains(e.Type, "client-forbidden"):
		return AccessNoDMAccess
	case strings.Contains(e.Type, "insufficient-scope"):
		return AccessNoDMScope
	}
	return AccessOtherReason
}

// AccessState is the readable state shown for an account that X refuses.
func (e *APIError) AccessState() string {
	switch e.AccessReason() {
	case AccessNoCredits:
		return "X refused access: your developer account has no credits left for the API. Add credits in X's developer portal."
	case AccessNoDMAccess:
		return "X refused access: your developer app lacks DM access (it must belong to a Project with API access that covers direct messages)."
	case AccessNoDMScope:
		return "X refused access: the sign-in did not grant DM permissions. Sign in again and allow direct messages."
	}
	return "X refused access: " + e.Error()
}

func parseAPIError(resp *http.Response, body []byte) error {
	e := &APIError{}
	if json.Unmarshal(body, e) != nil || (e.Title == "" && e.Detail == "" && len(e.Errors) == 0) {
		e.Title = strings.TrimSpace(string(body))
		if len(e.Title) > 200 {
			e.Title = e.Title[:200]
		}
	}
	e.Status = resp.StatusCode
	return e
}

// RateLimitError means X's rate limit for the endpoint is spent until Reset. Nothing waits
// inside the call: the caller schedules the next try.
type RateLimitError struct {
	Endpoint string
	Reset    time.Time
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("x: rate limit reached for %s until %s", e.Endpoint, e.Reset.UTC().Format(time.TimeOnly))
}

// ResumeAt makes the error an outbox.Deferral: X refused the call (nothing was sent), try
// again at Reset.
func (e *RateLimitError) ResumeAt() time.Time { return e.Reset }

// RetryAt returns when a failed call may be tried again, if the error says so.
func RetryAt(err error) (time.Time, bool) {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.Reset, true
	}
	return time.Time{}, false
}

// NeedsUser says whether only the user can fix err (sign in again, fix the developer app).
func NeedsUser(err error) bool {
	var ae *APIError
	return errors.Is(err, ErrSignInAgain) || errors.As(err, &ae) && (ae.Refused() || ae.Status == http.StatusForbidden)
}
