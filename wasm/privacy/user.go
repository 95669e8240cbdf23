package privacy

import (
	"fmt"
	"slices"

	"caliopen/wasm/model"
)

// Points of each user factor.
const (
	PointsUserLinks    = 20
	PointsUserOwnKey   = 20
	PointsUserContacts = 60
	TopActions         = 5
)

// User factor ids.
const (
	FactorUserLinks    = "user-links"
	FactorUserOwnKey   = "user-own-key"
	FactorUserContacts = "user-contacts"
)

// AccountLink is one of the user's accounts and its connection to its server.
type AccountLink struct {
	Account model.Account
	Link    Link
}

// UserInput is what the user's index is computed from.
type UserInput struct {
	Accounts []AccountLink
	OwnKey   bool // the user has an OpenPGP key pair
	Contacts []NamedIndex
}

// Action is one thing the user can do, and how many points of the user's score it would
// add (an estimate: the points its factor misses, weighted as the user index weighs them).
type Action struct {
	Advice Note    `json:"advice"`
	Gain   float64 `json:"gain"`
}

// UserReport is the user's index and the actions that would raise it most.
type UserReport struct {
	Index   Index    `json:"index"`
	Actions []Action `json:"actions"`
}

// UserIndex computes the user's index: their accounts' links (20), an OpenPGP key of
// their own (20), and the mean of their contacts' scores (60); then ranks the actions.
func UserIndex(in UserInput) UserReport {
	factors := []Factor{userLinksFactor(in.Accounts), userOwnKeyFactor(in.OwnKey), userContactsFactor(in.Contacts)}
	ix := finish(factors, nil)
	actions := rankActions(ix, in.Contacts)
	if actions == nil {
		actions = []Action{} // nothing left to do: an empty list, not none
	}
	return UserReport{Index: ix, Actions: actions}
}

func userLinksFactor(accounts []AccountLink) Factor {
	f := Factor{ID: FactorUserLinks}
	if len(accounts) == 0 {
		return f
	}
	f.Possible = PointsUserLinks
	good := 0
	for _, a := range accounts {
		label := orDefault(a.Account.Label, a.Account.Identity.Address())
		if a.Link.TLS && !oldTLS(a.Link.Version) {
			good++
			continue
		}
		f.Advice = append(f.Advice, note("advice.user.account-tls",
			fmt.Sprintf("Turn on TLS 1.2 or later for your account %s.", label), "account", label))
	}
	f.Earned = PointsUserLinks * good / len(accounts)
	f.Evidence = append(f.Evidence, note("evidence.user.links",
		fmt.Sprintf("%d of your %d account(s) connect with current TLS.", good, len(accounts)),
		"good", fmt.Sprint(good), "count", fmt.Sprint(len(accounts))))
	return f
}

func userOwnKeyFactor(has bool) Factor {
	f := Factor{ID: FactorUserOwnKey, Possible: PointsUserOwnKey}
	if has {
		f.Earned = f.Possible
		f.Evidence = append(f.Evidence, note("evidence.user.own-key", "You have an OpenPGP key: people can write to you encrypted."))
		return f
	}
	f.Evidence = append(f.Evidence, note("evidence.user.no-own-key", "You have no OpenPGP key: nobody can write to you encrypted."))
	f.Advice = append(f.Advice, note("advice.user.create-key", "Create your OpenPGP key: it is sent with your mail so contacts can encrypt to you."))
	return f
}

func userContactsFactor(people []NamedIndex) Factor {
	f := Factor{ID: FactorUserContacts}
	if len(people) == 0 {
		return f
	}
	f.Possible = PointsUserContacts
	sum := 0
	for _, p := range people {
		sum += p.Index.Score
	}
	mean := sum / len(people)
	f.Earned = PointsUserContacts * mean / 100
	f.Evidence = append(f.Evidence, note("evidence.user.contacts",
		fmt.Sprintf("Your %d contact(s) score %d on average.", len(people), mean),
		"count", fmt.Sprint(len(people)), "mean", fmt.Sprint(mean)))
	if !f.Full() {
		f.Advice = append(f.Advice, note("advice.user.contacts", "Exchange keys with the contacts you write to most."))
	}
	return f
}

// rankActions lists the advice that would raise the user's score most. A user factor's
// advice gains its missing share of the user score; a contact's advice gains what its
// factor misses, as a share of that contact's score, times the contacts factor's weight,
// divided among all contacts.
func rankActions(ix Index, people []NamedIndex) []Action {
	var out []Action
	total := 0
	for _, f := range ix.Factors {
		total += f.Possible
	}
	if total == 0 {
		return nil
	}
	for _, f := range ix.Factors {
		if f.ID == FactorUserContacts || len(f.Advice) == 0 {
			continue
		}
		each := 100 * float64(f.Missing()) / float64(total) / float64(len(f.Advice))
		for _, a := range f.Advice {
			out = append(out, Action{Advice: a, Gain: each})
		}
	}
	contactsWeight := 0.0
	if f, ok := ix.Factor(FactorUserContacts); ok {
		contactsWeight = 100 * float64(f.Possible) / float64(total)
	}
	for _, p := range people {
		possible := 0
		for _, f := range p.Index.Factors {
			possible += f.Possible
		}
		if possible == 0 {
			continue
		}
		for _, f := range p.Index.Factors {
			if len(f.Advice) == 0 {
				continue
			}
			gain := contactsWeight * float64(f.Missing()) / float64(possible) / float64(len(people)) / float64(len(f.Advice))
			for _, a := range f.Advice {
				out = append(out, Action{Advice: a, Gain: gain})
			}
		}
	}
	out = dedupe(out)
	slices.SortStableFunc(out, func(a, b Action) int {
		switch {
		case a.Gain > b.Gain:
			return -1
		case a.Gain < b.Gain:
			return 1
		}
		return 0
	})
	if len(out) > TopActions {
		out = out[:TopActions]
	}
	for i := range out {
		out[i].Gain = float64(int(out[i].Gain*10+0.5)) / 10
	}
	return out
}

// dedupe merges actions with the same text, adding their gains (asking Bob for a key
// raises both the keys and the channels factor).
func dedupe(in []Action) []Action {
	var out []Action
	at := map[string]int{}
	for _, a := range in {
		if i, ok := at[a.Advice.Text]; ok {
			out[i].Gain += a.Gain
			continue
		}
		at[a.Advice.Text] = len(out)
		out = append(out, a)
	}
	return out
}
