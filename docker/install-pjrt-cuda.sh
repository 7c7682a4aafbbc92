#!/usr/bin/env bash
# docker/install-pjrt-cuda.sh JAX_VERSION — installs the XLA PJRT CUDA 12 plugin
# from the jax-cuda12-pjrt wheel and the NVIDIA libraries it needs (the
# nvidia-* wheels jax-cuda12-plugin[with_cuda] depends on) at build time, in
# the layout go-xla's own installer uses:
#   /usr/local/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so
#   /usr/local/lib/go-xla/nvidia/{cublas,cudnn,cuda_nvcc,...}/
# The plugin's RPATH ($ORIGIN/../nvidia/...) finds the libraries there. XLA
# also needs ptxas and libdevice: the image sets
#   XLA_FLAGS=--xla_gpu_cuda_data_dir=/usr/local/lib/go-xla/nvidia/cuda_nvcc
# (go-xla would otherwise point it at .../nvidia, which has neither).
set -euo pipefail
version="${1:?usage: install-pjrt-cuda.sh JAX_CUDA_VERSION (e.g. 0.7.2)}"
dest=/usr/local/lib/go-xla/nvidia
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --no-deps --only-binary=:all: -d "$tmp/whl" "jax-cuda12-pjrt==${version}"
python3 -m pip install --no-cache-dir --target "$tmp/site" "jax-cuda12-plugin[with_cuda]==${version}"
mkdir -p "$dest"
cp -a "$tmp/site/nvidia/." "$dest/"
python3 - "$tmp/whl" "$dest/pjrt_c_api_cuda_plugin.so" <<'PY'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/jax_cuda12_pjrt-*.whl")[0]
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith("xla_cuda_plugin.so"))
    open(sys.argv[2], "wb").write(z.read(name))
PY
chmod 0755 "$dest/pjrt_c_api_cuda_plugin.so"
[[ -x "$dest/cuda_nvcc/bin/ptxas" ]] || { echo "install-pjrt-cuda.sh: ptxas missing under $dest/cuda_nvcc" >&2; exit 1; }
mkdir -p "$dest/bin" && ln -sf ../cuda_nvcc/bin/ptxas "$dest/bin/ptxas"
echo "installed jax-cuda12-pjrt ${version} as $dest/pjrt_c_api_cuda_plugin.so"
