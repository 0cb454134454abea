import { KernelArgumentError, ops, type Tensor } from "@vllm-ts/cuda-kernels";
import { gatherTokenLogprobs, type TokenLogprobs } from "./logprobs.js";
import { TensorScope } from "./tensor-scope.js";

// Positions per pass, so the log-softmax workspace stays near 64 MiB whatever the prompt length.
const WORKSPACE_BYTES = 64 * 2 ** 20;

/**
 * Prompt logprobs: for each position p, the logprob and rank of `targetTokenIds[p]` (the next
 * prompt token) under the logits of row p, plus the top `k` (-1: the whole vocabulary), with the
 * same semantics as sample logprobs. `logits` [numPositions, vocab] is not modified. The engine
 * prepends null for the prompt's first token, which has no logits before it.
 */
export async function computePromptLogprobs(
  logits: Tensor,
  targetTokenIds: ArrayLike<number>,
  k: number,
): Promise<TokenLogprobs[]> {
  const [positions = 0, vocab = 0] = logits.shape;
  if (logits.ndim !== 2 || targetTokenIds.length !== positions) {
    throw new KernelArgumentError(
      `computePromptLogprobs: logits must be [positions, vocab] with one target per position, got ${logits.toString()} and ${targetTokenIds.length} targets`,
    );
  }
  if (!(Number.isInteger(k) && k >= -1)) {
    throw new KernelArgumentError(`computePromptLogprobs: k must be an integer >= -1, got ${k}`);
  }
  using scope = new TensorScope(logits.device);
  const x = logits.dtype === "float32" ? logits : scope.track(logits.to(logits.device, "float32"));
  const chunk = Math.max(1, Math.floor(WORKSPACE_BYTES / (4 * Math.max(vocab, 1))));
  const results: TokenLogprobs[] = [];
  for (let start = 0; start < positions; start += chunk) {
    const count = Math.min(chunk, positions - start);
    using pass = new TensorScope(logits.device);
    const rows = Array.from({ length: count }, (_, i) => start + i);
    const targets = Array.from({ length: count }, (_, i) => targetTokenIds[start + i]!);
    const logprobs = pass.empty([count, vocab], "float32");
    ops.logSoftmaxRows(logprobs, x, pass.int32(rows));
    const local = pass.int32(rows.map((_, i) => i));
    results.push(
      ...(await gatherTokenLogprobs(
        pass,
        logprobs,
        pass.int32(targets),
        local,
        new Array(count).fill(k),
        targets,
      )),
    );
  }
  return results;
}
