import { ValidationError } from "@vllm-ts/config";

/**
 * A checkpoint file that is not what its format promises: a truncated file, a corrupt or hostile
 * header, offsets outside the data, an unknown dtype. `path` names the file at fault.
 */
export class InvalidCheckpointError extends ValidationError {
  override name = "InvalidCheckpointError";

  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

/** A PyTorch pickle that asks for anything beyond a plain state dict; nothing of it is executed. */
export class UnsafeCheckpointError extends InvalidCheckpointError {
  override name = "UnsafeCheckpointError";
}
