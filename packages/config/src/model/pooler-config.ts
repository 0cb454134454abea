import type { ArchFamily } from "../arch/arch-config.js";
import { type SeqPoolingType, SUPPORTED_ARCHITECTURES, type TokPoolingType } from "../arch/architectures.js";
import { InvalidTypeError, UnsupportedError, ValidationError } from "../errors.js";
import type { SentenceTransformersConfig } from "./sentence-transformers.js";

export type PoolingTask =
  | "embed"
  | "classify"
  | "token_embed"
  | "token_classify"
  | "plugin"
  | "embed&token_classify";
export type PoolingType = SeqPoolingType | TokPoolingType;

/** The `poolerConfig` option (vLLM's PoolerConfig fields in camelCase); every field optional. */
export interface PoolerConfigOptions {
  task?: PoolingTask | null;
  /** Convenience: sets seqPoolingType (CLS/LAST/MEAN) or tokPoolingType (ALL/STEP). */
  poolingType?: PoolingType | null;
  seqPoolingType?: SeqPoolingType | null;
  tokPoolingType?: TokPoolingType | null;
  useActivation?: boolean | null;
  dimensions?: number | null;
  enableChunkedProcessing?: boolean;
  maxEmbedLen?: number | null;
  logitMean?: number | null;
  logitSigma?: number | null;
  stepTagId?: number | null;
  returnedTokenIds?: readonly number[] | null;
}

/** The resolved pooler configuration of a pooling model. */
export interface PoolerConfig {
  readonly task: PoolingTask | null;
  readonly seqPoolingType: SeqPoolingType;
  readonly tokPoolingType: TokPoolingType;
  readonly useActivation: boolean | null;
  readonly dimensions: number | null;
  readonly enableChunkedProcessing: boolean;
  readonly maxEmbedLen: number | null;
  readonly logitMean: number | null;
  readonly logitSigma: number | null;
  readonly stepTagId: number | null;
  readonly returnedTokenIds: readonly number[] | null;
}

/** A model class's default pooling: vLLM's @default_pooling_type (LAST / ALL unless decorated). */
export type DefaultPoolingTypes = (
  architecture: string,
  family: ArchFamily,
) => { seq: SeqPoolingType; tok: TokPoolingType };

const ENCODER_FAMILIES: ReadonlySet<ArchFamily> = new Set(["bert", "roberta", "xlm-roberta"]);

/** CLS for BERT / RoBERTa / XLM-R encoders, LAST otherwise; token pooling ALL. */
export const defaultPoolingTypes: DefaultPoolingTypes = (architecture, family) => {
  const registered = SUPPORTED_ARCHITECTURES[architecture]?.seqPooling;
  return { seq: registered ?? (ENCODER_FAMILIES.has(family) ? "CLS" : "LAST"), tok: "ALL" };
};

const SEQ_TYPES: readonly string[] = ["CLS", "LAST", "MEAN"];
const TOK_TYPES: readonly string[] = ["ALL", "STEP"];

/** vLLM's PoolerConfig.__post_init__ checks, then the `poolingType` convenience split. */
function normalizeUserConfig(user: PoolerConfigOptions): PoolerConfigOptions {
  if (typeof user !== "object" || user === null) throw new InvalidTypeError("poolerConfig must be an object");
  const out = { ...user };
  if (out.logitSigma === 0) throw new ValidationError("logit_sigma cannot be 0 (division by zero)");
  const type = out.poolingType;
  if (type !== undefined && type !== null) {
    if (out.seqPoolingType != null)
      throw new ValidationError("Cannot set both `pooling_type` and `seq_pooling_type`");
    if (out.tokPoolingType != null)
      throw new ValidationError("Cannot set both `pooling_type` and `tok_pooling_type`");
    if (SEQ_TYPES.includes(type)) out.seqPoolingType = type as SeqPoolingType;
    else if (TOK_TYPES.includes(type)) out.tokPoolingType = type as TokPoolingType;
    else
      throw new UnsupportedError(
        `Pooling type ${String(type)} is not supported; use CLS, LAST, MEAN, ALL or STEP`,
      );
  }
  if (out.seqPoolingType != null && !SEQ_TYPES.includes(out.seqPoolingType)) {
    throw new ValidationError(`seqPoolingType must be CLS, LAST or MEAN, got ${String(out.seqPoolingType)}`);
  }
  if (out.tokPoolingType != null && !TOK_TYPES.includes(out.tokPoolingType)) {
    throw new ValidationError(`tokPoolingType must be ALL or STEP, got ${String(out.tokPoolingType)}`);
  }
  if (out.dimensions != null && (!Number.isInteger(out.dimensions) || out.dimensions < 1)) {
    throw new ValidationError("Dimensions must be greater than 0");
  }
  return out;
}

/**
 * Resolves the pooler config as vLLM's ModelConfig does: the user's fields first, then the
 * sentence-transformers Pooling module (its type, and Normalize → useActivation), then the model
 * class's default pooling types.
 */
export function resolvePoolerConfig(
  user: PoolerConfigOptions | null | undefined,
  sentenceTransformers: SentenceTransformersConfig | null,
  modelDefault: { seq: SeqPoolingType; tok: TokPoolingType },
): PoolerConfig {
  const given = normalizeUserConfig(user ?? {});
  let seq = given.seqPoolingType ?? null;
  let tok = given.tokPoolingType ?? null;
  let useActivation = given.useActivation ?? null;
  const stType = sentenceTransformers?.poolingType ?? null;
  const userSetType =
    given.poolingType != null || given.seqPoolingType != null || given.tokPoolingType != null;
  if (sentenceTransformers && stType !== null) {
    if (!userSetType) {
      if (SEQ_TYPES.includes(stType)) seq = stType as SeqPoolingType;
      else tok = stType as TokPoolingType;
    }
    useActivation ??= sentenceTransformers.normalize;
  }
  return {
    task: given.task ?? null,
    seqPoolingType: seq ?? modelDefault.seq,
    tokPoolingType: tok ?? modelDefault.tok,
    useActivation,
    dimensions: given.dimensions ?? null,
    enableChunkedProcessing: given.enableChunkedProcessing ?? false,
    maxEmbedLen: given.maxEmbedLen ?? null,
    logitMean: given.logitMean ?? null,
    logitSigma: given.logitSigma ?? null,
    stepTagId: given.stepTagId ?? null,
    returnedTokenIds: given.returnedTokenIds ?? null,
  };
}
