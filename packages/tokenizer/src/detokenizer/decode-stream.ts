import { ValidationError } from "@vllm-ts/config";
import { utf8Length } from "../pipeline/unicode.js";
import type { DecodeOptions, Tokenizer } from "../tokenizer.js";

/** The Rust error vLLM recovers from ("Invalid prefix encountered while decoding stream"). */
export class InvalidPrefixError extends ValidationError {
  override name = "InvalidPrefixError";
}

/**
 * Incremental decoding with the semantics of `tokenizers.decoders.DecodeStream`: each step decodes
 * a short window of ids and returns only the text after what was already returned, or null while
 * the window ends inside a character (U+FFFD) or produced no new text. The window restarts at
 * the token that opened the last returned chunk, so context-dependent decoders (leading-space
 * stripping, WordPiece "##") behave as in a full decode.
 */
export class DecodeStream {
  private ids: number[];
  private prefix = "";
  private prefixIndex = 0;

  constructor(
    private readonly tokenizer: Pick<Tokenizer, "decode">,
    skipSpecialTokens: boolean,
    promptIds: readonly number[] = [],
  ) {
    this.ids = [...promptIds];
    this.options = { skipSpecialTokens, spacesBetweenSpecialTokens: true, cleanUpTokenizationSpaces: false };
  }

  private readonly options: DecodeOptions;

  private decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids, this.options);
  }

  step(id: number): string | null {
    if (this.prefix.length === 0 && this.ids.length > 0) {
      const prompt = this.decode(this.ids);
      if (!prompt.endsWith("\ufffd")) {
        this.prefix = prompt;
        this.prefixIndex = this.ids.length;
      }
    }
    this.ids.push(id);
    const text = this.decode(this.ids);
    if (text.endsWith("\ufffd")) return null;
    // Rust compares UTF-8 lengths; when `text` extends the prefix, UTF-16 lengths order the same way.
    if (text.startsWith(this.prefix)) {
      if (text.length <= this.prefix.length) return null;
    } else {
      if (utf8Length(text) <= utf8Length(this.prefix)) return null;
      throw new InvalidPrefixError(
        `Invalid prefix encountered while decoding stream. Token ID: ${id}, Expected prefix: '${this.prefix}', Actual string: '${text}'`,
      );
    }
    const chunk = text.slice(this.prefix.length);
    const kept = this.ids.length - this.prefixIndex;
    this.ids = this.ids.slice(this.prefixIndex);
    this.prefix = this.decode(this.ids);
    this.prefixIndex = kept;
    return chunk;
  }
}
