package privacy

import "fmt"

// Version is the version of the algorithm. It changes whenever a factor, a point value, a
// cap or a grade boundary changes, so that stored indexes computed by an older version can
// be recomputed.
const Version = 1

// Grade is a letter from A (most private) to E (most exposed).
type Grade string

const (
	GradeA Grade = "A"
	GradeB Grade = "B"
	GradeC Grade = "C"
	GradeD Grade = "D"
	GradeE Grade = "E"
)

// GradeOf maps a score to its grade: A from 80, B from 60, C from 40, D from 20, E below.
func GradeOf(score int) Grade {
	switch {
	case score >= 80:
		return GradeA
	case score >= 60:
		return GradeB
	case score >= 40:
		return GradeC
	case score >= 20:
		return GradeD
	}
	return GradeE
}

// Note is one sentence of evidence or advice. Code and Params are stable, so the UI can
// translate; Text is the English sentence built from them.
type Note struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
	Text   string            `json:"text"`
}

// note builds a Note from a code, an English text and parameters given as name, value pairs.
func note(code, text string, params ...string) Note {
	n := Note{Code: code, Text: text}
	if len(params) > 0 {
		n.Params = make(map[string]string, len(params)/2)
		for i := 0; i+1 < len(params); i += 2 {
			n.Params[params[i]] = params[i+1]
		}
	}
	return n
}

// Factor is one named part of an index: the points it earned out of the points it can earn,
// the facts behind it and, when it is not fully earned, what would raise it.
type Factor struct {
	ID       string `json:"id"`
	Earned   int    `json:"earned"` // may be negative: a bad signature takes points away
	Possible int    `json:"possible"`
	Evidence []Note `json:"evidence"`
	// Advice is present exactly when Earned < Possible.
	Advice []Note `json:"advice,omitempty"`
}

// Full reports whether the factor earned all its points.
func (f Factor) Full() bool { return f.Earned >= f.Possible }

// Missing is the number of points the factor could still earn.
func (f Factor) Missing() int { return f.Possible - f.Earned }

// Cap limits a score whatever its factors earn: what the network itself exposes.
type Cap struct {
	Limit  int    `json:"limit"`
	Reason Note   `json:"reason"`
	Advice []Note `json:"advice,omitempty"`
}

// Index is the privacy index of a message, a contact, a discussion or the user.
type Index struct {
	Version int      `json:"version"`
	Score   int      `json:"score"` // 0–100
	Grade   Grade    `json:"grade"`
	Factors []Factor `json:"factors"`
	Cap     *Cap     `json:"cap,omitempty"`
}

// Factor returns the factor with the given id.
func (ix Index) Factor(id string) (Factor, bool) {
	for _, f := range ix.Factors {
		if f.ID == id {
			return f, true
		}
	}
	return Factor{}, false
}

// Advice lists every factor's advice and the cap's, factors losing the most points first,
// each sentence once.
func (ix Index) Advice() []Note {
	var all []Note
	if ix.Cap != nil && ix.Score >= ix.Cap.Limit {
		all = append(all, ix.Cap.Advice...)
	}
	for _, f := range byMissing(ix.Factors) {
		all = append(all, f.Advice...)
	}
	var out []Note
	seen := map[string]bool{}
	for _, n := range all {
		if !seen[n.Text] {
			seen[n.Text] = true
			out = append(out, n)
		}
	}
	return out
}

// finish sums the factors, applies the cap and sets the grade.
func finish(factors []Factor, c *Cap) Index {
	earned, possible := 0, 0
	for _, f := range factors {
		earned += f.Earned
		possible += f.Possible
	}
	score := 0
	if possible > 0 {
		score = (earned*100 + possible/2) / possible
	}
	score = clamp(score, 0, 100)
	if c != nil && score > c.Limit {
		score = c.Limit
	}
	return Index{Version: Version, Score: score, Grade: GradeOf(score), Factors: factors, Cap: c}
}

func clamp(v, lo, hi int) int {
	return max(lo, min(hi, v))
}

func byMissing(fs []Factor) []Factor {
	out := append([]Factor(nil), fs...)
	// insertion sort: a handful of factors, stable
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Missing() > out[j-1].Missing(); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// share is n of total as a percentage string, for evidence texts.
func share(n, total int) string {
	if total == 0 {
		return "0%"
	}
	return fmt.Sprintf("%d%%", (n*100+total/2)/total)
}
