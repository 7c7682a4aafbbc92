package generate

import "strings"

// Delta is the new text of one row since the previous delta, split like
// ThinkTags.Split: the concatenation of a row's Thinking deltas is its
// final Output.Thinking and that of its Answer deltas its Output.Answer.
type Delta struct {
	Row      int
	Thinking string
	Answer   string
}

// streamer turns a row's growing decoded text into deltas. It only ever
// shows text that cannot change any more: it holds back an incomplete UTF-8
// character, a suffix that may be the start of a stop string or a think
// tag, and newlines that Split would strip if a close tag followed.
type streamer struct {
	tags           *ThinkTags
	startedInThink bool
	holds          []string
	sentThink      int
	sentAnswer     int
}

func newStreamer(tags *ThinkTags, startedInThink bool, stops []string) *streamer {
	st := &streamer{tags: tags, startedInThink: startedInThink}
	st.holds = append(st.holds, stops...)
	if tags != nil {
		st.holds = append(st.holds, tags.Open, tags.Close)
	}
	return st
}

// update returns the delta for text; final marks the row's last text (then
// nothing is held back).
func (st *streamer) update(text string, final bool) (think, answer string) {
	if !final {
		text = text[:stableLen(text, st.holds)]
	}
	th, ans, closed := st.tags.Split(text, st.startedInThink)
	if !final && !closed {
		// A close tag may still follow: Split would then strip these.
		th = strings.TrimRight(th, "\n")
	}
	if len(th) > st.sentThink && strings.HasPrefix(th, th[:st.sentThink]) {
		think = th[st.sentThink:]
		st.sentThink = len(th)
	}
	if len(ans) > st.sentAnswer {
		answer = ans[st.sentAnswer:]
		st.sentAnswer = len(ans)
	}
	return think, answer
}
