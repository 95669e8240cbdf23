package privacy

import (
	"fmt"

	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
)

// Points of each discussion factor, and how many recent messages count.
const (
	PointsDiscussionMessages     = 70
	PointsDiscussionParticipants = 30
	RecentMessages               = 10
)

// Discussion factor ids.
const (
	FactorDiscussionMessages     = "discussion-messages"
	FactorDiscussionParticipants = "discussion-participants"
)

// DiscussionInput is what a discussion's index is computed from: the indexes of its
// messages, oldest first, and of its participants' contacts.
type DiscussionInput struct {
	Messages     []Index
	Participants []NamedIndex
}

// NamedIndex is the index of someone, with the name sentences use for them.
type NamedIndex struct {
	Name  string
	Index Index
}

// DiscussionIndex computes a discussion's index. A discussion is as exposed as its weak
// recent messages: over the RecentMessages latest, the messages factor takes the mean of
// the weakest score and the average score, so one message in clear drags it down at once
// and a run of encrypted ones lifts it back. It can never rate above its best recent
// message (the cap). The participants factor takes the weakest participant's score.
func DiscussionIndex(in DiscussionInput) Index {
	recent := in.Messages
	if len(recent) > RecentMessages {
		recent = recent[len(recent)-RecentMessages:]
	}
	factors := []Factor{discussionMessagesFactor(recent), discussionParticipantsFactor(in.Participants)}
	var c *Cap
	if len(recent) > 0 {
		best := 0
		for _, m := range recent {
			best = max(best, m.Score)
		}
		c = &Cap{Limit: best, Reason: note("cap.discussion.best-message",
			fmt.Sprintf("No recent message of this discussion rates above %d.", best), "score", fmt.Sprint(best))}
	}
	return finish(factors, c)
}

func discussionMessagesFactor(recent []Index) Factor {
	f := Factor{ID: FactorDiscussionMessages}
	if len(recent) == 0 {
		f.Evidence = append(f.Evidence, note("evidence.discussion.empty", "No message yet."))
		return f
	}
	f.Possible = PointsDiscussionMessages
	weakest, sum := 0, 0
	for i, m := range recent {
		sum += m.Score
		if m.Score < recent[weakest].Score {
			weakest = i
		}
	}
	mean := sum / len(recent)
	low := recent[weakest].Score
	f.Earned = PointsDiscussionMessages * (low + mean) / 200
	f.Evidence = append(f.Evidence, note("evidence.discussion.messages",
		fmt.Sprintf("Over the last %d message(s): the weakest scores %d, the average %d.", len(recent), low, mean),
		"count", fmt.Sprint(len(recent)), "weakest", fmt.Sprint(low), "mean", fmt.Sprint(mean)))
	if !f.Full() {
		f.Advice = firstAdvice(recent[weakest], 2)
		if len(f.Advice) == 0 {
			f.Advice = append(f.Advice, note("advice.discussion.encrypt",
				"Keep writing end-to-end encrypted in this discussion."))
		}
	}
	return f
}

func discussionParticipantsFactor(people []NamedIndex) Factor {
	f := Factor{ID: FactorDiscussionParticipants}
	if len(people) == 0 {
		return f
	}
	f.Possible = PointsDiscussionParticipants
	weakest := 0
	for i, p := range people {
		if p.Index.Score < people[weakest].Index.Score {
			weakest = i
		}
	}
	w := people[weakest]
	f.Earned = PointsDiscussionParticipants * w.Index.Score / 100
	f.Evidence = append(f.Evidence, note("evidence.discussion.participants",
		fmt.Sprintf("The least protected participant, %s, scores %d.", orDefault(w.Name, "someone"), w.Index.Score),
		"person", w.Name, "score", fmt.Sprint(w.Index.Score)))
	if !f.Full() {
		f.Advice = firstAdvice(w.Index, 2)
		if len(f.Advice) == 0 {
			f.Advice = append(f.Advice, note("advice.discussion.participant",
				fmt.Sprintf("Exchange verified keys with %s.", orDefault(w.Name, "everyone")), "person", w.Name))
		}
	}
	return f
}

// firstAdvice is up to n of an index's advice, most valuable first.
func firstAdvice(ix Index, n int) []Note {
	a := ix.Advice()
	if len(a) > n {
		a = a[:n]
	}
	return a
}

// Summary is the grade the discussion list shows.
func Summary(ix Index) *discussions.Privacy {
	return &discussions.Privacy{Score: ix.Score, Grade: string(ix.Grade)}
}

// DiscussionInputOf gathers a discussion's input from the discussions index: the index of
// each of its RecentMessages latest messages (message computes one) and of each participant
// (person computes one for a contact or a lone identity).
func DiscussionInputOf(ix *discussions.Index, k discussions.Key, message func(model.Message) Index, person func(discussions.Participant) NamedIndex) (DiscussionInput, bool) {
	s, ok := ix.Summary(k)
	if !ok {
		return DiscussionInput{}, false
	}
	msgs := ix.Messages(k)
	if len(msgs) > RecentMessages {
		msgs = msgs[len(msgs)-RecentMessages:]
	}
	var in DiscussionInput
	for _, m := range msgs {
		in.Messages = append(in.Messages, message(m))
	}
	for _, p := range s.Participants {
		in.Participants = append(in.Participants, person(p))
	}
	return in, true
}
