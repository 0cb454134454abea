/** Cumulative prefix-cache lookups since start (or the last successful reset). */
export interface PrefixCacheStats {
  /** Lookups made (one per admission of a request). */
  readonly numRequests: number;
  /** Tokens looked up (each request's whole length at admission). */
  readonly numQueryTokens: number;
  /** Tokens found in the cache. */
  readonly numHitTokens: number;
  /** numHitTokens / numQueryTokens (0 before any lookup). */
  readonly hitRate: number;
}

export class PrefixCacheCounter {
  private numRequests = 0;
  private numQueryTokens = 0;
  private numHitTokens = 0;

  record(numQueryTokens: number, numHitTokens: number): void {
    this.numRequests++;
    this.numQueryTokens += numQueryTokens;
    this.numHitTokens += numHitTokens;
  }

  reset(): void {
    this.numRequests = 0;
    this.numQueryTokens = 0;
    this.numHitTokens = 0;
  }

  snapshot(): PrefixCacheStats {
    const { numRequests, numQueryTokens, numHitTokens } = this;
    return {
      numRequests,
      numQueryTokens,
      numHitTokens,
      hitRate: numQueryTokens === 0 ? 0 : numHitTokens / numQueryTokens,
    };
  }
}
