import { createHash } from "node:crypto";
import type { BlockHash, BlockHasher, HashableRequest, KVCacheRequest } from "../src/index.js";

/** A minimal request for the manager's tests (the scheduler's `Request` plays this role for real). */
export class TestRequest implements KVCacheRequest, HashableRequest {
  readonly outputTokenIds: number[] = [];
  readonly blockHashes: BlockHash[] = [];
  numComputedTokens = 0;
  skipReadingPrefixCache = false;

  constructor(
    readonly requestId: string,
    readonly promptTokenIds: readonly number[],
    private readonly hasher: BlockHasher | null,
    readonly cacheSalt: string | null = null,
    readonly loraName: string | null = null,
  ) {
    hasher?.update(this);
  }

  get numTokens(): number {
    return this.promptTokenIds.length + this.outputTokenIds.length;
  }

  append(...tokens: number[]): void {
    this.outputTokenIds.push(...tokens);
    this.hasher?.update(this);
  }
}

/**
 * The documented block-hash encoding, written independently of BlockHasher:
 * SHA-256(parent ‖ int32le tokens ‖ [0x01 u32le len lora] ‖ [0x02 u32le len salt])[0:16].
 */
export function referenceBlockHash(
  parentHex: string,
  tokens: readonly number[],
  extra: { lora?: string; salt?: string } = {},
): string {
  const parts: Buffer[] = [Buffer.from(parentHex, "hex")];
  const tokenBytes = Buffer.alloc(4 * tokens.length);
  tokens.forEach((token, i) => {
    tokenBytes.writeInt32LE(token, 4 * i);
  });
  parts.push(tokenBytes);
  for (const [tag, value] of [
    [1, extra.lora],
    [2, extra.salt],
  ] as const) {
    if (value === undefined) continue;
    const bytes = Buffer.from(value, "utf8");
    const header = Buffer.alloc(5);
    header[0] = tag;
    header.writeUInt32LE(bytes.length, 1);
    parts.push(header, bytes);
  }
  return createHash("sha256").update(Buffer.concat(parts)).digest("hex").slice(0, 32);
}

/** `[i] * 16` for i in 0..n: n full blocks of distinct content (vLLM tests' common_token_ids). */
export function repeatedBlocks(n: number, blockSize = 16): number[] {
  return Array.from({ length: n * blockSize }, (_, i) => Math.floor(i / blockSize));
}
