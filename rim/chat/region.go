package chat

// Kind names a region of a rendered conversation.
type Kind string

// Region kinds. A turn's regions carry the index of its message (Turn); the
// generation prompt has Turn == len(messages).
const (
	KindSystem    Kind = "system"           // a system message's content
	KindUser      Kind = "user"             // a user message's content (as rendered: trimmed where the template trims)
	KindTool      Kind = "tool"             // a tool message's content
	KindHeader    Kind = "assistant_header" // the text that opens an assistant turn, e.g. "<|im_start|>assistant\n"
	KindThinkOpen Kind = "think_open"       // the "<think>" tag
	KindThink     Kind = "think"            // between <think> and </think>; "\n\n" in Qwen3 no-think mode
	KindThinkEnd  Kind = "think_close"      // the "</think>" tag
	KindAnswer    Kind = "answer"           // an assistant turn's content after any think block
	KindTurnEnd   Kind = "turn_end"         // the token(s) that close an assistant turn (<|im_end|>, <|eot_id|>, eos_token, <|end|>): with the think and answer spans, what SFT trains on
	KindPrefill   Kind = "prefill"          // Options.Prefill (overlaps the think/answer regions it falls in)
)

// Named positions: single tokens the paper probes (docs/paper.md §6.1, Fig 3;
// §6.2, Fig 4 and A3). They refer to the final assistant turn.
const (
	// PosUserEnd is the last token that closes the last user turn:
	// <|im_end|> for Qwen3 ("Input −5"), <|eot_id|> for Llama-3, <|end|> for
	// Phi-3.5, the "]" of [/INST] for Mistral, the "\n" for OLMo.
	PosUserEnd = "user_end"
	// PosHeaderStart is the first token of the final assistant header:
	// <|im_start|> for Qwen3 ("Input −3"), <|start_header_id|> for Llama-3,
	// <|assistant|> for Phi/OLMo, the first token of " [/INST]" for Mistral.
	PosHeaderStart = "header_start"
	// PosRole is the token naming the assistant role in the final header:
	// "assistant" for Qwen3 ("Input −2") and Llama-3, <|assistant|> for
	// Phi/OLMo; absent for Mistral.
	PosRole = "role"
	// PosThinkOpen and PosThinkClose are the final turn's <think> and
	// </think> tokens, when the turn has them.
	PosThinkOpen  = "think_open"
	PosThinkClose = "think_close"
)

// Region is a half-open range [Start, End) of bytes (in Rendered) or tokens
// (in Encoded) with its kind and the index of the message it belongs to.
type Region struct {
	Kind  Kind `json:"kind"`
	Turn  int  `json:"turn"`
	Start int  `json:"start"`
	End   int  `json:"end"`
}

// Len is End-Start.
func (r Region) Len() int { return r.End - r.Start }

// Range is a half-open byte or token range.
type Range struct{ Start, End int }

// Rendered is a conversation rendered to text, with byte regions.
type Rendered struct {
	Text    string
	Regions []Region
	// Marks holds the byte ranges of the named positions (Pos* constants).
	Marks map[string]Range
	// FinalTurn is the turn index of the final assistant turn: len(messages)
	// for a generation prompt, the last message's index when it is an
	// assistant turn rendered as such, -1 when there is none.
	FinalTurn int
	// Approx is set when the text came from the generic jinja interpreter
	// (a template without a hand-written renderer, or one whose output
	// differs from the renderer of the family it looks like): the text is
	// exact, the regions were found by searching message contents and the
	// positions are approximate (see Template.Render).
	Approx bool
}

// findRegion returns the first region of kind k in turn.
func findRegion(rs []Region, k Kind, turn int) (Region, bool) {
	for _, r := range rs {
		if r.Kind == k && r.Turn == turn {
			return r, true
		}
	}
	return Region{}, false
}

func allRegions(rs []Region, k Kind) []Region {
	var out []Region
	for _, r := range rs {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the first region of kind k in turn.
func (r *Rendered) Find(k Kind, turn int) (Region, bool) { return findRegion(r.Regions, k, turn) }

// Final returns the final assistant turn's region of kind k.
func (r *Rendered) Final(k Kind) (Region, bool) { return findRegion(r.Regions, k, r.FinalTurn) }

// All returns every region of kind k in order.
func (r *Rendered) All(k Kind) []Region { return allRegions(r.Regions, k) }

// Slice returns the text of a byte region.
func (r *Rendered) Slice(g Region) string { return r.Text[g.Start:g.End] }
