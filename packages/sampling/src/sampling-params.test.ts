import { InvalidTypeError, ValidationError } from "@vllm-ts/config";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SamplingParams, SamplingType } from "./sampling-params.js";
import type { SamplingParamsOptions } from "./sampling-params-options.js";

const make = (options: SamplingParamsOptions) => () => new SamplingParams(options);

describe("SamplingParams defaults and normalisation", () => {
  afterEach(() => vi.restoreAllMocks());

  it("has vLLM's defaults", () => {
    const p = new SamplingParams();
    expect(p).toMatchObject({
      n: 1,
      presencePenalty: 0,
      frequencyPenalty: 0,
      repetitionPenalty: 1,
      temperature: 1,
      topP: 1,
      topK: 0,
      minP: 0,
      seed: null,
      stop: [],
      stopTokenIds: [],
      ignoreEos: false,
      maxTokens: 16,
      minTokens: 0,
      logprobs: null,
      promptLogprobs: null,
      detokenize: true,
      skipSpecialTokens: true,
      spacesBetweenSpecialTokens: true,
      includeStopStrInOutput: false,
      logitBias: null,
      allowedTokenIds: null,
      badWords: [],
      outputTextBufferLength: 0,
    });
    expect(p.samplingType).toBe(SamplingType.RANDOM);
    expect(p.eosTokenId).toBeNull();
    expect([...p.allStopTokenIds]).toEqual([]);
  });

  it("raises a positive temperature below 0.01 to 0.01 with vLLM's warning", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(new SamplingParams({ temperature: 0.001 }).temperature).toBe(0.01);
    expect(warn).toHaveBeenCalledWith(
      "temperature 0.001 is less than 0.01, which may cause numerical errors nan or inf in tensors. We have maxed it out to 0.01.",
    );
  });

  it("treats temperature below 1e-5 as greedy and switches off top-p, top-k and min-p", () => {
    const p = new SamplingParams({ temperature: 0, topP: 0.5, topK: 7, minP: 0.2 });
    expect(p.samplingType).toBe(SamplingType.GREEDY);
    expect([p.topP, p.topK, p.minP]).toEqual([1, 0, 0]);
  });

  it("maps seed -1 to none, a seed to RANDOM_SEED, and logprobs true to 1", () => {
    expect(new SamplingParams({ seed: -1 }).seed).toBeNull();
    expect(new SamplingParams({ seed: 3 }).samplingType).toBe(SamplingType.RANDOM_SEED);
    const p = new SamplingParams({ logprobs: true, promptLogprobs: true });
    expect([p.logprobs, p.promptLogprobs]).toEqual([1, 1]);
    expect(new SamplingParams({ logprobs: false }).logprobs).toBeNull();
  });

  it("normalises stop, stop ids and bad words to de-duplicated lists and tracks stop ids", () => {
    const p = new SamplingParams({ stop: "###", stopTokenIds: [5, 2, 5], badWords: ["a", "b", "a"] });
    expect(p.stop).toEqual(["###"]);
    expect(p.stopTokenIds).toEqual([5, 2]);
    expect(p.badWords).toEqual(["a", "b"]);
    expect([...p.allStopTokenIds]).toEqual([5, 2]);
  });

  it("holds back the longest stop string minus one character, unless the stop string is kept", () => {
    expect(new SamplingParams({ stop: ["ab", "abcd"] }).outputTextBufferLength).toBe(3);
    expect(
      new SamplingParams({ stop: ["ab", "abcd"], includeStopStrInOutput: true }).outputTextBufferLength,
    ).toBe(0);
  });

  it("accepts logit bias as an object or a Map", () => {
    expect(new SamplingParams({ logitBias: { 10: 5, 3: -1 } }).logitBias).toEqual(
      new Map([
        [3, -1],
        [10, 5],
      ]),
    );
    expect(new SamplingParams({ logitBias: new Map([[4, 2]]) }).logitBias).toEqual(new Map([[4, 2]]));
  });

  it("rejects unknown and snake_case options with the TypeScript name", () => {
    expect(() => new SamplingParams({ max_tokens: 5 } as SamplingParamsOptions)).toThrow(
      new InvalidTypeError("Unexpected keyword argument 'max_tokens' (the TypeScript name is 'maxTokens')"),
    );
  });
});

describe("SamplingParams construction errors (vLLM's messages, in vLLM's order)", () => {
  const cases: [string, SamplingParamsOptions, string][] = [
    ["n not an int", { n: 1.5 }, "n must be an int, but is of type <class 'float'>"],
    ["n < 1", { n: 0 }, "n must be at least 1, got 0."],
    [
      "n too large",
      { n: 16385 },
      "n must be at most 16384, got 16385. To increase this limit, set the VLLM_MAX_N_SEQUENCES environment variable.",
    ],
    ["presence penalty", { presencePenalty: 3 }, "presence_penalty must be in [-2, 2], got 3.0."],
    ["frequency penalty", { frequencyPenalty: -2.5 }, "frequency_penalty must be in [-2, 2], got -2.5."],
    [
      "repetition penalty",
      { repetitionPenalty: 0 },
      "repetition_penalty must be greater than zero, got 0.0.",
    ],
    [
      "repetition penalty NaN",
      { repetitionPenalty: Number.NaN },
      "repetition_penalty must be a finite number, got nan.",
    ],
    ["negative temperature", { temperature: -1 }, "temperature must be non-negative, got -1.0."],
    ["top_p 0", { topP: 0 }, "top_p must be in (0, 1], got 0.0."],
    ["top_p above 1", { topP: 1.5 }, "top_p must be in (0, 1], got 1.5."],
    ["top_k < -1", { topK: -2 }, "top_k must be 0 (disable), or at least 1, got -2."],
    ["min_p above 1", { minP: 1.01 }, "min_p must be in [0, 1], got 1.01."],
    ["max_tokens 0", { maxTokens: 0 }, "max_tokens must be at least 1, got 0."],
    ["min_tokens negative", { minTokens: -1 }, "min_tokens must be greater than or equal to 0, got -1."],
    [
      "min_tokens above max_tokens",
      { minTokens: 20, maxTokens: 10 },
      "min_tokens must be less than or equal to max_tokens=10, got 20.",
    ],
    ["logprobs -2", { logprobs: -2 }, "logprobs must be non-negative or -1, got -2."],
    ["prompt_logprobs -5", { promptLogprobs: -5 }, "prompt_logprobs must be non-negative or -1, got -5."],
    [
      "non-integer stop ids",
      { stopTokenIds: [1, 2.5] },
      "stop_token_ids must contain only integers, got [1, 2.5].",
    ],
    ["empty stop string", { stop: ["a", ""] }, "stop cannot contain an empty string."],
    [
      "stop without detokenize",
      { stop: ["a"], detokenize: false },
      "stop strings are only supported when detokenize is True. Set detokenize=True to use stop.",
    ],
    [
      "empty bad word",
      { badWords: ["x", ""] },
      "bad_words cannot contain an empty string. Got bad_words=['x', '']",
    ],
    ["greedy with n > 1", { temperature: 0, n: 2 }, "n must be 1 when using greedy sampling, got 2."],
  ];

  it.each(cases)("%s", (_, options, message) => {
    expect(make(options)).toThrow(new ValidationError(message));
  });

  it("raises a TypeError-kind error for a non-integer top_k after the range check", () => {
    expect(make({ topK: 2.5 })).toThrow(new InvalidTypeError("top_k must be an integer, got float"));
    expect(make({ topK: -2.5 })).toThrow(
      new ValidationError("top_k must be 0 (disable), or at least 1, got -2.5."),
    );
  });

  it("checks in vLLM's order: the first failing field wins", () => {
    expect(make({ presencePenalty: 9, topP: 0 })).toThrow("presence_penalty");
    expect(make({ minP: 2, maxTokens: 0 })).toThrow("min_p");
  });

  it("honours VLLM_MAX_N_SEQUENCES", () => {
    vi.stubEnv("VLLM_MAX_N_SEQUENCES", "4");
    try {
      expect(make({ n: 5 })).toThrow("n must be at most 4, got 5.");
      expect(new SamplingParams({ n: 4 }).n).toBe(4);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("rejects wrongly typed values with InvalidTypeError", () => {
    expect(make({ temperature: "hot" as unknown as number })).toThrow(InvalidTypeError);
    expect(make({ maxTokens: 2.5 })).toThrow(new InvalidTypeError("maxTokens must be an integer, got 2.5"));
    expect(make({ ignoreEos: 1 as unknown as boolean })).toThrow(InvalidTypeError);
    expect(make({ seed: 2 ** 60 })).toThrow(InvalidTypeError);
  });
});

describe("SamplingParams.clone and fromOptional", () => {
  it("clone is deep, derived engine state included", () => {
    const p = new SamplingParams({
      stop: ["x"],
      logitBias: { 1: 2 },
      allowedTokenIds: [1, 2],
      badWords: ["no"],
    });
    p.updateFromGenerationConfig({ eos_token_id: [2, 9] }, 2);
    p.updateFromTokenizer((text) => [text.length], 100);
    const c = p.clone();
    expect(c).toBeInstanceOf(SamplingParams);
    expect(c).toEqual(p);
    c.stop.push("y");
    c.logitBias!.set(5, 1);
    c.allowedTokenIds!.push(3);
    c.stopTokenIds.push(77);
    expect(p.stop).toEqual(["x"]);
    expect(p.logitBias).toEqual(new Map([[1, 2]]));
    expect(p.allowedTokenIds).toEqual([1, 2]);
    expect(p.stopTokenIds).toEqual([9]);
    expect(c.eosTokenId).toBe(2);
    expect([...c.allStopTokenIds].sort()).toEqual([2, 9]);
    expect(c.badWordsTokenIds).toEqual(p.badWordsTokenIds);
  });

  it("fromOptional maps null to defaults, parses logit-bias keys and clamps to [-100, 100]", () => {
    const p = SamplingParams.fromOptional({
      n: null,
      temperature: null,
      topP: null,
      presencePenalty: null,
      maxTokens: null,
      logitBias: { "7": 250, " 8 ": -300, 9: 1.5 } as Record<number, number>,
    });
    expect([p.n, p.temperature, p.topP, p.presencePenalty, p.maxTokens]).toEqual([1, 1, 1, 0, null]);
    expect(p.logitBias).toEqual(
      new Map([
        [7, 100],
        [8, -100],
        [9, 1.5],
      ]),
    );
  });

  it("fromOptional names logit-bias keys that are not integers", () => {
    expect(() =>
      SamplingParams.fromOptional({ logitBias: { abc: 1, "2.5": 1 } as Record<number, number> }),
    ).toThrow(
      new ValidationError(
        "logit_bias contains key(s) that cannot be converted to integer token IDs: ['abc', '2.5']",
      ),
    );
  });
});
