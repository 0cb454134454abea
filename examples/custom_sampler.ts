// A third-party sampler plugged into vllm-ts: locally typical sampling (Meister et al., 2022,
// "Locally Typical Sampling"), written only against the public `Sampler` contract, without
// touching @vllm-ts/sampling.
//
//   npx tsx examples/custom_sampler.ts [--model <folder or repo id>]   (default: the embedded model)
//
// Each step the engine hands the sampler float32 logits [rows, vocab] and the batch (row i is
// request i, with its SamplingParams, prompt, output so far and resolved seed). This sampler
// copies the logits to the host, keeps per row the tokens whose surprisal is closest to the
// distribution's entropy until they hold `mass` of the probability, and draws from them with a
// generator keyed by (request seed, output position), so seeded requests are reproducible.
import { pathToFileURL } from "node:url";
import type { Sampler, SamplerOutput, SamplingBatch, TokenLogprobs } from "@vllm-ts/llm";

type Logits = Parameters<Sampler["sample"]>[0];

export interface TypicalPOptions {
  /** The probability mass of the typical set, in (0, 1]; 1 keeps every token. */
  mass: number;
  /** Keep at least this many tokens (default 1). */
  minTokensToKeep?: number;
}

export class TypicalPSampler implements Sampler {
  readonly specificationVersion = "v1";
  readonly mass: number;
  readonly minTokensToKeep: number;

  constructor(options: TypicalPOptions) {
    if (!(options.mass > 0 && options.mass <= 1))
      throw new RangeError(`mass must be in (0, 1], got ${options.mass}`);
    this.mass = options.mass;
    this.minTokensToKeep = Math.max(1, options.minTokensToKeep ?? 1);
  }

  async sample(logits: Logits, batch: SamplingBatch): Promise<SamplerOutput> {
    const [rows = 0, vocab = 0] = logits.shape;
    const data = await logits.toFloat32Array();
    const sampledTokenIds = new Int32Array(rows);
    const logprobs: (TokenLogprobs | null)[] = [];
    for (let r = 0; r < rows; r++) {
      const request = batch.requests[r]!;
      const row = data.subarray(r * vocab, (r + 1) * vocab);
      const { temperature, logprobs: k } = request.params;
      if (temperature < 1e-5) {
        sampledTokenIds[r] = argmax(row);
      } else {
        const probs = this.typicalDistribution(row, temperature);
        sampledTokenIds[r] = draw(probs, uniform(request.seed, request.outputTokenIds.length));
      }
      logprobs.push(k === null ? null : rowLogprobs(row, sampledTokenIds[r]!, k));
    }
    return { sampledTokenIds, logprobs };
  }

  /**
   * The distribution this sampler draws from for one row of logits at a temperature: the typical
   * set (tokens sorted by |surprisal − entropy|, kept until their mass reaches `mass`, ties with
   * the last kept token included), renormalised. Transformers' TypicalLogitsWarper keeps the same set.
   */
  typicalDistribution(row: ArrayLike<number>, temperature: number): Float64Array {
    const logp = logSoftmax(Array.from(row, (x) => x / temperature));
    const entropy = logp.reduce((h, lp) => (lp > -Infinity ? h - lp * Math.exp(lp) : h), 0);
    const score = logp.map((lp) => Math.abs(-lp - entropy));
    const order = score.map((_, i) => i).sort((a, b) => score[a]! - score[b]! || a - b);
    let cumulative = 0;
    let last = 0;
    for (const i of order) {
      cumulative += Math.exp(logp[i]!);
      if (cumulative >= this.mass) break;
      last++;
    }
    last = Math.min(Math.max(last, this.minTokensToKeep - 1), order.length - 1);
    const cutoff = score[order[last]!]!;
    const probs = new Float64Array(logp.length);
    let total = 0;
    logp.forEach((lp, i) => {
      if (score[i]! <= cutoff && lp > -Infinity) {
        probs[i] = Math.exp(lp);
        total += probs[i]!;
      }
    });
    return probs.map((p) => p / total);
  }
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

function logSoftmax(x: readonly number[]): number[] {
  const m = x.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const z = x.reduce((s, v) => s + Math.exp(v - m), 0);
  return x.map((v) => v - m - Math.log(z));
}

/** Inverse-CDF draw from a distribution with a uniform u in [0, 1). */
function draw(probs: Float64Array, u: number): number {
  let cumulative = 0;
  let lastPositive = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! <= 0) continue;
    lastPositive = i;
    cumulative += probs[i]!;
    if (u < cumulative) return i;
  }
  return lastPositive;
}

/** A uniform in [0, 1) from (seed, position): two rounds of a 32-bit integer hash. */
function uniform(seed: number, position: number): number {
  const mix = (h: number) => {
    let x = h >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
    x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
    return (x ^ (x >>> 16)) >>> 0;
  };
  const high = Math.floor(seed / 2 ** 32);
  const h = mix(mix(mix(seed >>> 0) ^ high) ^ mix(position + 0x9e3779b9));
  return h / 2 ** 32;
}

/** Raw logprobs of a row: the sampled token with its rank, then the top k (-1: all) by rank. */
function rowLogprobs(row: ArrayLike<number>, sampled: number, k: number): TokenLogprobs {
  const logp = logSoftmax(Array.from(row));
  const order = logp.map((_, i) => i).sort((a, b) => logp[b]! - logp[a]! || a - b);
  const top = order.slice(0, k === -1 ? logp.length : k);
  const rank = 1 + logp.filter((lp) => lp > logp[sampled]!).length;
  return {
    tokenIds: Int32Array.from([sampled, ...top]),
    logprobs: Float32Array.from([logp[sampled]!, ...top.map((i) => logp[i]!)]),
    ranks: Int32Array.from([rank, ...top.map((_, i) => i + 1)]),
  };
}

async function main(): Promise<void> {
  const { LLM, SamplingParams, embeddedModelPath } = await import("@vllm-ts/llm");
  const { parseArgs } = await import("node:util");
  const { values } = parseArgs({ options: { model: { type: "string" } } });
  await using llm = new LLM({
    model: values.model ?? embeddedModelPath(),
    sampler: new TypicalPSampler({ mass: 0.9 }),
  });
  const outputs = await llm.generate(
    ["Hello, my name is", "The future of AI is"],
    new SamplingParams({ temperature: 0.8, maxTokens: 32, seed: 0 }),
  );
  for (const output of outputs)
    console.log(JSON.stringify(output.prompt), "→", JSON.stringify(output.outputs[0]!.text));
}

// Run only when executed directly, so tests can import the sampler class.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
