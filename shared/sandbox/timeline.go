package sandbox

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/shared/fakes/xfake"
	"caliopen/wasm/autocrypt"
	"caliopen/wasm/pgp"
)

// seedSocial creates the people on the fake Mastodon instance and X, and their first DMs.
func (st *story) seedSocial(s *social) error {
	m := s.mastodon
	st.mAlex = m.AddLocal(alex.mastodon, alex.name)
	st.mTapioca = m.AddLocal(tapioca.mastodon, "Tapioca 🧋")
	st.mLea = m.AddRemote("lea", "framapiaf.example", "Léa Moreau")
	verified := st.state.Epoch.Add(-200 * 24 * time.Hour).UTC().Format(time.RFC3339)
	m.SetProfile(st.mTapioca, "<p>Bubble tea maker and free-software fan. Also on X as @Tapioca42.</p>",
		mastodonfake.Field{Name: "Website", Value: `<a href="` + tapioca.site + `" rel="me nofollow noopener" target="_blank">tapioca.example</a>`, VerifiedAt: &verified})
	m.SignIn(st.mAlex) // the demo user is "logged in" on the instance: its consent page approves
	m.Post(mastodonfake.Post{Author: st.mTapioca, To: []string{st.mAlex}, Text: "Hey Alex! The workshop is at 14 rue des Lilas, 3rd floor. Ring twice 🧋"})
	m.Post(mastodonfake.Post{Author: st.mLea, To: []string{st.mAlex}, Text: "Are you coming to the Fediverse meetup next week? We need someone to talk about encrypted mail."})

	x := s.x
	x.AddUser(xfake.User{ID: alex.xID, Name: alex.name, Username: alex.xHandle, Description: "Trying out Caliopen.",
		ProfileImageURL: xProfileImage(alex.xID)})
	x.AddUser(xfake.User{ID: tapioca.xID, Name: "Tapioca", Username: tapioca.xHandle, URL: tapioca.site,
		Description: "Bubble tea & open source. Also on Mastodon: @Tapioca@mamot.fr", ProfileImageURL: xProfileImage(tapioca.xID)})
	x.AddUser(xfake.User{ID: "1300000000000000007", Name: "Hugo Bernard", Username: "hugob", ProfileImageURL: xProfileImage("1300000000000000007")})
	conv := xfake.OneToOneID(alex.xID, tapioca.xID)
	for i, text := range []string{
		"Did you see the new taro flavour? Tell me what you think 😄",
		"Also: the workshop photos are up on my site.",
	} {
		x.AddEvent(xfake.Event{ConversationID: conv, SenderID: tapioca.xID, Text: text,
			CreatedAt: st.ago(time.Duration(4-i) * 24 * time.Hour)})
	}
	x.AddEvent(xfake.Event{ConversationID: xfake.OneToOneID(alex.xID, "1300000000000000007"), SenderID: "1300000000000000007",
		Text: "Running late, start without me!", CreatedAt: st.ago(36 * time.Hour)})
	// The user's own posts already there are not to be answered.
	for _, s := range m.StatusesBy(st.mAlex) {
		st.mSeen[s.ID] = true
	}
	for _, e := range x.Events(conv) {
		st.xSeen[e.ID] = true
	}
	return nil
}

// xProfileImage is where the fake X serves a user's picture, on the X API's host (reached
// through the relay, as X's image host would be), in X's form: "…_normal" is 48 pixels.
func xProfileImage(userID string) string {
	return "https://" + XAPIHost + "/profile_images/" + userID + "/avatar_normal.png"
}

// event is one step of the timeline.
type event struct {
	network string // email, mastodon, x
	run     func(st *story, m *mailServers, s *social, step int) error
}

// timeline is what keeps arriving while the sandbox runs, in a loop.
var timeline = []event{
	{"x", func(st *story, _ *mailServers, s *social, step int) error {
		s.x.AddEvent(xfake.Event{ConversationID: xfake.OneToOneID(alex.xID, tapioca.xID), SenderID: tapioca.xID,
			Text: pick(step, "Fresh batch of pearls today!", "Are you free for a call later?", "Ha, loved your last post.")})
		return nil
	}},
	{"email", func(st *story, m *mailServers, _ *social, step int) error {
		p := crowd[step%len(crowd)]
		return m.deliver("INBOX", plainMail(p, alex, subjects[step%len(subjects)],
			fmt.Sprintf(bodies[step%len(bodies)], "Alex"), time.Now(), fmt.Sprintf("live-%d-%d@%s", step, time.Now().Unix(), domainOf(p.email)), nil))
	}},
	{"mastodon", func(st *story, _ *mailServers, s *social, step int) error {
		s.mastodon.Post(mastodonfake.Post{Author: st.mTapioca, To: []string{st.mAlex},
			Text: pick(step, "Trying a matcha version this week, want a taste?", "Thanks for the kind words on the workshop!", "New blog post on fermentation is up.")})
		return nil
	}},
	{"email", func(st *story, m *mailServers, _ *social, step int) error {
		raw, err := st.camilleMail(pick(step, "Meeting notes (confidential)", "Salary review dates", "Supplier contract"),
			"Hi Alex,\n\n"+pick(step, "Notes from today are below, please keep them internal.", "HR confirmed the review dates: 3 and 4 December.", "The supplier accepted our terms; the signed contract is with legal.")+"\n\nCamille",
			time.Now(), fmt.Sprintf("camille-live-%d-%d", step, time.Now().Unix()), nil, true)
		if err != nil {
			return err
		}
		return m.deliver("INBOX", raw)
	}},
	{"x", func(st *story, _ *mailServers, s *social, step int) error {
		s.x.AddEvent(xfake.Event{ConversationID: xfake.OneToOneID(alex.xID, "1300000000000000007"), SenderID: "1300000000000000007",
			Text: pick(step, "Climbing on Sunday?", "Got the tickets!", "Call me when you can.")})
		return nil
	}},
}

// pick varies a step's text from one loop of the timeline to the next.
func pick(step int, options ...string) string { return options[(step/timelineLen)%len(options)] }

const timelineLen = 5 // len(timeline), which pick cannot name (initialisation cycle)

// next tells the timeline's next step.
func (st *story) next(m *mailServers, s *social) error {
	step := st.state.Step
	if err := timeline[step%len(timeline)].run(st, m, s, step); err != nil {
		return err
	}
	st.state.Step++
	return st.save()
}

// answer lets the story's people reply to what the user sent them.
func (st *story) answer(m *mailServers, s *social) error {
	for _, sub := range m.takeSubmitted() {
		if err := st.answerMail(m, sub); err != nil {
			return err
		}
	}
	for _, status := range s.mastodon.StatusesBy(st.mAlex) {
		if st.mSeen[status.ID] {
			continue
		}
		st.mSeen[status.ID] = true
		for _, mention := range status.Mentions {
			if mention.ID == st.mTapioca {
				s.mastodon.Post(mastodonfake.Post{Author: st.mTapioca, To: []string{st.mAlex}, InReplyTo: status.ID,
					Text: "Got your message, thanks! 🧋"})
			}
		}
	}
	conv := xfake.OneToOneID(alex.xID, tapioca.xID)
	for _, e := range s.x.Events(conv) {
		if st.xSeen[e.ID] {
			continue
		}
		st.xSeen[e.ID] = true
		if e.SenderID == alex.xID {
			s.x.AddEvent(xfake.Event{ConversationID: conv, SenderID: tapioca.xID, Text: "Noted! Talk soon."})
		}
	}
	return nil
}

// answerMail: Camille answers encrypted when the mail carried an Autocrypt key (else
// signed), Tapioca answers in plain text.
func (st *story) answerMail(m *mailServers, sub submission) error {
	msg, err := mail.ReadMessage(bytes.NewReader(sub.Data))
	if err != nil {
		return nil // not a message a person could read: nobody answers
	}
	subject := msg.Header.Get("Subject")
	if o, err := pgp.Open(sub.Data, pgp.Keys{Own: []*pgp.SecretKey{st.camilleKey}}); err == nil && o.Security.Encrypted {
		subject = o.Parsed.Message.Subject // the real one, protected inside (the outer is "[...]")
	}
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	var refs []string
	if id := msg.Header.Get("Message-Id"); id != "" {
		for _, r := range append(strings.Fields(msg.Header.Get("References")), id) {
			refs = append(refs, strings.Trim(r, "<>"))
		}
	}
	for _, to := range sub.To {
		switch strings.ToLower(to) {
		case camille.email:
			var key *pgp.PublicKey
			if h, err := autocrypt.ParseHeader(msg.Header.Get("Autocrypt")); err == nil && strings.EqualFold(h.Addr, alex.email) {
				key, _ = pgp.ParsePublic(h.KeyData)
			}
			raw, err := st.camilleMailTo(subject, "Thanks Alex, received. "+map[bool]string{true: "Your key came with your mail, so this answer is encrypted.", false: "Your mail had no Autocrypt key, so this answer is only signed."}[key != nil]+"\n\nCamille",
				time.Now(), fmt.Sprintf("camille-answer-%d", time.Now().UnixNano()), refs, key != nil, key)
			if err != nil {
				return err
			}
			if err := m.deliver("INBOX", raw); err != nil {
				return err
			}
		case tapioca.email:
			tp := persona{name: tapioca.name, email: tapioca.email}
			if err := m.deliver("INBOX", plainMail(tp, alex, subject, "Got it, thanks Alex!\n\n"+tapiocaSignature, time.Now(),
				fmt.Sprintf("tapioca-answer-%d@tapioca.example", time.Now().UnixNano()), refs)); err != nil {
				return err
			}
		}
	}
	return nil
}

func init() {
	if len(timeline) != timelineLen {
		panic("sandbox: timelineLen must be len(timeline)")
	}
}
