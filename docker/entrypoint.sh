#!/usr/bin/env bash
# docker/entrypoint.sh — default command of the rim image: serve the notebooks
# with Jupyter on port 8888 (any other command given to `docker run` runs instead).
set -euo pipefail
if [[ $# -gt 0 ]]; then
	exec "$@"
fi
cd "${RIM_ROOT:-/opt/rim}/notebooks"
# Jupyter prints a login URL with a random token unless JUPYTER_TOKEN is set.
exec jupyter notebook --ip=0.0.0.0 --port=8888 --no-browser --allow-root --notebook-dir="$PWD"
