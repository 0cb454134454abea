// What vLLM's tests assert about LLM.generate (spec §7: test_generate, test_ignore_eos,
// test_stop_reason, test_logprobs, test_prompt_validation, test_parallel_sampling), on a tiny
// checkpoint with real weights.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidTypeError, LLM, SamplingParams, ValidationError } from "../../src/index.js";
import { writeTinyLlama } from "./tiny-llama.js";

const greedy = (maxTokens: number, extra: ConstructorParameters<typeof SamplingParams>[0] = {}) =>
  new SamplingParams({ temperature: 0, maxTokens, ignoreEos: true, ...extra });
const quiet = { useTqdm: false } as const;

describe("LLM.generate", () => {
  let llm: LLM;
  let dir: string;
  beforeAll(async () => {
    dir = writeTinyLlama();
    llm = await LLM.create({ model: dir, skipTokenizerInit: true, maxModelLen: 64, disableLogStats: false });
  });
  afterAll(async () => llm?.dispose());

  it("returns outputs in input order with request ids that keep counting across calls", async () => {
    const first = await llm.generate([[1, 2, 3], [4, 5], [6]], greedy(3), quiet);
    expect(first.map((o) => o.promptTokenIds)).toEqual([[1, 2, 3], [4, 5], [6]]);
    const ids = first.map((o) => Number(o.requestId));
    expect(ids).toEqual([ids[0]!, ids[0]! + 1, ids[0]! + 2]);
    const second = await llm.generate([[7, 8]], greedy(2), quiet);
    expect(Number(second[0]!.requestId)).toBe(ids[2]! + 1);
    expect(first.every((o) => o.finished && o.prompt === null)).toBe(true);
  });

  it("treats a flat list of ids as one prompt and [] as none", async () => {
    expect(await llm.generate([9, 10, 11], greedy(2), quiet)).toHaveLength(1);
    expect(await llm.generate([], greedy(2), quiet)).toEqual([]);
  });

  it("checks that params and priorities match the prompts", async () => {
    await expect(llm.generate([[1], [2]], [greedy(1), greedy(1), greedy(1)], quiet)).rejects.toThrowError(
      "The lengths of prompts (2) and params (3) must be the same.",
    );
    await expect(llm.generate([[1], [2]], greedy(1), { ...quiet, priority: [0] })).rejects.toThrowError(
      "The lengths of prompts (2) and priority (1) must be the same.",
    );
    await expect(llm.generate([[1]], greedy(1), { ...quiet, priority: [] })).rejects.toThrowError(
      ValidationError,
    );
    expect(await llm.generate([[1, 2]], greedy(1), { ...quiet, priority: [0] })).toHaveLength(1);
  });

  it("uses the default params when none are given (max 16 tokens)", async () => {
    const [output] = await llm.generate([[3, 4]], undefined, quiet);
    expect(output!.outputs[0]!.tokenIds.length).toBeLessThanOrEqual(16);
  });

  it("ignore_eos gives exactly max_tokens tokens with finish reason length", async () => {
    const [output] = await llm.generate([[5, 6, 7]], greedy(12), quiet);
    expect(output!.outputs[0]!.tokenIds).toHaveLength(12);
    expect(output!.outputs[0]!.finishReason).toBe("length");
    expect(output!.outputs[0]!.stopReason).toBeNull();
  });

  it("caps prompt + output at max_model_len", async () => {
    const prompt = Array.from({ length: 50 }, (_, i) => (i % 90) + 3);
    const [output] = await llm.generate([prompt], greedy(1000), quiet);
    expect(prompt.length + output!.outputs[0]!.tokenIds.length).toBe(64);
    expect(output!.outputs[0]!.finishReason).toBe("length");
  });

  it("stops at the first stop token id hit, keeps it in the output, and reports it", async () => {
    const [free] = await llm.generate([[10, 11, 12]], greedy(8), quiet);
    const tokens = free!.outputs[0]!.tokenIds;
    const stopId = tokens[3]!;
    const firstHit = tokens.indexOf(stopId);
    const [stopped] = await llm.generate([[10, 11, 12]], greedy(8, { stopTokenIds: [95, stopId] }), quiet);
    const completion = stopped!.outputs[0]!;
    expect(completion.tokenIds).toEqual(tokens.slice(0, firstHit + 1));
    expect(completion.finishReason).toBe("stop");
    expect(completion.stopReason).toBe(stopId);
  });

  it("min_tokens holds back stop tokens until enough tokens were generated", async () => {
    const [free] = await llm.generate([[20, 21]], greedy(8), quiet);
    const stopId = free!.outputs[0]!.tokenIds[0]!;
    const [held] = await llm.generate([[20, 21]], greedy(8, { stopTokenIds: [stopId], minTokens: 4 }), quiet);
    expect(held!.outputs[0]!.tokenIds.length).toBeGreaterThanOrEqual(4);
  });

  it("logprobs: null → none; 0 → the sampled token; k → k or k+1 entries, cumulative is their sum", async () => {
    const [none] = await llm.generate([[1, 2]], greedy(3), quiet);
    expect(none!.outputs[0]!.logprobs).toBeNull();
    expect(none!.outputs[0]!.cumulativeLogprob).toBeNull();
    expect(none!.promptLogprobs).toBeNull();
    const [zero] = await llm.generate([[1, 2]], greedy(3, { logprobs: 0 }), quiet);
    expect(zero!.outputs[0]!.logprobs!.map((m) => m.size)).toEqual([1, 1, 1]);
    const [some] = await llm.generate([[1, 2]], greedy(4, { logprobs: 3 }), quiet);
    const completion = some!.outputs[0]!;
    completion.logprobs!.forEach((step, i) => {
      // Greedy: the sampled token is the top-1, so it keeps first place and the map holds k entries.
      expect(step.size).toBe(3);
      expect([...step.keys()][0]).toBe(completion.tokenIds[i]);
      expect([...step.values()].map((l) => l.rank)).toEqual([1, 2, 3]);
    });
    const sum = completion.logprobs!.reduce(
      (s, step, i) => s + step.get(completion.tokenIds[i]!)!.logprob,
      0,
    );
    expect(completion.cumulativeLogprob).toBeCloseTo(sum, 5);
    await expect(llm.generate([[1, 2]], greedy(1, { logprobs: 21 }), quiet)).rejects.toThrowError(
      "Requested sample logprobs of 21, which is greater than max allowed: 20",
    );
  });

  it("prompt_logprobs has one entry per prompt token, the first null; -1 gives the vocabulary", async () => {
    const prompt = [4, 9, 16, 25, 36];
    const [output] = await llm.generate([prompt], greedy(1, { promptLogprobs: 0 }), quiet);
    expect(output!.promptLogprobs).toHaveLength(prompt.length);
    expect(output!.promptLogprobs![0]).toBeNull();
    for (const [i, map] of output!.promptLogprobs!.slice(1).entries()) {
      expect([...map!.keys()]).toEqual([prompt[i + 1]]);
    }
  });

  it("n > 1 fans out into one RequestOutput with n outputs, and greedy n > 1 is refused", async () => {
    const [output] = await llm.generate(
      [[1, 2, 3]],
      new SamplingParams({ n: 3, temperature: 1, seed: 5, maxTokens: 6, ignoreEos: true }),
      quiet,
    );
    expect(output!.outputs.map((o) => o.index)).toEqual([0, 1, 2]);
    expect(new Set(output!.outputs.map((o) => o.tokenIds.join())).size).toBeGreaterThan(1);
    expect(() => new SamplingParams({ n: 2, temperature: 0 })).toThrowError(
      "n must be 1 when using greedy sampling, got 2.",
    );
  });

  it("the same seed gives the same tokens, alone or in a busy batch; another seed differs", async () => {
    const seeded = (seed: number) =>
      new SamplingParams({ temperature: 1, seed, maxTokens: 10, ignoreEos: true });
    const [alone] = await llm.generate([[30, 31]], seeded(11), quiet);
    const batch = await llm.generate(
      [[5, 5, 5], [30, 31], [8]],
      [new SamplingParams({ temperature: 0.7, maxTokens: 7, ignoreEos: true }), seeded(11), seeded(99)],
      quiet,
    );
    expect(batch[1]!.outputs[0]!.tokenIds).toEqual(alone!.outputs[0]!.tokenIds);
    const [other] = await llm.generate([[30, 31]], seeded(12), quiet);
    expect(other!.outputs[0]!.tokenIds).not.toEqual(alone!.outputs[0]!.tokenIds);
  });

  it("reports metrics when log stats are on", async () => {
    const [output] = await llm.generate([[1, 2]], greedy(3), quiet);
    expect(output!.metrics!.numGenerationTokens).toBe(3);
    expect(output!.metrics!.firstTokenTs).toBeGreaterThan(0);
  });

  it("reports prompt tokens served from the prefix cache", async () => {
    // A prompt no other test uses, so its first generation finds nothing cached.
    const prompt = Array.from({ length: 40 }, (_, i) => 90 - i);
    const [first] = await llm.generate([prompt], greedy(1), quiet);
    const [second] = await llm.generate([prompt], greedy(1), quiet);
    expect(first!.numCachedTokens).toBe(0);
    expect(second!.numCachedTokens).toBe(32);
  });
});

describe("bad requests (vLLM's messages; nothing already added survives a failure)", () => {
  let llm: LLM;
  beforeAll(async () => {
    llm = await LLM.create({ model: writeTinyLlama(), skipTokenizerInit: true, maxModelLen: 32 });
  });
  afterAll(async () => llm?.dispose());

  it.each([
    [[[]], ValidationError, "The decoder prompt cannot be empty"],
    [[[5, 9999]], ValidationError, "Token id 9999 is out of vocabulary"],
    [["hello"], ValidationError, "Tokenizer not available when `skip_tokenizer_init=True`"],
    [[[1.5]], InvalidTypeError, "Token prompt should be a list of integers"],
    [
      [Array.from({ length: 40 }, () => 3)],
      ValidationError,
      "This model's maximum context length is 32 tokens. However, you requested 0 output tokens and your prompt contains 40 input tokens, for a total of 40 tokens. Please reduce the length of the input prompt or the number of requested output tokens.",
    ],
    [
      [Array.from({ length: 32 }, () => 3)],
      ValidationError,
      "The decoder prompt (length 32) plus the number of requested output tokens (at least 1) is longer than the maximum model length of 32. Make sure that `max_model_len` is no smaller than the number of text tokens (prompt + requested output tokens).",
    ],
  ] as const)("%j fails with its message", async (prompts, errorClass, message) => {
    const attempt = llm.generate([[1, 2], ...(prompts as unknown as never[])], greedy(2), quiet);
    await expect(attempt).rejects.toThrowError(errorClass);
    await expect(
      llm.generate([[1, 2], ...(prompts as unknown as never[])], greedy(2), quiet),
    ).rejects.toThrowError(message);
    const [ok] = await llm.generate([[1, 2]], greedy(2), quiet);
    expect(ok!.outputs[0]!.tokenIds).toHaveLength(2);
  });
});
