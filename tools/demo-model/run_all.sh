#!/usr/bin/env bash
# Rebuild the embedded demo model on the GPU host: tokenizer -> training -> export -> reference.
#
#   bash tools/demo-model/run_all.sh <testdata-dir> <out-dir>
#
# <testdata-dir> is a copy of shared/testdata (the corpus is <testdata-dir>/corpus/tinyshakespeare.txt).
# The results form a mirror of the repository root (packages/llm/models/tiny-shakespeare/,
# packages/llm/test/fixtures/demo-model/greedy.json, tools/demo-model/results/training.json).
# The GPU host hands back at most 8 files of 16 MiB, no deeper than two folders, so by default
# <out-dir> receives that mirror as demo-model.tar.gz.part-NN (15 MiB pieces), SHA256SUMS,
# summary.txt and run.log; unpack with tools/demo-model/unpack.sh <out-dir> <repo-root>.
# DEMO_MIRROR=1 writes the mirror straight into <out-dir> instead.
# Environment: PYTHON (python3), DEMO_BUDGET_SECONDS (240, training wall clock),
# DEMO_WORK (scratch folder), DEMO_FROM_STEP (1-4: rerun from a step, reusing DEMO_WORK).
set -euo pipefail
export PYTHONUNBUFFERED=1
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export TOKENIZERS_PARALLELISM=true

if [[ $# -ne 2 ]]; then
  echo "usage: bash tools/demo-model/run_all.sh <testdata-dir> <out-dir>" >&2
  exit 2
fi
TESTDATA="$1"
OUT="$2"
CORPUS="$TESTDATA/corpus/tinyshakespeare.txt"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="${DEMO_WORK:-${TMPDIR:-/tmp}/vllm-ts-demo-model-work}"
BUDGET="${DEMO_BUDGET_SECONDS:-240}"
FROM_STEP="${DEMO_FROM_STEP:-1}"
if [[ "${DEMO_MIRROR:-0}" == "1" ]]; then MIRROR="$OUT"; else MIRROR="$WORK/mirror"; fi

if [[ ! -f "$CORPUS" ]]; then
  echo "no corpus at $CORPUS" >&2
  exit 1
fi
mkdir -p "$OUT"

main() {
  local started
  started=$(date +%s)
  echo "== demo model: corpus $CORPUS, out $OUT, work $WORK, budget ${BUDGET}s, from step $FROM_STEP =="
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  "$PYTHON" -c 'import sys, torch, transformers, tokenizers, safetensors; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.cuda.is_available(), "transformers", transformers.__version__, "tokenizers", tokenizers.__version__, "safetensors", safetensors.__version__)'

  if [[ "$FROM_STEP" -le 1 ]]; then
    rm -rf "$WORK/tokenizer" "$WORK/config" "$WORK/mirror" "$WORK"/*.json "$WORK"/*.pt
    mkdir -p "$WORK"
    echo; echo "== 1/4 tokenizer =="
    "$PYTHON" "$HERE/train_tokenizer.py" --corpus "$CORPUS" --work "$WORK"
  fi
  if [[ "$FROM_STEP" -le 2 ]]; then
    echo; echo "== 2/4 training =="
    "$PYTHON" "$HERE/train.py" --corpus "$CORPUS" --work "$WORK" --budget-seconds "$BUDGET"
  fi
  if [[ "$FROM_STEP" -le 3 ]]; then
    echo; echo "== 3/4 export =="
    "$PYTHON" "$HERE/export.py" --corpus "$CORPUS" --work "$WORK" --out "$MIRROR"
  fi
  echo; echo "== 4/4 transformers reference =="
  "$PYTHON" "$HERE/reference.py" --out "$MIRROR"

  "$PYTHON" "$HERE/summarize.py" --out "$MIRROR" --seconds "$(( $(date +%s) - started ))" | tee "$WORK/summary.txt"
  if [[ "$MIRROR" != "$OUT" ]]; then
    rm -f "$OUT"/demo-model.tar.gz.part-* "$OUT/SHA256SUMS"
    tar -C "$MIRROR" -czf "$WORK/demo-model.tar.gz" packages tools
    split -b 15M -d -a 2 "$WORK/demo-model.tar.gz" "$OUT/demo-model.tar.gz.part-"
    cp "$WORK/summary.txt" "$OUT/summary.txt"
    (cd "$OUT" && sha256sum demo-model.tar.gz.part-* > SHA256SUMS)
    echo
    echo "bundle: $(ls "$OUT" | tr '\n' ' ')"
    echo "unpack: bash tools/demo-model/unpack.sh <folder with these files> <repo root>"
    tar -tzvf "$WORK/demo-model.tar.gz" | awk '$1 ~ /^-/ {printf "  %10d  %s\n", $3, $6}'
  fi
}

main 2>&1 | tee "$OUT/run.log"
