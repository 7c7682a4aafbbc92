// Package docker holds the scripts the Dockerfile runs; this test lints the
// Dockerfile (no Docker engine on CI, and hadolint is not packaged by Debian).
package docker

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, ARG, ENV, COPY ...
	args string
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	start, n := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasPrefix(line, "#") { // comment inside a continued instruction
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatalf("%s: dangling line continuation at the end", path)
	}
	known := map[string]bool{"FROM": true, "RUN": true, "ARG": true, "ENV": true, "COPY": true, "WORKDIR": true,
		"EXPOSE": true, "ENTRYPOINT": true, "CMD": true, "LABEL": true, "USER": true, "SHELL": true, "HEALTHCHECK": true}
	for _, in := range out {
		if !known[in.cmd] {
			t.Errorf("Dockerfile:%d: unknown instruction %q", in.line, in.cmd)
		}
	}
	return out
}

// argDefaults returns ARG name=default pairs.
func argDefaults(ins []instruction) map[string]string {
	m := map[string]string{}
	for _, in := range ins {
		if in.cmd == "ARG" {
			if k, v, ok := strings.Cut(in.args, "="); ok {
				m[k] = v
			}
		}
	}
	return m
}

func modVersion(t *testing.T, gomod, module string) string {
	t.Helper()
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "require "))
		if len(f) >= 2 && f[0] == module && strings.HasPrefix(f[1], "v") {
			return f[1]
		}
		if module == "go" && len(f) == 2 && f[0] == "go" {
			return f[1]
		}
	}
	t.Fatalf("%s: no version for %s", gomod, module)
	return ""
}

func TestDockerfile(t *testing.T) {
	root, err := filepath.Abs("..") // go test runs in docker/; rim/internal/testpaths is not importable from here
	if err != nil {
		t.Fatal(err)
	}
	ins := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	args := argDefaults(ins)
	all := ""
	for _, in := range ins {
		all += in.cmd + " " + in.args + "\n"
	}

	// Pinned versions agree with the modules.
	if got, want := args["GO_VERSION"], modVersion(t, filepath.Join(root, "go.mod"), "go"); got != want {
		t.Errorf("Dockerfile ARG GO_VERSION=%s, go.mod says go %s", got, want)
	}
	xlaVer := modVersion(t, filepath.Join(root, "go.mod"), "github.com/gomlx/go-xla")
	if modDir := goModCacheDir(t, "github.com/gomlx/go-xla@"+xlaVer); modDir != "" {
		src, err := os.ReadFile(filepath.Join(modDir, "internal", "utils", "utils.go"))
		if err == nil {
			m := regexp.MustCompile(`DefaultCPUVersion = "(v[0-9.]+)"`).FindSubmatch(src)
			if m == nil {
				t.Errorf("go-xla %s: DefaultCPUVersion not found (layout changed?)", xlaVer)
			} else if args["PJRT_CPU_VERSION"] != string(m[1]) {
				t.Errorf("Dockerfile ARG PJRT_CPU_VERSION=%s, go-xla %s is tested with %s", args["PJRT_CPU_VERSION"], xlaVer, m[1])
			}
		}
	}
	for _, a := range []string{"VARIANT", "GO_VERSION", "PJRT_CPU_VERSION", "JAX_CUDA_VERSION"} {
		if args[a] == "" {
			t.Errorf("Dockerfile: ARG %s has no default", a)
		}
	}

	// Every FROM names a tagged image (or a stage), never :latest.
	stages := map[string]bool{}
	for _, in := range ins {
		if in.cmd != "FROM" {
			continue
		}
		f := strings.Fields(in.args)
		img := f[0]
		if len(f) == 3 && strings.EqualFold(f[1], "AS") {
			stages[f[2]] = true
		}
		if strings.Contains(img, "${") {
			continue // FROM ${VARIANT}-base: checked below
		}
		if !strings.Contains(img, ":") || strings.HasSuffix(img, ":latest") {
			t.Errorf("Dockerfile:%d: image %q is not pinned to a tag", in.line, img)
		}
	}
	for _, v := range []string{"cpu", "cuda"} {
		if !stages[v+"-base"] {
			t.Errorf("Dockerfile: no stage %s-base for VARIANT=%s", v, v)
		}
	}

	// apt hygiene (hadolint DL3009/DL3015) and no run-time downloads.
	for _, in := range ins {
		if in.cmd == "RUN" && strings.Contains(in.args, "apt-get install") {
			if !strings.Contains(in.args, "--no-install-recommends") || !strings.Contains(in.args, "rm -rf /var/lib/apt/lists") {
				t.Errorf("Dockerfile:%d: apt-get install needs --no-install-recommends and rm -rf /var/lib/apt/lists/*", in.line)
			}
			if !strings.Contains(in.args, "apt-get update") {
				t.Errorf("Dockerfile:%d: apt-get install without apt-get update in the same RUN", in.line)
			}
		}
	}
	for _, want := range []string{"GOMLX_NO_AUTO_INSTALL=1", "EXPOSE 8888", "XLA_FLAGS=--xla_gpu_cuda_data_dir=", "GOEXPERIMENT=simd", "kernel/install.sh"} {
		if !strings.Contains(all, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}

	// Every script the Dockerfile copies or runs exists, is executable and parses.
	scripts := regexp.MustCompile(`(docker|kernel)/[\w.-]+\.sh`).FindAllString(all, -1)
	if len(scripts) < 4 {
		t.Errorf("Dockerfile references only %d scripts: %v", len(scripts), scripts)
	}
	for _, s := range scripts {
		p := filepath.Join(root, s)
		st, err := os.Stat(p)
		if err != nil {
			t.Errorf("Dockerfile uses %s: %v", s, err)
			continue
		}
		if st.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", s)
		}
		if out, err := exec.Command("bash", "-n", p).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", s, err, out)
		}
	}
	// COPY sources exist.
	for _, in := range ins {
		if in.cmd != "COPY" || strings.HasPrefix(in.args, "--from") {
			continue
		}
		f := strings.Fields(in.args)
		for _, src := range f[:len(f)-1] {
			if src == "." {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("Dockerfile:%d: COPY source %s: %v", in.line, src, err)
			}
		}
	}
}

// goModCacheDir returns the module cache directory of mod@version, or "" if
// it is not downloaded.
func goModCacheDir(t *testing.T, modAtVersion string) string {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	d := filepath.Join(strings.TrimSpace(string(out)), modAtVersion)
	if _, err := os.Stat(d); err != nil {
		t.Logf("%s not in the module cache; PJRT_CPU_VERSION not cross-checked", modAtVersion)
		return ""
	}
	return d
}

// TestToolchainPinnedEverywhere checks that every place that runs the go command sets the
// toolchain go.mod names (GOTOOLCHAIN=go<version>): machines start on their own Go and,
// with GOTOOLCHAIN=local, ignore go.mod's go line, so each script has to ask for it.
func TestToolchainPinnedEverywhere(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	want := "go" + modVersion(t, filepath.Join(root, "go.mod"), "go")
	if got := "go" + modVersion(t, filepath.Join(root, "tools", "go.mod"), "go"); got != want {
		t.Errorf("tools/go.mod says %s, go.mod says %s", got, want)
	}
	re := regexp.MustCompile(`GOTOOLCHAIN=(go[0-9.]+)`)
	for _, f := range []string{".ci/run", "kernel/install.sh", "Dockerfile", "README.md"} {
		src, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		m := re.FindAllSubmatch(src, -1)
		if len(m) == 0 {
			t.Errorf("%s does not set GOTOOLCHAIN (want GOTOOLCHAIN=%s)", f, want)
		}
		for _, x := range m {
			if string(x[1]) != want {
				t.Errorf("%s sets GOTOOLCHAIN=%s, go.mod says %s", f, x[1], want)
			}
		}
	}
}
