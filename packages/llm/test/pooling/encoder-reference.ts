// A plain float64 BERT / RoBERTa forward and their heads, written from the architecture's definition
// with no code shared with the engine: embeddings (word + position + token type) and LayerNorm,
// then post-LN blocks of full bidirectional attention and an exact-GELU MLP. Positions follow
// Hugging Face: 0.. for BERT; padding_idx + 1 + (count of earlier non-pad tokens) for RoBERTa.
import type { TinyEncoderConfig, Weights } from "./tiny-encoder.js";

export function matvec(
  w: Float32Array,
  rows: number,
  cols: number,
  x: ArrayLike<number>,
  bias?: Float32Array,
) {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = bias ? bias[r]! : 0;
    for (let c = 0; c < cols; c++) sum += w[r * cols + c]! * x[c]!;
    out[r] = sum;
  }
  return out;
}

function layerNorm(x: Float64Array, w: Float32Array, b: Float32Array, eps: number): Float64Array {
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
  const inv = 1 / Math.sqrt(variance + eps);
  return x.map((v, i) => (v - mean) * inv * w[i]! + b[i]!);
}

/** erf to ~1e-15: its Taylor series near 0, a continued fraction for erfc beyond 3. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

export function referencePositions(config: TinyEncoderConfig, tokens: readonly number[]): number[] {
  if (config.family === "bert") return tokens.map((_, i) => i);
  let count = 0;
  return tokens.map((t) => (t === config.padTokenId ? config.padTokenId : config.padTokenId + ++count));
}

/** Hidden states [n][H] of one sequence (token types default to 0). */
export function referenceHidden(
  weights: Weights,
  config: TinyEncoderConfig,
  tokens: readonly number[],
  tokenTypes: readonly number[] = tokens.map(() => 0),
): Float64Array[] {
  const { hiddenSize: h, numHeads, intermediateSize: inter } = config;
  const d = h / numHeads;
  const base = config.architecture.endsWith("Model") ? "" : `${config.family}.`;
  const w = (name: string) => weights.get(`${base}${name}`)!.data;
  const eps = 1e-12;
  const positions = referencePositions(config, tokens);
  let xs = tokens.map((t, i) => {
    const row = new Float64Array(h);
    for (let j = 0; j < h; j++) {
      row[j] =
        w("embeddings.word_embeddings.weight")[t * h + j]! +
        w("embeddings.token_type_embeddings.weight")[tokenTypes[i]! * h + j]! +
        w("embeddings.position_embeddings.weight")[positions[i]! * h + j]!;
    }
    return layerNorm(row, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"), eps);
  });
  for (let l = 0; l < config.numLayers; l++) {
    const p = `encoder.layer.${l}`;
    const proj = (part: string) =>
      xs.map((x) =>
        matvec(w(`${p}.attention.self.${part}.weight`), h, h, x, w(`${p}.attention.self.${part}.bias`)),
      );
    const qs = proj("query");
    const ks = proj("key");
    const vs = proj("value");
    xs = xs.map((x, t) => {
      const attn = new Float64Array(h);
      for (let head = 0; head < numHeads; head++) {
        const scores = ks.map((k) => {
          let s = 0;
          for (let i = 0; i < d; i++) s += qs[t]![head * d + i]! * k[head * d + i]!;
          return s / Math.sqrt(d);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        exps.forEach((e, j) => {
          for (let i = 0; i < d; i++) attn[head * d + i]! += (e / total) * vs[j]![head * d + i]!;
        });
      }
      const o = matvec(
        w(`${p}.attention.output.dense.weight`),
        h,
        h,
        attn,
        w(`${p}.attention.output.dense.bias`),
      );
      const y = layerNorm(
        x.map((v, i) => v + o[i]!),
        w(`${p}.attention.output.LayerNorm.weight`),
        w(`${p}.attention.output.LayerNorm.bias`),
        eps,
      );
      const m = matvec(
        w(`${p}.intermediate.dense.weight`),
        inter,
        h,
        y,
        w(`${p}.intermediate.dense.bias`),
      ).map(gelu);
      const out = matvec(w(`${p}.output.dense.weight`), h, inter, m, w(`${p}.output.dense.bias`));
      return layerNorm(
        y.map((v, i) => v + out[i]!),
        w(`${p}.output.LayerNorm.weight`),
        w(`${p}.output.LayerNorm.bias`),
        eps,
      );
    });
  }
  return xs;
}

export function meanRows(rows: readonly Float64Array[]): number[] {
  const out = new Array<number>(rows[0]!.length).fill(0);
  for (const row of rows)
    row.forEach((v, i) => {
      out[i]! += v / rows.length;
    });
  return out;
}

export function normalize(values: readonly number[]): number[] {
  const norm = Math.sqrt(values.reduce((a, v) => a + v * v, 0));
  return values.map((v) => v / norm);
}

/** The classifier's logits on a sequence's [CLS] row (BERT: tanh pooler first; RoBERTa: its head). */
export function referenceClassifierLogits(
  weights: Weights,
  config: TinyEncoderConfig,
  cls: ArrayLike<number>,
): number[] {
  const h = config.hiddenSize;
  const labels = config.numLabels ?? 2;
  const w = (name: string) => weights.get(name)!.data;
  if (config.family === "bert") {
    const pooled = matvec(w("bert.pooler.dense.weight"), h, h, cls, w("bert.pooler.dense.bias")).map(
      Math.tanh,
    );
    return Array.from(matvec(w("classifier.weight"), labels, h, pooled, w("classifier.bias")));
  }
  const dense = matvec(w("classifier.dense.weight"), h, h, cls, w("classifier.dense.bias")).map(Math.tanh);
  return Array.from(matvec(w("classifier.out_proj.weight"), labels, h, dense, w("classifier.out_proj.bias")));
}

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function softmax(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((v, i) => {
    dot += v * b[i]!;
    aa += v * v;
    bb += b[i]! * b[i]!;
  });
  return dot / Math.sqrt(aa * bb);
}
