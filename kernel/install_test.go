// Package kernel holds the GoNB kernel install script and notebook runner;
// this test checks install.sh's messages for machines it cannot set up.
package kernel

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runInstall runs install.sh with the given PATH and extra environment; its
// logs go to a fresh RIM_LOG_DIR (returned), never to the real /tmp/rim-*.log.
func runInstall(t *testing.T, path string, env ...string) (out, logDir string, err error) {
	t.Helper()
	logDir = t.TempDir()
	cmd := exec.Command("/bin/bash", "install.sh")
	// GOTELEMETRY=off: the go command's telemetry child outlives it and writes under $HOME, which made the
	// temporary HOME's cleanup fail now and then ("directory not empty").
	cmd.Env = append([]string{"PATH=" + path, "HOME=" + t.TempDir(), "RIM_LOG_DIR=" + logDir, "GOTELEMETRY=off"}, env...)
	b, err := cmd.CombinedOutput()
	return string(b), logDir, err
}

// binDir makes a PATH directory holding only the named programs.
func binDir(t *testing.T, progs ...string) string {
	d := t.TempDir()
	for _, p := range progs {
		src, err := exec.LookPath(p)
		if err != nil {
			t.Skipf("%s not installed", p)
		}
		if err := os.Symlink(src, filepath.Join(d, p)); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestInstallWithoutAptOrJupyter(t *testing.T) {
	path := binDir(t, "dirname")
	out, _, err := runInstall(t, path)
	if err == nil || !strings.Contains(out, "apt-get is not available") || !strings.Contains(out, "jupyter-nbconvert") {
		t.Fatalf("no apt, no jupyter: err=%v output:\n%s", err, out)
	}
	out, _, err = runInstall(t, path, "RIM_NO_APT=1")
	if err == nil || !strings.Contains(out, "RIM_NO_APT is set") {
		t.Fatalf("RIM_NO_APT: err=%v output:\n%s", err, out)
	}
}

func TestInstallWithoutModuleProxy(t *testing.T) {
	if _, err := exec.LookPath("jupyter"); err != nil {
		t.Skip("jupyter not installed (run kernel/install.sh first)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	path := filepath.Dir(goBin) + ":/usr/bin:/bin"
	real := filepath.Join(os.TempDir(), "rim-tools.log")
	before, beforeErr := os.Stat(real)
	out, logDir, err := runInstall(t, path, "GOPROXY=off", "GOFLAGS=-mod=mod", "GOMODCACHE="+t.TempDir(),
		"GOCACHE="+t.TempDir(), "RIM_TOOLS_BIN="+t.TempDir(), "RIM_NO_GOPLS=1")
	if err == nil || !strings.Contains(out, "no access to the Go module proxy") {
		t.Fatalf("GOPROXY=off: err=%v output:\n%s", err, out)
	}
	// The test used to overwrite the user's real /tmp/rim-tools.log.
	if _, err := os.Stat(filepath.Join(logDir, "rim-tools.log")); err != nil {
		t.Errorf("log not written to RIM_LOG_DIR: %v", err)
	}
	after, afterErr := os.Stat(real)
	if (beforeErr == nil) != (afterErr == nil) || (beforeErr == nil && !after.ModTime().Equal(before.ModTime())) {
		t.Errorf("%s was touched by the test", real)
	}
}

// TestInstallBadLogDir: an unusable RIM_LOG_DIR is named before any work.
func TestInstallBadLogDir(t *testing.T) {
	out, _, err := runInstall(t, binDir(t, "dirname"), "RIM_LOG_DIR="+filepath.Join(t.TempDir(), "missing"))
	if err == nil || !strings.Contains(out, "RIM_LOG_DIR") {
		t.Fatalf("err=%v output:\n%s", err, out)
	}
}
