// Streaming from the offline API: tokens arrive as the engine produces them.
//   npx tsx examples/streaming.ts [--model <folder or repo id>]
import { parseArgs } from "node:util";
import { embeddedModelPath, LLM, SamplingParams } from "@vllm-ts/llm";

const { values } = parseArgs({ options: { model: { type: "string" } } });
await using llm = new LLM({ model: values.model ?? embeddedModelPath() });

let printed = 0;
for await (const output of llm.stream(
  "JULIET:\n",
  new SamplingParams({ temperature: 0.8, maxTokens: 60, seed: 1 }),
)) {
  const text = output.outputs[0]!.text;
  process.stdout.write(text.slice(printed));
  printed = text.length;
}
process.stdout.write("\n");
