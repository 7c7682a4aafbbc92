#!/usr/bin/env bash
# rim-kernel.sh COMMAND... — launcher of the "Go (rim)" Jupyter kernel
# (installed into the kernel spec by kernel/install.sh). Jupyter starts a
# kernel in the notebook's directory: if that directory is inside a rim
# checkout, RIM_ROOT is set to that checkout, so a notebook always runs
# against the code next to it (several checkouts can share one kernel);
# otherwise RIM_ROOT stays the checkout the kernel was installed from.
d="$PWD"
while [[ "$d" != "/" && -n "$d" ]]; do
	if grep -qs '^module github.com/rimlab/rim$' "$d/go.mod"; then
		export RIM_ROOT="$d"
		break
	fi
	d="$(dirname "$d")"
done
exec "$@"
