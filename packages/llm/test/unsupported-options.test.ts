// Options and checkpoints the engine does not serve yet fail before anything loads, with a message
// that says what to do, and leave the process able to build the next LLM.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnsupportedError } from "@vllm-ts/config";
import { afterAll, describe, expect, it } from "vitest";
import { embeddedModelPath, LLM, SamplingParams } from "../src/index.js";

const model = embeddedModelPath();
const scratch = mkdtempSync(join(tmpdir(), "vllm-ts-unsupported-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function failure(options: ConstructorParameters<typeof LLM>[0]): Promise<Error> {
  const llm = new LLM(options);
  const error = await llm.ready().then(
    () => null,
    (e: unknown) => e as Error,
  );
  await llm.dispose();
  if (error === null) throw new Error("expected new LLM to fail");
  return error;
}

describe("options the engine does not serve yet", () => {
  it.each([
    [
      { tensorParallelSize: 2 },
      /^tensorParallelSize 2 is not supported yet: .* Use tensorParallelSize: 1\.$/,
    ],
    [
      { quantization: "awq" as const },
      /^quantization "awq" is not supported yet: load an unquantized checkpoint/,
    ],
    [{ enableLora: true }, /^enableLora is not supported yet/],
  ])("%o fails with an UnsupportedError saying what to do", async (extra, message) => {
    const error = await failure({ model, device: "cpu", ...extra });
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(error.message).toMatch(message);
  });

  it("refuses a quantized checkpoint even without the quantization option", async () => {
    const folder = join(scratch, "fp8");
    cpSync(model, folder, { recursive: true });
    const config = JSON.parse(readFileSync(join(folder, "config.json"), "utf8"));
    config.quantization_config = { quant_method: "fp8", activation_scheme: "dynamic" };
    writeFileSync(join(folder, "config.json"), JSON.stringify(config));
    const error = await failure({ model: folder, device: "cpu" });
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(error.message).toBe(
      "This checkpoint is quantized with fp8, which is not supported yet: load an unquantized checkpoint (dtype bfloat16/float16/float32).",
    );
  });

  it("accepts trustRemoteCode for a supported architecture (nothing Python runs either way)", async () => {
    await using llm = new LLM({ model, device: "cpu", trustRemoteCode: true });
    const [output] = await llm.generate(["ROMEO:"], new SamplingParams({ temperature: 0, maxTokens: 4 }), {
      useTqdm: false,
    });
    expect(output!.outputs[0]!.tokenIds).toHaveLength(4);
  });
});
