#!/usr/bin/env bash
# tools/perf/compare.sh OUT_DIR [SHAPE...] — PyTorch (transformers) and rim back to back on the
# same weights and token ids, for docs/performance.md.
#
# SHAPE: 42m (8 layers, hidden 512, GQA 8/4, ffn 1536, vocab 32000, tied; batch 8x128) and/or
# organism (6 layers, hidden 256, 8/4 heads, head_dim 32, ffn 768, vocab 4096; batch 16x256);
# default both. For each shape: ../shared/bench/torch_bench.py --save writes the model and
# bench_inputs.json, then rim bench forward|train|generate run on that directory with --inputs.
# PyTorch set-up (Debian's python3-torch, transformers 4.51.3 sources): ../shared/bench/README.md;
# export HF_TRANSFORMERS_SRC and HF_HUB_SRC as it says. PyTorch runs at its best: OpenBLAS 0.3.21 does
# not recognise every CPU (on the project's Intel Xeon VM of 2026-12-02 it fell back to its SSE3
# "Prescott" kernels: 38 GFLOP/s instead of 141), so set TORCH_OPENBLAS_CORETYPE (e.g. SkylakeX on an
# AVX-512 CPU; check its results) to force a kernel set; otherwise OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE
# are unset for the PyTorch command only (never in tests or CI).
# Raw outputs go to OUT_DIR/{torch,rim}-SHAPE.txt (+ torch-SHAPE.json); nothing is downloaded.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export GOTOOLCHAIN=go1.27.3
OUT="${1:?usage: tools/perf/compare.sh OUT_DIR [42m|organism ...]}"
shift
SHAPES=("$@")
[[ ${#SHAPES[@]} -gt 0 ]] || SHAPES=(42m organism)
SHARED="${RIM_SHARED:-$PWD/../shared}"
BENCH="$SHARED/bench/torch_bench.py"
[[ -f "$BENCH" ]] || { echo "compare.sh: $BENCH not found (set RIM_SHARED)" >&2; exit 1; }
mkdir -p "$OUT"
GOEXPERIMENT=simd go build -o "$OUT/rim" ./rim/cmd/rim
{ date -u; uname -m; nproc; grep -m1 'model name' /proc/cpuinfo || true; git rev-parse HEAD; } >"$OUT/machine.txt"

for shape in "${SHAPES[@]}"; do
	case "$shape" in
	42m) targs=(--runs 5 --warmup 1); rargs=() ;;
	organism) targs=(--runs 3 --warmup 1 --layers 6 --hidden 256 --heads 8 --kv-heads 4 --head-dim 32
		--ffn 768 --vocab 4096 --batch 16 --seq 256); rargs=() ;;
	*) echo "compare.sh: unknown shape $shape (42m or organism)" >&2; exit 1 ;;
	esac
	dir="$OUT/model-$shape"
	echo "== $shape: PyTorch"
	blas=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
	[[ -z "${TORCH_OPENBLAS_CORETYPE:-}" ]] || blas=(-u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$TORCH_OPENBLAS_CORETYPE")
	env "${blas[@]}" OPENBLAS_VERBOSE=2 /usr/bin/python3 "$BENCH" --threads 2 "${targs[@]}" \
		--save "$dir" --json "$OUT/torch-$shape.json" >"$OUT/torch-$shape.txt" 2>&1
	grep -m1 '^Core:' "$OUT/torch-$shape.txt" | sed 's/^/  OpenBLAS /' || true
	/usr/bin/python3 - "$OUT/torch-$shape.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("forward_s", "train_step_s", "generate_64_from_32_s"):
    if k in d:
        print(f"  torch {k}: median {d[k]['median']} s, runs {d[k]['runs']}")
print(f"  torch peak RSS after forward/generate/train: {d.get('peak_rss_after_forward_mib')} / "
      f"{d.get('peak_rss_after_generate_mib')} / {d.get('peak_rss_after_train_mib')} MiB")
PY
	echo "== $shape: rim"
	in="$dir/bench_inputs.json"
	{
		"$OUT/rim" bench forward --model "$dir" --inputs "$in" --matmul 0 --iters 5 "${rargs[@]}"
		"$OUT/rim" bench forward --model "$dir" --inputs "$in" --matmul 0 --iters 5 --dtype bf16
		"$OUT/rim" bench train --model "$dir" --inputs "$in" --steps 3 --mode full
		"$OUT/rim" bench train --model "$dir" --inputs "$in" --steps 3 --mode lora
		"$OUT/rim" bench generate --model "$dir" --inputs "$in" --batch 1,16
		"$OUT/rim" bench generate --model "$dir" --inputs "$in" --batch 1,16 --dtype bf16
	} 2>&1 | tee "$OUT/rim-$shape.txt" | grep -v "greedy tokens" | sed 's/^/  /'
done
