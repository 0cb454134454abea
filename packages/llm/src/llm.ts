import { InvalidTypeError, ValidationError } from "@vllm-ts/config";
import { emptyCache, synchronize } from "@vllm-ts/cuda-kernels";
import { PoolingParams } from "@vllm-ts/pooling";
import { defaultSamplingParams, type SamplingParams } from "@vllm-ts/sampling";
import type { SchedulerStats } from "@vllm-ts/scheduler";
import type { ChatMessage, Tokenizer } from "@vllm-ts/tokenizer";
import { createEngine, type EngineBundle } from "./engine/create-engine.js";
import { EngineLoop } from "./engine/engine-loop.js";
import type { ProcessedPrompt } from "./engine/input-processor.js";
import type { ChatOptions, GenerateOptions, StreamOptions } from "./llm-call-options.js";
import type { LLMOptions } from "./llm-options.js";
import type {
  ClassificationRequestOutput,
  EmbeddingRequestOutput,
  RequestOutput,
  ScoringRequestOutput,
} from "./outputs.js";
import {
  type EncodeOptions,
  type EncodeOutput,
  generativeOnlyError,
  PoolingFrontend,
  type PoolingMethodOptions,
  type PoolingOptions,
  splitPoolingArgs,
} from "./pooling/pooling-frontend.js";
import { type ScoreOptions, score } from "./pooling/score.js";
import { createProgressBar, ThroughputTracker } from "./progress/progress-bar.js";
import { type PromptType, parsePrompt, promptsToArray } from "./prompts.js";

type Conversation = ChatMessage[];

/**
 * vLLM's offline `LLM` class. Loading starts in the constructor; every method waits for it
 * (`await llm.ready()` to wait explicitly). `dispose()` frees the device memory.
 *
 * ```ts
 * const llm = new LLM({ model: "facebook/opt-125m" });
 * const outputs = await llm.generate(["Hello, my name is"], new SamplingParams({ temperature: 0.8, topP: 0.95 }));
 * ```
 */
export class LLM implements AsyncDisposable {
  private readonly loading: Promise<EngineBundle>;
  private bundle: EngineBundle | null = null;
  private loop: EngineLoop | null = null;
  private requestCounter = 0;
  private disposed = false;
  private defaultParams: SamplingParams | null = null;
  private pooling: PoolingFrontend | null = null;

  constructor(readonly options: LLMOptions) {
    if (options === null || typeof options !== "object" || typeof options.model !== "string") {
      throw new InvalidTypeError(
        "new LLM(options) needs options.model: a Hugging Face repo id or a local folder",
      );
    }
    this.loading = createEngine(options as never).then((bundle) => {
      this.bundle = bundle;
      this.loop = new EngineLoop(bundle.engine);
      return bundle;
    });
    // Loading errors surface from ready() and every method; keep them from being "unhandled".
    this.loading.catch(() => {});
  }

  /** Creates the LLM and waits until it is loaded. */
  static async create(options: LLMOptions): Promise<LLM> {
    const llm = new LLM(options);
    await llm.ready();
    return llm;
  }

  /** Resolves when the model is loaded and the engine is ready (rejects with the loading error). */
  async ready(): Promise<void> {
    await this.loading;
  }

  /** The tokenizer (vLLM: get_tokenizer); fails when skipTokenizerInit is set. */
  async getTokenizer(): Promise<Tokenizer> {
    const { tokenizer } = await this.engineBundle();
    if (!tokenizer) throw new ValidationError("Tokenizer not available when `skip_tokenizer_init=True`");
    return tokenizer;
  }

  /** Default sampling params: the model's generation_config.json, else SamplingParams(). */
  async getDefaultSamplingParams(): Promise<SamplingParams> {
    const { config } = await this.engineBundle();
    this.defaultParams ??= defaultSamplingParams({ ...config.model.generation.samplingDefaults });
    return this.defaultParams;
  }

  /** Generates completions for the prompts (outputs in input order). */
  async generate(
    prompts: PromptType | readonly PromptType[],
    samplingParams?: SamplingParams | readonly SamplingParams[],
    options: GenerateOptions = {},
  ): Promise<RequestOutput[]> {
    await this.requireGenerative("generate");
    const list = promptsToArray(prompts);
    return this.run(list.length, samplingParams, options, "Rendering prompts", (i) => {
      const { engine } = this.bundle!;
      return engine.parts.inputProcessor.processPrompt(parsePrompt(list[i]!), true);
    });
  }

  /** Generates replies to conversations rendered with the chat template (one output per conversation). */
  async chat(
    messages: Conversation | readonly Conversation[],
    samplingParams?: SamplingParams | readonly SamplingParams[],
    options: ChatOptions = {},
  ): Promise<RequestOutput[]> {
    await this.requireGenerative("chat");
    const conversations = toConversations(messages);
    const tokenizer = await this.getTokenizer();
    return this.run(conversations.length, samplingParams, options, "Rendering conversations", (i) => {
      const text = tokenizer.applyChatTemplate(conversations[i]!, {
        addGenerationPrompt: options.addGenerationPrompt ?? true,
        continueFinalMessage: options.continueFinalMessage ?? false,
        ...(options.chatTemplate !== undefined ? { chatTemplate: options.chatTemplate } : {}),
        ...(options.tools ? { tools: options.tools } : {}),
        ...(options.documents ? { documents: options.documents } : {}),
        ...(options.chatTemplateKwargs ?? {}),
      });
      // The template already holds the special tokens: no second BOS.
      return this.bundle!.engine.parts.inputProcessor.processPrompt({ kind: "text", prompt: text }, false);
    });
  }

  /**
   * Streams one request: yields its RequestOutput each time it grows (cumulative text and tokens),
   * the last one finished. Breaking out of the loop or aborting `signal` frees the request.
   */
  async *stream(
    prompt: PromptType,
    samplingParams?: SamplingParams,
    options: StreamOptions = {},
  ): AsyncGenerator<RequestOutput, void, undefined> {
    const { engine } = await this.requireGenerative("stream");
    const params = samplingParams ?? (await this.getDefaultSamplingParams());
    const processed = engine.parts.inputProcessor.processPrompt(
      parsePrompt(promptsToArray(prompt)[0]!),
      true,
    );
    const requestId = String(this.requestCounter++);
    engine.addRequest(requestId, processed, params, { priority: options.priority ?? 0 });
    const queue: RequestOutput[] = [];
    let failure: unknown = null;
    let done = false;
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    this.loop!.watch<RequestOutput>(requestId, {
      onOutput: (output) => {
        queue.push(output);
        if (output.finished) done = true;
        notify();
      },
      onError: (error) => {
        failure = error;
        done = true;
        notify();
      },
    });
    const abort = () => {
      if (done) return;
      done = true;
      this.loop!.unwatch(requestId);
      engine.abortRequests([requestId]);
      notify();
    };
    options.signal?.addEventListener("abort", abort, { once: true });
    try {
      while (true) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        if (failure) throw failure;
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      options.signal?.removeEventListener("abort", abort);
      abort();
    }
  }

  /** Pools each prompt's hidden states with the model's task (or `options.poolingTask`, if it is that). */
  async encode(
    prompts: PromptType | readonly PromptType[],
    poolingParams?: PoolingParams | readonly PoolingParams[],
    options: EncodeOptions = {},
  ): Promise<EncodeOutput[]> {
    return (await this.poolingFrontend("encode")).encode(prompts, poolingParams, options);
  }

  /** One embedding per prompt (`encode` with the embed task). Params may also come in the options. */
  async embed(
    prompts: PromptType | readonly PromptType[],
    poolingParams?: PoolingParams | readonly PoolingParams[] | PoolingMethodOptions,
    options: PoolingOptions = {},
  ): Promise<EmbeddingRequestOutput[]> {
    const [params, rest] = splitPoolingArgs(poolingParams, options);
    return (await this.poolingFrontend("encode")).embed(prompts, params, rest);
  }

  /** Class probabilities (or logits with useActivation false) per prompt (`encode` with classify). */
  async classify(
    prompts: PromptType | readonly PromptType[],
    poolingParams?: PoolingParams | readonly PoolingParams[] | PoolingMethodOptions,
    options: PoolingOptions = {},
  ): Promise<ClassificationRequestOutput[]> {
    const [params, rest] = splitPoolingArgs(poolingParams, options);
    return (await this.poolingFrontend("encode")).classify(prompts, params, rest);
  }

  /** Scores of text pairs (1:1, 1:N, N:N): embedding cosine, or a cross-encoder's output. */
  async score(
    data1: string | readonly string[],
    data2: string | readonly string[],
    options: ScoreOptions | PoolingParams = {},
  ): Promise<ScoringRequestOutput[]> {
    const scoreOptions = options instanceof PoolingParams ? { poolingParams: options } : options;
    return score(await this.poolingFrontend("score"), data1, data2, scoreOptions);
  }

  /**
   * The engine's counters: running/waiting/swapped requests, KV-cache usage, prefix-cache hit rate
   * and the number of preemptions since start.
   */
  async stats(): Promise<SchedulerStats> {
    const { engine } = await this.engineBundle();
    return engine.parts.scheduler.stats();
  }

  /** Frees the engine's memory (weights, KV cache, workspaces); the LLM cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    let bundle: EngineBundle;
    try {
      bundle = await this.loading;
    } catch {
      return;
    }
    await this.loop?.idle();
    bundle.engine.dispose();
    bundle.model.dispose();
    // Return the device memory to the driver, not just to our allocator's pool, so a next LLM (or
    // another process) can have it: what "dispose really frees the GPU" means.
    if (bundle.device.kind === "cuda") {
      synchronize(bundle.device);
      emptyCache(bundle.device);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** The bundle of a generative model; pooling models fail with vLLM's message for `method`. */
  private async requireGenerative(method: string): Promise<EngineBundle> {
    const bundle = await this.engineBundle();
    if (bundle.pooling) throw generativeOnlyError(method);
    return bundle;
  }

  /** The pooling API of a pooling model; generative models fail with vLLM's message for `method`. */
  private async poolingFrontend(method: "encode" | "score"): Promise<PoolingFrontend> {
    const bundle = await this.engineBundle();
    this.pooling ??= PoolingFrontend.of(bundle, this.loop!, () => String(this.requestCounter++), method);
    return this.pooling;
  }

  private async engineBundle(): Promise<EngineBundle> {
    if (this.disposed) throw new ValidationError("This LLM has been disposed; create a new one.");
    return this.loading;
  }

  /**
   * vLLM's _add_completion_requests + _run_engine: adds each prompt (all or nothing: on a bad prompt
   * the requests already added by this call are aborted and the error is rethrown), then runs until
   * they finish and returns their outputs in input order.
   */
  private async run(
    count: number,
    samplingParams: SamplingParams | readonly SamplingParams[] | undefined,
    options: GenerateOptions,
    renderDesc: string,
    render: (index: number) => ProcessedPrompt,
  ): Promise<RequestOutput[]> {
    const { engine } = await this.engineBundle();
    if (options.loraRequest !== undefined && options.loraRequest !== null) {
      throw new ValidationError(`Got lora_request ${String(options.loraRequest)} but LoRA is not enabled!`);
    }
    const params = await this.paramsPerPrompt(count, samplingParams);
    const priority = options.priority;
    if (priority !== undefined && priority.length !== count) {
      throw new ValidationError(
        `The lengths of prompts (${count}) and priority (${priority.length}) must be the same.`,
      );
    }
    if (count === 0) return [];
    const added: string[] = [];
    const renderBar = createProgressBar(options.useTqdm, renderDesc, count);
    try {
      for (let i = 0; i < count; i++) {
        const processed = render(i);
        const requestId = String(this.requestCounter++);
        engine.addRequest(requestId, processed, params[i]!, { priority: priority?.[i] ?? 0 });
        added.push(requestId);
        renderBar?.update(1);
      }
    } catch (error) {
      engine.abortRequests(added);
      throw error;
    } finally {
      renderBar?.close();
    }
    const total = params.reduce((sum, p) => sum + p.n, 0);
    const runBar = createProgressBar(options.useTqdm, "Processed prompts", total);
    const tracker = new ThroughputTracker(runBar);
    try {
      const outputs = await Promise.all(
        added.map(
          (requestId) =>
            new Promise<RequestOutput>((resolve, reject) => {
              this.loop!.watch<RequestOutput>(requestId, {
                onOutput: (output) => {
                  if (!output.finished) return;
                  tracker.finished(
                    output.promptTokenIds.length,
                    output.outputs.map((o) => o.tokenIds.length),
                  );
                  resolve(output);
                },
                onError: reject,
              });
            }),
        ),
      );
      return outputs.sort((a, b) => Number(a.requestId) - Number(b.requestId));
    } catch (error) {
      engine.abortRequests(added);
      throw error;
    } finally {
      runBar?.close();
    }
  }

  private async paramsPerPrompt(
    count: number,
    samplingParams: SamplingParams | readonly SamplingParams[] | undefined,
  ): Promise<SamplingParams[]> {
    if (samplingParams === undefined || samplingParams === null) {
      const defaults = await this.getDefaultSamplingParams();
      return new Array(count).fill(defaults);
    }
    if (Array.isArray(samplingParams)) {
      if (samplingParams.length !== count) {
        throw new ValidationError(
          `The lengths of prompts (${count}) and params (${samplingParams.length}) must be the same.`,
        );
      }
      return [...samplingParams];
    }
    return new Array(count).fill(samplingParams as SamplingParams);
  }
}

/** vLLM's conversation_to_seq: a non-empty list of message objects is one conversation. */
function toConversations(messages: Conversation | readonly Conversation[]): Conversation[] {
  if (!Array.isArray(messages))
    throw new InvalidTypeError("messages must be a list of messages or of conversations");
  if (messages.length > 0 && !Array.isArray(messages[0])) return [messages as Conversation];
  return [...(messages as unknown as Conversation[])];
}
