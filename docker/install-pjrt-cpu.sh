#!/usr/bin/env bash
# docker/install-pjrt-cpu.sh VERSION — installs the XLA PJRT CPU plugin from a
# gomlx/pjrt-cpu-binaries release at build time (rim never downloads at run
# time) as /usr/local/lib/go-xla/pjrt_c_api_cpu_plugin.so, where go-xla looks.
set -euo pipefail
version="${1:?usage: install-pjrt-cpu.sh PJRT_CPU_VERSION (e.g. v0.114.0)}"
arch="$(dpkg --print-architecture)"
url="https://github.com/gomlx/pjrt-cpu-binaries/releases/download/${version}/pjrt_cpu_linux_${arch}.tar.gz"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsSL "$url" -o "$tmp/pjrt.tgz" || { echo "install-pjrt-cpu.sh: cannot download $url" >&2; exit 1; }
tar -C "$tmp" -xzf "$tmp/pjrt.tgz"
so="$(find "$tmp" -name '*.so' -path '*cpu*' | head -1)"
[[ -n "$so" ]] || { echo "install-pjrt-cpu.sh: no CPU plugin .so in $url" >&2; exit 1; }
install -D -m 0755 "$so" /usr/local/lib/go-xla/pjrt_c_api_cpu_plugin.so
echo "installed $(basename "$so") ${version} as /usr/local/lib/go-xla/pjrt_c_api_cpu_plugin.so"
