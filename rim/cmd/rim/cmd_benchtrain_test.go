package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/rimlab/rim/rim/internal/testpaths"
)

// Sizes that cannot make a training step are usage errors, not panics.
func TestBenchTrainFlagsValidated(t *testing.T) {
	dir := testpaths.TestData(t, "model", "tiny-qwen3")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", dir, "--batch", "-2", "--seq", "-16"}, "--batch must be >= 1"},
		{[]string{"--model", dir, "--batch", "0"}, "--batch must be >= 1"},
		{[]string{"--model", dir, "--seq", "1"}, "--batch must be >= 1 and --seq >= 2"},
		{[]string{"--model", dir, "--lora-r", "0"}, "--lora-r must be >= 1"},
	} {
		var out, errw bytes.Buffer
		err := benchTrain(tc.args, &out, &errw)
		if !errors.Is(err, errUsage) || !strings.HasPrefix(errw.String(), tc.want) {
			t.Errorf("%v: err %v, stderr %q, want usage error %q", tc.args, err, errw.String(), tc.want)
		}
	}
}
