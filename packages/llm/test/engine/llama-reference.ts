// A plain float64 Llama/Mistral forward pass, written from the architecture's definition with no
// code shared with the engine: RMSNorm, NeoX rotary, grouped-query causal attention (optionally a
// sliding window), SiLU-gated MLP. Recomputes the whole sequence each call: slow, obviously right.
import type { TinyLlamaConfig } from "./tiny-llama.js";

type Weights = Map<string, { shape: number[]; data: Float32Array }>;

function matvec(w: Float32Array, rows: number, cols: number, x: Float64Array): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += w[r * cols + c]! * x[c]!;
    out[r] = sum;
  }
  return out;
}

function rmsNorm(x: Float64Array, w: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * inv * w[i]!);
}

function rope(x: Float64Array, heads: number, d: number, position: number, theta: number): void {
  const half = d / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const angle = position * theta ** ((-2 * i) / d);
      const a = x[h * d + i]!;
      const b = x[h * d + i + half]!;
      x[h * d + i] = a * Math.cos(angle) - b * Math.sin(angle);
      x[h * d + i + half] = b * Math.cos(angle) + a * Math.sin(angle);
    }
  }
}

/** Log-probabilities of the next token after each position of `tokens`. */
export function referenceLogprobs(
  weights: Weights,
  config: TinyLlamaConfig,
  tokens: readonly number[],
): Float64Array[] {
  const { hiddenSize: h, numHeads, numKvHeads, intermediateSize: inter, vocabSize: v } = config;
  const d = h / numHeads;
  const group = numHeads / numKvHeads;
  const w = (name: string) => weights.get(name)!.data;
  const eps = 1e-5;
  let xs = tokens.map((t) => Float64Array.from(w("model.embed_tokens.weight").subarray(t * h, (t + 1) * h)));
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}`;
    const qs: Float64Array[] = [];
    const ks: Float64Array[] = [];
    const vs: Float64Array[] = [];
    xs.forEach((x, t) => {
      const n = rmsNorm(x, w(`${p}.input_layernorm.weight`), eps);
      const q = matvec(w(`${p}.self_attn.q_proj.weight`), numHeads * d, h, n);
      const k = matvec(w(`${p}.self_attn.k_proj.weight`), numKvHeads * d, h, n);
      rope(q, numHeads, d, t, config.ropeTheta);
      rope(k, numKvHeads, d, t, config.ropeTheta);
      qs.push(q);
      ks.push(k);
      vs.push(matvec(w(`${p}.self_attn.v_proj.weight`), numKvHeads * d, h, n));
    });
    xs = xs.map((x, t) => {
      const attn = new Float64Array(numHeads * d);
      for (let head = 0; head < numHeads; head++) {
        const kvHead = Math.floor(head / group);
        const first = config.slidingWindow ? Math.max(0, t - config.slidingWindow + 1) : 0;
        const scores: number[] = [];
        for (let j = first; j <= t; j++) {
          let s = 0;
          for (let i = 0; i < d; i++) s += qs[t]![head * d + i]! * ks[j]![kvHead * d + i]!;
          scores.push(s / Math.sqrt(d));
        }
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        for (let j = first; j <= t; j++) {
          const p = exps[j - first]! / total;
          for (let i = 0; i < d; i++) attn[head * d + i]! += p * vs[j]![kvHead * d + i]!;
        }
      }
      const o = matvec(w(`${p}.self_attn.o_proj.weight`), h, numHeads * d, attn);
      const y = x.map((value, i) => value + o[i]!);
      const n = rmsNorm(y, w(`${p}.post_attention_layernorm.weight`), eps);
      const gate = matvec(w(`${p}.mlp.gate_proj.weight`), inter, h, n);
      const up = matvec(w(`${p}.mlp.up_proj.weight`), inter, h, n);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
      const down = matvec(w(`${p}.mlp.down_proj.weight`), h, inter, act);
      return y.map((value, i) => value + down[i]!);
    });
  }
  return xs.map((x) => {
    const logits = matvec(w("lm_head.weight"), v, h, rmsNorm(x, w("model.norm.weight"), eps));
    const max = Math.max(...logits);
    const logSum = Math.log(logits.reduce((a, l) => a + Math.exp(l - max), 0)) + max;
    return logits.map((l) => l - logSum);
  });
}

/** Greedy continuation of `prompt` by the reference, with each step's log-probabilities. */
export function referenceGreedy(
  weights: Weights,
  config: TinyLlamaConfig,
  prompt: readonly number[],
  steps: number,
) {
  const tokens = [...prompt];
  const logprobs: Float64Array[] = [];
  for (let s = 0; s < steps; s++) {
    const last = referenceLogprobs(weights, config, tokens).at(-1)!;
    let best = 0;
    for (let i = 1; i < last.length; i++) if (last[i]! > last[best]!) best = i;
    logprobs.push(last);
    tokens.push(best);
  }
  return { tokens: tokens.slice(prompt.length), logprobs };
}
