#!/usr/bin/env bash
# docker/install-go.sh VERSION — installs the official Go toolchain into /usr/local/go.
set -euo pipefail
version="${1:?usage: install-go.sh GO_VERSION}"
arch="$(dpkg --print-architecture)"
case "$arch" in amd64 | arm64) ;; *) echo "install-go.sh: unsupported architecture $arch" >&2; exit 1 ;; esac
curl -fsSL "https://go.dev/dl/go${version}.linux-${arch}.tar.gz" -o /tmp/go.tgz
rm -rf /usr/local/go
tar -C /usr/local -xzf /tmp/go.tgz
rm /tmp/go.tgz
/usr/local/go/bin/go version
