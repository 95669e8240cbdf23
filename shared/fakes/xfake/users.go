package xfake

import (
	"net/http"
	"regexp"
	"strings"
)

var urlInText = regexp.MustCompile(`https?://[^\s]+`)

// userJSON renders a user with the requested user.fields; url is a t.co link with the
// expanded one in entities.url, and links in the description are listed in
// entities.description.urls, as X does.
func userJSON(u *User, fields map[string]bool) map[string]any {
	o := map[string]any{"id": u.ID, "name": u.Name, "username": u.Username}
	if fields["description"] {
		o["description"] = u.Description
	}
	if fields["profile_image_url"] && u.ProfileImageURL != "" {
		o["profile_image_url"] = u.ProfileImageURL
	}
	short := ""
	if u.URL != "" {
		short = "https://t.co/" + strings.ToLower(u.ID[len(u.ID)-min(len(u.ID), 6):])
	}
	if fields["url"] {
		o["url"] = short
	}
	if fields["entities"] {
		ent := map[string]any{}
		if u.URL != "" {
			ent["url"] = map[string]any{"urls": []any{map[string]any{
				"start": 0, "end": len(short), "url": short, "expanded_url": u.URL, "display_url": strings.TrimPrefix(strings.TrimPrefix(u.URL, "https://"), "http://"),
			}}}
		}
		var urls []any
		for _, loc := range urlInText.FindAllStringIndex(u.Description, -1) {
			link := u.Description[loc[0]:loc[1]]
			urls = append(urls, map[string]any{"start": loc[0], "end": loc[1], "url": link, "expanded_url": link})
		}
		if urls != nil {
			ent["description"] = map[string]any{"urls": urls}
		}
		if len(ent) > 0 {
			o["entities"] = ent
		}
	}
	return o
}

func (s *Server) usersMe(w http.ResponseWriter, r *http.Request, me string) {
	s.writeUsers(w, r, []string{me}, true)
}

func (s *Server) userByID(w http.ResponseWriter, r *http.Request, _ string) {
	s.writeUsers(w, r, []string{r.PathValue("id")}, true)
}

func (s *Server) userByUsername(w http.ResponseWriter, r *http.Request, _ string) {
	name := r.PathValue("username")
	s.mu.Lock()
	id := ""
	for _, u := range s.users {
		if strings.EqualFold(u.Username, name) {
			id = u.ID
		}
	}
	s.mu.Unlock()
	if id == "" {
		id = name // reported as not found
	}
	s.writeUsers(w, r, []string{id}, true)
}

func (s *Server) usersByIDs(w http.ResponseWriter, r *http.Request, _ string) {
	ids := strings.Split(r.URL.Query().Get("ids"), ",")
	if len(ids) == 0 || ids[0] == "" || len(ids) > 100 {
		invalidRequest(w, "ids", r.URL.Query().Get("ids"), "The `ids` query parameter must name 1 to 100 users")
		return
	}
	s.writeUsers(w, r, ids, false)
}

// writeUsers answers a lookup: one object for a single lookup, a list otherwise; unknown ids
// are reported in errors[] as X does.
func (s *Server) writeUsers(w http.ResponseWriter, r *http.Request, ids []string, single bool) {
	fields := fieldSet(r.URL.Query().Get("user.fields"), "id", "name", "username")
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []map[string]any
	var errs []any
	for _, id := range ids {
		u := s.users[id]
		if u == nil {
			errs = append(errs, map[string]any{
				"value": id, "detail": "Could not find user with ids: [" + id + "].", "title": "Not Found Error",
				"resource_type": "user", "parameter": "ids", "resource_id": id,
				"type": "https://api.twitter.com/2/problems/resource-not-found",
			})
			continue
		}
		found = append(found, userJSON(u, fields))
	}
	body := map[string]any{}
	if single && len(found) == 1 {
		body["data"] = found[0]
	} else if len(found) > 0 {
		body["data"] = found
	}
	if errs != nil {
		body["errors"] = errs
	}
	writeJSON(w, http.StatusOK, body)
}
