// Runs pagedAttention on a test case and compares it with the float64 reference.
import { expect } from "vitest";
import { type AttentionPlanParams, ops, Tensor } from "../src/index.js";
import {
  attentionTolerance,
  type PagedCase,
  type PagedSetup,
  type ReferenceMasking,
  referenceAttention,
} from "./attention-reference.js";
import { maxScaledError } from "./reference.js";

export interface CheckOptions {
  plan?: Partial<AttentionPlanParams>;
  /** Pass alibi slopes as a tensor too (the masking's numbers are the reference's). */
  alibi?: boolean;
}

/** Plans, runs and compares; returns the plan's shape for tests that assert on it. */
export async function checkPaged(
  setup: PagedSetup,
  c: PagedCase,
  masking: ReferenceMasking,
  options: CheckOptions = {},
) {
  const device = setup.q.device;
  using plan = ops.planAttention(setup.metadata, { numKvHeads: c.numKvHeads, ...options.plan });
  using workspace = Tensor.empty([Math.max(1, ops.attentionWorkspaceBytes(plan))], {
    dtype: "uint8",
    device,
  });
  using slopes = masking.alibiSlopes ? Tensor.fromArray(masking.alibiSlopes, { device }) : undefined;
  ops.pagedAttention(setup.out, setup.q, setup.kvCache, plan, {
    scale: masking.scale,
    numKvHeads: c.numKvHeads,
    causal: masking.causal,
    slidingWindow: masking.slidingWindow,
    softcap: masking.softcap,
    alibiSlopes: slopes,
    workspace,
  });
  const expected = referenceAttention(setup.reference, masking);
  const { atol, rtol } = attentionTolerance(c.dtype);
  const actual = await setup.out.toFloat32Array();
  const { worst, at } = maxScaledError(actual, expected, atol, rtol);
  if (worst > 1) {
    const row = Math.floor(at / (c.numHeads * c.headSize));
    const head = Math.floor(at / c.headSize) % c.numHeads;
    expect.fail(
      `worst scaled error ${worst.toFixed(2)} at token ${row}, head ${head}: got ${actual[at]}, expected ${expected[at]}`,
    );
  }
  return {
    numWorkItems: plan.numWorkItems,
    numPartialRows: plan.numPartialRows,
    mergeItems: plan.mergeItems.shape[0]!,
  };
}
