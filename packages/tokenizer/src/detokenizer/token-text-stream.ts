import type { Tokenizer } from "../tokenizer.js";
import { DecodeStream, InvalidPrefixError } from "./decode-stream.js";

/**
 * The text each new token adds, as vLLM's FastIncrementalDetokenizer computes it: a DecodeStream
 * primed with the prompt, restarted without context if it reports an invalid prefix, and — when
 * special tokens are kept and spaces between them are not wanted — adjacent added tokens emitted
 * as their raw content.
 */
export class TokenTextStream {
  private stream: DecodeStream;
  private readonly spacesBetweenSpecialTokens: boolean;
  private lastWasAdded = false;

  constructor(
    private readonly tokenizer: Pick<Tokenizer, "decode" | "addedTokenContent">,
    promptIds: readonly number[],
    private readonly skipSpecialTokens: boolean,
    spacesBetweenSpecialTokens: boolean,
  ) {
    this.stream = new DecodeStream(tokenizer, skipSpecialTokens, promptIds);
    this.spacesBetweenSpecialTokens = skipSpecialTokens || spacesBetweenSpecialTokens;
  }

  /** The text added by `id` ("" when it completes nothing yet). */
  next(id: number): string {
    let text = this.step(id);
    if (!this.spacesBetweenSpecialTokens) {
      const content = this.tokenizer.addedTokenContent(id);
      if (content !== null && this.lastWasAdded) text = content;
      this.lastWasAdded = content !== null;
    }
    return text ?? "";
  }

  private step(id: number): string | null {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) return null;
    try {
      return this.stream.step(id);
    } catch (error) {
      if (!(error instanceof InvalidPrefixError)) throw error;
      this.stream = new DecodeStream(this.tokenizer, this.skipSpecialTokens);
      return this.stream.step(id);
    }
  }
}
