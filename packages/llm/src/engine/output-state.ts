import type { LogprobEntry, SamplingParams, TokenLogprobs } from "@vllm-ts/sampling";
import { logprobMap } from "@vllm-ts/sampling";
import { decodeLogprobToken, IncrementalDetokenizer, type Tokenizer } from "@vllm-ts/tokenizer";
import { CompletionOutput, type FinishReason, type PromptLogprobs, type SampleLogprobs } from "../outputs.js";

/**
 * The output side of one engine request (vLLM's output-processor RequestState): detokenizes new
 * tokens, finds stop strings, accumulates sample and prompt logprobs, and renders the
 * CompletionOutput.
 */
export class OutputState {
  readonly detokenizer: IncrementalDetokenizer;
  readonly logprobs: SampleLogprobs | null;
  cumulativeLogprob: number | null;
  private readonly promptLogprobRows: TokenLogprobs[] = [];
  finishReason: FinishReason | null = null;
  stopReason: number | string | null = null;

  constructor(
    readonly requestId: string,
    /** This output's index among its parent's n outputs. */
    readonly index: number,
    readonly promptTokenIds: readonly number[],
    readonly params: SamplingParams,
    private readonly tokenizer: Tokenizer | null,
  ) {
    this.detokenizer = new IncrementalDetokenizer(tokenizer, promptTokenIds, {
      skipSpecialTokens: params.skipSpecialTokens,
      spacesBetweenSpecialTokens: params.spacesBetweenSpecialTokens,
      stop: params.stop,
      includeStopStrInOutput: params.includeStopStrInOutput,
      minTokens: params.minTokens,
      detokenize: params.detokenize,
    });
    const wantsLogprobs = params.logprobs !== null && params.logprobs !== undefined;
    this.logprobs = wantsLogprobs ? [] : null;
    this.cumulativeLogprob = wantsLogprobs ? 0 : null;
  }

  get finished(): boolean {
    return this.finishReason !== null;
  }

  /**
   * Applies one step's tokens. `stopTokenFinished`: the engine stopped on EOS or a stop id.
   * Returns the stop string if one matched (the request must then be finished by the caller).
   */
  addTokens(newTokenIds: readonly number[], stopTokenFinished: boolean, logprobs: TokenLogprobs | undefined) {
    if (logprobs && this.logprobs) {
      this.logprobs.push(this.toMap(logprobs));
      this.cumulativeLogprob = (this.cumulativeLogprob ?? 0) + logprobs.logprobs[0]!;
    }
    return this.detokenizer.update(newTokenIds, stopTokenFinished).stopString;
  }

  addPromptLogprobs(rows: readonly TokenLogprobs[]): void {
    this.promptLogprobRows.push(...rows);
  }

  finish(reason: FinishReason, stopReason: number | string | null): void {
    this.finishReason = reason;
    this.stopReason = stopReason;
  }

  /** Prompt logprobs as vLLM reports them: null for the first token, then one Map per position. */
  promptLogprobs(): PromptLogprobs | null {
    if (this.params.promptLogprobs === null || this.params.promptLogprobs === undefined) return null;
    return [
      null,
      ...this.promptLogprobRows.map((row, i) => this.toMap(row, this.promptTokenIds.slice(0, i + 1))),
    ];
  }

  /** The CompletionOutput as of now (cumulative: all text and tokens so far). */
  completion(): CompletionOutput {
    const text = this.detokenizer.getNextOutputText(this.finished, false);
    return new CompletionOutput(
      this.index,
      text,
      [...this.detokenizer.outputTokenIds],
      this.cumulativeLogprob,
      this.logprobs ? [...this.logprobs] : null,
      this.finishReason,
      this.stopReason,
    );
  }

  private toMap(row: TokenLogprobs, precedingIds?: readonly number[]): Map<number, LogprobEntry> {
    const tokenizer = this.tokenizer;
    if (!tokenizer || !this.params.detokenize) return logprobMap(row);
    const preceding = precedingIds ?? [...this.promptTokenIds, ...this.detokenizer.outputTokenIds];
    return logprobMap(row, (id) => decodeLogprobToken(tokenizer, id, preceding));
  }
}
