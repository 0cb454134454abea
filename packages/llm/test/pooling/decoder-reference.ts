// The final (normed) hidden states of the tiny Llama in plain float64, written from the
// architecture's definition with no code shared with the engine: RMSNorm, NeoX rotary, causal
// grouped-query attention, SiLU-gated MLP. Decoder pooling tests pool these rows.
import type { TinyLlamaConfig } from "../engine/tiny-llama.js";
import { matvec } from "./encoder-reference.js";

type Weights = Map<string, { shape: number[]; data: Float32Array }>;

function rmsNorm(x: ArrayLike<number>, w: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i]! * x[i]!;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  return Float64Array.from({ length: x.length }, (_, i) => x[i]! * inv * w[i]!);
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

/** Hidden states after the final RMSNorm, one row per token. */
export function referenceDecoderHidden(
  weights: Weights,
  config: TinyLlamaConfig,
  tokens: readonly number[],
): Float64Array[] {
  const { hiddenSize: h, numHeads, numKvHeads, intermediateSize: inter } = config;
  const d = h / numHeads;
  const group = numHeads / numKvHeads;
  const w = (name: string) => weights.get(name)!.data;
  const eps = 1e-5;
  let xs = tokens.map((t) => Float64Array.from(w("model.embed_tokens.weight").subarray(t * h, (t + 1) * h)));
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}`;
    const normed = xs.map((x) => rmsNorm(x, w(`${p}.input_layernorm.weight`), eps));
    const qs = normed.map((n, t) => {
      const q = matvec(w(`${p}.self_attn.q_proj.weight`), numHeads * d, h, n);
      rope(q, numHeads, d, t, config.ropeTheta);
      return q;
    });
    const ks = normed.map((n, t) => {
      const k = matvec(w(`${p}.self_attn.k_proj.weight`), numKvHeads * d, h, n);
      rope(k, numKvHeads, d, t, config.ropeTheta);
      return k;
    });
    const vs = normed.map((n) => matvec(w(`${p}.self_attn.v_proj.weight`), numKvHeads * d, h, n));
    xs = xs.map((x, t) => {
      const attn = new Float64Array(numHeads * d);
      for (let head = 0; head < numHeads; head++) {
        const kv = Math.floor(head / group);
        const scores = ks.slice(0, t + 1).map((k) => {
          let s = 0;
          for (let i = 0; i < d; i++) s += qs[t]![head * d + i]! * k[kv * d + i]!;
          return s / Math.sqrt(d);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        exps.forEach((e, j) => {
          for (let i = 0; i < d; i++) attn[head * d + i]! += (e / total) * vs[j]![kv * d + i]!;
        });
      }
      const o = matvec(w(`${p}.self_attn.o_proj.weight`), h, numHeads * d, attn);
      const y = x.map((v, i) => v + o[i]!);
      const n = rmsNorm(y, w(`${p}.post_attention_layernorm.weight`), eps);
      const gate = matvec(w(`${p}.mlp.gate_proj.weight`), inter, h, n);
      const up = matvec(w(`${p}.mlp.up_proj.weight`), inter, h, n);
      const down = matvec(
        w(`${p}.mlp.down_proj.weight`),
        h,
        inter,
        gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!),
      );
      return y.map((v, i) => v + down[i]!);
    });
  }
  return xs.map((x) => rmsNorm(x, w("model.norm.weight"), eps));
}
