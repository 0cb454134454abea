/**
 * The error hierarchy of vllm-ts. Every error a user can see is a `VllmTsError`; the subclass says
 * what kind of mistake it is, and the message (vLLM's wording where vLLM has one) says what to change.
 */
export class VllmTsError extends Error {
  override name = "VllmTsError";
}

/** Bad user input: options, parameters, prompts (vLLM raises `ValueError` for these). */
export class ValidationError extends VllmTsError {
  override name = "ValidationError";
}

/** A value of the wrong type (vLLM raises `TypeError` for these). */
export class InvalidTypeError extends VllmTsError {
  override name = "InvalidTypeError";
}

/** A model, revision or file that cannot be found or read. */
export class ModelNotFoundError extends VllmTsError {
  override name = "ModelNotFoundError";
}

/** A feature that vllm-ts does not offer (yet), or not with the given combination of options. */
export class UnsupportedError extends VllmTsError {
  override name = "UnsupportedError";
}

/** The device cannot hold what was asked of it (weights, KV cache, a tensor). */
export class OutOfMemoryError extends VllmTsError {
  override name = "OutOfMemoryError";
}

/** The native backend or a device is missing or unusable. */
export class BackendError extends VllmTsError {
  override name = "BackendError";
}
