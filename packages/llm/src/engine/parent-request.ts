import { RequestOutput, type RequestStateStats } from "../outputs.js";
import type { OutputState } from "./output-state.js";

/**
 * One user request and its n outputs (vLLM's ParentRequest): each output is its own engine request
 * ("{i}_{id}" when n > 1); the user sees one RequestOutput whose outputs are ordered by index.
 */
export class ParentRequest {
  readonly children: OutputState[] = [];
  numCachedTokens = 0;
  metrics: RequestStateStats | null = null;

  constructor(
    readonly requestId: string,
    readonly prompt: string | null,
    readonly promptTokenIds: readonly number[],
  ) {}

  get finished(): boolean {
    return this.children.every((child) => child.finished);
  }

  /** The request's output as of now; `final` holds back nothing. */
  output(): RequestOutput {
    const first = this.children[0];
    return new RequestOutput(
      this.requestId,
      this.prompt,
      [...this.promptTokenIds],
      first ? first.promptLogprobs() : null,
      this.children.map((child) => child.completion()),
      this.finished,
      this.metrics,
      this.numCachedTokens,
    );
  }
}
