// The seed's example (vLLM's examples/offline_inference/basic.py), in TypeScript.
//   npx tsx examples/offline_inference.ts [--model <folder or Hugging Face repo id>] [--device cpu|cuda]
// Without --model it runs the small model that ships with vllm-ts.
import { parseArgs } from "node:util";
import { embeddedModelPath, LLM, SamplingParams } from "@vllm-ts/llm";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    device: { type: "string", default: "auto" },
    "max-tokens": { type: "string", default: "100" },
  },
});

const prompts = [
  "Hello, my name is",
  "The president of the United States is",
  "The capital of France is",
  "ROMEO:",
];
const samplingParams = new SamplingParams({
  temperature: 0.8,
  topP: 0.95,
  maxTokens: Number(values["max-tokens"]),
});

await using llm = new LLM({ model: values.model ?? embeddedModelPath(), device: values.device as "auto" });
const outputs = await llm.generate(prompts, samplingParams);

console.log("\nGenerated Outputs:\n" + "-".repeat(60));
for (const output of outputs) {
  console.log(`Prompt:    ${JSON.stringify(output.prompt)}`);
  console.log(`Output:    ${JSON.stringify(output.outputs[0]!.text)}`);
  console.log("-".repeat(60));
}
