import { InvalidTypeError, ValidationError, VllmTsError } from "@vllm-ts/config";
import { PoolingParams, type PoolingTask, verifyPoolingTask } from "@vllm-ts/pooling";
import type { Tokenizer } from "@vllm-ts/tokenizer";
import type { EngineBundle } from "../engine/create-engine.js";
import type { EngineLoop } from "../engine/engine-loop.js";
import type { ProcessedPrompt } from "../engine/input-processor.js";
import type { LLMEngine } from "../engine/llm-engine.js";
import {
  ClassificationOutput,
  type ClassificationRequestOutput,
  EmbeddingOutput,
  type EmbeddingRequestOutput,
  PoolingOutput,
  PoolingRequestOutput,
} from "../outputs.js";
import { createProgressBar, ThroughputTracker, type UseTqdm } from "../progress/progress-bar.js";
import { type PromptType, parsePrompt, promptsToArray } from "../prompts.js";
import type { PoolingInfo } from "./create-pooling-engine.js";
import type { PooledData } from "./pooling-request.js";
import type { EnginePoolingOutput } from "./pooling-requests.js";

export interface PoolingOptions {
  /** vLLM's progress bars (default true), or a factory for your own. */
  useTqdm?: UseTqdm;
  /** Not supported until LoRA lands; passing one fails with vLLM's message. */
  loraRequest?: unknown;
}

export interface EncodeOptions extends PoolingOptions {
  /** The task to run; default: the model's own (its pooler config's, else the first it supports). */
  poolingTask?: PoolingTask;
}

/** `embed` / `classify` also take their params inside the options, as vLLM's keyword argument. */
export interface PoolingMethodOptions extends PoolingOptions {
  poolingParams?: PoolingParams | readonly PoolingParams[];
}

/** A pooling request's finished output with its data (what `encode` returns). */
export type EncodeOutput = PoolingRequestOutput<PoolingOutput<PooledData>>;

export interface PoolingFrontendParts {
  readonly engine: LLMEngine;
  readonly loop: EngineLoop;
  readonly tokenizer: Tokenizer | null;
  readonly info: PoolingInfo;
  /** The LLM's request counter (ids are unique across calls). */
  readonly nextRequestId: () => string;
}

/**
 * vLLM's PoolingOfflineMixin: encode / embed / classify over the engine shared with the LLM.
 * Params are cloned per prompt and verified for the task before anything is queued; outputs come
 * back in input order.
 */
export class PoolingFrontend {
  constructor(readonly parts: PoolingFrontendParts) {}

  /** The frontend of a pooling model's engine; a generative model fails with vLLM's message for `method`. */
  static of(
    bundle: EngineBundle,
    loop: EngineLoop,
    nextRequestId: () => string,
    method: string,
  ): PoolingFrontend {
    const { engine, tokenizer, pooling: info } = bundle;
    if (!info) {
      throw new ValidationError(
        `LLM.${method}() is only supported for pooling models. Try passing \`--runner pooling\` to use the model as a pooling model.`,
      );
    }
    return new PoolingFrontend({ engine, loop, tokenizer, info, nextRequestId });
  }

  async encode(
    prompts: PromptType | readonly PromptType[],
    poolingParams?: PoolingParams | readonly PoolingParams[],
    options: EncodeOptions = {},
  ): Promise<EncodeOutput[]> {
    const { info } = this.parts;
    const task = verifyPoolingTask(options.poolingTask ?? info.task, {
      supported: info.supportedTasks,
      active: info.task,
    });
    const list = promptsToArray(prompts);
    const params = this.paramsPerPrompt(list.length, poolingParams, task);
    const { inputProcessor } = this.parts.engine.parts;
    return this.run(list.length, params, options, (i) =>
      inputProcessor.processPrompt(parsePrompt(list[i]!), true),
    );
  }

  async embed(
    prompts: PromptType | readonly PromptType[],
    poolingParams?: PoolingParams | readonly PoolingParams[],
    options: PoolingOptions = {},
  ): Promise<EmbeddingRequestOutput[]> {
    const outputs = await this.encode(prompts, poolingParams, { ...options, poolingTask: "embed" });
    return outputs.map((output) => {
      const data = output.outputs.data;
      if (!isVector(data)) throw new ValidationError("pooled_data should be a 1-D embedding vector");
      return rewrap(output, new EmbeddingOutput(data));
    });
  }

  async classify(
    prompts: PromptType | readonly PromptType[],
    poolingParams?: PoolingParams | readonly PoolingParams[],
    options: PoolingOptions = {},
  ): Promise<ClassificationRequestOutput[]> {
    const outputs = await this.encode(prompts, poolingParams, { ...options, poolingTask: "classify" });
    return outputs.map((output) => {
      const data = output.outputs.data;
      if (!isVector(data)) throw new ValidationError("pooled_data should be a 1-D probability vector");
      return rewrap(output, new ClassificationOutput(data));
    });
  }

  /** Verified copies of the params, one per prompt (vLLM broadcasts one, or takes one each). */
  paramsPerPrompt(
    count: number,
    poolingParams: PoolingParams | readonly PoolingParams[] | undefined | null,
    task: PoolingTask,
  ): PoolingParams[] {
    let list: readonly PoolingParams[];
    if (poolingParams === undefined || poolingParams === null)
      list = new Array(count).fill(new PoolingParams());
    else if (Array.isArray(poolingParams)) {
      if (poolingParams.length !== count) {
        throw new ValidationError(
          `The lengths of prompts (${count}) and params (${poolingParams.length}) must be the same.`,
        );
      }
      list = poolingParams;
    } else list = new Array(count).fill(poolingParams);
    return list.map((params) => {
      if (!(params instanceof PoolingParams)) {
        throw new InvalidTypeError("poolingParams must be PoolingParams (or a list of them, one per prompt)");
      }
      const own = params.clone();
      own.verify(task, this.parts.info.verifyContext);
      return own;
    });
  }

  /**
   * Adds the rendered prompts (all or nothing: a bad prompt aborts those already added and
   * rethrows), then waits for every request and returns the outputs in input order.
   */
  async run(
    count: number,
    params: readonly PoolingParams[],
    options: PoolingOptions,
    render: (index: number) => ProcessedPrompt,
  ): Promise<EncodeOutput[]> {
    const { engine, nextRequestId } = this.parts;
    if (options.loraRequest !== undefined && options.loraRequest !== null) {
      throw new ValidationError(`Got lora_request ${String(options.loraRequest)} but LoRA is not enabled!`);
    }
    if (count === 0) return [];
    const added: string[] = [];
    const renderBar = createProgressBar(options.useTqdm, "Rendering prompts", count);
    try {
      for (let i = 0; i < count; i++) {
        const requestId = nextRequestId();
        engine.addPoolingRequest(requestId, this.checkTokenTypes(render(i)), params[i]!);
        added.push(requestId);
        renderBar?.update(1);
      }
    } catch (error) {
      engine.abortRequests(added);
      throw error;
    } finally {
      renderBar?.close();
    }
    const runBar = createProgressBar(options.useTqdm, "Processed prompts", count);
    const tracker = new ThroughputTracker(runBar);
    try {
      const outputs = await Promise.all(added.map((requestId) => this.wait(requestId, tracker)));
      return outputs.sort((a, b) => Number(a.requestId) - Number(b.requestId));
    } catch (error) {
      engine.abortRequests(added);
      throw error;
    } finally {
      runBar?.close();
    }
  }

  /** Token type ids, when given, must label each prompt token with a type the model has. */
  private checkTokenTypes(prompt: ProcessedPrompt): ProcessedPrompt {
    const types = prompt.tokenTypeIds;
    if (types === undefined) return prompt;
    const { typeVocabSize } = this.parts.info;
    if (types.length !== prompt.promptTokenIds.length) {
      throw new ValidationError(
        `tokenTypeIds has ${types.length} entries but the prompt has ${prompt.promptTokenIds.length} tokens; give one per token`,
      );
    }
    const bad = types.find(
      (t) => !Number.isInteger(t) || t < 0 || (typeVocabSize !== null && t >= typeVocabSize),
    );
    if (bad !== undefined) {
      throw new ValidationError(
        `Token type id ${bad} is out of range: the model has ${typeVocabSize ?? 1} token types`,
      );
    }
    return prompt;
  }

  private wait(requestId: string, tracker: ThroughputTracker): Promise<EncodeOutput> {
    return new Promise<EncodeOutput>((resolve, reject) => {
      this.parts.loop.watch<EnginePoolingOutput>(requestId, {
        onOutput: (output) => {
          if (!output.finished) return;
          tracker.pooled();
          const data = output.outputs.data;
          if (data === null) {
            reject(
              new VllmTsError(
                `Request ${requestId} ended without a pooled output: its prompt (${output.promptTokenIds.length} tokens) could not be scheduled.`,
              ),
            );
            return;
          }
          resolve(rewrap(output, new PoolingOutput<PooledData>(data)));
        },
        onError: reject,
      });
    });
  }
}

function isVector(data: PooledData): data is number[] {
  return data.every((value) => typeof value === "number");
}

/** The same request output around another outputs object. */
export function rewrap<O>(output: PoolingRequestOutput<unknown>, outputs: O): PoolingRequestOutput<O> {
  return new PoolingRequestOutput(
    output.requestId,
    outputs,
    output.promptTokenIds,
    output.numCachedTokens,
    output.finished,
  );
}

/** embed/classify take their params second (like encode) or inside the options (like vLLM's keyword). */
export function splitPoolingArgs(
  second: PoolingParams | readonly PoolingParams[] | PoolingMethodOptions | undefined,
  options: PoolingOptions,
): [PoolingParams | readonly PoolingParams[] | undefined, PoolingOptions] {
  if (second === undefined || second === null || second instanceof PoolingParams || Array.isArray(second)) {
    return [second as PoolingParams | readonly PoolingParams[] | undefined, options];
  }
  const { poolingParams, ...rest } = second as PoolingMethodOptions;
  return [poolingParams, { ...rest, ...options }];
}

/** vLLM's error for a generative-only method called on a pooling model. */
export function generativeOnlyError(method: string): ValidationError {
  return new ValidationError(
    `LLM.${method}() is only supported for generative models. Try passing \`--runner generate\` to use the model as a generative model.`,
  );
}
