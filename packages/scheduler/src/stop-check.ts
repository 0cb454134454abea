import type { Request } from "./request.js";

/**
 * The stop checks run after each appended token (vLLM's check_stop, spec §2.8), setting the
 * status (and stop reason) when the request is done. Once `minTokens` are out: EOS (unless
 * ignoreEos), then a stop token (the stop reason), then `maxTokens`. `maxModelLen` caps even
 * before `minTokens`: no position past the model's context exists.
 */
export function checkStop(request: Request): boolean {
  const numOutput = request.numOutputTokens;
  const pastMinTokens = numOutput >= request.minTokens;
  if (pastMinTokens) {
    const last = request.outputTokenIds[numOutput - 1]!;
    if (!request.ignoreEos && last === request.eosTokenId) {
      request.status = "finishedStopped";
      return true;
    }
    if (request.stopTokenIds.includes(last)) {
      request.status = "finishedStopped";
      request.stopReason = last;
      return true;
    }
  }
  if (request.numTokens >= request.maxModelLen || (pastMinTokens && numOutput >= request.maxTokens)) {
    request.status = "finishedLengthCapped";
    return true;
  }
  return false;
}
