import { describe, expect, it } from "vitest";
import { applyClassifierActivation, l2Normalize, resolveClassifierActivation } from "./activations.js";
import { classifierHead, cosineSimilarity, embeddingHead, selectStepRows } from "./heads.js";
import { PoolingParams } from "./pooling-params.js";

const verified = (
  options: ConstructorParameters<typeof PoolingParams>[0],
  task: "embed" | "classify" | "token_classify",
) => {
  const params = new PoolingParams(options);
  params.verify(task, { modelName: "m", matryoshkaDimensions: true, tokPoolingType: "STEP" });
  return params;
};

describe("activations (vLLM pooler/activations.py)", () => {
  const source = { numLabels: 1, problemType: null, sentenceTransformersActivation: null };

  it("resolves problem_type first, then the sentence-transformers class, else by label count", () => {
    expect(resolveClassifierActivation({ ...source, problemType: "regression" })).toBe("identity");
    expect(resolveClassifierActivation({ ...source, problemType: "multi_label_classification" })).toBe(
      "sigmoid",
    );
    expect(resolveClassifierActivation({ ...source, problemType: "single_label_classification" })).toBe(
      "classify",
    );
    expect(
      resolveClassifierActivation({
        ...source,
        sentenceTransformersActivation: "torch.nn.modules.linear.Identity",
      }),
    ).toBe("identity");
    expect(
      resolveClassifierActivation({
        ...source,
        sentenceTransformersActivation: "torch.nn.modules.activation.Sigmoid",
      }),
    ).toBe("classify");
    expect(() =>
      resolveClassifierActivation({ ...source, sentenceTransformersActivation: "os.system" }),
    ).toThrowError(/restricted to torch.nn.modules/);
    expect(resolveClassifierActivation(source)).toBe("classify");
  });

  it("classify is sigmoid below two labels and softmax from two", () => {
    expect(applyClassifierActivation("classify", [0], 1)).toEqual([0.5]);
    const probs = applyClassifierActivation("classify", [1, 2, 3], 3);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(probs[2]! / probs[1]!).toBeCloseTo(Math.E, 12);
    expect(applyClassifierActivation("sigmoid", [-800, 800], 2)).toEqual([0, 1]);
    expect(applyClassifierActivation("tanh", [0.5], 1)[0]).toBeCloseTo(Math.tanh(0.5), 15);
  });

  it("l2Normalize is F.normalize (a zero vector stays zero)", () => {
    expect(l2Normalize([3, 4])).toEqual([0.6, 0.8]);
    expect(l2Normalize([0, 0])).toEqual([0, 0]);
  });
});

describe("heads", () => {
  it("embedding: truncation to dimensions happens before normalisation", () => {
    expect(embeddingHead([3, 4, 12], verified({ dimensions: 2 }, "embed"))).toEqual([0.6, 0.8]);
    expect(embeddingHead(Float32Array.of(3, 4, 12), verified({}, "embed"))).toEqual([
      3 / 13,
      4 / 13,
      12 / 13,
    ]);
    expect(embeddingHead([3, 4, 12], verified({ useActivation: false }, "embed"))).toEqual([3, 4, 12]);
  });

  it("classifier: calibration (logit − mean) / sigma, then the activation unless turned off", () => {
    const settings = { activation: "classify" as const, numLabels: 1, logitMean: 1, logitSigma: 2 };
    expect(classifierHead([1], verified({}, "classify"), settings)).toEqual([0.5]);
    expect(classifierHead([5], verified({ useActivation: false }, "classify"), settings)).toEqual([2]);
    expect(() => classifierHead([1], verified({}, "classify"), { ...settings, logitSigma: 0 })).toThrowError(
      "logit_sigma cannot be 0 (division by zero)",
    );
  });

  it("STEP selects columns, then the rows of the step tag", () => {
    const rows = [
      [0, 1, 2],
      [10, 11, 12],
      [20, 21, 22],
    ];
    const params = verified({ stepTagId: 7, returnedTokenIds: [2, 0] }, "token_classify");
    expect(selectStepRows(rows, [7, 3, 7], params)).toEqual([
      [2, 0],
      [22, 20],
    ]);
    expect(selectStepRows(rows, [7, 3, 7], verified({}, "token_classify"))).toEqual(rows);
  });

  it("cosine similarity as torch (eps 1e-8 per norm)", () => {
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1, 15);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrowError(
      /Cannot compare embeddings of 1 and 2 dimensions/,
    );
  });
});
