import { ValidationError } from "@vllm-ts/config";

/**
 * A chat template failed: it called `raise_exception(message)` (the message is the template's own
 * text) or hit an error while rendering. vLLM re-raises these as `ValueError(str(e))`.
 */
export class ChatTemplateError extends ValidationError {
  override name = "ChatTemplateError";

  /** True when the template itself raised via `raise_exception`. */
  constructor(
    message: string,
    readonly raisedByTemplate = false,
  ) {
    super(message);
  }
}

/** No chat template could be found (vLLM's ChatTemplateResolutionError). */
export class ChatTemplateResolutionError extends ValidationError {
  override name = "ChatTemplateResolutionError";
}
