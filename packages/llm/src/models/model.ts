import type { DType, Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "./forward-context.js";
import type { RMSNorm } from "./layers/norm.js";
import type { ParameterStore } from "./parameters.js";
import type { WeightMapSpec } from "./weight-map.js";

/**
 * A causal language model: token ids of a flat batch in, hidden states out, and logits for the
 * rows the runner asks for. Implementations are one file per family and read like the
 * architecture; they own their parameters and know nothing about scheduling.
 */
export interface CausalLM extends Disposable {
  readonly params: ParameterStore;
  /** How checkpoint tensor names map onto this model's parameters. */
  readonly weightMap: WeightMapSpec;
  readonly vocabSize: number;
  /** Width of the rows `computeLogits` reads. */
  readonly hiddenSize: number;
  readonly dtype: DType;

  /** int32 ids [T] → hidden states [T, hiddenSize], after the final norm. */
  forward(ctx: ForwardContext, inputIds: Tensor): Tensor;

  /** Hidden rows [n, hiddenSize] → float32 logits written into `out` [n, vocabSize]. */
  computeLogits(ctx: ForwardContext, hidden: Tensor, out: Tensor): void;

  /** Frees the weights and any tables the model holds on the device. */
  dispose(): void;
}

/**
 * One block of a decoder: reads the residual stream [T, hidden] and adds its contributions to it in
 * place. Its temporaries come from the arena and are released after the block, so activation
 * memory does not grow with depth.
 */
export interface ResidualBlock {
  forward(ctx: ForwardContext, residual: Tensor): void;
}

/** Runs blocks over the residual stream, releasing each block's temporaries after it. */
export function runBlocks(ctx: ForwardContext, blocks: readonly ResidualBlock[], residual: Tensor): void {
  for (const block of blocks) {
    const mark = ctx.arena.mark();
    block.forward(ctx, residual);
    ctx.arena.release(mark);
  }
}

/**
 * A pre-norm block whose last residual add can wait for the next block: its input norm first adds
 * the previous block's `pending` contribution to the residual (one fused add + RMSNorm kernel, as
 * vLLM does), and it writes its own last contribution into `pending` instead of adding it.
 */
export interface DeferredResidualBlock extends ResidualBlock {
  forwardDeferred(ctx: ForwardContext, residual: Tensor, pending: Tensor, hasPending: boolean): void;
}

function defersResidual(block: ResidualBlock): block is DeferredResidualBlock {
  return typeof (block as Partial<DeferredResidualBlock>).forwardDeferred === "function";
}

/**
 * The decoder stack, then `finalNorm`, over the residual stream; returns the normed hidden states.
 * When every block can defer its last add, each add is fused into the next norm (the final one
 * too), saving a kernel per layer; the results are the same, rounding included.
 */
export function runPreNormStack(
  ctx: ForwardContext,
  blocks: readonly ResidualBlock[],
  residual: Tensor,
  finalNorm: RMSNorm,
): Tensor {
  if (blocks.length === 0 || !blocks.every(defersResidual)) {
    runBlocks(ctx, blocks, residual);
    return finalNorm.forward(ctx, residual);
  }
  const pending = ctx.arena.alloc(residual.shape, residual.dtype);
  blocks.forEach((block, i) => {
    const mark = ctx.arena.mark();
    block.forwardDeferred(ctx, residual, pending, i > 0);
    ctx.arena.release(mark);
  });
  return finalNorm.addAndNorm(pending, residual);
}

/** Builds a model of one family for a config, with (uninitialised) parameters on the device. */
export type CausalLMFactory<C> = (config: C, params: ParameterStore) => CausalLM;
