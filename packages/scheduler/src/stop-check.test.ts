import { describe, expect, it } from "vitest";
import { Request } from "./request.js";
import { checkStop } from "./stop-check.js";

const EOS = 50256;
const make = (options: Partial<ConstructorParameters<typeof Request>[0]> = {}) =>
  new Request({
    requestId: "0",
    promptTokenIds: [0, 1, 2],
    eosTokenId: EOS,
    maxTokens: 20,
    maxModelLen: 100,
    ...options,
  });

function appendAndCheck(request: Request, ...tokens: number[]): boolean {
  let stopped = false;
  for (const token of tokens) {
    request.appendOutputTokenIds(token);
    stopped = checkStop(request);
    if (stopped) break;
  }
  return stopped;
}

describe("checkStop (spec §2.8, test_check_stop_min_tokens)", () => {
  it("ignores EOS below minTokens and stops on it once minTokens are out", () => {
    const request = make({ minTokens: 5 });
    expect(appendAndCheck(request, 10, 11, EOS)).toBe(false);
    expect(request.status).toBe("waiting");
    expect(appendAndCheck(request, 12, EOS)).toBe(true);
    expect(request.status).toBe("finishedStopped");
    expect(request.stopReason).toBeNull();
    expect(request.outputTokenIds).toEqual([10, 11, EOS, 12, EOS]);
  });

  it("stops on EOS with minTokens 0, and not at all under ignoreEos", () => {
    const eos = make();
    expect(appendAndCheck(eos, EOS)).toBe(true);
    expect(eos.finishReason).toBe("stop");
    const ignoring = make({ ignoreEos: true, maxTokens: 3 });
    expect(ignoring.eosTokenId).toBeNull();
    expect(appendAndCheck(ignoring, EOS, EOS)).toBe(false);
    expect(appendAndCheck(ignoring, EOS)).toBe(true);
    expect(ignoring.status).toBe("finishedLengthCapped");
  });

  it("reports the stop token as the stop reason, minTokens permitting", () => {
    const request = make({ stopTokenIds: [42, 43], minTokens: 2 });
    expect(appendAndCheck(request, 42)).toBe(false);
    expect(appendAndCheck(request, 43)).toBe(true);
    expect(request.status).toBe("finishedStopped");
    expect(request.stopReason).toBe(43);
  });

  it("caps by maxTokens (not below minTokens) and by maxModelLen (always)", () => {
    const capped = make({ maxTokens: 2 });
    expect(appendAndCheck(capped, 1)).toBe(false);
    expect(appendAndCheck(capped, 2)).toBe(true);
    expect(capped.finishReason).toBe("length");
    const context = make({ maxModelLen: 5, minTokens: 10 });
    expect(appendAndCheck(context, 1)).toBe(false);
    expect(appendAndCheck(context, 2)).toBe(true);
    expect(context.status).toBe("finishedLengthCapped");
    // EOS wins over the length cap when both hold.
    const both = make({ maxTokens: 1 });
    expect(appendAndCheck(both, EOS)).toBe(true);
    expect(both.status).toBe("finishedStopped");
  });
});
