import { describe, expect, it } from "vitest";
import { InvalidCheckpointError, unpickle } from "../../src/loader/index.js";
import { PickleWriter } from "./torch-writer.js";

const run = (p: PickleWriter) => unpickle(p.op(0x2e).bytes(), "test.pkl");

describe("the restricted unpickler", () => {
  it("reads the integer encodings PyTorch emits, including LONG1 beyond 2^53", () => {
    for (const value of [0, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31, 2 ** 40, -(2 ** 40)]) {
      expect(run(new PickleWriter().op(0x80, 2).int(value))).toBe(value);
    }
    expect(run(new PickleWriter().op(0x80, 2).int(2n ** 70n))).toBe(2n ** 70n);
    expect(run(new PickleWriter().op(0x80, 2).int(-(2n ** 64n)))).toBe(-(2n ** 64n));
  });

  it("reads floats, strings, bytes, None and booleans", () => {
    const p = new PickleWriter().op(0x80, 2).op(0x28);
    p.op(0x47, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a); // BINFLOAT 0.1, big-endian
    p.unicode("héllo").op(0x8c, 2, 0x68, 0x69).op(0x43, 3, 1, 2, 3).op(0x4e, 0x88, 0x89);
    p.op(0x55, 2, 0xe9, 0x41); // SHORT_BINSTRING, latin-1
    expect(run(p.op(0x74))).toEqual([
      0.1,
      "héllo",
      "hi",
      Uint8Array.from([1, 2, 3]),
      null,
      true,
      false,
      "éA",
    ]);
  });

  it("builds dicts, lists and tuples, with the memo, DUP and POP", () => {
    const p = new PickleWriter().op(0x80, 2).op(0x7d, 0x71, 0x00); // {} memo 0
    p.op(0x28).unicode("a").op(0x5d, 0x28).int(1).int(2).op(0x65); // MARK 'a' [] MARK 1 2 APPENDS
    p.unicode("b").int(7).int(8).op(0x86); // 'b' (7, 8)
    p.unicode("c").op(0x68, 0x00); // 'c' → the dict itself
    p.op(0x75); // SETITEMS
    p.op(0x32, 0x30); // DUP, POP
    const result = run(p) as Map<string, unknown>;
    expect(result.get("a")).toEqual([1, 2]);
    expect(result.get("b")).toEqual([7, 8]);
    expect(result.get("c")).toBe(result);
  });

  it("decodes _codecs.encode byte strings (protocol 2 bytes)", () => {
    const p = new PickleWriter()
      .op(0x80, 2)
      .global("_codecs", "encode")
      .unicode("\u00ff\u0001")
      .unicode("latin1");
    expect(run(p.op(0x86, 0x52))).toEqual(Uint8Array.from([255, 1]));
  });

  it.each([
    ["a truncated pickle", new PickleWriter().op(0x80, 2, 0x58, 10, 0, 0, 0, 0x41), /ends early/],
    ["a stack underflow", new PickleWriter().op(0x80, 2, 0x85), /underflow/],
    ["a memo that was never set", new PickleWriter().op(0x80, 2, 0x68, 3), /memo 3 is not set/],
    ["two values left at STOP", new PickleWriter().op(0x80, 2, 0x4e, 0x4e), /one value/],
    ["APPEND to a dict", new PickleWriter().op(0x80, 2, 0x7d, 0x4e, 0x61), /not a list/],
  ])("rejects %s", (_, p, message) => {
    expect(() => run(p)).toThrow(InvalidCheckpointError);
    expect(() => run(p)).toThrow(message);
  });
});
