package imapsync

import (
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"caliopen/wasm/model"
)

// Role is a folder's special use.
type Role string

const (
	RoleNone    Role = ""
	RoleInbox   Role = "inbox"
	RoleSent    Role = "sent"
	RoleDrafts  Role = "drafts"
	RoleTrash   Role = "trash"
	RoleJunk    Role = "junk"
	RoleArchive Role = "archive"
	// RoleAll is a folder holding every message (Gmail's All Mail): the archive, where no
	// folder has RoleArchive.
	RoleAll Role = "all"
)

// Box is where the messages of a folder with this role are filed for the user.
func (r Role) Box() model.Box {
	switch r {
	case RoleSent:
		return model.BoxSent
	case RoleArchive, RoleAll:
		return model.BoxArchive
	case RoleTrash:
		return model.BoxTrash
	case RoleJunk:
		return model.BoxJunk
	case RoleDrafts:
		return model.BoxDrafts
	}
	return model.BoxInbox
}

// Folder is one IMAP mailbox.
type Folder struct {
	Name  string `json:"name"`
	Role  Role   `json:"role,omitempty"`
	Delim string `json:"delim,omitempty"`
	// NoSelect folders only hold other folders.
	NoSelect bool `json:"noSelect,omitempty"`
}

var attrRoles = map[imap.MailboxAttr]Role{
	imap.MailboxAttrSent:    RoleSent,
	imap.MailboxAttrDrafts:  RoleDrafts,
	imap.MailboxAttrTrash:   RoleTrash,
	imap.MailboxAttrJunk:    RoleJunk,
	imap.MailboxAttrArchive: RoleArchive,
	imap.MailboxAttrAll:     RoleAll,
}

// nameRoles are the usual names of special folders on servers without SPECIAL-USE.
var nameRoles = map[string]Role{
	"sent": RoleSent, "sent items": RoleSent, "sent messages": RoleSent, "sent mail": RoleSent, "envoyés": RoleSent,
	"drafts": RoleDrafts, "draft": RoleDrafts, "brouillons": RoleDrafts,
	"trash": RoleTrash, "deleted items": RoleTrash, "deleted messages": RoleTrash, "bin": RoleTrash, "corbeille": RoleTrash,
	"junk": RoleJunk, "spam": RoleJunk, "junk e-mail": RoleJunk, "bulk mail": RoleJunk,
	"archive": RoleArchive, "archives": RoleArchive,
	"all mail": RoleAll,
}

// ListFolders lists every folder with its role: from SPECIAL-USE attributes when the server
// gives them, else from the usual names.
func ListFolders(c *imapclient.Client) ([]Folder, error) {
	var opts *imap.ListOptions
	if c.Caps().Has(imap.CapSpecialUse) {
		opts = &imap.ListOptions{ReturnSpecialUse: true}
	}
	list, err := c.List("", "*", opts).Collect()
	if err != nil {
		return nil, err
	}
	return foldersFromList(list), nil
}

func foldersFromList(list []*imap.ListData) []Folder {
	var out []Folder
	taken := map[Role]bool{}
	for _, l := range list {
		f := Folder{Name: l.Mailbox}
		if l.Delim != 0 {
			f.Delim = string(l.Delim)
		}
		for _, a := range l.Attrs {
			switch {
			case strings.EqualFold(string(a), string(imap.MailboxAttrNoSelect)), strings.EqualFold(string(a), string(imap.MailboxAttrNonExistent)):
				f.NoSelect = true
			}
			for attr, r := range attrRoles {
				if strings.EqualFold(string(a), string(attr)) && f.Role == RoleNone {
					f.Role = r
				}
			}
		}
		if strings.EqualFold(f.Name, "INBOX") {
			f.Name, f.Role = "INBOX", RoleInbox
		}
		if f.Role != RoleNone {
			taken[f.Role] = true
		}
		out = append(out, f)
	}
	for i := range out {
		if out[i].Role != RoleNone || out[i].NoSelect {
			continue
		}
		name := out[i].Name
		if out[i].Delim != "" {
			if j := strings.LastIndex(name, out[i].Delim); j >= 0 {
				name = name[j+len(out[i].Delim):]
			}
		}
		if r, ok := nameRoles[strings.ToLower(name)]; ok && !taken[r] {
			out[i].Role, taken[r] = r, true
		}
	}
	// The inbox first: it is what the user wants to read first.
	for i, f := range out {
		if f.Role == RoleInbox && i > 0 {
			out = append([]Folder{f}, append(out[:i:i], out[i+1:]...)...)
			break
		}
	}
	return out
}

// roleOf returns the role of a folder by name.
func roleOf(fs []Folder, name string) Role {
	for _, f := range fs {
		if f.Name == name {
			return f.Role
		}
	}
	return RoleNone
}

// FolderByRole returns the folder with a role, if any.
func FolderByRole(fs []Folder, r Role) (Folder, bool) {
	for _, f := range fs {
		if f.Role == r {
			return f, true
		}
	}
	return Folder{}, false
}
