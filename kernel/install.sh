#!/usr/bin/env bash
# kernel/install.sh — installs everything a rim notebook needs, and registers
# the "rim" Jupyter kernel. Safe to re-run (idempotent); prints what it did.
#
#   kernel/install.sh            # Jupyter (Debian packages) + GoNB + goimports + kernel
#   RIM_NO_APT=1 kernel/install.sh   # never call apt-get (Jupyter must already be there)
#
# Environment it honours:
#   RIM_NO_GOPLS    set to skip gopls (autocompletion only; saves ~2 minutes of building)
#   RIM_TOOLS_BIN   where gonb and goimports are installed (default: $(go env GOPATH)/bin)
#   RIM_LOG_DIR     where the logs of apt-get, go install and kernelspec go (default: $TMPDIR or /tmp)
#   GOMLX_BACKEND   backend written into the kernel (default: go; e.g. xla:cpu, xla:cuda)
#   JUPYTER_DATA_DIR  Jupyter's data dir (the kernel goes to $JUPYTER_DATA_DIR/kernels/rim)
#
# The kernel's environment: GOEXPERIMENT=simd, GOTOOLCHAIN, GOMLX_BACKEND, GOMLX_NO_AUTO_INSTALL=1,
# RIM_ROOT (this checkout, used by the first cell of every notebook), PATH with
# go and goimports, and quiet logs (GoNB: fatal only; XLA: TF_CPP_MIN_LOG_LEVEL=2).
set -euo pipefail
# rim's Go toolchain (go.mod's go line; docker/lint_test.go checks they agree). The go command
# fetches it through the module proxy on first use; GoNB compiles every cell with it too.
export GOTOOLCHAIN=go1.27.3

say() { printf 'rim kernel: %s\n' "$*"; }
die() { printf 'rim kernel: error: %s\n' "$*" >&2; exit 1; }

LOG_DIR="${RIM_LOG_DIR:-${TMPDIR:-/tmp}}"
[[ -d "$LOG_DIR" && -w "$LOG_DIR" ]] || die "log folder $LOG_DIR (RIM_LOG_DIR) is not a writable directory"

RIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ -f "$RIM_ROOT/go.mod" && -f "$RIM_ROOT/tools/go.mod" ]] ||
	die "cannot find the rim checkout (expected go.mod and tools/go.mod under $RIM_ROOT)"

# 1. Jupyter, from Debian packages, under /usr/bin/python3.
JUPYTER_DEBS=(jupyter-nbconvert jupyter-client jupyter-core python3-ipykernel python3-nbclient python3-nbformat)
JUPYTER_UI_DEBS=(jupyter-notebook)
have_jupyter() {
	command -v jupyter >/dev/null 2>&1 &&
		/usr/bin/python3 -c 'import nbclient, nbformat, jupyter_client' >/dev/null 2>&1
}
if have_jupyter; then
	say "jupyter: already installed ($(command -v jupyter))"
else
	[[ -z "${RIM_NO_APT:-}" ]] || die "jupyter is missing and RIM_NO_APT is set; install: ${JUPYTER_DEBS[*]}"
	command -v apt-get >/dev/null 2>&1 ||
		die "jupyter is missing and apt-get is not available on this machine; install Jupyter yourself (packages: ${JUPYTER_DEBS[*]}, or pip: nbclient nbconvert jupyter_client) and re-run"
	SUDO=()
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 || die "jupyter is missing; run as root or install sudo to apt-get install ${JUPYTER_DEBS[*]}"
		SUDO=(sudo)
	fi
	say "jupyter: installing Debian packages ${JUPYTER_DEBS[*]} ${JUPYTER_UI_DEBS[*]}"
	"${SUDO[@]}" apt-get update -qq >"$LOG_DIR"/rim-apt-update.log 2>&1 ||
		die "apt-get update failed (no network access to the Debian mirrors?); see $LOG_DIR/rim-apt-update.log"
	DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
		"${JUPYTER_DEBS[@]}" >"$LOG_DIR"/rim-apt-install.log 2>&1 ||
		die "apt-get install ${JUPYTER_DEBS[*]} failed; see $LOG_DIR/rim-apt-install.log"
	# The browser UI is optional (CI only executes notebooks headless).
	DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
		"${JUPYTER_UI_DEBS[@]}" >>"$LOG_DIR"/rim-apt-install.log 2>&1 ||
		say "jupyter: optional ${JUPYTER_UI_DEBS[*]} not installed (headless use still works)"
	have_jupyter || die "jupyter still missing after apt-get install; see $LOG_DIR/rim-apt-install.log"
	say "jupyter: installed"
fi

# 2. GoNB and goimports at the versions pinned in tools/go.mod.
if ! command -v go >/dev/null 2>&1; then
	[[ -x /usr/local/go/bin/go ]] || die "go is not on PATH (install any Go >= 1.21 first; it fetches $GOTOOLCHAIN through the module proxy)"
	export PATH="/usr/local/go/bin:$PATH"
fi
GO="$(command -v go)"
GOROOT_BIN="$(dirname "$GO")"
TOOLS_BIN="${RIM_TOOLS_BIN:-$(go env GOPATH)/bin}"
mkdir -p "$TOOLS_BIN"
GONB_VERSION="$(awk '$1=="github.com/janpfeifer/gonb" && $2 ~ /^v/ {print $2}' "$RIM_ROOT/tools/go.mod")"
gopls_note=", gopls"
[[ -z "${RIM_NO_GOPLS:-}" ]] || gopls_note=" (no gopls)"
say "tools: building gonb $GONB_VERSION, goimports$gopls_note into $TOOLS_BIN"
TOOLS=(github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports)
# gopls gives notebooks autocompletion; headless runs (CI) can skip it with RIM_NO_GOPLS=1.
[[ -n "${RIM_NO_GOPLS:-}" ]] || TOOLS+=(golang.org/x/tools/gopls)
if ! (cd "$RIM_ROOT/tools" && GOBIN="$TOOLS_BIN" go install "${TOOLS[@]}") >"$LOG_DIR"/rim-tools.log 2>&1; then
	cat "$LOG_DIR"/rim-tools.log >&2
	die "could not build gonb/goimports from tools/go.mod (no access to the Go module proxy $(go env GOPROXY)?)"
fi
[[ -x "$TOOLS_BIN/gonb" && -x "$TOOLS_BIN/goimports" ]] || die "gonb or goimports missing in $TOOLS_BIN after go install"
say "tools: $("$TOOLS_BIN/gonb" -V 2>&1 | head -1)"

# 3. The kernel spec: kernels/rim/kernel.json with rim's environment.
BACKEND="${GOMLX_BACKEND:-go}"
KPATH="$TOOLS_BIN:$GOROOT_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SPEC="$(mktemp -d)"
trap 'rm -rf "$SPEC"' EXIT
# The spec's launcher (rim-kernel.sh) re-points RIM_ROOT at the checkout that holds the notebook.
KDIR="$(jupyter --data-dir)/kernels/rim"
cp "$RIM_ROOT/kernel/rim-kernel.sh" "$SPEC/"
/usr/bin/python3 - "$SPEC/kernel.json" "$KDIR/rim-kernel.sh" "$TOOLS_BIN/gonb" "$RIM_ROOT" "$BACKEND" "$KPATH" <<'PY'
import json, os, sys
out, launcher, gonb, root, backend, path = sys.argv[1:]
spec = {
    "argv": ["/bin/bash", launcher, gonb, "--kernel", "{connection_file}",
             "--logtostderr=false", "--stderrthreshold=FATAL", "--log_file=/dev/null"],
    "display_name": "Go (rim)",
    "language": "go",
    "interrupt_mode": "message",
    "env": {
        "RIM_ROOT": root,
        "GOEXPERIMENT": "simd",
        "GOTOOLCHAIN": os.environ["GOTOOLCHAIN"],
        "GOMLX_BACKEND": backend,
        "GOMLX_NO_AUTO_INSTALL": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PATH": path,
    },
}
with open(out, "w") as f:
    json.dump(spec, f, indent=1)
PY
jupyter kernelspec install --user --replace --name rim "$SPEC" >"$LOG_DIR"/rim-kernelspec.log 2>&1 ||
	{ cat "$LOG_DIR"/rim-kernelspec.log >&2; die "jupyter kernelspec install failed"; }
[[ -f "$KDIR/kernel.json" && -x "$KDIR/rim-kernel.sh" ]] || die "kernel spec not found in $KDIR after install"
say "kernel: installed \"Go (rim)\" in $KDIR"
say "kernel: RIM_ROOT=$RIM_ROOT (or the rim checkout holding the notebook) GOMLX_BACKEND=$BACKEND GOEXPERIMENT=simd GOTOOLCHAIN=$GOTOOLCHAIN GOMLX_NO_AUTO_INSTALL=1"
say "done: open notebooks/00_tour.ipynb with the \"Go (rim)\" kernel, or run kernel/runnb.py"
