import { join } from "node:path";
import type { QuantizationMethod } from "../engine-options.js";
import { ValidationError } from "../errors.js";
import { type HfConfig, isPlainObject, readJsonFile } from "./hf-config.js";

/** AutoAWQ 4-bit weights (GEMM layout): qweight/qzeros packed 8 values per int32, fp16 scales. */
export interface AwqConfig {
  readonly method: "awq";
  readonly weightBits: 4;
  readonly groupSize: number;
  readonly zeroPoint: boolean;
  readonly version: string;
  readonly modulesToNotConvert: readonly string[];
  /** Values per int32 (32 / weightBits). */
  readonly packFactor: number;
}

/** GPTQ (AutoGPTQ / GPTQModel): qweight packed along the input dimension, g_idx with act-order. */
export interface GptqConfig {
  readonly method: "gptq";
  readonly weightBits: 2 | 3 | 4 | 8;
  /** -1 means one group per output channel. */
  readonly groupSize: number;
  readonly descAct: boolean;
  readonly sym: boolean;
  readonly lmHeadQuantized: boolean;
  readonly checkpointFormat: string;
  readonly packFactor: number;
}

/** FP8 (e4m3) weights, serialized in the checkpoint or quantized at load time. */
export interface Fp8Config {
  readonly method: "fp8";
  readonly isCheckpointFp8Serialized: boolean;
  readonly activationScheme: "static" | "dynamic";
  readonly ignoredLayers: readonly string[];
  /** [block_n, block_k] for block-wise scales; null for per-tensor scales. */
  readonly weightBlockSize: readonly [number, number] | null;
}

export type QuantizationConfig = AwqConfig | GptqConfig | Fp8Config;

export const QUANTIZATION_METHODS: readonly QuantizationMethod[] = ["awq", "gptq", "fp8"];

type Raw = Record<string, unknown>;

function fromKeys(raw: Raw, keys: readonly string[], method: string): unknown {
  for (const key of keys) if (raw[key] !== undefined) return raw[key];
  throw new ValidationError(
    `Cannot find any of ${JSON.stringify(keys)} in the model's ${method} quantization config.`,
  );
}

function int(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ValidationError(
      `quantization config: '${what}' must be an integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function parseAwq(raw: Raw): AwqConfig {
  const weightBits = int(fromKeys(raw, ["w_bit", "bits"], "awq"), "bits");
  if (weightBits !== 4) {
    throw new ValidationError(
      `Currently, only 4-bit weight quantization is supported for AWQ, but got ${weightBits} bits.`,
    );
  }
  const modules = raw.modules_to_not_convert;
  return {
    method: "awq",
    weightBits: 4,
    groupSize: int(fromKeys(raw, ["q_group_size", "group_size"], "awq"), "group_size"),
    zeroPoint: Boolean(fromKeys(raw, ["zero_point"], "awq")),
    version: typeof raw.version === "string" ? raw.version.toLowerCase() : "gemm",
    modulesToNotConvert: Array.isArray(modules) ? modules.map(String) : [],
    packFactor: 8,
  };
}

function parseGptq(raw: Raw): GptqConfig {
  const weightBits = int(fromKeys(raw, ["bits"], "gptq"), "bits");
  if (![2, 3, 4, 8].includes(weightBits)) {
    throw new ValidationError(
      `Currently, only 2/3/4/8-bit weight quantization is supported for GPTQ, but got ${weightBits} bits.`,
    );
  }
  const groupSize = int(fromKeys(raw, ["group_size"], "gptq"), "group_size");
  if (groupSize !== -1 && groupSize <= 0) {
    throw new ValidationError(
      `quantization config: GPTQ group_size must be -1 or positive, got ${groupSize}`,
    );
  }
  return {
    method: "gptq",
    weightBits: weightBits as GptqConfig["weightBits"],
    groupSize,
    descAct: Boolean(fromKeys(raw, ["desc_act"], "gptq")),
    sym: raw.sym === undefined ? true : Boolean(raw.sym),
    lmHeadQuantized: Boolean(raw.lm_head ?? false),
    checkpointFormat: typeof raw.checkpoint_format === "string" ? raw.checkpoint_format : "gptq",
    packFactor: 32 / weightBits,
  };
}

function parseFp8(raw: Raw | null): Fp8Config {
  const method = typeof raw?.quant_method === "string" ? raw.quant_method : "";
  const activationScheme = (raw?.activation_scheme ?? "dynamic") as string;
  if (activationScheme !== "static" && activationScheme !== "dynamic") {
    throw new ValidationError(`Unsupported activation scheme ${activationScheme}`);
  }
  let weightBlockSize: Fp8Config["weightBlockSize"] = null;
  const block = raw?.weight_block_size;
  if (block !== undefined && block !== null) {
    if (!Array.isArray(block) || block.length !== 2) {
      const dims = Array.isArray(block) ? block.length : 0;
      throw new ValidationError(
        `The quantization block size of weight must have 2 dimensions, but got ${dims} dimensions`,
      );
    }
    if (activationScheme !== "dynamic") {
      throw new ValidationError(
        `The block-wise quantization only supports dynamic activation scheme for now, but got ${activationScheme} activation scheme.`,
      );
    }
    weightBlockSize = [int(block[0], "weight_block_size"), int(block[1], "weight_block_size")];
  }
  const ignored = raw?.ignored_layers ?? raw?.modules_to_not_convert;
  return {
    method: "fp8",
    isCheckpointFp8Serialized: method.includes("fp8"),
    activationScheme,
    ignoredLayers: Array.isArray(ignored) ? ignored.map(String) : [],
    weightBlockSize,
  };
}

// Files older AWQ / GPTQ checkpoints keep their quantization settings in (vLLM's get_config_filenames).
const CONFIG_FILES: Readonly<Record<"awq" | "gptq", readonly string[]>> = {
  awq: ["quant_config.json", "quantize_config.json"],
  gptq: ["quantize_config.json"],
};

/**
 * vLLM's `_verify_quantization` for the methods vllm-ts implements: the checkpoint's
 * `quantization_config` (or its quantize_config.json) must agree with the `quantization` option,
 * methods outside awq/gptq/fp8 are refused with vLLM's message, and the fields are validated.
 */
export async function resolveQuantizationConfig(
  hfConfig: HfConfig,
  modelDir: string,
  requested: QuantizationMethod | null | undefined,
): Promise<QuantizationConfig | null> {
  const wanted = requested ? (requested.toLowerCase() as QuantizationMethod) : null;
  let raw = isPlainObject(hfConfig.quantization_config) ? hfConfig.quantization_config : null;
  raw ??= isPlainObject(hfConfig.compression_config) ? hfConfig.compression_config : null;
  let method: string | null = null;
  if (raw !== null) {
    method =
      String(raw.quant_method ?? "")
        .toLowerCase()
        .replace("compressed_tensors", "compressed-tensors") || null;
    if (wanted !== null && method !== null && wanted !== method) {
      throw new ValidationError(
        `Quantization method specified in the model config (${method}) does not match the quantization ` +
          `method specified in the \`quantization\` argument (${wanted}).`,
      );
    }
  }
  const chosen = wanted ?? method;
  if (chosen === null) return null;
  if (!(QUANTIZATION_METHODS as readonly string[]).includes(chosen)) {
    throw new ValidationError(
      `Unknown quantization method: ${chosen}. Must be one of ['awq', 'gptq', 'fp8'].`,
    );
  }
  if (chosen === "fp8") return parseFp8(raw);
  if (raw === null) {
    const found: Raw[] = [];
    const names: string[] = [];
    for (const name of CONFIG_FILES[chosen as "awq" | "gptq"]) {
      const file = await readJsonFile(join(modelDir, name));
      if (isPlainObject(file)) {
        found.push(file);
        names.push(name);
      }
    }
    if (found.length === 0) throw new ValidationError(`Cannot find the config file for ${chosen}`);
    if (found.length > 1)
      throw new ValidationError(`Found multiple config files for ${chosen}: ${JSON.stringify(names)}`);
    raw = found[0] as Raw;
  }
  return chosen === "awq" ? parseAwq(raw) : parseGptq(raw);
}
