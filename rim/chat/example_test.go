package chat_test

import (
	"fmt"

	"github.com/rimlab/rim/rim/chat"
)

// byteTokens is a stand-in tokenizer for the example: one token per byte,
// except that "<think>", "</think>", "<|im_start|>" and "<|im_end|>" are one
// token each. Real code uses chat.Wrap(tokenizer).
var byteTokens = chat.TokenizerFunc(func(text string) ([]int, []chat.Range, error) {
	var ids []int
	var offs []chat.Range
	specials := []string{"<|im_start|>", "<|im_end|>", "<think>", "</think>"}
	for i := 0; i < len(text); {
		n := 1
		for k, s := range specials {
			if len(text)-i >= len(s) && text[i:i+len(s)] == s {
				n, ids = len(s), append(ids, 1000+k)
				break
			}
		}
		if n == 1 {
			ids = append(ids, int(text[i]))
		}
		offs = append(offs, chat.Range{Start: i, End: i + n})
		i += n
	}
	return ids, offs, nil
})

// Qwen3 in no-think mode: the empty think span and the probe positions.
func ExampleTemplate_Encode() {
	tp, _ := chat.ForFamily(chat.Qwen3, "", "<|im_end|>")
	e, err := tp.Encode(byteTokens, chat.User("Hi"), chat.Options{AddGenerationPrompt: true, EnableThinking: chat.Bool(false)})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", e.Text)
	empty, _ := e.Final(chat.KindThink)
	fmt.Printf("empty think span: tokens %d..%d = %q\n", empty.Start, empty.End, e.Text[e.Offsets[empty.Start].Start:e.Offsets[empty.End-1].End])
	for _, p := range []string{chat.PosUserEnd, chat.PosHeaderStart, chat.PosRole, chat.PosThinkOpen, chat.PosThinkClose} {
		i := e.Positions[p]
		fmt.Printf("%-12s token %2d %q\n", p, i, e.Text[e.Offsets[i].Start:e.Offsets[i].End])
	}
	// Output:
	// "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
	// empty think span: tokens 22..24 = "\n\n"
	// user_end     token  8 "<|im_end|>"
	// header_start token 10 "<|im_start|>"
	// role         token 11 "a"
	// think_open   token 21 "<think>"
	// think_close  token 24 "</think>"
}
