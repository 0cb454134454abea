import { ValidationError } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import type { LogitsProcessor, LogitsProcessorClass } from "./logits-processor.js";
import { SamplingParams } from "./sampling-params.js";
import type { SamplingParamsOptions } from "./sampling-params-options.js";
import type { SamplingVerifyContext } from "./sampling-params-verify.js";

const verify =
  (options: SamplingParamsOptions, context: Partial<SamplingVerifyContext> = {}) =>
  () =>
    new SamplingParams(options).verify({ vocabSize: 1000, ...context });

describe("SamplingParams.verify (request-time checks, vLLM's messages)", () => {
  it("passes ordinary requests", () => {
    expect(
      verify({ logprobs: 20, promptLogprobs: 0, logitBias: { 999: 1 }, allowedTokenIds: [0, 999] }),
    ).not.toThrow();
  });

  it("limits sample and prompt logprobs to maxLogprobs (20 by default; -1 counts as the vocabulary)", () => {
    expect(verify({ logprobs: 21 })).toThrow(
      new ValidationError("Requested sample logprobs of 21, which is greater than max allowed: 20"),
    );
    expect(verify({ logprobs: -1 })).toThrow(
      new ValidationError("Requested sample logprobs of 1000, which is greater than max allowed: 20"),
    );
    expect(verify({ logprobs: -1 }, { maxLogprobs: -1 })).not.toThrow();
    expect(verify({ promptLogprobs: 6 }, { maxLogprobs: 5 })).toThrow(
      new ValidationError("Requested prompt logprobs of 6, which is greater than max allowed: 5"),
    );
  });

  it("rejects out-of-vocabulary logit-bias and stop ids, listing them", () => {
    expect(verify({ logitBias: { 5: 1, 1000: 2, [-1]: 3 } })).toThrow(
      new ValidationError(
        "token_id(s) [1000, -1] in logit_bias contain out-of-vocab token ids. Vocabulary size: 1000",
      ),
    );
    expect(verify({ stopTokenIds: [1, 1000] })).toThrow(
      new ValidationError(
        "token_id(s) [1000] in stop_token_ids contain out-of-vocab token ids. Vocabulary size: 1000",
      ),
    );
  });

  it("rejects empty and out-of-vocabulary allowed token ids (bounded by the tokenizer too)", () => {
    expect(verify({ allowedTokenIds: [] })).toThrow(
      new ValidationError("allowed_token_ids is not None and empty!"),
    );
    for (const ids of [[-1], [10_000_000]]) {
      expect(verify({ allowedTokenIds: ids })).toThrow(
        new ValidationError("allowed_token_ids contains out-of-vocab token id!"),
      );
    }
    expect(verify({ allowedTokenIds: [900] }, { tokenizerVocabSize: 800 })).toThrow(
      "allowed_token_ids contains out-of-vocab token id!",
    );
  });

  it("runs custom logits processors' validateParams, static or on instances", () => {
    class NeedsExtraArg {
      static validateParams(params: SamplingParams) {
        if (params.extraArgs?.target === undefined) throw new ValidationError("extraArgs.target is required");
      }
      updateState() {}
      apply(logits: never) {
        return logits;
      }
      isArgmaxInvariant() {
        return false;
      }
    }
    const instance: LogitsProcessor = {
      updateState() {},
      apply: (logits) => logits,
      isArgmaxInvariant: () => true,
      validateParams(params) {
        if (params.n > 2) throw new ValidationError("at most 2 outputs");
      },
    };
    const logitsProcessors = [NeedsExtraArg as unknown as LogitsProcessorClass, instance];
    expect(verify({}, { logitsProcessors })).toThrow("extraArgs.target is required");
    expect(verify({ extraArgs: { target: 1 } }, { logitsProcessors })).not.toThrow();
    expect(verify({ extraArgs: { target: 1 }, n: 3 }, { logitsProcessors })).toThrow("at most 2 outputs");
  });
});

describe("SamplingParams.updateFromGenerationConfig", () => {
  it("sets the EOS, adds it to allStopTokenIds, and turns extra EOS ids into stop ids", () => {
    const p = new SamplingParams({ stopTokenIds: [7] });
    p.updateFromGenerationConfig({ eos_token_id: [128001, 128009, 128008] }, 128001);
    expect(p.eosTokenId).toBe(128001);
    expect(p.stopTokenIds).toEqual([7, 128008, 128009]);
    expect([...p.allStopTokenIds].sort((a, b) => a - b)).toEqual([7, 128001, 128008, 128009]);
  });

  it("with ignoreEos keeps no EOS and no extra stop ids, but min-tokens still knows them", () => {
    const p = new SamplingParams({ ignoreEos: true });
    p.updateFromGenerationConfig({ eosTokenId: 5 }, 2);
    expect(p.eosTokenId).toBeNull();
    expect(p.stopTokenIds).toEqual([]);
    expect([...p.allStopTokenIds].sort()).toEqual([2, 5]);
  });

  it("accepts a single int and configs without eos_token_id", () => {
    const p = new SamplingParams();
    p.updateFromGenerationConfig({ eos_token_id: 3 }, 3);
    expect(p.stopTokenIds).toEqual([]);
    p.updateFromGenerationConfig({}, null);
    expect(p.eosTokenId).toBeNull();
  });
});

describe("SamplingParams.updateFromTokenizer (bad words)", () => {
  // A toy tokenizer: words map to ids; a leading space is its own id unless "<space>word" is known.
  const vocab: Record<string, number[]> = {
    hello: [10],
    " hello": [11],
    "bad word": [20, 21],
    " bad word": [22, 21],
    x: [30],
    " x": [99, 30],
  };
  const encode = (text: string) => vocab[text] ?? [];

  it("keeps the bare encoding and the space-prefixed one when it starts differently with the same length", () => {
    const p = new SamplingParams({ badWords: ["  hello", "bad word", "x"] });
    p.updateFromTokenizer(encode, 100);
    expect(p.badWordsTokenIds).toEqual([[10], [11], [20, 21], [22, 21], [30]]);
  });

  it("rejects ids outside the vocabulary with vLLM's message", () => {
    const p = new SamplingParams({ badWords: ["hello"] });
    expect(() => p.updateFromTokenizer(encode, 11)).toThrow(
      new ValidationError(
        "The model vocabulary size is 11, but the following tokens were specified as bad: [11]. All token id values should be integers satisfying: 0 <= token_id <= 10.",
      ),
    );
  });

  it("rejects a bad word that encodes to nothing", () => {
    const p = new SamplingParams({ badWords: ["unknown"] });
    expect(() => p.updateFromTokenizer(encode, 100)).toThrow(
      "bad_words entries must tokenize to at least one token.",
    );
  });
});
