import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  InvalidCheckpointError,
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  readSafetensorsHeader,
  type SafetensorsHeader,
} from "../../src/loader/index.js";
import { headerLength } from "../../src/loader/safetensors-header.js";
import { safetensorsBytes } from "./safetensors-writer.js";

const SIZES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, U8: 1, BOOL: 1, F64: 8, I8: 1 };

// Random valid checkpoints to mutate: a few tensors of random dtypes and small shapes.
const tensorSpec = fc.record({
  name: fc.string({ minLength: 0, maxLength: 12 }),
  dtype: fc.constantFrom(...Object.keys(SIZES)),
  shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
});
const checkpoint = fc
  .uniqueArray(tensorSpec, { maxLength: 5, selector: (t) => t.name })
  .filter((specs) => specs.every((s) => s.name !== "__metadata__"))
  .map((specs) =>
    safetensorsBytes(
      specs.map((s) => ({
        ...s,
        data: new Uint8Array(s.shape.reduce((a, b) => a * b, 1) * (SIZES[s.dtype] as number)).fill(7),
      })),
    ),
  );

// Mutations of the kinds that break real files: bit flips, byte overwrites (in the header above
// all), truncation, insertion, and a rewritten length prefix.
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant("char" as const),
    at: fc.nat(),
    value: fc.constantFrom(...'{}[]",:0123456789-e.'.split("")),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant("length" as const),
    value: fc.oneof(fc.bigInt({ min: 0n, max: 600n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  }),
);

function mutate(bytes: Uint8Array, mutations: readonly unknown[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations as { kind: string; at?: number; bit?: number; value?: unknown }[]) {
    const declared = out.length >= 8 ? Number(new DataView(out.buffer).getBigUint64(0, true) & 0xffffn) : 0;
    const headerEnd = Math.min(out.length, 8 + declared);
    // Aim most positional mutations at the header, where the parser's logic is.
    const at =
      out.length === 0 ? 0 : (m.at as number) % Math.max(1, m.kind === "truncate" ? out.length : headerEnd);
    switch (m.kind) {
      case "flip":
        if (at < out.length) out[at] = (out[at] as number) ^ (1 << (m.bit as number));
        break;
      case "byte":
        if (at < out.length) out[at] = m.value as number;
        break;
      case "char":
        if (at >= 8 && at < out.length) out[at] = (m.value as string).charCodeAt(0);
        break;
      case "truncate":
        out = out.slice(0, at);
        break;
      case "insert":
        out = Uint8Array.from([...out.subarray(0, at), m.value as number, ...out.subarray(at)]);
        break;
      case "length":
        if (out.length >= 8) new DataView(out.buffer).setBigUint64(0, m.value as bigint, true);
        break;
    }
  }
  return out;
}

/** Parses an in-memory file as the loader does; returns the header or the typed error. */
function parse(bytes: Uint8Array): SafetensorsHeader {
  const length = headerLength(bytes.subarray(0, 8), bytes.length, "fuzz.safetensors");
  return parseSafetensorsHeader(bytes.subarray(8, 8 + length), bytes.length, "fuzz.safetensors");
}

function checkConsistent(header: SafetensorsHeader, fileSize: number): void {
  let cursor = header.dataStart;
  for (const entry of header.entries) {
    expect(entry.begin).toBe(cursor);
    expect(entry.end).toBeGreaterThanOrEqual(entry.begin);
    cursor = entry.end;
  }
  expect(cursor).toBe(fileSize);
  expect(header.dataStart).toBeLessThanOrEqual(8 + MAX_HEADER_BYTES);
}

describe("safetensors header fuzzing", () => {
  it("accepts every valid file it is given", () => {
    fc.assert(
      fc.property(checkpoint, (bytes) => {
        checkConsistent(parse(bytes), bytes.length);
      }),
      { numRuns: 500, seed: 42 },
    );
  });

  it("turns 12,000 mutated files into a valid header or an InvalidCheckpointError, never anything else", () => {
    let rejected = 0;
    fc.assert(
      fc.property(checkpoint, fc.array(mutation, { minLength: 1, maxLength: 3 }), (bytes, mutations) => {
        const mutated = mutate(bytes, mutations);
        try {
          checkConsistent(parse(mutated), mutated.length);
        } catch (error) {
          if (!(error instanceof InvalidCheckpointError)) throw error;
          expect(error.message.startsWith("fuzz.safetensors: ")).toBe(true);
          rejected++;
        }
      }),
      { numRuns: 12_000, seed: 7 },
    );
    // Most mutations must actually break something, or the fuzzer tests nothing.
    expect(rejected).toBeGreaterThan(6_000);
  });

  it("reads mutated files from disk with the same guarantees", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fuzz-"));
    const samples = fc.sample(fc.tuple(checkpoint, fc.array(mutation, { minLength: 1, maxLength: 2 })), {
      numRuns: 300,
      seed: 11,
    });
    for (const [i, [bytes, mutations]] of samples.entries()) {
      const mutated = mutate(bytes, mutations);
      const path = join(dir, `${i}.safetensors`);
      writeFileSync(path, mutated);
      try {
        checkConsistent(await readSafetensorsHeader(path), mutated.length);
      } catch (error) {
        if (!(error instanceof InvalidCheckpointError)) throw error;
        expect(error.path).toBe(path);
      }
    }
  });
});
