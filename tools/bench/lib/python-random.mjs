// CPython's `random` module for integer seeds: MT19937 seeded by init_by_array, getrandbits and
// randint exactly as CPython computes them, so benchmark workloads match nano-vllm's bench.py.

const N = 624;
const M = 397;

export class PythonRandom {
  constructor(seed = 0) {
    this.mt = new Uint32Array(N);
    this.index = N + 1;
    this.seed(seed);
  }

  /** random.seed(int): the absolute value split into 32-bit words, little end first. */
  seed(seed) {
    let value = BigInt(Math.abs(seed));
    const key = [];
    do {
      key.push(Number(value & 0xffffffffn));
      value >>= 32n;
    } while (value > 0n);
    this.initByArray(key);
  }

  initGenrand(s) {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  initByArray(key) {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.index = N;
  }

  twist() {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
      mt[k] = (mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    this.index = 0;
  }

  /** genrand_uint32. */
  nextUint32() {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** getrandbits(k) for 0 < k ≤ 32. */
  getrandbits(k) {
    if (k <= 0 || k > 32) throw new RangeError("getrandbits supports 1..32 bits here");
    return this.nextUint32() >>> (32 - k);
  }

  /** _randbelow_with_getrandbits(n). */
  randbelow(n) {
    const k = 32 - Math.clz32(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** randint(a, b): a + _randbelow(b − a + 1). */
  randint(a, b) {
    return a + this.randbelow(b - a + 1);
  }
}

/**
 * nano-vllm's bench.py workload: 256 prompts of randint(100, 1024) token ids each drawn by
 * randint(0, 10000), then 256 max_tokens of randint(100, 1024) (spec/performance.md W1).
 */
export function nanoVllmWorkload({ numSeqs = 256, maxInputLen = 1024, maxOutputLen = 1024 } = {}) {
  const rng = new PythonRandom(0);
  const prompts = [];
  for (let i = 0; i < numSeqs; i++) {
    const n = rng.randint(100, maxInputLen);
    const ids = new Array(n);
    for (let j = 0; j < n; j++) ids[j] = rng.randint(0, 10000);
    prompts.push(ids);
  }
  const maxTokens = [];
  for (let i = 0; i < numSeqs; i++) maxTokens.push(rng.randint(100, maxOutputLen));
  return { prompts, maxTokens };
}
