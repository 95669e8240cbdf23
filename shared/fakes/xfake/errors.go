package xfake

import (
	"encoding/json"
	"net/http"
)

// problem writes an error in X's v2 problem shape: {"title","detail","type"} (X adds "status"
// to some, see problemStatus).
func problem(w http.ResponseWriter, status int, title, detail, typ string) {
	writeJSON(w, status, map[string]any{"title": title, "detail": detail, "type": typ})
}

func problemStatus(w http.ResponseWriter, status int, title, detail, typ string) {
	writeJSON(w, status, map[string]any{"title": title, "detail": detail, "type": typ, "status": status})
}

// invalidRequest is X's 400 for a bad parameter: errors[] plus the problem fields.
func invalidRequest(w http.ResponseWriter, param, value, message string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"errors": []any{map[string]any{"parameters": map[string][]string{param: {value}}, "message": message}},
		"title":  "Invalid Request",
		"detail": "One or more parameters to your request was invalid.",
		"type":   "https://api.twitter.com/2/problems/invalid-request",
	})
}

// refuseDM answers as X does for an app whose access level or credits do not cover DMs.
func refuseDM(w http.ResponseWriter, reason, clientID string) {
	if reason == "credits" {
		// Pay-per-use accounts without credits. The exact body is not documented; this follows
		// the problem shape with X's "credits" wording.
		problemStatus(w, http.StatusPaymentRequired, "CreditsDepleted",
			"Your enrolled account does not have any credits to fulfill this request.",
			"https://api.twitter.com/2/problems/credits")
		return
	}
	writeJSON(w, http.StatusForbidden, map[string]any{
		"client_id":           clientID,
		"detail":              "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
		"registration_url":    "https://developer.twitter.com/en/docs/projects/overview",
		"title":               "Client Forbidden",
		"required_enrollment": "Appropriate Level of API Access",
		"reason":              reason,
		"type":                "https://api.twitter.com/2/problems/client-forbidden",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
