import { InvalidTypeError, ValidationError } from "@vllm-ts/config";
import { cosineSimilarity, PoolingParams, SCORE_TYPES } from "@vllm-ts/pooling";
import type { ProcessedPrompt } from "../engine/input-processor.js";
import { PoolingRequestOutput, ScoringOutput, type ScoringRequestOutput } from "../outputs.js";
import { type EncodeOutput, type PoolingFrontend, type PoolingOptions, rewrap } from "./pooling-frontend.js";

export interface ScoreOptions extends PoolingOptions {
  /** Default PoolingParams(); `useActivation: false` gives a cross-encoder's raw logit. */
  poolingParams?: PoolingParams;
}

/** vLLM's validate_score_input: scalars become lists; 1:1, 1:N or N:N; neither side empty. */
export function validateScoreInput(data1: string | readonly string[], data2: string | readonly string[]) {
  const first = typeof data1 === "string" ? [data1] : [...data1];
  const second = typeof data2 === "string" ? [data2] : [...data2];
  for (const item of [...first, ...second]) {
    if (typeof item !== "string")
      throw new InvalidTypeError("score inputs must be strings or lists of strings");
  }
  if (first.length > 1 && first.length !== second.length) {
    throw new ValidationError("Input lengths must be either 1:1, 1:N or N:N");
  }
  if (first.length === 0) throw new ValidationError("At least one text element must be given");
  if (second.length === 0) throw new ValidationError("At least one text_pair element must be given");
  return { first, second };
}

/** ColBERT's MaxSim: for each query token, the best dot product with a document token, summed. */
function maxSim(query: readonly (readonly number[])[], doc: readonly (readonly number[])[]): number {
  let total = 0;
  for (const q of query) {
    let best = Number.NEGATIVE_INFINITY;
    for (const d of doc) {
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += q[i]! * d[i]!;
      best = Math.max(best, dot);
    }
    total += best;
  }
  return total;
}

/**
 * vLLM's LLM.score for a pooling model. The model's task picks the method: embed → bi-encoder
 * (cosine of the two embeddings), classify → cross-encoder (the classifier's one output on the
 * pair: the tokenizer's pair encoding with token type ids for encoders, the concatenated text
 * for decoders; sigmoid unless `useActivation: false`), token_embed → late interaction (MaxSim).
 */
export async function score(
  frontend: PoolingFrontend,
  data1: string | readonly string[],
  data2: string | readonly string[],
  options: ScoreOptions = {},
): Promise<ScoringRequestOutput[]> {
  const { info, tokenizer, engine } = frontend.parts;
  const scoreType = SCORE_TYPES[info.task];
  if (scoreType === "cross-encoder" && info.numLabels !== 1) {
    throw new ValidationError("Scoring API is only enabled for num_labels == 1.");
  }
  if (scoreType === undefined) throw new ValidationError("This model does not support the Scoring API.");
  const { first, second } = validateScoreInput(data1, data2);
  const params = options.poolingParams ?? new PoolingParams();
  if (!(params instanceof PoolingParams)) throw new InvalidTypeError("poolingParams must be PoolingParams");
  if (params.task !== null && params.task !== info.task) {
    throw new ValidationError(
      `You cannot overwrite pooling_params.task='${params.task}' with pooling_task='${info.task}'!`,
    );
  }
  if (!tokenizer) throw new ValidationError("Tokenizer not available when `skip_tokenizer_init=True`");
  const { inputProcessor } = engine.parts;
  const text = (prompt: string): ProcessedPrompt =>
    inputProcessor.processPrompt({ kind: "text", prompt }, true);

  if (scoreType === "cross-encoder") {
    const queries = first.length === 1 ? new Array<string>(second.length).fill(first[0]!) : first;
    const render = (i: number): ProcessedPrompt => {
      if (!info.isEncoder) return text(queries[i]! + second[i]!);
      const pair = tokenizer.encodePair(queries[i]!, second[i]!);
      return inputProcessor.processPrompt({
        kind: "tokens",
        promptTokenIds: pair.ids,
        tokenTypeIds: pair.tokenTypeIds,
      });
    };
    const verified = frontend.paramsPerPrompt(second.length, params, info.task);
    const outputs = await frontend.run(second.length, verified, options, render);
    return outputs.map((output) => {
      const data = output.outputs.data;
      if (data.length !== 1 || typeof data[0] !== "number")
        throw new ValidationError("pooled_data should be a scalar score");
      return rewrap(output, new ScoringOutput(data[0]));
    });
  }

  // Bi-encoder and late interaction: every text embedded once, in one batch, then paired.
  const texts = [...first, ...second];
  const verified = frontend.paramsPerPrompt(texts.length, params, info.task);
  const embedded = await frontend.run(texts.length, verified, options, (i) => text(texts[i]!));
  const queries = embedded.slice(0, first.length);
  const docs = embedded.slice(first.length);
  const pad = tokenizer.padTokenId;
  return docs.map((doc, i) => {
    const query = queries[first.length === 1 ? 0 : i]!;
    const value =
      scoreType === "bi-encoder"
        ? cosineSimilarity(query.outputs.data as number[], doc.outputs.data as number[])
        : maxSim(query.outputs.data as number[][], doc.outputs.data as number[][]);
    return pairOutput(query, doc, value, pad);
  });
}

function pairOutput(
  query: EncodeOutput,
  doc: EncodeOutput,
  value: number,
  pad: number | null,
): ScoringRequestOutput {
  return new PoolingRequestOutput(
    `${query.requestId}_${doc.requestId}`,
    new ScoringOutput(value),
    [...query.promptTokenIds, ...(pad !== null ? [pad] : []), ...doc.promptTokenIds],
    query.numCachedTokens + doc.numCachedTokens,
    true,
  );
}
