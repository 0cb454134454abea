import type { Tokenizer } from "../tokenizer.js";
import { checkStopStrings, codePointIndex, codePointLength } from "./stop-strings.js";
import { TokenTextStream } from "./token-text-stream.js";

/** The SamplingParams fields the detokenizer reads (camelCase names of vLLM's). */
export interface DetokenizerParams {
  skipSpecialTokens?: boolean;
  spacesBetweenSpecialTokens?: boolean;
  stop?: string | readonly string[] | null;
  includeStopStrInOutput?: boolean;
  minTokens?: number;
  /** false: keep token ids only, text stays "" (vLLM's `detokenize=False`). */
  detokenize?: boolean;
}

/** What one `update` did. */
export interface DetokenizerUpdate {
  /** Text decoded from the new tokens, before any stop-string truncation. */
  newText: string;
  /** The stop string that matched, or null. The request should then finish with reason "stop". */
  stopString: string | null;
}

/**
 * The per-request detokenizer of vLLM's output processor: appends generated ids, decodes only
 * complete text, checks stop strings over the new characters (never within the first
 * `minTokens` tokens), truncates at a match, and streams text while holding back up to
 * `longest stop string − 1` characters that could still turn into a stop string.
 *
 * The text is kept as chunks so that each step costs the new text only (appending to and slicing
 * one ever-growing string would copy it every step).
 */
export class IncrementalDetokenizer {
  /** Generated token ids (the prompt is not included). */
  readonly outputTokenIds: number[] = [];
  readonly stop: readonly string[];
  private readonly stream: TokenTextStream | null;
  private readonly includeStopStr: boolean;
  private readonly minTokens: number;
  private readonly holdBack: number;
  private readonly longestStopUnits: number;
  private chunks: string[] = [];
  private joined: string | null = "";
  private length = 0;
  /** Text not yet returned by a delta `getNextOutputText`. */
  private unsent = "";

  constructor(
    tokenizer: Tokenizer | null,
    promptTokenIds: readonly number[],
    params: DetokenizerParams = {},
  ) {
    const stop = params.stop ?? [];
    this.stop = typeof stop === "string" ? [stop] : [...stop];
    this.includeStopStr = params.includeStopStrInOutput ?? false;
    this.minTokens = params.minTokens ?? 0;
    const detokenize = tokenizer !== null && params.detokenize !== false;
    this.stream = detokenize
      ? new TokenTextStream(
          tokenizer,
          promptTokenIds,
          params.skipSpecialTokens ?? true,
          params.spacesBetweenSpecialTokens ?? true,
        )
      : null;
    const longest = Math.max(0, ...this.stop.map(codePointLength));
    this.longestStopUnits = Math.max(0, ...this.stop.map((s) => s.length));
    this.holdBack = detokenize && this.stop.length > 0 && !this.includeStopStr ? longest - 1 : 0;
  }

  /** All output text so far. */
  get outputText(): string {
    if (this.joined === null) {
      this.joined = this.chunks.join("");
      this.chunks = [this.joined];
    }
    return this.joined;
  }

  get numOutputTokens(): number {
    return this.outputTokenIds.length;
  }

  private append(text: string): void {
    if (text.length === 0) return;
    this.chunks.push(text);
    this.joined = null;
    this.length += text.length;
    this.unsent += text;
  }

  /** The last `units` UTF-16 units of the output (or all of it), without joining everything. */
  private tail(units: number): string {
    let tail = "";
    for (let i = this.chunks.length - 1; i >= 0 && tail.length < units; i--) tail = this.chunks[i]! + tail;
    return tail;
  }

  /** Cuts the output at UTF-16 index `at`. */
  private truncate(at: number): void {
    const cut = this.length - at;
    const text = this.outputText.slice(0, at);
    this.chunks = [text];
    this.joined = text;
    this.length = at;
    this.unsent = this.unsent.slice(0, Math.max(0, this.unsent.length - cut));
  }

  /**
   * Adds the ids generated this step. `stopTerminated`: the engine stopped on EOS or a stop token
   * id; unless stop strings are included in the output, that last id is kept but not decoded.
   */
  update(newTokenIds: readonly number[], stopTerminated: boolean): DetokenizerUpdate {
    if (newTokenIds.length === 0) return { newText: "", stopString: null };
    if (this.stream === null) {
      this.outputTokenIds.push(...newTokenIds);
      return { newText: "", stopString: null };
    }
    const skipLast = stopTerminated && !this.includeStopStr;
    const count = skipLast ? newTokenIds.length - 1 : newTokenIds.length;
    let newText = "";
    let searchable = ""; // text produced after the first minTokens tokens
    for (let i = 0; i < count; i++) {
      const id = newTokenIds[i]!;
      this.outputTokenIds.push(id);
      const piece = this.stream.next(id);
      newText += piece;
      this.append(piece);
      if (this.minTokens > 0 && this.outputTokenIds.length <= this.minTokens) searchable = "";
      else searchable += piece;
    }
    if (skipLast) this.outputTokenIds.push(newTokenIds[newTokenIds.length - 1]!);

    let stopString: string | null = null;
    if (this.stop.length > 0 && this.outputTokenIds.length > this.minTokens && searchable.length > 0) {
      const tail = this.tail(searchable.length + this.longestStopUnits);
      const hit = checkStopStrings(tail, codePointLength(searchable), this.stop, this.includeStopStr);
      if (hit) {
        stopString = hit[0];
        if (hit[1] !== -1) this.truncate(this.length - tail.length + hit[1]);
      }
    }
    return { newText, stopString };
  }

  /**
   * The output text to report: all of it (`delta` false) or only what is new since the last call
   * (`delta` true). Until `finished`, the last `longest stop − 1` characters are held back.
   */
  getNextOutputText(finished: boolean, delta: boolean): string {
    const hold = finished ? 0 : this.holdBack;
    if (!delta) {
      const text = this.outputText;
      return hold === 0 ? text : text.slice(0, codePointIndex(text, codePointLength(text) - hold));
    }
    const pending = this.unsent;
    const end = hold === 0 ? pending.length : codePointIndex(pending, codePointLength(pending) - hold);
    if (end <= 0) return "";
    this.unsent = pending.slice(end);
    return pending.slice(0, end);
  }
}
