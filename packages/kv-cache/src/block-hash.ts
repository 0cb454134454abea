import { hash, randomBytes } from "node:crypto";
import { endianness } from "node:os";

/**
 * A full block's prefix-cache key: the first 128 bits of a SHA-256 digest, as 32 hex characters.
 * Strings make cheap, printable `Map` keys; 128 bits keep accidental collisions out of reach.
 */
export type BlockHash = string;

/** Bytes of a block hash (the SHA-256 digest truncated to 128 bits). */
export const BLOCK_HASH_BYTES = 16;

/** What, besides the tokens and the parent, tells two blocks' KV apart. */
export interface BlockExtraKeys {
  /** The LoRA adapter's name (part of every block's key). */
  readonly loraName: string | null;
  /** The request's cache salt (part of the first block's key only, as in vLLM). */
  readonly cacheSalt: string | null;
}

/** What the hasher reads and extends: a request's tokens and its list of full-block hashes. */
export interface HashableRequest extends BlockExtraKeys {
  readonly promptTokenIds: readonly number[];
  readonly outputTokenIds: readonly number[];
  readonly blockHashes: BlockHash[];
}

const LORA_TAG = 0x01;
const SALT_TAG = 0x02;
const littleEndian = endianness() === "LE";

/**
 * The parent hash of every chain's first block. Deterministic when a seed is given (tests and
 * processes that share a cache pin it); random per process otherwise, like vLLM's NONE_HASH
 * without PYTHONHASHSEED.
 */
export function noneHash(seed?: string | null): BlockHash {
  if (seed == null) return randomBytes(BLOCK_HASH_BYTES).toString("hex");
  return hash("sha256", Buffer.from(seed, "utf8"), "hex").slice(0, BLOCK_HASH_BYTES * 2);
}

function taggedString(tag: number, value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  const out = Buffer.alloc(5 + bytes.length);
  out[0] = tag;
  out.writeUInt32LE(bytes.length, 1);
  bytes.copy(out, 5);
  return out;
}

/**
 * Hashes full blocks of `blockSize` tokens, each chained to its parent:
 *
 *   hash = SHA-256(parent (16 bytes) ‖ token ids (int32 little-endian) ‖ extra keys)[0:16]
 *
 * where the extra keys are, when present, `0x01 ‖ u32le length ‖ UTF-8 LoRA name` and (first block
 * only) `0x02 ‖ u32le length ‖ UTF-8 cache salt`. The parent of a chain's first block is
 * `noneHash`. One scratch buffer is reused, so hashing allocates only the digest string.
 */
export class BlockHasher {
  readonly noneHash: BlockHash;
  private readonly scratch: Buffer;
  private readonly tokens: Int32Array;
  private readonly view: DataView;

  constructor(
    readonly blockSize: number,
    seed?: string | null,
  ) {
    this.noneHash = noneHash(seed);
    this.scratch = Buffer.alloc(BLOCK_HASH_BYTES + 4 * blockSize);
    this.tokens = new Int32Array(this.scratch.buffer, this.scratch.byteOffset + BLOCK_HASH_BYTES, blockSize);
    this.view = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.byteLength);
  }

  /**
   * The hash of the block holding tokens [start, start + blockSize) of prompt ‖ output, whose
   * parent is `parent` (null for the first block).
   */
  hashBlock(
    parent: BlockHash | null,
    promptTokenIds: readonly number[],
    outputTokenIds: readonly number[],
    start: number,
    extra: Buffer | null,
  ): BlockHash {
    this.scratch.write(parent ?? this.noneHash, 0, BLOCK_HASH_BYTES, "hex");
    const numPrompt = promptTokenIds.length;
    for (let i = 0; i < this.blockSize; i++) {
      const position = start + i;
      const token = position < numPrompt ? promptTokenIds[position]! : outputTokenIds[position - numPrompt]!;
      if (littleEndian) this.tokens[i] = token;
      else this.view.setInt32(BLOCK_HASH_BYTES + 4 * i, token, true);
    }
    const input = extra === null ? this.scratch : Buffer.concat([this.scratch, extra]);
    return hash("sha256", input, "hex").slice(0, BLOCK_HASH_BYTES * 2);
  }

  /** Appends to `request.blockHashes` the hashes of the blocks that have become full. */
  update(request: HashableRequest): void {
    const hashes = request.blockHashes;
    const numTokens = request.promptTokenIds.length + request.outputTokenIds.length;
    const numFullBlocks = Math.floor(numTokens / this.blockSize);
    if (hashes.length >= numFullBlocks) return;
    const lora = request.loraName === null ? null : taggedString(LORA_TAG, request.loraName);
    for (let index = hashes.length; index < numFullBlocks; index++) {
      const salt =
        index === 0 && request.cacheSalt !== null ? taggedString(SALT_TAG, request.cacheSalt) : null;
      const extra = lora && salt ? Buffer.concat([lora, salt]) : (lora ?? salt);
      const parent = index === 0 ? null : hashes[index - 1]!;
      hashes.push(
        this.hashBlock(parent, request.promptTokenIds, request.outputTokenIds, index * this.blockSize, extra),
      );
    }
  }
}
