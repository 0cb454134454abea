// Plain-TypeScript references for the sampling ops, written from the definitions (vLLM's sort-based
// top-k/top-p, its penalty formulas, Philox4x32-10 from the paper) in float64, plus the chi-square
// test the statistical checks use.

/** The largest value (a loop: spreading 150k arguments overflows the stack). */
export function maxOf(values: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** Probabilities of a row (float64 softmax; -inf and NaN get 0). */
export function softmax(row: readonly number[]): number[] {
  const finite = row.map((x) => (Number.isNaN(x) ? Number.NEGATIVE_INFINITY : x));
  const m = maxOf(finite);
  if (m === Number.NEGATIVE_INFINITY) return row.map(() => 0);
  const e = finite.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

export function logSoftmax(row: readonly number[]): number[] {
  const m = maxOf(row);
  const z = row.reduce((a, x) => a + Math.exp(x - m), 0);
  return row.map((x) => x - m - Math.log(z));
}

/**
 * vLLM's sort-based top-k/top-p: top-k keeps values >= the k-th largest (ties kept); top-p walks
 * the survivors in descending order (ties by lower index) and keeps a token while the mass before
 * it is < p (the first always). Returns the renormalised distribution over the vocabulary.
 */
export function topKTopPReference(row: readonly number[], k: number, p: number): number[] {
  const vocab = row.length;
  let x = row.map((v) => (Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v));
  if (k > 0 && k < vocab) {
    const kth = [...x].sort((a, b) => b - a)[k - 1]!;
    x = x.map((v) => (v >= kth ? v : Number.NEGATIVE_INFINITY));
  }
  if (p < 1) {
    const probs = softmax(x);
    const order = x.map((_, i) => i).sort((a, b) => x[b]! - x[a]! || a - b);
    let before = 0;
    const keep = new Array<boolean>(vocab).fill(false);
    order.forEach((i, d) => {
      if (d === 0 || before < p) keep[i] = true;
      before += probs[i]!;
    });
    x = x.map((v, i) => (keep[i] ? v : Number.NEGATIVE_INFINITY));
  }
  return softmax(x);
}

/** Min-p: tokens whose probability is below minP × the largest probability become -inf. */
export function minPReference(row: readonly number[], minP: number): number[] {
  if (!(minP > 0)) return [...row];
  const probs = softmax(row);
  const top = maxOf(probs);
  return row.map((v, i) => (probs[i]! < minP * top ? Number.NEGATIVE_INFINITY : v));
}

/** vLLM's penalties on one row: repetition over prompt ∪ output, then frequency and presence. */
export function penaltiesReference(
  row: readonly number[],
  prompt: readonly number[],
  output: readonly number[],
  repetition: number,
  frequency: number,
  presence: number,
): number[] {
  const counts = new Map<number, number>();
  for (const t of output) counts.set(t, (counts.get(t) ?? 0) + 1);
  const seen = new Set([...prompt, ...output]);
  return row.map((v, i) => {
    let x = Math.fround(v);
    if (seen.has(i)) x = Math.fround(x > 0 ? x / repetition : x * repetition);
    const n = counts.get(i) ?? 0;
    x = Math.fround(x - Math.fround(frequency * n));
    if (n > 0) x = Math.fround(x - presence);
    return x;
  });
}

const M0 = 0xd2511f53n;
const M1 = 0xcd9e8d57n;

/** Philox4x32-10 with BigInt arithmetic, straight from the paper's round function. */
export function philoxReference(counter: readonly number[], key: readonly number[]): number[] {
  let c = counter.map((v) => BigInt(v >>> 0));
  let k0 = BigInt(key[0]! >>> 0);
  let k1 = BigInt(key[1]! >>> 0);
  const mask = 0xffffffffn;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + 0x9e3779b9n) & mask;
      k1 = (k1 + 0xbb67ae85n) & mask;
    }
    const p0 = M0 * c[0]!;
    const p1 = M1 * c[2]!;
    c = [(p1 >> 32n) ^ c[1]! ^ k0, p1 & mask, (p0 >> 32n) ^ c[3]! ^ k1, p0 & mask];
  }
  return c.map(Number);
}

/** The race draw u in (0, 1) of token i at a position: counter (i >> 2, position, 0, 0), word i & 3. */
export function raceUniform(seed: readonly [number, number], position: number, token: number): number {
  const word = philoxReference([token >>> 2, position, 0, 0], seed)[token & 3]!;
  return ((word >>> 8) + 0.5) / 2 ** 24;
}

/** The exponential race on a distribution, in float64: argmax p_i / -log(u_i); also the runner-up gap. */
export function raceReference(probs: readonly number[], seed: readonly [number, number], position: number) {
  let best = -1;
  let second = -1;
  let index = 0;
  probs.forEach((p, i) => {
    if (p <= 0) return;
    const score = p / -Math.log(raceUniform(seed, position, i));
    if (score > best) {
      second = best;
      best = score;
      index = i;
    } else if (score > second) second = score;
  });
  return { index, relativeGap: second < 0 ? 1 : (best - second) / best };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const y = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The regularized upper incomplete gamma Q(a, x) (series below a + 1, continued fraction above). */
function upperGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  // Lentz's method for the continued fraction of Q.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/**
 * Pearson's chi-square test of observed counts against expected probabilities. Categories with
 * an expected count below 5 are pooled (the usual validity rule). Returns the statistic, degrees
 * of freedom and p-value P(χ²_df ≥ statistic).
 */
export function chiSquareTest(observed: readonly number[], expectedProbs: readonly number[]) {
  const total = observed.reduce((a, b) => a + b, 0);
  let statistic = 0;
  let categories = 0;
  let pooledObserved = 0;
  let pooledExpected = 0;
  observed.forEach((o, i) => {
    const e = expectedProbs[i]! * total;
    if (e < 5) {
      pooledObserved += o;
      pooledExpected += e;
      return;
    }
    statistic += (o - e) ** 2 / e;
    categories++;
  });
  if (pooledExpected > 0) {
    statistic += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
    categories++;
  } else if (pooledObserved > 0) {
    statistic = Number.POSITIVE_INFINITY; // draws of tokens that have no probability at all
  }
  const df = Math.max(1, categories - 1);
  return { statistic, df, pValue: upperGammaQ(df / 2, statistic / 2) };
}
